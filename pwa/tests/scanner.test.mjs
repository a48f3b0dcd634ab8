// The scanner's plain-data helpers (pwa/src/scanner/): data age, the default event,
// typed input, the camera's "still in view", the memory rebuilt from IndexedDB, and
// which sent records the server answered for. Run: node --test pwa/tests/
// (The screens, IndexedDB and the camera are tested in Chromium: tests/pwa/test_scanner_browser.py.)

import assert from 'node:assert/strict';
import { describe as suite, test } from 'node:test';

import { allowanceKey, decide, replayKey } from '../src/scanner/decide.js';
import { shareFraction } from '../src/scanner/bundle.js';
import { credentialName, replayKeyOfSeen, spentByCredential } from '../src/scanner/door.js';
import { dataFreshness, defaultEventId } from '../src/scanner/enrolment.js';
import { centsText, cleanTyped, parseCents, subjectOf } from '../src/scanner/input.js';
import {
  acknowledged, enrolmentAfterAnswer, recordsByScanner, revocationCursor, syncBody,
} from '../src/scanner/outbox.js';
import { RETRY_AFTER_ONLINE_MS, sendWithRetries } from '../src/scanner/sync.js';
import { presentCredential } from '../src/tokens/index.js';
import { EVENT, NOW, bundle, issue, newDevice, ticketFields, voucherFields } from './helpers/issuer.mjs';

const at = (seconds) => seconds * 1000;

suite('data age', () => {
  test('fresh, then stale one second past the policy limit', () => {
    const data = bundle(); // generated an hour before NOW, limit one day
    assert.deepEqual(dataFreshness(data, at(NOW)),
                     { ageSeconds: 3600, maxAgeSeconds: 86_400, missing: false, incomplete: false, stale: false });
    assert.equal(dataFreshness(data, at(NOW - 3600 + 86_400)).stale, false);
    assert.equal(dataFreshness(data, at(NOW - 3600 + 86_401)).stale, true);
  });

  test('agrees with decide(): what the banner calls stale, decide refuses as stale', async () => {
    const wallet = await newDevice();
    const credential = (await issue(voucherFields(wallet.point))).text;
    const codes = [];
    for (const now of [NOW - 3600 + 86_400, NOW - 3600 + 86_401]) {
      const text = await presentCredential(credential, wallet.privateKey, { now });
      const verdict = await decide({ text, bundle: bundle(), now, eventId: EVENT });
      assert.equal(verdict.code === 'scanner_data_stale', dataFreshness(bundle(), at(now)).stale);
      codes.push(verdict.code);
    }
    assert.deepEqual(codes, ['accepted', 'scanner_data_stale']);
  });

  test('a revocation list with pages still to fetch is not enough to decide on', () => {
    const data = bundle({ revocations: { entries: [], since: 5000, more: true, full: true } });
    assert.deepEqual(dataFreshness(data, at(NOW)),
                     { ageSeconds: 3600, maxAgeSeconds: 86_400, missing: false, incomplete: true, stale: true });
  });

  test('no bundle, or a damaged one, is missing data', () => {
    for (const data of [null, undefined, {}, bundle({ policy: {} })]) {
      assert.equal(dataFreshness(data, at(NOW)).missing, true);
      assert.equal(dataFreshness(data, at(NOW)).stale, true);
    }
  });
});

suite('the event at the door', () => {
  const { events } = bundle(); // Amleto 19-21, Mostra 9-18, Prova aperta 17-18 on 15 Jan 2027
  test('the one on now', () => {
    assert.equal(defaultEventId(events, Date.parse('2027-01-15T19:30:00Z')), EVENT);
    assert.equal(defaultEventId(events, Date.parse('2027-01-15T10:00:00Z')), EVENT + 1);
  });
  test('else the next to start', () => {
    assert.equal(defaultEventId(events, at(NOW)), EVENT + 1); // 08:00: the exhibition opens at 9
    assert.equal(defaultEventId(events, Date.parse('2027-01-15T18:30:00Z')), EVENT);
  });
  test('else none (tickets only)', () => {
    assert.equal(defaultEventId(events, Date.parse('2027-01-16T00:00:00Z')), 0);
    assert.equal(defaultEventId([], at(NOW)), 0);
  });
});

