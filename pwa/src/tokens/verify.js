// Verifying tokens offline, with an injected clock; twin of signing/verify.py.
//
// Order of checks (docs/tokens.md, "Verification"), the first failure is the result:
//   1 structure  2 issuer key id  3 issuer signature  4 device signature
//   5 revocation  6 validity window  7 time step  8 scope
// Only structure and the key id are read before the issuer signature is checked; no
// other field is believed until then. Errors are TokenError with the Python codes.

import { asBytes, toHex } from './bytes.js';
import { TokenError } from './errors.js';
import {
  KIND_PRESENTATION, KIND_SCANNER_RECORD, KIND_TICKET, KIND_VOUCHER, SIGNATURE_LENGTH, STEP_SECONDS,
  readUnverified,
} from './format.js';
import { asKeyset } from './keys.js';
import { importPublicKey, verifySignature } from './p256.js';

/** How far apart the wallet's and the scanner's clocks may be (operators can change it). */
export const DEFAULT_MAX_SKEW_SECONDS = 90;

/**
 * What the revocation list says: voucher ids, ticket ids, device keys (33-byte
 * compressed points, as bytes or hex). Arrays or Sets.
 */
export function makeRevocations({ voucherIds = [], ticketIds = [], deviceKeys = [] } = {}) {
  return Object.freeze({
    voucherIds: new Set(Array.from(voucherIds, Number)),
    ticketIds: new Set(Array.from(ticketIds, Number)),
    deviceKeys: new Set(Array.from(deviceKeys, (key) => (typeof key === 'string' ? key.toLowerCase() : toHex(key)))),
  });
}

export const NO_REVOCATIONS = makeRevocations();

/** Revocations from the bootstrap bundle's entries: [{kind: voucher|ticket|device_key, value}]. */
export function revocationsFromEntries(entries = []) {
  const lists = { voucher: [], ticket: [], device_key: [] };
  for (const entry of entries) if (lists[entry.kind]) lists[entry.kind].push(entry.value);
  return makeRevocations({ voucherIds: lists.voucher, ticketIds: lists.ticket, deviceKeys: lists.device_key });
}

async function checkIssuerSignature(credential, signed, keys, now) {
  const issuerKey = asKeyset(keys).keyFor(credential.keyId, now);
  const cryptoKey = await issuerKey.cryptoKey();
  let valid = false;
  try {
    valid = await crypto.subtle.verify('Ed25519', cryptoKey, credential.signature, signed);
  } catch {
    valid = false;
  }
  if (!valid) throw new TokenError('bad_signature');
}

function checkCredentialFields(credential, now, revoked) {
  if (credential.kind === 'voucher') {
    if (revoked.voucherIds.has(credential.voucherId)) {
      throw new TokenError('revoked', 'this voucher has been frozen', 'voucher');
    }
  } else if (revoked.ticketIds.has(credential.ticketId)) {
    throw new TokenError('revoked', 'this ticket has been cancelled', 'ticket');
  }
  if (revoked.deviceKeys.size && revoked.deviceKeys.has(toHex(credential.deviceKey))) {
    throw new TokenError('revoked', 'this wallet device has been revoked', 'device');
  }
  // Both ends included (docs/tokens.md, step 6): valid at exactly validUntil.
  if (now < credential.validFrom) throw new TokenError('not_yet_valid');
  if (now > credential.validUntil) throw new TokenError('expired');
}

/** Step 8 alone, on a credential whose signatures were verified. */
export function checkScope(credential, scope) {
  if (credential.kind === 'voucher') {
    if (credential.venueIds.length && !credential.venueIds.includes(scope.venueId)) {
      throw new TokenError('out_of_scope', 'this voucher cannot be spent at this venue', 'venue');
    }
    if (scope.category === null || scope.category === undefined || !credential.categories.includes(scope.category)) {
      throw new TokenError('out_of_scope', 'this voucher cannot be spent on this category', 'category');
    }
  } else {
    if (credential.venueId !== scope.venueId) {
      throw new TokenError('out_of_scope', 'this ticket is for another venue', 'venue');
    }
    if (scope.eventId !== null && scope.eventId !== undefined && credential.eventId !== scope.eventId) {
      throw new TokenError('out_of_scope', 'this ticket is for another event', 'event');
    }
  }
}

