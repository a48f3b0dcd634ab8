// This phone as a venue's scanner: its key, its enrolment, its offline bundle.
//
// The scanner key is ECDSA P-256 made by WebCrypto with extractable: false and kept in
// IndexedDB as a CryptoKey (as the wallet's device key): it signs every decision, and
// copying the app's storage elsewhere does not copy the right to sign for this venue.
// Only the public half goes to the server, at enrolment.
//
// The bundle (issuer keys, revocations, events and prices, policy) is what the phone
// decides with offline. Its age is measured from the server's `generated_at`, the same
// moment decide.js measures it from, so the banner and the verdicts never disagree.
import { ApiError, api } from '../api.js';
import { getScanner, markScannerRetired, putScanner, updateScanner } from '../store.js';
import { exportCompressed } from '../tokens/p256.js';
import { toHex } from '../tokens/bytes.js';
import { keepLearntRevocations, mergeBundle, prepareBundle } from './bundle.js';

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' };

/** The venues this member may enroll a scanner for (approved venues, any role). */
export function venueChoices(me) {
  return (me?.memberships || []).filter((m) => m.kind === 'venue' && m.status === 'approved');
}

/**
 * Enroll this phone at a venue: a fresh non-extractable key pair, its public key sent
 * to the server with the member session, the enrolment stored, then the first bundle.
 * A new key each time: if an earlier attempt reached the server but its answer was
 * lost, that key is orphaned on the server (harmless) instead of being refused as a
 * duplicate forever.
 */
export async function enrol({ venueId, venueName, label }) {
  const pair = await crypto.subtle.generateKey(ALGORITHM, false, ['sign', 'verify']);
  const publicKeyHex = toHex(await exportCompressed(pair.publicKey));
  const scanner = await api(`/venues/${venueId}/scanners`, {
    method: 'POST', csrf: true, body: { public_key: publicKeyHex, label },
  });
  const enrolment = {
    scannerId: scanner.id, venueId: scanner.venue_id, venueName, label: scanner.label,
    privateKey: pair.privateKey, publicKey: pair.publicKey, publicKeyHex,
    enrolledAt: Date.now(), bundle: null, fetchedAt: null,
  };
  await putScanner(enrolment);
  return refreshBundle();
}

let refreshing = null;

/** Whether this enrolment may no longer decide: the venue retired it. */
export function isRetired(enrolment) {
  return Boolean(enrolment?.retiredAt) || enrolment?.bundle?.status === 'retired';
}

/**
 * Download what changed since the stored bundle (revocations after its since-token,
 * pages until none is left) and store the merged bundle, keeping what a sync answer
 * taught the stored copy meanwhile. Returns the enrolment. Throws ApiError: `offline`,
 * `login_required` (the staff session ended: the scanner goes on deciding until its
 * data is too old), `scanner_retired` (remembered first: store.js markScannerRetired),
 * `scanner_not_found`.
 */
export function refreshBundle() {
  if (!refreshing) {
    refreshing = (async () => {
      let enrolment = await getScanner();
      if (!enrolment?.scannerId) throw new ApiError({ code: 'scanner_not_enrolled' });
      let bundle = enrolment.bundle;
      // A bundle that is unusable (damaged, another scanner's) is replaced, not merged into.
      if (bundle && (bundle.scanner_id !== enrolment.scannerId || prepareBundle(bundle) === null)) bundle = null;
      const { scannerId } = enrolment;
      for (let page = 0; page < 100; page += 1) {
        const since = bundle?.revocations?.since ?? 0;
        let fresh;
        try {
          // The scanner decides and dates its records on the server's time (clock.js).
          fresh = await api(`/scanners/${scannerId}/bootstrap`, { query: { since }, clock: true });
        } catch (error) {
          if (error?.code === 'scanner_retired') await markScannerRetired(scannerId);
          throw error;
        }
        bundle = bundle ? mergeBundle(bundle, fresh) : fresh;
        if (!fresh.revocations?.more) break;
      }
      const fetchedAt = Date.now();
      enrolment = await updateScanner((stored) => (stored?.scannerId === scannerId
        ? { ...stored, bundle: keepLearntRevocations(bundle, stored.bundle), fetchedAt } : null));
      return enrolment;
    })().finally(() => {
      refreshing = null;
    });
  }
  return refreshing;
}

/**
 * How old the data is and whether decisions may still be made on it.
 * @returns {{ageSeconds: number|null, maxAgeSeconds: number|null, stale: boolean, missing: boolean,
 *   incomplete: boolean}}
 */
export function dataFreshness(bundle, nowMs = Date.now()) {
  const prepared = prepareBundle(bundle);
  if (!prepared) return { ageSeconds: null, maxAgeSeconds: null, stale: true, missing: true, incomplete: false };
  const ageSeconds = Math.max(0, Math.floor(nowMs / 1000) - prepared.generatedAt);
  const incomplete = !prepared.revocationsComplete;
  return {
    ageSeconds, maxAgeSeconds: prepared.maxDataAgeSeconds, missing: false, incomplete,
    stale: incomplete || ageSeconds > prepared.maxDataAgeSeconds,
  };
}

/**
 * The event at the door by default: the one on now, else the next to start, else none.
 * Events are the bundle's (the venue's published events that have not ended).
 */
export function defaultEventId(events, nowMs = Date.now()) {
  let next = null;
  for (const event of events || []) {
    const starts = Date.parse(event.starts_at);
    const ends = Date.parse(event.ends_at);
    if (starts <= nowMs && nowMs <= ends) return event.id;
    if (starts > nowMs && (next === null || starts < next.starts)) next = { id: event.id, starts };
  }
  return next ? next.id : 0;
}