suite('typed input', () => {
  test('amounts in euros, Italian or English style, to cents', () => {
    const cases = { '12,50': 1250, '12.5': 1250, '12': 1200, ' 7,05 ': 705, '0,99': 99, '15 €': 1500 };
    for (const [text, cents] of Object.entries(cases)) assert.equal(parseCents(text), cents, text);
    for (const text of ['', 'sette', '12,505', '-3', '1.234,50', '12,']) assert.equal(parseCents(text), null, text);
  });

  test('cents back as the field shows them', () => {
    assert.equal(centsText(1500), '15,00');
    assert.equal(centsText(705), '7,05');
    assert.equal(centsText(null), '');
  });

  test('a pasted code loses leading blanks and trailing line breaks, never a Base45 space', () => {
    assert.equal(cleanTyped('  MP:AB C \n'), 'MP:AB C ');
    assert.equal(cleanTyped('MP:ABC\r\n'), 'MP:ABC');
  });
});

suite('still in view', () => {
  test('every rotation of one voucher is the same subject; tickets and others apart', async () => {
    const wallet = await newDevice();
    const voucher = (await issue(voucherFields(wallet.point))).text;
    const ticket = (await issue(ticketFields(wallet.point))).text;
    const first = await presentCredential(voucher, wallet.privateKey, { now: NOW });
    const later = await presentCredential(voucher, wallet.privateKey, { now: NOW + 30 });
    assert.notEqual(first, later);
    assert.equal(subjectOf(first), 'v:70001');
    assert.equal(subjectOf(later), 'v:70001');
    assert.equal(subjectOf(await presentCredential(ticket, wallet.privateKey, { now: NOW })), 't:90001');
    assert.equal(subjectOf('https://example.org/'), 'https://example.org/');
    assert.equal(subjectOf(voucher), voucher); // a bare credential is not a presentation
  });
});

suite('the memory rebuilt from IndexedDB', () => {
  test('seen keys as stored become decide() replay keys', () => {
    const voucher = { kind: 'voucher', voucherId: 12 };
    const ticket = { kind: 'ticket', ticketId: 7 };
    assert.equal(replayKeyOfSeen('v:12|120000000'), replayKey(voucher, 120000000));
    assert.equal(replayKeyOfSeen('t:7|0'), replayKey(ticket, 5));
    assert.equal(replayKeyOfSeen('garbage'), null);
    assert.equal(credentialName({ kind: 'voucher', voucherId: 12 }), 'v:12');
    assert.equal(credentialName({ kind: 'ticket', ticketId: 7 }), 't:7');
    assert.equal(credentialName({ kind: null }), null);
  });

  test('cents spent add up per voucher credential, acceptances only', () => {
    const credential = { voucherId: 12, validFrom: 1000 };
    const key = allowanceKey(credential);
    const spent = spentByCredential([
      { accepted: true, allowanceKey: key, amountCents: 500 },
      { accepted: true, allowanceKey: key, amountCents: 700 },
      { accepted: false, allowanceKey: null, amountCents: 0 },
      { accepted: true, allowanceKey: allowanceKey({ voucherId: 12, validFrom: 5000 }), amountCents: 300 },
      { accepted: true, allowanceKey: null, amountCents: 0 }, // a ticket
    ]);
    assert.equal(spent.get(key), 1200);
    assert.equal(spent.get('12:5000'), 300);
    assert.equal(spent.size, 2);
  });
});

