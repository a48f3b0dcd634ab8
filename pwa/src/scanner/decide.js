// The scanner's offline decision: verification (tokens/verify.js) plus the scanner's own
// data and memory, as DESIGN.md section 5 "Scanner offline rules" and the server's sync
// (server/redemptions/README.md) define them. The server re-checks every accepted record
// with the same rules at the recorded scan time, so a scanner that follows this function
// is paid for every redemption it accepts.
//
// `decide` is a pure function over plain data: it reads the bundle, the replay keys and
// the amounts already spent, and returns a verdict plus the keys to store when accepted.
// Persisting them (and signing the record) is the caller's job. It is async only
// because WebCrypto is.
//
// Order: data age first (no verdict is sound on stale data), then the token checks in
// signing/verify.py order, then this scanner's memory: replay, then the allowance.

import { TokenError } from '../tokens/errors.js';
import { asKeyset } from '../tokens/keys.js';
import { clipScannedText } from '../tokens/record.js';
import { unixSeconds } from '../tokens/present.js';
import {
  DEFAULT_MAX_SKEW_SECONDS, checkPresentation, checkScope, revocationsFromEntries, verifyPresentationSignatures,
} from '../tokens/verify.js';

/** Which check decided, for logs and tests (the token checks in docs/tokens.md order). */
const CHECK_OF_CODE = {
  malformed: 'structure', unsupported_version: 'structure', wrong_kind: 'structure',
  unknown_key: 'key', bad_signature: 'signature', bad_device_signature: 'device',
  revoked: 'revocation', expired: 'validity', not_yet_valid: 'validity',
  stale_presentation: 'time', future_presentation: 'time', out_of_scope: 'scope',
};

// --- money -----------------------------------------------------------------------

