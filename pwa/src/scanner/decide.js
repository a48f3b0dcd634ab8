// The scanner's offline decision: verification (tokens/verify.js) plus the scanner's own
// data and memory, as DESIGN.md section 5 "Scanner offline rules" and the server's sync
// (server/door/README.md) define them. The server re-checks every accepted record
// with the same rules at the recorded scan time, so a scanner that follows this function
// is paid for every redemption it accepts.
//
// `decide` is a pure function over plain data: it reads the bundle, the replay keys and
// the amounts already spent, and returns a verdict plus the keys to store when accepted.
// Persisting them (and signing the record) is the caller's job. It is async only
// because WebCrypto is.
//
// Order: data presence first, then a retired scanner (it decides nothing, whatever it
// is shown), then data age (no verdict is sound on stale data), then the token checks
// in signing/verify.py order, then the campaign's territory (bundle.js campaignsNotHere),
// then this scanner's memory: replay, then the allowance, which is this scanner's share of
// the voucher's (bundle.js allowanceLimitCents).

import { TokenError } from '../tokens/errors.js';
import { clipScannedText } from '../tokens/record.js';
import { STEP_SECONDS } from '../tokens/format.js';
import { unixSeconds } from '../tokens/present.js';
import { checkPresentation, checkScope, verifyPresentationSignatures } from '../tokens/verify.js';
import { allowanceLimitCents, campaignsNotHere, prepareBundle } from './bundle.js';
import { verdictMessages } from './messages.js';

// Kept importable from here: the scanner's modules and tests read them as decide.js's.
export {
  allowanceLimitCents, keepLearntRevocations, mergeBundle, mergeSyncRevocations, prepareBundle,
} from './bundle.js';
export { formatEuroEn, formatEuroIt, verdictMessages } from './messages.js';

/** Which check decided, for logs and tests (the token checks in docs/tokens.md order). */
const CHECK_OF_CODE = {
  malformed: 'structure', unsupported_version: 'structure', wrong_kind: 'structure',
  unknown_key: 'key', bad_signature: 'signature', bad_device_signature: 'device',
  revoked: 'revocation', expired: 'validity', not_yet_valid: 'validity',
  stale_presentation: 'time', future_presentation: 'time', out_of_scope: 'scope',
};

// --- the scanner's data ----------------------------------------------------------

/**
 * What a voucher pays for at the door with no event picked (a typed price): the lowest
 * of the venue's category codes the voucher allows; null when they share none. The
 * server decides the same (server/door/rules.py: door_category).
 */
export function doorCategory(credential, venueCategories) {
  if (credential.kind !== 'voucher') return null;
  const common = venueCategories.filter((code) => credential.categories.includes(code));
  return common.length ? Math.min(...common) : null;
}

/**
 * What the scanner remembers about a credential it accepted: a voucher once per time
 * step (the policy's rule), a ticket once (it admits one person). Never the token text:
 * ECDSA signatures are malleable, so the same presentation has more than one text.
 */
export function replayKey(credential, timeStep) {
  return credential.kind === 'ticket' ? `ticket:${credential.ticketId}` : `voucher:${credential.voucherId}:${timeStep}`;
}

/**
 * Offline spending is counted per voucher credential (the server's rule: voucher id and
 * the credential's start), so a refreshed credential brings a fresh allowance.
 */
export function allowanceKey(credential) {
  return `${credential.voucherId}:${credential.validFrom}`;
}

function has(collection, key) {
  if (!collection) return false;
  if (typeof collection.has === 'function') return collection.has(key);
  if (Array.isArray(collection)) return collection.includes(key);
  return Object.hasOwn(collection, key);
}

function amountIn(collection, key) {
  if (!collection) return 0;
  const value = typeof collection.get === 'function' ? collection.get(key) : collection[key];
  return Number.isInteger(value) ? value : 0;
}

// --- the decision ----------------------------------------------------------------

/**
 * Decide on one scanned text, offline.
 * @param {object} input
 * @param {string} input.text exactly what the camera or the keyboard gave
 * @param {object} input.bundle the scanner's bootstrap bundle (see prepareBundle)
 * @param {Set<string>|string[]|object} [input.seen] replay keys already accepted here (see replayKey)
 * @param {Map<string, number>|object} [input.spentOnThisScanner] cents accepted here, by allowanceKey
 * @param {number|Date} input.now the time of the scan, Unix seconds: the phone's clock corrected by the
 *   server's time (clock.js), which every check uses and the record carries as its scan time
 * @param {number|Date} [input.phoneNow] the phone's own clock, Unix seconds, when `now` was corrected: it
 *   goes in the record's clock trailer, and a correction past the policy's maximum decides red
 * @param {boolean} [input.clockKnown] the scanner has measured the server's time, so a clock refusal is
 *   about the student's phone, not this one (the words say whose clock is wrong)
 * @param {number} [input.amountCents] the price to take from a voucher; the event's price when omitted
 * @param {number} [input.eventId] the event at the door, 0 or omitted for none
 * @param {boolean} [input.retired] this scanner knows it was retired (a sync answer or a
 *   bootstrap refusal said so): every scan is refused `scanner_retired`
 * @returns {Promise<object>} {accepted, code, check, messageIt, messageEn, amountCents, kind,
 *   voucherId, ticketId, step, replayKey, allowanceKey, limitCents, remainingCents, record}; `code` is
 *   'accepted' or the refusal; `record` holds the fields for recordScan (null only for
 *   `invalid_amount`, an input mistake that is not a scan).
 */