suite('what the server answered for', () => {
  const sent = [{ recordId: 'aa'.repeat(16) }, { recordId: 'bb'.repeat(16) }, { recordId: 'cc'.repeat(16) }];

  test('every record with a result at its place leaves the outbox', () => {
    const { done, rejected, summary } = acknowledged(sent, [
      { record_id: 'aa'.repeat(16), outcome: 'redeemed', code: null },
      { record_id: 'bb'.repeat(16), outcome: 'refused', code: 'already_presented' },
      { record_id: null, outcome: 'rejected', code: 'bad_scanner_signature' }, // answered, nothing believed
    ]);
    assert.deepEqual(done, sent.map((record) => record.recordId));
    assert.deepEqual(summary, { redeemed: 1, checked_in: 0, refused: 1, rejected: 1 });
    assert.deepEqual(rejected, [{ recordId: 'cc'.repeat(16), code: 'bad_scanner_signature' }]);
  });

  test('records without an answer stay; an answer about another record does not count', () => {
    const { done } = acknowledged(sent, [
      { record_id: 'aa'.repeat(16), outcome: 'redeemed' },
      { record_id: 'cc'.repeat(16), outcome: 'redeemed' },
    ]);
    assert.deepEqual(done, ['aa'.repeat(16)]);
    assert.deepEqual(acknowledged(sent, null).done, []);
    assert.deepEqual(acknowledged(sent, [{}]).done, []);
  });

  test('a refusal the server turned down too is no warning: the venue loses nothing', () => {
    const records = [{ recordId: 'aa'.repeat(16), accepted: false }, { recordId: 'bb'.repeat(16), accepted: true },
                     { recordId: 'cc'.repeat(16) }]; // queued before records said
    const { done, rejected, summary } = acknowledged(records, records.map((record) => ({
      record_id: record.recordId, outcome: 'rejected', code: 'scanner_retired',
    })));
    assert.equal(done.length, 3);
    assert.equal(summary.rejected, 3);
    assert.deepEqual(rejected.map((r) => r.recordId), ['bb'.repeat(16), 'cc'.repeat(16)]);
  });

  test('the new per-record codes come back as the rejection\'s code', () => {
    const codes = ['presentation_replayed', 'allowance_exceeded', 'scanner_retired', 'invalid_amount',
                   'scanned_in_future', 'scanned_before_enrolment'];
    const records = codes.map((code, index) => ({ recordId: String(index).repeat(32), accepted: true }));
    const { rejected } = acknowledged(records, records.map((record, index) => ({
      record_id: record.recordId, outcome: 'rejected', code: codes[index],
    })));
    assert.deepEqual(rejected.map((r) => r.code), codes);
  });

  test('ids with dashes or capitals are the same id', () => {
    const id = '0123456789abcdef0123456789abcdef';
    const dashed = '01234567-89AB-CDEF-0123-456789ABCDEF';
    assert.deepEqual(acknowledged([{ recordId: id }], [{ record_id: dashed, outcome: 'checked_in' }]).done, [id]);
  });
});

suite('records by the scanner that signed them', () => {
  test('each enrolment\'s records go to its own scanner, oldest first', () => {
    const groups = recordsByScanner([
      { recordId: 'c', scannedAt: 30, at: 30_000, scannerId: 9 },
      { recordId: 'a', scannedAt: 10, at: 10_000, scannerId: 4 },
      { recordId: 'd', scannedAt: 30, at: 30_500, scannerId: 9 },
      { recordId: 'b', scannedAt: 20, at: 20_000 }, // queued before records named their scanner
    ], 9);
    assert.deepEqual([...groups.keys()], [4, 9]);
    assert.deepEqual(groups.get(4).map((r) => r.recordId), ['a']);
    assert.deepEqual(groups.get(9).map((r) => r.recordId), ['b', 'c', 'd']);
  });

  test('with no enrolment, records that name no scanner wait', () => {
    assert.equal(recordsByScanner([{ recordId: 'x', scannedAt: 1 }], undefined).size, 0);
  });
});

suite('sending when the phone comes back online', () => {
  const fake = (outcomes) => {
    const waits = [];
    let sends = 0;
    return {
      waits,
      sends: () => sends,
      options: {
        send: async () => outcomes[sends++] ?? false,
        wait: async (ms) => { waits.push(ms); },
      },
    };
  };

  test('a send that fails is tried again after a short wait until one goes through', async () => {
    const run = fake([true, true, false]);
    assert.equal(await sendWithRetries({ ...run.options, online: () => true }), 3);
    assert.deepEqual(run.waits, RETRY_AFTER_ONLINE_MS.slice(0, 2));
  });

  test('a send that goes through is not repeated', async () => {
    const run = fake([false]);
    assert.equal(await sendWithRetries({ ...run.options, online: () => true }), 1);
    assert.deepEqual(run.waits, []);
  });

  test('the tries end with the delays (the timer takes over), or as soon as the phone is offline', async () => {
    const always = fake(Array(10).fill(true));
    assert.equal(await sendWithRetries({ ...always.options, online: () => true }), RETRY_AFTER_ONLINE_MS.length + 1);
    assert.deepEqual(always.waits, RETRY_AFTER_ONLINE_MS);
    const dropped = fake(Array(10).fill(true));
    assert.equal(await sendWithRetries({ ...dropped.options, online: () => false }), 1);
  });
});

