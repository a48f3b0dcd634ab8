// The server's time on this phone. Wallet and scanner work offline on the phone's clock,
// which may be minutes or hours off: a student refused at every door, a door phone
// refusing everyone. Every answer of the API says the server's time (`Server-Time`,
// Unix ms: server/http/clock.py); each time the wallet or the scanner talks to the server
// it measures the offset, keeps it in IndexedDB, and works offline on the corrected
// time: the wallet for its time steps, the scanner for its decisions and the scan times
// it signs (docs/scanner-protocol.md, "Time").
//
// One measurement: offset = server time − (sent + received) / 2, good to within half
// the round trip. Of the recent ones the one with the smallest round trip is used. A
// phone whose clock was set since (the staff fixed it after the scanner's warning)
// measures an offset that disagrees with the kept ones beyond their round trips: those
// are dropped, they describe a clock that is no more. Until the next contact nothing
// can tell the clock moved; the next bundle download or sync corrects it.
import { getClockSamples, putClockSamples } from './store.js';

export const SERVER_TIME_HEADER = 'Server-Time';
export const SAMPLES_KEPT = 8;
// Offsets of one clock agree within their round trips; a margin for the server's own
// processing time and the phone's timer granularity.
const AGREEMENT_MARGIN_MS = 1_000;

/** One measurement, {offsetMs, rttMs, at} (`at`: the phone's clock), or null when it cannot be one. */
export function sampleOf({ serverMs, sentMs, receivedMs }) {
  if (![serverMs, sentMs, receivedMs].every(Number.isFinite) || receivedMs < sentMs || serverMs <= 0) return null;
  return { offsetMs: Math.round(serverMs - (sentMs + receivedMs) / 2), rttMs: receivedMs - sentMs, at: receivedMs };
}

/** The kept samples after `sample`: those that disagree with it (the clock was set since) go, the newest stay. */
export function keepSample(samples, sample) {
  const agreeing = (samples || []).filter((kept) => Math.abs(kept.offsetMs - sample.offsetMs)
    <= (kept.rttMs + sample.rttMs) / 2 + AGREEMENT_MARGIN_MS);
  return [...agreeing, sample].slice(-SAMPLES_KEPT);
}

/** The sample to trust: the smallest round trip, the newest among equals; null when none. */
export function bestSample(samples) {
  let best = null;
  for (const sample of samples || []) {
    if (!best || sample.rttMs <= best.rttMs) best = sample;
  }
  return best;
}

let samples = [];
let loading = null;

/** Read the kept samples from IndexedDB (once; later calls wait for the same read). */
export function loadClock() {
  if (!loading) {
    loading = getClockSamples().then((stored) => {
      // A sample recorded while this read ran is newer than anything stored: keep it.
      if (Array.isArray(stored) && !samples.length) samples = stored;
    }).catch(() => {});
  }
  return loading;
}

/** Offset of the server's clock from this phone's, in ms (server − phone); null when never measured. */
export function clockOffsetMs() {
  const best = bestSample(samples);
  return best ? best.offsetMs : null;
}

/** Whether this phone has measured the server's time: a clock refusal is then the other phone's. */
export function clockKnown() {
  return clockOffsetMs() !== null;
}

/** Now on the server's time as this phone knows it, in ms (the phone's own clock until measured). */
export function serverNow(phoneMs = Date.now()) {
  return phoneMs + (clockOffsetMs() ?? 0);
}

/**
 * Record what an answer says of the server's time. `sentMs`/`receivedMs` on the phone's
 * clock around the request. Only in a page: the service worker runs on the same phone's
 * clock, and the page, which signs and presents, measures on every contact anyway.
 * Resolves when stored; never throws (a lost measurement is only a missed correction).
 */
export async function recordServerTime(response, sentMs, receivedMs) {
  if (typeof document === 'undefined') return;
  const serverMs = Number(response?.headers?.get?.(SERVER_TIME_HEADER));
  const sample = sampleOf({ serverMs, sentMs, receivedMs });
  if (!sample) return;
  await loadClock();
  samples = keepSample(samples, sample);
  try {
    await putClockSamples(samples);
  } catch {
    // storage refused: the correction holds while the page is open
  }
}

/** For tests: forget what was measured (not what is stored). */
export function resetClockForTests(kept = []) {
  samples = kept;
  loading = Promise.resolve();
}
