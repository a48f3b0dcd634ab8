// Member login (organisations, venue staff, operators): a password, or a link by mail
// (magic-link.js). Only the CSRF token is kept, in memory and sessionStorage; the
// session itself is the server's HttpOnly cookie.
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { api, postFromLogin, setCsrfToken } from '../api.js';
import { t } from '../i18n.js';
import { navigate } from '../router.js';
import { Button, ErrorBox, Field, Link, Spinner } from '../ui/components.js';
import { MagicLinkRequest, magicFailureText, takeMagicToken, useMagicLink } from './magic-link.js';

/** Where to go after login: ?next=/o/… (same-origin paths only). */
function nextPath() {
  const next = new URLSearchParams(location.search).get('next');
  return next && next.startsWith('/') && !next.startsWith('//') ? next : '/o';
}

export function Login() {
  // First of all: a mailed link's token leaves the address bar before anything renders.
  const [magicToken] = useState(takeMagicToken);
  const magic = useMagicLink(magicToken, () => navigate(nextPath(), { replace: true }));
  const [byLink, setByLink] = useState(false);
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);

  async function submit(event) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const session = await postFromLogin('/auth/login', { email, password });
      setCsrfToken(session.csrf_token);
      navigate(nextPath(), { replace: true });
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  }

  if (magic.status === 'redeeming') {
    return html`<section class="page narrow">
      <h1>${t('login.title')}</h1>
      <p class="loading" role="status"><${Spinner} /> ${t('login.magic_redeeming')}</p>
    </section>`;
  }
  return html`<section class="page narrow">
    <h1>${t('login.title')}</h1>
    ${magic.status === 'failed' ? html`<div class="error-box magic-link-failed" role="alert">
      <p>${magicFailureText(magic.error)}</p></div>` : null}
    ${byLink ? html`<${MagicLinkRequest} initialEmail=${email} onBack=${() => setByLink(false)} />` : html`
      <form onSubmit=${submit} class="form">
        <${Field} label=${t('login.email')} type="email" autocomplete="username" required value=${email}
          onInput=${setEmail} />
        <${Field} label=${t('login.password')} type="password" autocomplete="current-password" required
          value=${password} onInput=${setPassword} />
        <${ErrorBox} error=${error} />
        <${Button} type="submit" busy=${busy}>${t('login.submit')}</${Button}>
      </form>
      <p class="magic-link-option"><${Button} kind="link" onClick=${() => setByLink(true)}>
        ${t('login.magic_option')}</${Button}></p>`}
    <p class="signup-link"><${Link} href="/o/registrati">${t('org.signup_link')}</${Link}></p>
  </section>`;
}

/** The CSRF token of a session opened earlier (e.g. after a reload): ask the server. */
export async function restoreSession() {
  const me = await api('/auth/me');
  if (me?.csrf_token) setCsrfToken(me.csrf_token);
  return me;
}
