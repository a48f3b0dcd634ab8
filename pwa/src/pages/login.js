// Member login (organisations, venue staff, operators). Only the CSRF token is kept,
// in memory and sessionStorage; the session itself is the server's HttpOnly cookie.
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { api, setCsrfToken } from '../api.js';
import { t } from '../i18n.js';
import { navigate } from '../router.js';
import { Button, ErrorBox, Field, Link } from '../ui/components.js';

/** Where to go after login: ?next=/o/… (same-origin paths only). */
function nextPath() {
  const next = new URLSearchParams(location.search).get('next');
  return next && next.startsWith('/') && !next.startsWith('//') ? next : '/o';
}

export function Login() {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);

  async function submit(event) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const session = await api('/auth/login', { method: 'POST', body: { email, password } });
      setCsrfToken(session.csrf_token);
      navigate(nextPath(), { replace: true });
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  }

  return html`<section class="page narrow">
    <h1>${t('login.title')}</h1>
    <form onSubmit=${submit} class="form">
      <${Field} label=${t('login.email')} type="email" autocomplete="username" required value=${email}
        onInput=${setEmail} />
      <${Field} label=${t('login.password')} type="password" autocomplete="current-password" required
        value=${password} onInput=${setPassword} />
      <${ErrorBox} error=${error} />
      <${Button} type="submit" busy=${busy}>${t('login.submit')}</${Button}>
    </form>
    <p class="signup-link"><${Link} href="/o/registrati">${t('org.signup_link')}</${Link}></p>
  </section>`;
}

/** The CSRF token of a session opened earlier (e.g. after a reload): ask the server. */
export async function restoreSession() {
  const me = await api('/auth/me');
  if (me?.csrf_token) setCsrfToken(me.csrf_token);
  return me;
}
