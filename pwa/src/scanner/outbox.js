// Sending the outbox: signed scanner records to POST /api/v1/scanners/<id>/sync.
//
// Used by the page (on `online`, at start, on a timer) and by the service worker (the
// Background Sync tag below), so it touches no DOM and no page-only storage.
//
// Why no session cookie and no CSRF token: the sync endpoint takes no login. Each
// record is signed by the scanner key the server enrolled, which is the proof; and a
// staff session may well have expired during a long shift offline. Sending the cookie
// would only make the request depend on a CSRF token the worker cannot refresh
// (the server checks CSRF on any cookie-authenticated write), so the request goes
// with `credentials: 'omit'` and nothing secret needs to sit in IndexedDB for it.
//
// A record leaves the outbox only when the server answered for it (its per-record
// result: redeemed, checked in, refused or rejected); anything unanswered stays and
// goes again. The server counts a record id once, so sending twice is harmless.
//
// The answer also teaches the scanner at once, before its records leave the outbox:
// the revocations newer than its bundle's cursor (sent as `since`), so a voucher its
// own records froze is refused from the next scan, and whether the venue retired it.
import {
  database, getScanner, markScannerRetired, outboxRecords, removeFromOutbox, updateScanner,
} from '../store.js';
import { mergeSyncRevocations } from './bundle.js';
import { recordServerTime } from '../clock.js';

export const SYNC_TAG = 'scanner-outbox';
export const BATCH_SIZE = 200; // the server takes up to 500 per request
const STATUS_KEY = 'sync-status';

/**
 * Which sent records the server answered for, and a summary. `results` are in the
 * order of `sent` (the server's contract); a result naming another record id than the
 * one sent at its place means the answer cannot be trusted for that record.
 * @param {{recordId: string}[]} sent
 * @param {{record_id: string|null, outcome: string, code: string|null}[]} results
 */
export function acknowledged(sent, results) {
  const done = [];
  const rejected = []; // [{recordId, code}]: the venue is not paid for these
  const summary = { redeemed: 0, checked_in: 0, refused: 0, rejected: 0 };
  if (!Array.isArray(results)) return { done, rejected, summary };
  sent.forEach((record, index) => {
    const result = results[index];
    if (!result || typeof result.outcome !== 'string') return;
    // Unauthenticated records come back without an id (nothing about them was believed).
    if (result.record_id !== null && result.record_id !== undefined
        && result.record_id.replace(/-/g, '').toLowerCase() !== record.recordId.toLowerCase()) return;
    done.push(record.recordId);
    if (result.outcome in summary) summary[result.outcome] += 1;
    // A refusal the server also turned down costs the venue nothing: no warning for it.
    if (result.outcome === 'rejected' && record.accepted !== false) {
      rejected.push({ recordId: record.recordId, code: result.code ?? null });
    }
  });
  return { done, rejected, summary };
}

/**
 * The revocation cursor to send with the records of `scannerId`: its stored bundle's,
 * when the stored enrolment is that scanner (an earlier enrolment's records send none,
 * and learn nothing about revocations). null when there is none.
 */
export function revocationCursor(enrolment, scannerId) {
  const bundle = enrolment?.scannerId === scannerId ? enrolment.bundle : null;
  const since = bundle?.scanner_id === scannerId ? bundle.revocations?.since : null;
  return Number.isInteger(since) && since >= 0 ? since : null;
}

/**
 * The stored enrolment as a sync answer for `scannerId` (sent with cursor `sentSince`)
 * leaves it: revocations merged into its bundle, the retirement remembered. Pure;
 * returns null when nothing changes (another scanner's answer, nothing new).
 */
export function enrolmentAfterAnswer(enrolment, scannerId, answer, sentSince) {
  if (!enrolment || enrolment.scannerId !== scannerId || !answer) return null;
  let changed = enrolment;
  if (answer.scanner?.status === 'retired' && !enrolment.retiredAt) {
    changed = { ...changed, retiredAt: answer.scanner.retired_at || new Date().toISOString() };
  }
  const bundle = enrolment.bundle;
  if (answer.revocations && sentSince !== null && bundle?.scanner_id === scannerId) {
    const merged = mergeSyncRevocations(bundle, answer.revocations, sentSince);
    if (merged !== bundle) changed = { ...changed, bundle: merged };
  }
  return changed === enrolment ? null : changed;
}

/** Store what an answer teaches; {changed, refresh}: refresh when more revocations wait. */
async function learnFrom(scannerId, answer, sentSince) {
  let changed = false;
  await updateScanner((stored) => {
    const next = enrolmentAfterAnswer(stored, scannerId, answer, sentSince);
    changed = next !== null;
    return next;
  });
  return { changed, refresh: Boolean(answer?.revocations?.more) };
}

const REJECTED_KEPT = 200;

/**
 * {lastSuccessAt, lastAttemptAt, lastError, lastSummary, rejectedTotal, rejectedAcknowledged,
 * rejected: [{recordId, code}] (the latest)}; times in ms, null when never.
 */
export async function syncStatus() {
  // Its own key in the scanner store, never the enrolment record: the page saves bundles
  // into that record while the worker may be syncing, and neither must overwrite the other.
  const status = await (await database()).get('scanner', STATUS_KEY);
  return { lastSuccessAt: null, lastAttemptAt: null, lastError: null, lastSummary: null, rejectedTotal: 0,
           rejectedAcknowledged: 0, rejected: [], ...status };
}

