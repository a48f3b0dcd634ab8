// The scanner's offline data: the bootstrap bundle (GET /api/v1/scanners/<id>/bootstrap)
// and how it changes between downloads.
//
// Revocations only ever grow on the server (entries have increasing ids; the `since`
// cursor is the last id the scanner has), so two copies of a bundle for the same
// scanner combine by union: entries of both, the larger cursor. That is what keeps a
// freeze learnt from a sync answer when a bundle download that started earlier saves
// its own copy a moment later.
import { asKeyset } from '../tokens/keys.js';
import { DEFAULT_MAX_SKEW_SECONDS, revocationsFromEntries } from '../tokens/verify.js';

/** The most a scanner corrects its clock by the server's time (server/door/rules.py
 * MAX_CLOCK_CORRECTION_SECONDS), for bundles from before the policy said it. */
export const DEFAULT_MAX_CLOCK_CORRECTION_SECONDS = 86_400;

/** A bundle without `allowance_share_bp` (from an older server) gives this scanner the whole allowance. */
export const WHOLE_SHARE_BP = 10_000;

function secondsOf(moment) {
  if (typeof moment === 'number') return moment;
  const millis = Date.parse(moment);
  return Number.isNaN(millis) ? null : Math.floor(millis / 1000);
}

const positiveIntegerOrNull = (value) => (Number.isInteger(value) && value > 0 ? value : null);

const campaignSet = (ids) => new Set(Array.isArray(ids) ? ids.filter(Number.isInteger) : []);

/**
 * The campaigns whose vouchers this scanner refuses for the chosen event (its own list
 * when it has one: listed before the venue moved) or, with no event, at the venue.
 */
export function campaignsNotHere(prepared, event) {
  return Array.isArray(event?.campaigns_not_here) ? campaignSet(event.campaigns_not_here) : prepared.campaignsNotHere;
}

const preparedBundles = new WeakMap();

/**
 * The bundle in the form decisions need: parsed keys, revocation sets, events by id,
 * this scanner's share of every voucher's offline allowance. Cached per bundle object,
 * so treat bundles as immutable (every function here returns a new one). Returns null
 * when the bundle is unusable.
 */
export function prepareBundle(bundle) {
  if (!bundle || typeof bundle !== 'object') return null;
  let prepared = preparedBundles.get(bundle);
  if (prepared !== undefined) return prepared;
  try {
    const policy = bundle.policy || {};
    const revocations = bundle.revocations || {};
    prepared = {
      scannerId: bundle.scanner_id,
      venueId: bundle.venue_id,
      generatedAt: secondsOf(bundle.generated_at),
      keys: asKeyset(bundle.issuer_keys),
      revoked: revocationsFromEntries(revocations.entries || []),
      // The server pages the revocation list: with pages still to fetch it is incomplete.
      revocationsComplete: !revocations.more,
      events: new Map((bundle.events || []).map((event) => [event.id, event])),
      venueCategories: Array.isArray(bundle.venue_categories) ? bundle.venue_categories : [],
      // Campaigns whose territory leaves this venue's municipality out (an event listed
      // elsewhere carries its own list): their vouchers are refused, as the server would
      // reject them (server/door/rules.py outside_campaign_area). Older bundles have none.
      campaignsNotHere: campaignSet(bundle.campaigns_not_here),
      maxDataAgeSeconds: policy.max_data_age_seconds,
      maxSkewSeconds: policy.max_skew_seconds ?? DEFAULT_MAX_SKEW_SECONDS,
      maxClockCorrectionSeconds: policy.max_clock_correction_seconds ?? DEFAULT_MAX_CLOCK_CORRECTION_SECONDS,
      allowanceShareBp: bundle.allowance_share_bp ?? WHOLE_SHARE_BP,
      slot: positiveIntegerOrNull(bundle.slot),
      slots: positiveIntegerOrNull(bundle.slots),
      retired: bundle.status === 'retired',
    };
    const share = prepared.allowanceShareBp;
    // A share the scanner cannot read is not guessed at: a wrong one would lose money.
    if (!Number.isInteger(prepared.venueId) || prepared.generatedAt === null
        || !Number.isFinite(prepared.maxDataAgeSeconds)
        || !Number.isInteger(share) || share < 1 || share > WHOLE_SHARE_BP) {
      prepared = null;
    }
  } catch {
    prepared = null; // a damaged bundle: the scanner must download a new one
  }
  preparedBundles.set(bundle, prepared);
  return prepared;
}

