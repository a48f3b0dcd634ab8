// Login by mailed link. The server mails {PUBLIC_BASE_URL}/login?magic=TOKEN
// (server/accounts/api.py: request_magic_link): the login page takes the token out of
// the address bar before anything else, so that no history entry, bookmark or shared
// screen keeps it, then redeems it once. Asking for a link gets the same answer
// whether or not the address has an account, and the page says no more than that.
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { postFromLogin, setCsrfToken } from '../api.js';
import { t } from '../i18n.js';
import { Button, ErrorBox, Field, Notice, errorMessage } from '../ui/components.js';

const DEFAULT_MINUTES = 15; // the server's MAGIC_LINK_MAX_AGE, should it not say
const FAILURES = {
  magic_link_expired: 'login.magic_expired',
  magic_link_used: 'login.magic_used',
  magic_link_invalid: 'login.magic_invalid',
};

/** The ?magic= token of the current address, taken out of it (replaceState); null if there is none. */
export function takeMagicToken() {
  const token = new URLSearchParams(location.search).get('magic');
  if (token === null) return null;
  // The other parameters stay as they were written (URLSearchParams would re-encode
  // ?next=/o/… as %2Fo%2F…).
  const rest = location.search.slice(1).split('&').filter((part) => part && !part.startsWith('magic='));
  history.replaceState(history.state, '', location.pathname + (rest.length ? `?${rest.join('&')}` : '') + location.hash);
  return token;
}

/** Why a link did not open the session, in a sentence that says what to do next. */
export function magicFailureText(error) {
  const key = FAILURES[error?.code];
  return key ? t(key) : errorMessage(error);
}

/**
 * Redeem `token` (null: nothing to do) → {status: 'idle'|'redeeming'|'failed', error}.
 * `onSession(session)` runs once the server has opened the session.
 */
export function useMagicLink(token, onSession) {
  const [state, setState] = useState({ status: token === null ? 'idle' : 'redeeming', error: null });
  useEffect(() => {
    if (token === null) return;
    postFromLogin('/auth/magic-link/redeem', { token }).then(
      (session) => {
        setCsrfToken(session.csrf_token);
        onSession(session);
      },
      (error) => setState({ status: 'failed', error }),
    );
  }, [token]);
  return state;
}

const looksLikeEmail = (text) => /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(text.trim());

/** "Send me a link": an email field, then the same sentence whatever the address. */
export function MagicLinkRequest({ initialEmail = '', onBack }) {
  const [email, setEmail] = useState(initialEmail);
  const [invalid, setInvalid] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const [sentMinutes, setSentMinutes] = useState(null);

  async function submit(event) {
    event.preventDefault();
    const form = event.currentTarget;
    setError(null);
    if (!looksLikeEmail(email)) {
      setInvalid(true);
      setTimeout(() => form.querySelector('input')?.focus(), 0);
      return;
    }
    setInvalid(false);
    setBusy(true);
    try {
      const answer = await postFromLogin('/auth/magic-link', { email: email.trim() });
      setSentMinutes(Math.round((answer?.expires_in_seconds ?? DEFAULT_MINUTES * 60) / 60));
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  return html`<div class="magic-link">
    <h2>${t('login.magic_title')}</h2>
    ${sentMinutes === null ? html`<p class="lead">${t('login.magic_lead')}</p>
      <form onSubmit=${submit} class="form magic-link-form" novalidate>
        <${Field} label=${t('login.email')} type="email" autocomplete="email" required value=${email}
          onInput=${setEmail} error=${invalid ? t('login.magic_error_email') : null} />
        <${ErrorBox} error=${error} />
        <${Button} type="submit" busy=${busy}>${t('login.magic_submit')}</${Button}>
      </form>`
      : html`<${Notice}>${t('login.magic_sent', { count: sentMinutes })}</${Notice}>
        <p class="meta">${t('login.magic_sent_hint')}</p>`}
    <p><${Button} kind="link" onClick=${onBack}>${t('login.use_password')}</${Button}></p>
  </div>`;
}
