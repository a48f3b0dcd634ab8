// Running one shared test vector (tests/vectors/*.json) with the JavaScript verifier.
// No Node-only imports: the browser check in tests/pwa/test_js_tokens.py loads this too.

import {
  TokenError, makeRevocations, toHex, verifyCredential, verifyPresentation, verifyScannerRecord,
} from '../../src/tokens/index.js';

const snake = (name) => name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);

/**
 * A token's fields in the shape of the Python CLI's `describe`, as the vectors list
 * them (snake_case names, bytes as hex, signatures left out).
 */
export function describe(token) {
  if (token.kind === 'presentation') {
    return { kind: 'presentation', time_step: token.timeStep, credential: describe(token.credential) };
  }
  const fields = {};
  for (const [name, value] of Object.entries(token)) {
    if (name === 'signature') continue;
    fields[snake(name)] = value instanceof Uint8Array ? toHex(value) : value;
  }
  return fields;
}

function revocationsOf(testCase) {
  const revoked = testCase.revoked || {};
  return makeRevocations({
    voucherIds: revoked.voucher_ids || [],
    ticketIds: revoked.ticket_ids || [],
    deviceKeys: revoked.device_keys || [],
  });
}

function scopeOf(testCase) {
  if (!testCase.scope) return null;
  const { venue_id: venueId, category, event_id: eventId } = testCase.scope;
  return { venueId, category, eventId };
}

/**
 * Verify one case as the vectors say; returns {code, token}: code is "ok" or the
 * TokenError code. Any other exception propagates (a bug, not a verdict).
 */
export async function runCase(testCase, keys) {
  const now = testCase.verify_at;
  try {
    let token;
    if (testCase.verify_as === 'credential') {
      token = await verifyCredential(testCase.token, { keys, now, revoked: revocationsOf(testCase) });
    } else if (testCase.verify_as === 'presentation') {
      token = await verifyPresentation(testCase.token, {
        keys, now, scope: scopeOf(testCase), revoked: revocationsOf(testCase),
        maxSkewSeconds: testCase.max_skew_seconds ?? 90,
      });
    } else if (testCase.verify_as === 'scanner_record') {
      token = await verifyScannerRecord(testCase.token, { scannerKey: testCase.scanner_key });
    } else {
      throw new Error(`unknown verify_as ${testCase.verify_as}`);
    }
    return { code: 'ok', token };
  } catch (error) {
    if (error instanceof TokenError) return { code: error.code, token: null };
    throw error;
  }
}
