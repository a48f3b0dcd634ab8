// /invito#TOKEN: an organisation's owner sent this link (org/people.js). The token is
// the fragment, which browsers never send, so it reaches no server log. The person
// picks a password (or types theirs, if the address already has an account), joins,
// and lands where they will work: the entrance scanner for venue staff, the
// organisations' area for everyone else. Leaving replaces this history entry, so the
// token does not stay in the browser's history either.
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { postFromLogin, setCsrfToken } from '../api.js';
import { t } from '../i18n.js';
import { navigate } from '../router.js';
import { Button, ErrorBox, Field, Link, errorMessage } from '../ui/components.js';
import { landingPath, readInvitationUnverified } from './invitation-token.js';

const MIN_PASSWORD = 10; // server/accounts/api.py: MIN_PASSWORD_LENGTH

function Invitee({ invitation }) {
  if (!invitation) return html`<p class="lead">${t('invite.lead_unknown')}</p>`;
  const role = t(invitation.role === 'staff' ? 'invite.role_staff' : 'invite.role_member');
  return html`<p class="lead">${invitation.name
    ? t('invite.lead', { name: invitation.name, role }) : t('invite.lead_unknown')}</p>
    <p>${t('invite.account')} <strong class="invite-email">${invitation.email}</strong></p>`;
}

export function Invitation() {
  const [token] = useState(() => location.hash.replace(/^#/, ''));
  const [invitation, setInvitation] = useState(null);
  const [password, setPassword] = useState('');
  const [fieldError, setFieldError] = useState(null);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    readInvitationUnverified(token).then(setInvitation);
  }, [token]);

  async function submit(event) {
    event.preventDefault();
    const input = event.currentTarget.querySelector('input[type="password"]');
    setError(null);
    setFieldError(null);
    if (password.length < MIN_PASSWORD) {
      setFieldError(t('invite.error_password', { count: MIN_PASSWORD }));
      setTimeout(() => input?.focus(), 0);
      return;
    }
    setBusy(true);
    try {
      const session = await postFromLogin('/invitations/accept', { token, password });
      setCsrfToken(session.csrf_token);
      navigate(landingPath(session.user, invitation?.org), { replace: true });
    } catch (failure) {
      setBusy(false);
      if (failure.code === 'invalid_credentials') {
        setFieldError(t('invite.existing_account'));
      } else if (failure.field === 'password') {
        setFieldError(errorMessage(failure));
      } else {
        setError(failure);
        return;
      }
      setTimeout(() => input?.focus(), 0);
    }
  }

  if (!token) {
    return html`<section class="page narrow">
      <h1>${t('invite.title')}</h1>
      <div class="error-box" role="alert"><p>${t('invite.missing')}</p></div>
      <p><${Link} href="/login">${t('invite.have_account')}</${Link}></p>
    </section>`;
  }
  return html`<section class="page narrow invitation">
    <h1>${t('invite.title')}</h1>
    <${Invitee} invitation=${invitation} />
    <form onSubmit=${submit} class="form" novalidate>
      <${Field} label=${t('login.password')} type="password" autocomplete="new-password" required
        value=${password} onInput=${setPassword} error=${fieldError}
        hint=${t('invite.password_hint', { count: MIN_PASSWORD })} />
      <${ErrorBox} error=${error} />
      <${Button} type="submit" busy=${busy}>${t('invite.submit')}</${Button}>
    </form>
  </section>`;
}
