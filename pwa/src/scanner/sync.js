// The page's side of keeping the scanner in step with the server: the outbox is sent
// and the bundle refreshed when the phone comes online, when the scanner opens, and on
// a timer; each new decision also asks for a Background Sync, so a phone that goes
// back in a pocket still delivers its records (the service worker flushes then).
//
// Started once per page and never stopped: records waiting to go matter even when the
// staff have navigated elsewhere in the app.
import { isOnline, onConnectivityChange } from '../online.js';
import { getScanner, outboxCount } from '../store.js';
import { refreshBundle } from './enrolment.js';
import { SYNC_TAG, flushOutbox, syncStatus } from './outbox.js';

export const FLUSH_INTERVAL_MS = 30_000;
// The phone says "online" before the signal is always usable: a send that fails then is
// tried again after each of these, before the timer's turn.
export const RETRY_AFTER_ONLINE_MS = [2_000, 5_000, 10_000];
export const BUNDLE_REFRESH_MS = 5 * 60_000; // revocations reach the door within minutes when online

const listeners = new Set();
let started = false;
let bundleError = null;
let lastBundleAttempt = 0;

/** `listener({enrolment?})` after anything that may change what the scanner shows. Returns unsubscribe. */
export function onScannerSync(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function notify(change = {}) {
  for (const listener of listeners) listener(change);
}

/** {pending, lastSuccessAt, lastAttemptAt, lastError, lastSummary, rejectedTotal, bundleError}. */
export async function scannerSyncState() {
  const [pending, status] = await Promise.all([outboxCount(), syncStatus()]);
  return { pending, ...status, bundleError };
}

/**
 * After a flush here or in the worker: what the answers taught (outbox.js `learnt`)
 * reaches the open scanner at once: the stored enrolment, with revocations merged or
 * retired, goes to its listeners; and a download follows when revocations wait.
 */
async function afterFlush(learnt) {
  const enrolment = learnt?.changed ? await getScanner() : null;
  notify(enrolment?.scannerId ? { enrolment } : {});
  if (learnt?.refresh && isOnline()) refreshNow();
}

/** Send the outbox now; never throws (the outcome is in scannerSyncState()). */
export async function syncNow() {
  let learnt = null;
  try {
    ({ learnt } = await flushOutbox());
  } catch (error) {
    learnt = error?.learnt ?? null; // recorded by flushOutbox; the next trigger tries again
  }
  await afterFlush(learnt);
}

/** Download the bundle increment now; never throws. Returns the enrolment when refreshed. */
export async function refreshNow() {
  lastBundleAttempt = Date.now();
  try {
    const enrolment = await refreshBundle();
    bundleError = null;
    notify({ enrolment });
    return enrolment;
  } catch (error) {
    bundleError = error?.code || 'unknown';
    // A retired scanner was remembered as such (enrolment.js): show it at once.
    const enrolment = bundleError === 'scanner_retired' ? await getScanner().catch(() => null) : null;
    notify(enrolment?.scannerId ? { enrolment } : {});
    return null;
  }
}

/** Ask the service worker to flush when the browser sees fit (Background Sync, where it exists). */
export async function requestBackgroundSync() {
  try {
    const registration = await navigator.serviceWorker?.getRegistration();
    await registration?.sync?.register(SYNC_TAG);
  } catch {
    // no Background Sync here (Firefox, Safari) or not allowed: the timer and `online` cover it
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * `send()` resolves true when it failed with records left. Sends once, then again
 * after each of `delays` while it keeps failing and the phone is online. Resolves to
 * the number of sends.
 */
export async function sendWithRetries({ send, delays = RETRY_AFTER_ONLINE_MS, wait = sleep, online = isOnline }) {
  for (let attempt = 0; ; attempt += 1) {
    const failed = await send();
    if (!failed || attempt >= delays.length || !online()) return attempt + 1;
    await wait(delays[attempt]);
  }
}

async function sendFailed() {
  await syncNow();
  const { pending, lastError } = await scannerSyncState();
  return pending > 0 && Boolean(lastError);
}

function onTimer() {
  if (!isOnline()) return;
  syncNow();
  if (Date.now() - lastBundleAttempt >= BUNDLE_REFRESH_MS) refreshNow();
}

export function startScannerSync() {
  if (started) return;
  started = true;
  onConnectivityChange((online) => {
    if (!online) return;
    sendWithRetries({ send: sendFailed });
    refreshNow();
  });
  // The worker tells open pages when it delivered records in the background.
  navigator.serviceWorker?.addEventListener('message', (event) => {
    if (event.data?.type === 'scanner-outbox-synced') afterFlush(event.data.result?.learnt);
  });
  setInterval(onTimer, FLUSH_INTERVAL_MS);
  syncNow();
  if (isOnline()) refreshNow();
}