/** The staff have read the warning about rejected records (the log still marks them). */
export async function acknowledgeRejected() {
  const status = await syncStatus();
  return saveStatus({ rejectedAcknowledged: status.rejectedTotal });
}

async function saveStatus(fields) {
  const status = { ...(await syncStatus()), ...fields };
  await (await database()).put('scanner', status, STATUS_KEY);
  return status;
}

class SyncError extends Error {
  constructor(code, status = 0) {
    super(code);
    this.name = 'SyncError';
    this.code = code;
    this.status = status;
  }
}

/** The request body: the records' texts, and the revocation cursor when there is one. */
export function syncBody(records, since) {
  const body = { records: records.map((record) => record.text) };
  if (since !== null && since !== undefined) body.since = since;
  return body;
}

async function postBatch(scannerId, records, since, fetchImpl) {
  let response;
  const sentMs = Date.now();
  try {
    response = await fetchImpl(`/api/v1/scanners/${scannerId}/sync`, {
      method: 'POST',
      credentials: 'omit',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json, application/problem+json' },
      body: JSON.stringify(syncBody(records, since)),
    });
  } catch {
    throw new SyncError('offline');
  }
  await recordServerTime(response, sentMs, Date.now()); // the page's only (clock.js)
  const data = await response.json().catch(() => null);
  if (!response.ok) throw new SyncError(data?.code || `http_${response.status}`, response.status);
  return data;
}

let flushing = null;

/**
 * Send every queued record, oldest first, in batches per scanner. Resolves to
 * {sent, acknowledged, pending, summary, learnt: {changed, refresh}} (`changed`: the
 * stored enrolment learnt from an answer; `refresh`: download the bundle, revocations
 * wait); rejects with a SyncError (code `offline`, a server code, or `http_<status>`,
 * and the same `learnt`) after recording it, so Background Sync retries.
 * One flush at a time per JavaScript context.
 */
export function flushOutbox({ fetchImpl = (...args) => fetch(...args) } = {}) {
  if (!flushing) {
    flushing = flush(fetchImpl).finally(() => {
      flushing = null;
    });
  }
  return flushing;
}

/**
 * Records by the scanner that signed them, oldest first. A phone enrolled again keeps
 * the records of its earlier enrolment: they go to that scanner's endpoint (sent to
 * the new one they would fail its key check and be lost as "rejected").
 */
export function recordsByScanner(records, currentScannerId) {
  const groups = new Map();
  const ordered = [...records].sort((a, b) => a.scannedAt - b.scannedAt || (a.at ?? 0) - (b.at ?? 0));
  for (const record of ordered) {
    const scannerId = record.scannerId ?? currentScannerId;
    if (!scannerId) continue;
    if (!groups.has(scannerId)) groups.set(scannerId, []);
    groups.get(scannerId).push(record);
  }
  return groups;
}

async function flush(fetchImpl) {
  const records = await outboxRecords();
  const total = { redeemed: 0, checked_in: 0, refused: 0, rejected: 0 };
  const learnt = { changed: false, refresh: false };
  if (!records.length) return { sent: 0, acknowledged: 0, pending: 0, summary: total, learnt };
  const groups = recordsByScanner(records, (await getScanner())?.scannerId);
  if (!groups.size) throw new SyncError('scanner_not_enrolled');
  let acknowledgedCount = 0;
  let failure = null;
  const rejected = [];
  for (const [scannerId, queued] of groups) {
    try {
      for (let start = 0; start < queued.length; start += BATCH_SIZE) {
        const batch = queued.slice(start, start + BATCH_SIZE);
        // Read for every batch: the previous answer (or a download) may have moved it.
        const since = revocationCursor(await getScanner(), scannerId);
        const answer = await postBatch(scannerId, batch, since, fetchImpl);
        // Learnt before the records leave: "nothing to send" means the lesson is stored.
        const lesson = await learnFrom(scannerId, answer, since);
        learnt.changed = learnt.changed || lesson.changed;
        learnt.refresh = learnt.refresh || lesson.refresh;
        const answered = acknowledged(batch, answer?.results);
        await removeFromOutbox(answered.done);
        acknowledgedCount += answered.done.length;
        rejected.push(...answered.rejected);
        for (const outcome of Object.keys(total)) total[outcome] += answered.summary[outcome];
      }
    } catch (error) {
      if (error.code === 'scanner_retired') {
        const stored = await markScannerRetired(scannerId);
        if (stored?.scannerId === scannerId) learnt.changed = true;
      }
      failure ||= error; // one scanner's trouble (say, retired) must not hold back the others
      if (error.code === 'offline') break;
    }
  }
  const status = await syncStatus();
  const rejections = { rejectedTotal: status.rejectedTotal + rejected.length,
                       rejected: [...status.rejected, ...rejected].slice(-REJECTED_KEPT) };
  if (failure) {
    await saveStatus({ lastAttemptAt: Date.now(), lastError: failure.code || 'unknown', ...rejections });
    failure.learnt = learnt;
    throw failure;
  }
  await saveStatus({ lastAttemptAt: Date.now(), lastSuccessAt: Date.now(), lastError: null, lastSummary: total,
                     ...rejections });
  return { sent: records.length, acknowledged: acknowledgedCount, pending: records.length - acknowledgedCount,
           summary: total, learnt };
}
