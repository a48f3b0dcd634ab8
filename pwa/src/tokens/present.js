// The wallet side: a presentation, made on the phone, offline, every 15 seconds.
//
// The credential goes in exactly as issued (its bytes as received, issuer signature
// included), followed by the current time step, all signed by the wallet's
// non-extractable ECDSA P-256 device key. WebCrypto returns the signature as r || s,
// which is the format (docs/tokens.md, presentation).

import {
  KIND_PRESENTATION, KIND_TICKET, KIND_VOUCHER, STEP_SECONDS, presentationBodyFor, readUnverified, textFromBinary,
} from './format.js';
import { concat } from './bytes.js';
import { sign } from './p256.js';

// Unix seconds pass 1e11 only in the year 5138: a larger `now` is milliseconds, a bug
// that would make every code "from the future" at the door.
const LARGEST_PLAUSIBLE_SECONDS = 1e11;

/** Unix seconds from a number of seconds, a Date, or the clock when not given. */
export function unixSeconds(now) {
  if (now === undefined || now === null) return Math.floor(Date.now() / 1000);
  const seconds = now instanceof Date ? now.getTime() / 1000 : now;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) {
    throw new RangeError('now must be Unix seconds (or a Date)');
  }
  if (seconds >= LARGEST_PLAUSIBLE_SECONDS) {
    throw new RangeError('now must be Unix seconds, not milliseconds (Date.now() / 1000)');
  }
  return Math.floor(seconds);
}

/** The presentation time step containing Unix time `now`. */
export function timeStep(now) {
  return Math.floor(unixSeconds(now) / STEP_SECONDS);
}

/** Seconds until the code rotates (1..15): the wallet's countdown. */
export function secondsUntilNextStep(now) {
  const seconds = unixSeconds(now);
  return STEP_SECONDS - (seconds % STEP_SECONDS);
}

/**
 * The presentation text (`MP:...`) of a stored credential for the current time step.
 * @param {string} credentialText the voucher or ticket credential as issued (MV:/MT:)
 * @param {CryptoKey} privateKey the wallet's ECDSA P-256 private key (non-extractable is fine)
 * @param {{now?: number|Date}} [options] Unix seconds; the clock when omitted
 * @returns {Promise<string>}
 * Throws TokenError (malformed, wrong_kind...) if the stored credential is not one.
 */
export async function presentCredential(credentialText, privateKey, { now } = {}) {
  const { data } = readUnverified(credentialText, { expectedKinds: [KIND_VOUCHER, KIND_TICKET] });
  const body = presentationBodyFor(data, timeStep(now));
  const signature = await sign(privateKey, body);
  return textFromBinary(KIND_PRESENTATION, concat(body, signature));
}