export async function decide({
  text, bundle, seen, spentOnThisScanner, now, phoneNow, amountCents, eventId = 0, retired = false, clockKnown = false,
}) {
  const scannedAt = unixSeconds(now);
  const phoneAt = phoneNow === undefined || phoneNow === null ? null : unixSeconds(phoneNow);
  const data = prepareBundle(bundle);
  const event = data && eventId ? data.events.get(eventId) : undefined;
  const amount = amountCents ?? event?.price_cents ?? null;
  const verdict = {
    accepted: false, code: null, check: null, reason: null, messageIt: '', messageEn: '',
    amountCents: Number.isInteger(amount) && amount >= 0 ? amount : 0,
    kind: null, voucherId: null, ticketId: null, step: null, eventId: eventId || 0,
    replayKey: null, allowanceKey: null, limitCents: null, remainingCents: null, record: null,
  };
  const finish = (code, check, context = {}) => {
    Object.assign(verdict, { code, check, reason: context.reason || null, accepted: code === 'accepted' });
    if (verdict.kind === 'ticket') verdict.amountCents = 0; // tickets are paid for at booking
    Object.assign(verdict, verdictMessages(code, {
      ...context, kind: verdict.kind, amountCents: verdict.amountCents, clockKnown,
    }));
    if (code !== 'invalid_amount') {
      verdict.record = {
        scannerId: data ? data.scannerId : null, scannedAt, phoneAt, eventId: verdict.eventId,
        amountCents: verdict.amountCents, result: code, scannedText: clipScannedText(text),
      };
    }
    return verdict;
  };

  if (data === null) return finish('scanner_data_stale', 'data', { reason: 'missing' });
  if (retired || data.retired) return finish('scanner_retired', 'scanner');
  // A phone clock further off than any correction may reach is no clock (the server
  // rejects such a record: rules.py MAX_CLOCK_CORRECTION_SECONDS): say so before the data age,
  // which is measured on the same corrected clock.
  if (phoneAt !== null && Math.abs(scannedAt - phoneAt) > data.maxClockCorrectionSeconds) {
    return finish('scanner_clock_wrong', 'clock', { offsetSeconds: scannedAt - phoneAt });
  }
  if (scannedAt - data.generatedAt > data.maxDataAgeSeconds || !data.revocationsComplete) {
    return finish('scanner_data_stale', 'data', { reason: 'old' });
  }

  let presentation;
  try {
    presentation = await verifyPresentationSignatures(text, { keys: data.keys, now: scannedAt });
  } catch (error) {
    if (!(error instanceof TokenError)) throw error;
    return finish(error.code, CHECK_OF_CODE[error.code], { reason: error.reason });
  }
  // From here on the credential's fields are authentic.
  const { credential, timeStep } = presentation;
  Object.assign(verdict, {
    kind: credential.kind,
    voucherId: credential.kind === 'voucher' ? credential.voucherId : null,
    ticketId: credential.kind === 'ticket' ? credential.ticketId : null,
    step: timeStep,
  });
  try {
    checkPresentation(presentation, {
      now: scannedAt, scope: null, revoked: data.revoked, maxSkewSeconds: data.maxSkewSeconds,
    });
    // The server refuses records for events that are not on at this scanner's venue.
    if (eventId && event === undefined) {
      throw new TokenError('out_of_scope', 'the event is not on at this venue', 'event_not_at_venue');
    }
    checkScope(credential, {
      venueId: data.venueId,
      category: event ? event.category_code : doorCategory(credential, data.venueCategories),
      eventId: eventId || null,
    });
    // A sponsor's money stays in the territory it was given for: the server would not pay it.
    if (credential.kind === 'voucher' && campaignsNotHere(data, event).has(credential.campaignId)) {
      throw new TokenError('out_of_scope', "the voucher's campaign is not for this municipality",
        'outside_campaign_area');
    }
  } catch (error) {
    if (!(error instanceof TokenError)) throw error;
    // How far the student's code is from this scanner's time: the words say by how much.
    const stepOffsetSeconds = timeStep * STEP_SECONDS - scannedAt;
    return finish(error.code, CHECK_OF_CODE[error.code], { reason: error.reason, stepOffsetSeconds });
  }

  verdict.replayKey = replayKey(credential, timeStep);
  if (has(seen, verdict.replayKey)) return finish('already_presented', 'replay');
  if (credential.kind === 'ticket') return finish('accepted', 'ok');

  if (!Number.isInteger(amount) || amount <= 0 || amount > 0xffffffff) return finish('invalid_amount', 'amount');
  verdict.allowanceKey = allowanceKey(credential);
  const spentCents = amountIn(spentOnThisScanner, verdict.allowanceKey);
  const limitCents = allowanceLimitCents(credential.offlineAllowanceCents, data.allowanceShareBp);
  verdict.limitCents = limitCents;
  if (spentCents + amount > limitCents) {
    verdict.remainingCents = Math.max(0, limitCents - spentCents);
    return finish('allowance_exceeded', 'allowance', { allowanceCents: limitCents, spentCents });
  }
  verdict.remainingCents = limitCents - spentCents - amount;
  return finish('accepted', 'ok');
}
