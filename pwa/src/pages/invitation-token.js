// What an invitation link says, read without the server. The token is itsdangerous'
// URLSafeTimedSerializer output (server/accounts/api.py: invitation_token):
//   PAYLOAD.TIMESTAMP.SIGNATURE, PAYLOAD = base64url(JSON), or ".PAYLOAD…" when the
//   JSON was zlib-compressed because that made it shorter.
// The signature is the server's to check: nothing read here is trusted, only shown
// (which organisation invites whom) and used to pick where to land afterwards.

const STAFF = 'staff';

function base64UrlBytes(text) {
  if (!/^[A-Za-z0-9_-]+$/.test(text)) throw new Error('not base64url');
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

async function inflate(bytes) {
  if (typeof DecompressionStream === 'undefined') throw new Error('no DecompressionStream');
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('deflate'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/**
 * {org, name, email, role} from an invitation token, unverified; null when the token
 * is not one (cut short, mistyped, an older browser that cannot inflate it).
 */
export async function readInvitationUnverified(token) {
  try {
    const text = String(token ?? '');
    const compressed = text.startsWith('.');
    const parts = (compressed ? text.slice(1) : text).split('.');
    if (parts.length !== 3) return null;
    let bytes = base64UrlBytes(parts[0]);
    if (compressed) bytes = await inflate(bytes);
    const data = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    if (!Number.isInteger(data?.org) || typeof data.email !== 'string' || typeof data.role !== 'string') return null;
    return { org: data.org, name: typeof data.name === 'string' ? data.name : null, email: data.email,
             role: data.role };
  } catch {
    return null;
  }
}

/**
 * Where a new member lands: the entrance scanner (/s) when all they are, in the
 * organisation that invited them (or, not knowing which, everywhere), is venue staff;
 * the organisations' area (/o) otherwise. `user` is the session's user.
 */
export function landingPath(user, invitedOrg) {
  const memberships = user?.memberships ?? [];
  const joined = memberships.find((m) => m.organisation_id === invitedOrg);
  const roles = joined ? [joined.role] : memberships.map((m) => m.role);
  return roles.length && roles.every((role) => role === STAFF) ? '/s' : '/o';
}