/**
 * A voucher or ticket credential as issued (what the wallet stores).
 * @param {string} text
 * @param {{keys: object, now: number, revoked?: object}} options keys: PublicKeyset or JWK Set
 */
export async function verifyCredential(text, { keys, now, revoked = NO_REVOCATIONS }) {
  const { token: credential, data } = readUnverified(text, { expectedKinds: [KIND_VOUCHER, KIND_TICKET] });
  await checkIssuerSignature(credential, data.subarray(0, data.length - SIGNATURE_LENGTH), keys, now);
  checkCredentialFields(credential, now, revoked);
  return credential;
}

/**
 * Steps 1-4 only: structure, key id, issuer and device signatures. The result is
 * authentic but NOT yet acceptable: `checkPresentation` must follow.
 */
export async function verifyPresentationSignatures(text, { keys, now }) {
  const { token: presentation, data } = readUnverified(text, { expectedKinds: [KIND_PRESENTATION] });
  const { credential } = presentation;
  const credentialEnd = 2 + data[1];
  // Start importing the device key while the issuer signature is checked.
  const deviceKeyPending = importPublicKey(credential.deviceKey);
  await checkIssuerSignature(credential, data.subarray(2, credentialEnd - SIGNATURE_LENGTH), keys, now);
  const deviceKey = await deviceKeyPending;
  if (!(await verifySignature(deviceKey, presentation.signature, data.subarray(0, data.length - SIGNATURE_LENGTH)))) {
    throw new TokenError('bad_device_signature');
  }
  return presentation;
}

/** Steps 5-8 on a presentation whose signatures were verified. */
export function checkPresentation(presentation, {
  now, scope, revoked = NO_REVOCATIONS, maxSkewSeconds = DEFAULT_MAX_SKEW_SECONDS,
}) {
  const { credential } = presentation;
  checkCredentialFields(credential, now, revoked);
  // The step's 15 s interval must overlap [now - skew, now + skew].
  const stepStart = presentation.timeStep * STEP_SECONDS;
  if (stepStart + STEP_SECONDS <= now - maxSkewSeconds) throw new TokenError('stale_presentation');
  if (stepStart > now + maxSkewSeconds) {
    throw new TokenError('future_presentation', "the wallet's clock is ahead: check the phone's time");
  }
  if (scope !== null) checkScope(credential, scope);
}

/**
 * What a scanner checks at the door. `scope` ({venueId, category, eventId}) is required;
 * `null` skips the scope check and must be said explicitly (support tools only).
 */
export async function verifyPresentation(text, {
  keys, now, scope, revoked = NO_REVOCATIONS, maxSkewSeconds = DEFAULT_MAX_SKEW_SECONDS,
}) {
  if (scope === undefined) throw new TypeError('scope is required (pass null to skip the scope check)');
  const presentation = await verifyPresentationSignatures(text, { keys, now });
  checkPresentation(presentation, { now, scope, revoked, maxSkewSeconds });
  return presentation;
}

/** A scanner's signed decision, checked against the scanner's public key (SEC1 bytes or hex). */
export async function verifyScannerRecord(text, { scannerKey }) {
  const { token: record, data } = readUnverified(text, { expectedKinds: [KIND_SCANNER_RECORD] });
  const publicKey = await importPublicKey(asBytes(scannerKey, 'scannerKey'));
  if (!(await verifySignature(publicKey, record.signature, data.subarray(0, data.length - SIGNATURE_LENGTH)))) {
    throw new TokenError('bad_scanner_signature');
  }
  return record;
}
