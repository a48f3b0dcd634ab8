// One decision at the door, from scanned text to a stored, signed record.
//
// decide.js is pure: it needs what this scanner already accepted (replay keys, and the
// cents spent per voucher credential against its offline allowance). Those are held
// in memory, loaded once from IndexedDB and updated with every acceptance, so a
// decision costs no database read; every decision is then signed with the scanner key
// and stored in one transaction (log + outbox + replay key) before the verdict shows:
// a green screen means the venue's record of it exists.
//
// Decisions run one at a time: two scans of the same voucher racing each other could
// otherwise both fit under its allowance.
//
// Time: decisions and the scan times records carry are on the server's time as this
// phone last measured it (clock.js), its own clock signed beside them (the record's
// clock trailer), so a door phone whose clock is off still admits every student.
//
// A retired scanner (the enrolment's `retiredAt`, learnt from a sync answer or a
// bootstrap refusal) still records what it is shown, every scan refused: the venue
// sees what was tried with a phone it withdrew.
import { clockKnown, loadClock, serverNow } from '../clock.js';
import { decide } from './decide.js';
import { recordScan } from '../tokens/record.js';
import { pruneSeen, recordDecision, scanLog, seenKeys } from '../store.js';

const SEEN_KEPT_MS = 8 * 24 * 3600 * 1000; // longer than any credential lives (a week at most)

/** The credential's name in the local log and the seen store: 'v:<voucher id>' or 't:<ticket id>'. */
export function credentialName(verdict) {
  if (verdict.kind === 'voucher') return `v:${verdict.voucherId}`;
  if (verdict.kind === 'ticket') return `t:${verdict.ticketId}`;
  return null;
}

/**
 * A stored seen key (store.js seenKey: `${credential}|${step}`) as decide.js's replay
 * key: a voucher once per time step, a ticket once (stored with step 0).
 */
export function replayKeyOfSeen(key) {
  const match = /^([vt]):(\d+)\|(-?\d+)$/.exec(key);
  if (!match) return null;
  return match[1] === 't' ? `ticket:${match[2]}` : `voucher:${match[2]}:${match[3]}`;
}

/** Cents accepted here per voucher credential (decide.js allowanceKey), from log entries. */
export function spentByCredential(entries) {
  const spent = new Map();
  for (const entry of entries) {
    if (!entry.accepted || !entry.allowanceKey || !Number.isInteger(entry.amountCents)) continue;
    spent.set(entry.allowanceKey, (spent.get(entry.allowanceKey) || 0) + entry.amountCents);
  }
  return spent;
}

export class Door {
  constructor(enrolment, { seen, spent }) {
    this.enrolment = enrolment;
    this.seen = seen;
    this.spent = spent;
    this.queue = Promise.resolve();
  }

  /** The door for this enrolment, with this scanner's memory loaded from IndexedDB. */
  static async open(enrolment) {
    await Promise.all([loadClock(), pruneSeen(Date.now() - SEEN_KEPT_MS).catch(() => {})]);
    const seen = new Set();
    for (const key of await seenKeys()) {
      const replayKey = replayKeyOfSeen(key);
      if (replayKey) seen.add(replayKey);
    }
    const spent = spentByCredential(await scanLog({ limit: Number.MAX_SAFE_INTEGER }));
    return new Door(enrolment, { seen, spent });
  }

  /** A newer bundle (a download, revocations from a sync answer) or a retirement: later decisions use it. */
  useEnrolment(enrolment) {
    this.enrolment = enrolment;
  }

  /**
   * Decide on `text` and store the signed record. Resolves to decide()'s verdict plus
   * {recordId, entry}; `recordId` is null for an input mistake (invalid amount), which
   * is not a scan and is not recorded. `nowMs` is the phone's own clock.
   */
  decide(text, { eventId = 0, amountCents, source = 'camera', nowMs = Date.now() } = {}) {
    const run = this.queue.then(() => this.decideNow(text, { eventId, amountCents, source, nowMs }));
    this.queue = run.catch(() => {});
    return run;
  }

  /** decide() without the queue: callers go through decide(). */
  async decideNow(text, { eventId, amountCents, source, nowMs }) {
    const { bundle, privateKey } = this.enrolment;
    const known = clockKnown();
    const verdict = await decide({
      text, bundle, seen: this.seen, spentOnThisScanner: this.spent, now: Math.floor(serverNow(nowMs) / 1000),
      phoneNow: known ? Math.floor(nowMs / 1000) : null, clockKnown: known,
      amountCents, eventId, retired: Boolean(this.enrolment.retiredAt),
    });
    if (!verdict.record) return { ...verdict, recordId: null, entry: null };
    // Remember before any await: a second scan of the same code must already be refused.
    if (verdict.accepted) {
      this.seen.add(verdict.replayKey);
      if (verdict.allowanceKey) {
        this.spent.set(verdict.allowanceKey, (this.spent.get(verdict.allowanceKey) || 0) + verdict.amountCents);
      }
    }
    try {
      const signed = await recordScan(privateKey, verdict.record);
      const entry = {
        at: nowMs, credential: credentialName(verdict), step: verdict.kind === 'ticket' ? 0 : verdict.step,
        accepted: verdict.accepted, code: verdict.code, reason: verdict.reason, kind: verdict.kind,
        voucherId: verdict.voucherId, ticketId: verdict.ticketId, eventId: verdict.eventId,
        amountCents: verdict.accepted ? verdict.amountCents : 0, requestedCents: verdict.amountCents,
        allowanceKey: verdict.accepted ? verdict.allowanceKey : null, recordId: signed.recordId,
        messageIt: verdict.messageIt, messageEn: verdict.messageEn, source,
      };
      await recordDecision(entry, {
        recordId: signed.recordId, text: signed.text, scannedAt: verdict.record.scannedAt, at: nowMs,
        scannerId: this.enrolment.scannerId, accepted: verdict.accepted,
      });
      return { ...verdict, recordId: signed.recordId, entry };
    } catch (error) {
      // Not stored: take the acceptance back, or the phone would refuse a code it never recorded.
      if (verdict.accepted) {
        this.seen.delete(verdict.replayKey);
        if (verdict.allowanceKey) {
          this.spent.set(verdict.allowanceKey, this.spent.get(verdict.allowanceKey) - verdict.amountCents);
        }
      }
      throw error;
    }
  }
}