suite('what a sync answer teaches the scanner', () => {
  const freshBundle = () => bundle({ revocations: { entries: [], since: 40, more: false, full: true } });
  const enrolment = (fields = {}) => ({ scannerId: 7, venueId: 31, bundle: freshBundle(), ...fields });
  const answer = (fields = {}) => ({
    results: [], scanner: { status: 'active', retired_at: null },
    revocations: { entries: [{ kind: 'voucher', value: '70001' }], since: 41, more: false, full: false },
    ...fields,
  });

  test('the request carries the bundle\'s revocation cursor, for this enrolment\'s records only', () => {
    assert.equal(revocationCursor(enrolment(), 7), 40);
    assert.equal(revocationCursor(enrolment(), 4), null); // an earlier enrolment's records
    assert.equal(revocationCursor(enrolment({ bundle: null }), 7), null);
    assert.equal(revocationCursor(undefined, 7), null);
    assert.equal(revocationCursor(enrolment({ bundle: { ...freshBundle(), scanner_id: 8 } }), 7), null);
    assert.deepEqual(syncBody([{ text: 'MR:A' }, { text: 'MR:B' }], 40), { records: ['MR:A', 'MR:B'], since: 40 });
    assert.deepEqual(syncBody([{ text: 'MR:A' }], 0), { records: ['MR:A'], since: 0 });
    assert.deepEqual(syncBody([{ text: 'MR:A' }], null), { records: ['MR:A'] });
  });

  test('a voucher the sync froze is refused by the next decision, with no download', async () => {
    const wallet = await newDevice();
    const credential = (await issue(voucherFields(wallet.point))).text;
    const before = enrolment();
    const after = enrolmentAfterAnswer(before, 7, answer(), 40);
    assert.equal(after.bundle.revocations.since, 41);
    assert.equal(after.bundle.generated_at, before.bundle.generated_at); // the data age is the bundle's
    assert.equal(after.retiredAt, undefined);
    const text = await presentCredential(credential, wallet.privateKey, { now: NOW });
    assert.equal((await decide({ text, bundle: before.bundle, now: NOW, eventId: EVENT })).code, 'accepted');
    assert.equal((await decide({ text, bundle: after.bundle, now: NOW, eventId: EVENT })).code, 'revoked');
  });

  test('a retired answer is remembered, with the server\'s time', () => {
    const retiredAt = '2027-01-15T07:00:00+00:00';
    const after = enrolmentAfterAnswer(enrolment(), 7, answer({
      scanner: { status: 'retired', retired_at: retiredAt }, revocations: null,
    }), 40);
    assert.equal(after.retiredAt, retiredAt);
    assert.equal(after.bundle.revocations.since, 40);
    // Known already: nothing changes.
    assert.equal(enrolmentAfterAnswer(after, 7, answer({ scanner: { status: 'retired' }, revocations: null }), 40),
                 null);
  });

  test('nothing to learn: no revocations sent for, another scanner, an older answer', () => {
    assert.equal(enrolmentAfterAnswer(enrolment(), 7, answer({ revocations: null }), 40), null);
    assert.equal(enrolmentAfterAnswer(enrolment(), 7, answer(), null), null); // no cursor was sent
    assert.equal(enrolmentAfterAnswer(enrolment(), 4, answer({ scanner: { status: 'retired' } }), null), null);
    assert.equal(enrolmentAfterAnswer(undefined, 7, answer(), 40), null);
    assert.equal(enrolmentAfterAnswer(enrolment(), 7, null, 40), null);
    assert.equal(enrolmentAfterAnswer(enrolment(), 7, { results: [] }, 40), null); // an older server
  });
});

suite("the share on the scanner's screen", () => {
  test('one of equal parts as a fraction, anything else as a percentage', () => {
    assert.equal(shareFraction(5000, 2), '1/2');
    assert.equal(shareFraction(3333, 3), '1/3');
    assert.equal(shareFraction(2500, 4, 'en-GB'), '1/4');
    assert.equal(shareFraction(2500, 2), '25%');
    assert.equal(shareFraction(1234, null, 'en-GB'), '12.34%');
    assert.equal(shareFraction(1234, undefined, 'it-IT'), '12,34%');
  });
});