/**
 * The most this scanner accepts, in total, with one voucher credential offline: its
 * share of the credential's allowance, rounded down, so that all of a venue's
 * scanners together never pass one allowance (the server counts it per venue).
 */
export function allowanceLimitCents(offlineAllowanceCents, shareBp = WHOLE_SHARE_BP) {
  return Math.floor((offlineAllowanceCents * shareBp) / WHOLE_SHARE_BP);
}

/**
 * A share of the allowance in words for the scanner's screen: "1/2" when it is one of
 * `slots` equal parts (to the basis point: 3333 of 3), else a percentage in `localeName`.
 */
export function shareFraction(shareBp, slots, localeName = 'it-IT') {
  if (Number.isInteger(slots) && slots > 1 && Math.abs(shareBp * slots - WHOLE_SHARE_BP) < slots) return `1/${slots}`;
  return new Intl.NumberFormat(localeName, { style: 'percent', maximumFractionDigits: 2 })
    .format(shareBp / WHOLE_SHARE_BP);
}

const entryKey = (entry) => `${entry.kind}:${entry.value}`;

function unionEntries(first = [], second = []) {
  const known = new Set(first.map(entryKey));
  const added = second.filter((entry) => {
    const key = entryKey(entry);
    if (known.has(key)) return false;
    known.add(key);
    return true;
  });
  return added.length ? [...first, ...added] : first;
}

const cursorOf = (revocations) => (Number.isInteger(revocations?.since) ? revocations.since : 0);

/**
 * A stored bundle updated with a newer bootstrap answer (the revocation list comes in
 * increments after `since`). Pure: returns a new object.
 */
export function mergeBundle(stored, fresh) {
  const freshRevocations = fresh.revocations || { entries: [] };
  const sameScanner = stored && stored.scanner_id === fresh.scanner_id;
  if (!sameScanner || freshRevocations.full) return fresh;
  const storedRevocations = stored.revocations || { entries: [] };
  return {
    ...fresh,
    revocations: {
      ...freshRevocations,
      entries: unionEntries(storedRevocations.entries || [], freshRevocations.entries || []),
      full: Boolean(storedRevocations.full),
    },
  };
}

/**
 * The revocations a sync answer carried (`revocations`: {entries, since, more}, the
 * entries after `sentSince`, the cursor the request sent) merged into the stored
 * bundle at once, so a voucher this scanner's own records froze is refused from the
 * next scan. Everything else stays as stored, `generated_at` too: the data age is
 * about the whole bundle, and only a bootstrap download renews it. Returns the stored
 * bundle itself when there is nothing to merge.
 */
export function mergeSyncRevocations(stored, revocations, sentSince) {
  if (!stored || !revocations || !Array.isArray(revocations.entries)) return stored;
  const current = stored.revocations || { entries: [], since: 0 };
  const entries = unionEntries(current.entries || [], revocations.entries);
  // The answer covers (sentSince, revocations.since]; the stored list covers up to its
  // own cursor. Move the cursor only when the two meet (they do unless the bundle was
  // replaced meanwhile), so no id in between is skipped by the next download.
  const meets = cursorOf(current) >= sentSince;
  const since = meets ? Math.max(cursorOf(current), cursorOf(revocations)) : cursorOf(current);
  if (entries === current.entries && since === cursorOf(current)) return stored;
  return { ...stored, revocations: { ...current, entries, since } };
}

/**
 * A freshly downloaded bundle about to be saved over `stored`: for the same scanner it
 * keeps what the stored copy learnt meanwhile (a sync answer's revocations).
 */
export function keepLearntRevocations(fresh, stored) {
  if (!stored || stored.scanner_id !== fresh.scanner_id || !stored.revocations || !fresh.revocations) return fresh;
  const entries = unionEntries(fresh.revocations.entries || [], stored.revocations.entries || []);
  const since = Math.max(cursorOf(fresh.revocations), cursorOf(stored.revocations));
  if (entries === fresh.revocations.entries && since === cursorOf(fresh.revocations)) return fresh;
  return { ...fresh, revocations: { ...fresh.revocations, entries, since } };
}