/** Cents as Italian text, "1.234,50 €" (plain space: the same in every engine, unlike Intl). */
export function formatEuroIt(cents) {
  const sign = cents < 0 ? '-' : '';
  const value = Math.abs(cents);
  const euros = String(Math.floor(value / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, '.');
  return `${sign}${euros},${String(value % 100).padStart(2, '0')} €`;
}

/** Cents as English text, "€1,234.50". */
export function formatEuroEn(cents) {
  const sign = cents < 0 ? '-' : '';
  const value = Math.abs(cents);
  const euros = String(Math.floor(value / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${sign}€${euros}.${String(value % 100).padStart(2, '0')}`;
}

// --- messages --------------------------------------------------------------------
// Plain words for the person at the door (Italian first), one pair per verdict. `c` is
// the context: kind, reason, amounts.

const isTicket = (c) => c.kind === 'ticket';

const MESSAGES = {
  accepted: (c) => (isTicket(c)
    ? ['Biglietto valido: può entrare', 'Valid ticket: let them in']
    : [`Pagato ${formatEuroIt(c.amountCents)} con il buono`, `Paid ${formatEuroEn(c.amountCents)} with the voucher`]),
  malformed: () => ['Codice non riconosciuto: non è un QR di Mentoring', 'Unknown code: not a Mentoring QR'],
  unsupported_version: () => [
    "Codice di una versione più nuova: aggiorna l'app dello scanner",
    'Code from a newer version: update the scanner app',
  ],
  wrong_kind: () => [
    "QR non adatto: chiedi di aprire il buono nell'app e mostrare il QR che cambia",
    'Wrong QR: ask them to open the voucher in the app and show the changing code',
  ],
  unknown_key: () => [
    'Codice firmato con una chiave sconosciuta: collegati per aggiornare lo scanner',
    'Signed with an unknown key: go online to update the scanner',
  ],
  bad_signature: () => ['Firma non valida', 'Invalid signature'],
  bad_device_signature: () => [
    'Firma del telefono non valida: il QR non viene dal telefono del titolare',
    "Invalid phone signature: the code does not come from the holder's phone",
  ],
  expired: (c) => (isTicket(c) ? ['Biglietto scaduto', 'Ticket expired'] : ['Buono scaduto', 'Voucher expired']),
  not_yet_valid: (c) => (isTicket(c)
    ? ['Biglietto non ancora valido', 'Ticket not valid yet']
    : ['Buono non ancora valido', 'Voucher not valid yet']),
  stale_presentation: () => ['QR scaduto: chiedi di riaprire il buono', 'Code expired: ask them to reopen the voucher'],
  future_presentation: () => [
    "L'orologio del telefono è avanti: chiedi di correggere l'ora",
    "The phone's clock is ahead: ask them to fix the time",
  ],
  revoked: (c) => ({
    ticket: ['Biglietto annullato', 'Ticket cancelled'],
    device: [
      'Telefono bloccato: il titolare deve contattare la scuola',
      'Phone blocked: the holder must contact the school',
    ],
  }[c.reason] || ['Buono bloccato', 'Voucher frozen']),
  out_of_scope: (c) => ({
    venue: isTicket(c)
      ? ['Biglietto per un’altra sede', 'Ticket for another venue']
      : ['Buono non valido in questa sede', 'Voucher not valid at this venue'],
    category: ['Buono non valido per questo tipo di evento', 'Voucher not valid for this kind of event'],
    event: ['Biglietto per un altro evento', 'Ticket for another event'],
    event_not_at_venue: [
      'Evento non in programma in questa sede: scegli l’evento giusto',
      'Event not on at this venue: choose the right event',
    ],
  }[c.reason] || ['Non valido qui', 'Not valid here']),
  already_presented: (c) => (isTicket(c)
    ? ['Biglietto già usato su questo dispositivo', 'Ticket already used on this device']
    : ['Già usato su questo dispositivo', 'Already used on this device']),
  allowance_exceeded: (c) => (c.spentCents > 0
    ? [
      `Supera il limite offline di ${formatEuroIt(c.allowanceCents)} (già spesi ${formatEuroIt(c.spentCents)} qui)`,
      `Over the offline limit of ${formatEuroEn(c.allowanceCents)} (${formatEuroEn(c.spentCents)} already spent here)`,
    ]
    : [
      `Supera il limite offline di ${formatEuroIt(c.allowanceCents)}`,
      `Over the offline limit of ${formatEuroEn(c.allowanceCents)}`,
    ]),
  scanner_data_stale: (c) => (c.reason === 'missing'
    ? ['Scanner senza dati: collegati per scaricarli', 'No scanner data: go online to download it']
    : [
      'Dati dello scanner troppo vecchi: collegati per aggiornarli',
      'Scanner data too old: go online to update it',
    ]),
  invalid_amount: () => ['Importo non valido: inserisci il prezzo', 'Invalid amount: enter the price'],
};

/** The Italian and English words for a verdict code in a context ({kind, reason, amountCents...}). */
export function verdictMessages(code, context = {}) {
  const [it, en] = (MESSAGES[code] || (() => ['Codice rifiutato', 'Code refused']))(context);
  return { messageIt: it, messageEn: en };
}

// --- the scanner's data ----------------------------------------------------------

function secondsOf(moment) {
  if (typeof moment === 'number') return moment;
  const millis = Date.parse(moment);
  return Number.isNaN(millis) ? null : Math.floor(millis / 1000);
}

const preparedBundles = new WeakMap();

/**
 * The bootstrap bundle (GET /api/v1/scanners/<id>/bootstrap, merged with `mergeBundle`)
 * in the form decisions need: parsed keys, revocation sets, events by id. Cached per
 * bundle object, so treat bundles as immutable (mergeBundle returns a new one).
 * Returns null when the bundle is unusable.
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
      maxDataAgeSeconds: policy.max_data_age_seconds,
      maxSkewSeconds: policy.max_skew_seconds ?? DEFAULT_MAX_SKEW_SECONDS,
    };
    if (!Number.isInteger(prepared.venueId) || prepared.generatedAt === null
        || !Number.isFinite(prepared.maxDataAgeSeconds)) {
      prepared = null;
    }
  } catch {
    prepared = null; // a damaged bundle: the scanner must download a new one
  }
  preparedBundles.set(bundle, prepared);
  return prepared;
}

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
      entries: [...(storedRevocations.entries || []), ...(freshRevocations.entries || [])],
      full: Boolean(storedRevocations.full),
    },
  };
}

/**
 * What a voucher pays for at the door with no event picked (a typed price): the lowest
 * of the venue's category codes the voucher allows; null when they share none. The
 * server decides the same (server/redemptions/api.py: door_category).
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
 * @param {number|Date} input.now the scanner's clock, Unix seconds
 * @param {number} [input.amountCents] the price to take from a voucher; the event's price when omitted
 * @param {number} [input.eventId] the event at the door, 0 or omitted for none
 * @returns {Promise<object>} {accepted, code, check, messageIt, messageEn, amountCents, kind,
 *   voucherId, ticketId, step, replayKey, allowanceKey, remainingCents, record}; `code` is
 *   'accepted' or the refusal; `record` holds the fields for recordScan (null only for
 *   `invalid_amount`, an input mistake that is not a scan).
 */
export async function decide({
  text, bundle, seen, spentOnThisScanner, now, amountCents, eventId = 0,
}) {
  const scannedAt = unixSeconds(now);
  const data = prepareBundle(bundle);
  const event = data && eventId ? data.events.get(eventId) : undefined;
  const amount = amountCents ?? event?.price_cents ?? null;
  const verdict = {
    accepted: false, code: null, check: null, reason: null, messageIt: '', messageEn: '',
    amountCents: Number.isInteger(amount) && amount >= 0 ? amount : 0,
    kind: null, voucherId: null, ticketId: null, step: null, eventId: eventId || 0,
    replayKey: null, allowanceKey: null, remainingCents: null, record: null,
  };
  const finish = (code, check, context = {}) => {
    Object.assign(verdict, { code, check, reason: context.reason || null, accepted: code === 'accepted' });
    if (verdict.kind === 'ticket') verdict.amountCents = 0; // tickets are paid for at booking
    Object.assign(verdict, verdictMessages(code, { ...context, kind: verdict.kind, amountCents: verdict.amountCents }));
    if (code !== 'invalid_amount') {
      verdict.record = {
        scannerId: data ? data.scannerId : null, scannedAt, eventId: verdict.eventId,
        amountCents: verdict.amountCents, result: code, scannedText: clipScannedText(text),
      };
    }
    return verdict;
  };

  if (data === null) return finish('scanner_data_stale', 'data', { reason: 'missing' });
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
  } catch (error) {
    if (!(error instanceof TokenError)) throw error;
    return finish(error.code, CHECK_OF_CODE[error.code], { reason: error.reason });
  }

  verdict.replayKey = replayKey(credential, timeStep);
  if (has(seen, verdict.replayKey)) return finish('already_presented', 'replay');
  if (credential.kind === 'ticket') return finish('accepted', 'ok');

  if (!Number.isInteger(amount) || amount <= 0 || amount > 0xffffffff) return finish('invalid_amount', 'amount');
  verdict.allowanceKey = allowanceKey(credential);
  const spentCents = amountIn(spentOnThisScanner, verdict.allowanceKey);
  const allowanceCents = credential.offlineAllowanceCents;
  if (spentCents + amount > allowanceCents) {
    verdict.remainingCents = Math.max(0, allowanceCents - spentCents);
    return finish('allowance_exceeded', 'allowance', { allowanceCents, spentCents });
  }
  verdict.remainingCents = allowanceCents - spentCents - amount;
  return finish('accepted', 'ok');
}
