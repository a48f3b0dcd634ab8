// Who is logged in to the organisations' area: GET /auth/me, kept for the visit.
// The session itself is the server's HttpOnly cookie; /auth/me also hands back the
// CSRF token a reload lost from memory (restoreSession in pages/login.js).
import { useEffect, useState } from 'preact/hooks';
import { api, setCsrfToken } from '../api.js';
import { restoreSession } from '../pages/login.js';

let current = { status: 'unknown', me: null, error: null };
let pending = null;
const listeners = new Set();

function publish(next) {
  current = next;
  for (const listener of listeners) listener(current);
}

/** Ask the server again (after login, logout, registering an organisation). */
export function reloadSession() {
  if (!pending) {
    pending = restoreSession().then(
      (me) => publish({ status: 'in', me, error: null }),
      (error) => publish(error.code === 'login_required' || error.status === 401
        ? { status: 'out', me: null, error: null }
        : { status: 'failed', me: null, error }),
    ).finally(() => {
      pending = null;
    });
  }
  return pending;
}

/**
 * {status: 'unknown'|'in'|'out'|'failed', me, error}. Asks the server each time the
 * area is entered: the login page (outside this area) may have opened another
 * session meanwhile. A known user is shown at once and refreshed behind it.
 */
export function useSession() {
  const [state, setState] = useState(current.status === 'in' ? current : { status: 'unknown', me: null });
  useEffect(() => {
    listeners.add(setState);
    reloadSession();
    return () => listeners.delete(setState);
  }, []);
  return state;
}

export async function logOut() {
  try {
    await api('/auth/logout', { method: 'POST', csrf: true });
  } finally {
    setCsrfToken(null);
    publish({ status: 'out', me: null, error: null });
  }
}

/** Mark the session as open with the user a login or sign-up answered with. */
export function sessionOpened(session) {
  setCsrfToken(session.csrf_token);
  publish({ status: 'in', me: { ...session.user, csrf_token: session.csrf_token }, error: null });
}

/** The membership of `me` in organisation `id` (a number or a route's string), or undefined. */
export function membershipOf(me, id) {
  return me?.memberships?.find((m) => String(m.organisation_id) === String(id));
}
