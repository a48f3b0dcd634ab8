// The scanner's offline decision (pwa/src/scanner/decide.js). Run: node --test pwa/tests/

import assert from 'node:assert/strict';
import { describe as suite, test } from 'node:test';

import {
  allowanceKey, doorCategory, formatEuroEn, formatEuroIt, mergeBundle, prepareBundle, verdictMessages,
} from '../src/scanner/decide.js';
import {
  RESULT_CODES, base45, recordScan, toHex, verifyScannerRecord,
} from '../src/tokens/index.js';
import {
  DAY, EVENT, MUSEUM, NOW, THEATRE, VENUE, bundle, issue, newDevice, ticketFields, voucherFields,
} from './helpers/issuer.mjs';
import { atDoor, studentPhone } from './helpers/door.mjs';
import { loadVectorFiles } from './helpers/vectors.mjs';

const vector = (name) => loadVectorFiles().flatMap((f) => f.document.cases).find((c) => c.name === name).token;

const phone = studentPhone();
const { show } = phone;
/** The revocation part of a bootstrap answer. */
const revocationList = (entries, options = {}) => ({ entries, since: 1, more: false, full: true, ...options });

suite('accepting', () => {
  test('a voucher at an event pays the event price and says what to remember', async () => {
    const text = await show(phone.voucherText);
    const verdict = await atDoor(text);
    assert.equal(verdict.accepted, true);
    assert.equal(verdict.code, 'accepted');
    assert.equal(verdict.kind, 'voucher');
    assert.equal(verdict.voucherId, 70001);
    assert.equal(verdict.ticketId, null);
    assert.equal(verdict.amountCents, 1200);
    assert.equal(verdict.remainingCents, 300);
    assert.equal(verdict.step, Math.floor(NOW / 15));
    assert.equal(verdict.replayKey, `voucher:70001:${Math.floor(NOW / 15)}`);
    assert.equal(verdict.messageIt, 'Pagato 12,00 € con il buono');
    assert.equal(verdict.messageEn, 'Paid €12.00 with the voucher');
    assert.deepEqual(verdict.record, {
      scannerId: 7, scannedAt: NOW, phoneAt: null, eventId: EVENT, amountCents: 1200, result: 'accepted',
      scannedText: text,
    });
  });

  test('a door phone whose clock is off decides on the corrected time and records both', async () => {
    const text = await show(phone.voucherText);
    for (const phoneNow of [NOW - 600, NOW + 600]) {
      const verdict = await atDoor(text, { phoneNow, clockKnown: true });
      assert.equal(verdict.code, 'accepted');
      assert.equal(verdict.record.scannedAt, NOW);
      assert.equal(verdict.record.phoneAt, phoneNow);
    }
  });

  test('a door phone further off than any correction decides red and says so', async () => {
    const verdict = await atDoor(await show(phone.voucherText), { phoneNow: NOW - DAY - 1, clockKnown: true });
    assert.equal(verdict.code, 'scanner_clock_wrong');
    assert.match(verdict.messageIt, /orologio di questo telefono/);
    assert.match(verdict.messageEn, /This phone's clock/);
    assert.equal((await atDoor(await show(phone.voucherText), { phoneNow: NOW + DAY })).code, 'accepted');
  });

  test('a typed price replaces the event price', async () => {
    const verdict = await atDoor(await show(phone.voucherText), { amountCents: 500 });
    assert.equal(verdict.accepted, true);
    assert.equal(verdict.amountCents, 500);
  });

  test('a ticket at its event lets one person in, with no money moved', async () => {
    const verdict = await atDoor(await show(phone.ticketText));
    assert.equal(verdict.accepted, true);
    assert.equal(verdict.kind, 'ticket');
    assert.equal(verdict.ticketId, 90001);
    assert.equal(verdict.amountCents, 0);
    assert.equal(verdict.replayKey, 'ticket:90001');
    assert.equal(verdict.messageIt, 'Biglietto valido: può entrare');
  });

  test('the verdict is the same whether the bundle is fresh from JSON or reused', async () => {
    const text = await show(phone.voucherText);
    const fromJson = JSON.parse(JSON.stringify(bundle()));
    const reused = bundle();
    for (const data of [fromJson, reused, reused]) {
      assert.equal((await atDoor(text, { bundle: data })).code, 'accepted');
    }
  });
});

suite('the scanner memory', () => {
  test('a replay in the same time step is refused, even as a different text (ECDSA is malleable)', async () => {
    const first = await show(phone.voucherText);
    const accepted = await atDoor(first);
    const seen = new Set([accepted.replayKey]);
    const again = await atDoor(first, { seen, now: NOW + 5 });
    assert.equal(again.code, 'already_presented');
    assert.equal(again.accepted, false);
    assert.equal(again.messageIt, 'Già usato su questo dispositivo');
    // The same step signed again gives other bytes; and (r, n − s) is as valid as (r, s).
    const resigned = await show(phone.voucherText);
    assert.notEqual(resigned, first);
    assert.equal((await atDoor(resigned, { seen })).code, 'already_presented');
    const data = base45.decode(first.slice(3));
    const n = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
    const s = BigInt(`0x${toHex(data.subarray(data.length - 32))}`);
    const flipped = (n - s).toString(16).padStart(64, '0');
    data.set(Uint8Array.from(flipped.match(/../g), (h) => parseInt(h, 16)), data.length - 32);
    const malleated = `MP:${base45.encode(data)}`;
    assert.notEqual(malleated, first);
    assert.equal((await atDoor(malleated)).code, 'accepted');
    assert.equal((await atDoor(malleated, { seen })).code, 'already_presented');
  });

  test('the next time step is a new presentation of the voucher', async () => {
    const seen = [`voucher:70001:${Math.floor(NOW / 15)}`];
    const later = await show(phone.voucherText, NOW + 15);
    const verdict = await atDoor(later, { seen, now: NOW + 15, eventId: EVENT + 1 });
    assert.equal(verdict.code, 'accepted');
  });

  test('a ticket admits once on this scanner, whatever the step', async () => {
    const later = await show(phone.ticketText, NOW + 600);
    const verdict = await atDoor(later, { seen: { 'ticket:90001': true }, now: NOW + 600 });
    assert.equal(verdict.code, 'already_presented');
    assert.equal(verdict.messageIt, 'Biglietto già usato su questo dispositivo');
  });

  test('the offline allowance is counted per voucher credential on this scanner', async () => {
    const { token } = await issue(voucherFields(phone.wallet.point));
    const key = allowanceKey(token);
    const text = await show(phone.voucherText);
    const spent = new Map([[key, 1200]]);
    const refused = await atDoor(text, { spentOnThisScanner: spent });
    assert.equal(refused.code, 'allowance_exceeded');
    assert.equal(refused.remainingCents, 300);
    assert.equal(refused.messageIt, 'Supera il limite offline di 15,00 € su questo scanner (già spesi 12,00 € qui)');
    const fresh = await atDoor(text, { spentOnThisScanner: {}, amountCents: 1600 });
    assert.equal(fresh.code, 'allowance_exceeded');
    assert.equal(fresh.messageIt, 'Supera il limite offline di 15,00 € su questo scanner');
    // Exactly the allowance is fine.
    const exact = await atDoor(text, { spentOnThisScanner: { [key]: 300 } });
    assert.equal(exact.code, 'accepted');
    assert.equal(exact.remainingCents, 0);
    // A refreshed credential (a new validity start) has its own allowance.
    const refreshed = (await issue(voucherFields(phone.wallet.point, { validFrom: NOW - (NOW % 3600) }))).text;
    const verdict = await atDoor(await show(refreshed), { spentOnThisScanner: spent });
    assert.equal(verdict.code, 'accepted');
  });

  test('a voucher needs a price: a free event with no typed amount is an input mistake, not a scan', async () => {
    const verdict = await atDoor(await show(phone.voucherText), { eventId: EVENT + 2 });
    assert.equal(verdict.code, 'invalid_amount');
    assert.equal(verdict.record, null);
    assert.equal(verdict.messageIt, 'Importo non valido: inserisci il prezzo');
  });
});

suite('the scanner data', () => {
  test('data older than the policy allows is refused, and says what to do', async () => {
    const old = bundle({ generated_at: new Date((NOW - DAY - 1) * 1000).toISOString() });
    const verdict = await atDoor(await show(phone.voucherText), { bundle: old });
    assert.equal(verdict.code, 'scanner_data_stale');
    assert.equal(verdict.messageIt, 'Dati dello scanner troppo vecchi: collegati per aggiornarli');
    assert.equal(verdict.record.result, 'scanner_data_stale');
    const justInTime = bundle({ generated_at: new Date((NOW - DAY) * 1000).toISOString() });
    assert.equal((await atDoor(await show(phone.voucherText), { bundle: justInTime })).code, 'accepted');
  });

  test('no bundle, a damaged one, or a revocation list with pages still to fetch: refused', async () => {
    const text = await show(phone.voucherText);
    const damaged = [bundle({ issuer_keys: { keys: [{ kty: 'RSA' }] } }), bundle({ policy: {} })];
    for (const data of [undefined, null, {}, ...damaged]) {
      const verdict = await atDoor(text, { bundle: data });
      assert.equal(verdict.code, 'scanner_data_stale');
      assert.equal(verdict.messageIt, 'Scanner senza dati: collegati per scaricarli');
    }
    const partial = bundle({ revocations: { entries: [], since: 5000, more: true, full: true } });
    assert.equal((await atDoor(text, { bundle: partial })).code, 'scanner_data_stale');
  });

  test('revoked vouchers, tickets and phones are refused in plain words', async () => {
    const cases = [
      [phone.voucherText, { kind: 'voucher', value: '70001' }, 'Buono bloccato'],
      [phone.ticketText, { kind: 'ticket', value: '90001' }, 'Biglietto annullato'],
      [phone.voucherText, { kind: 'device_key', value: toHex(phone.wallet.point) },
        'Telefono bloccato: il titolare deve contattare la scuola'],
    ];
    for (const [credential, entry, message] of cases) {
      const data = bundle({ revocations: revocationList([entry]) });
      const verdict = await atDoor(await show(credential), { bundle: data });
      assert.equal(verdict.code, 'revoked');
      assert.equal(verdict.messageIt, message);
    }
    const other = bundle({ revocations: revocationList([{ kind: 'voucher', value: '70002' }]) });
    assert.equal((await atDoor(await show(phone.voucherText), { bundle: other })).code, 'accepted');
  });

  test('incremental revocations are merged into the stored bundle', async () => {
    const stored = bundle({ revocations: revocationList([{ kind: 'ticket', value: '1' }]) });
    const frozen = [{ kind: 'voucher', value: '70001' }];
    const update = bundle({ revocations: revocationList(frozen, { since: 2, full: false }) });
    const merged = mergeBundle(stored, update);
    assert.deepEqual(merged.revocations, {
      entries: [{ kind: 'ticket', value: '1' }, { kind: 'voucher', value: '70001' }], since: 2, more: false, full: true,
    });
    assert.equal(stored.revocations.entries.length, 1); // pure
    assert.equal((await atDoor(await show(phone.voucherText), { bundle: merged })).code, 'revoked');
    // A full answer, or another scanner's, replaces what was stored.
    const full = bundle({ revocations: { entries: [], since: 3, more: false, full: true } });
    assert.deepEqual(mergeBundle(merged, full).revocations.entries, []);
    assert.equal(mergeBundle(merged, { ...update, scanner_id: 8 }).revocations.entries.length, 1);
    assert.equal(mergeBundle(null, update), update);
  });

  test('a bundle is prepared once per object', () => {
    const data = bundle();
    assert.equal(prepareBundle(data), prepareBundle(data));
    assert.equal(prepareBundle(data).events.get(EVENT).price_cents, 1200);
  });
});

suite('scope and time', () => {
  test('a ticket for another event is refused', async () => {
    const verdict = await atDoor(await show(phone.ticketText), { eventId: EVENT + 1 });
    assert.equal(verdict.code, 'out_of_scope');
    assert.equal(verdict.messageIt, 'Biglietto per un altro evento');
  });

  test('a ticket for another venue is refused', async () => {
    const elsewhere = (await issue(ticketFields(phone.wallet.point, { venueId: VENUE + 1 }))).text;
    const verdict = await atDoor(await show(elsewhere));
    assert.equal(verdict.code, 'out_of_scope');
    assert.equal(verdict.messageIt, 'Biglietto per un’altra sede');
  });

  test('an event that is not on at this venue is refused (the server would reject it)', async () => {
    const verdict = await atDoor(await show(phone.ticketText), { eventId: 999 });
    assert.equal(verdict.code, 'out_of_scope');
    assert.equal(verdict.reason, 'event_not_at_venue');
  });

  test('a voucher for other categories or other venues is refused', async () => {
    const museumOnly = (await issue(voucherFields(phone.wallet.point, { categories: [MUSEUM] }))).text;
    const category = await atDoor(await show(museumOnly));
    assert.equal(category.code, 'out_of_scope');
    assert.equal(category.messageIt, 'Buono non valido per questo tipo di evento');
    const elsewhere = (await issue(voucherFields(phone.wallet.point, { venueIds: [VENUE + 1] }))).text;
    const venue = await atDoor(await show(elsewhere));
    assert.equal(venue.messageIt, 'Buono non valido in questa sede');
  });

  test('a typed price with no event pays for a category the venue offers and the voucher allows', async () => {
    const atMuseumDesk = bundle({ venue_categories: [5, MUSEUM] });
    const verdict = await atDoor(await show(phone.voucherText), { eventId: 0, amountCents: 500, bundle: atMuseumDesk });
    assert.equal(verdict.accepted, true);
    assert.equal(verdict.amountCents, 500);
    assert.equal(verdict.record.eventId, 0);
    const noPrice = await atDoor(await show(phone.voucherText, NOW + 15), { eventId: 0, bundle: atMuseumDesk });
    assert.equal(noPrice.code, 'invalid_amount');
  });

  test('with no event, a venue offering nothing the voucher allows refuses it, as the server does', async () => {
    for (const venueCategories of [[5], [], undefined]) {
      const verdict = await atDoor(await show(phone.voucherText), {
        eventId: 0, amountCents: 500, bundle: bundle({ venue_categories: venueCategories }),
      });
      assert.equal(verdict.code, 'out_of_scope', `venue categories ${venueCategories}`);
      assert.equal(verdict.record.eventId, 0);
    }
  });

  test('the door category is the lowest code both allow; tickets have none', () => {
    assert.equal(doorCategory({ kind: 'voucher', categories: [THEATRE, MUSEUM] }, [3, MUSEUM, THEATRE]), THEATRE);
    assert.equal(doorCategory({ kind: 'voucher', categories: [MUSEUM] }, [THEATRE]), null);
    assert.equal(doorCategory({ kind: 'ticket' }, [THEATRE]), null);
  });

  test('a screenshot is refused as an expired code, a phone ahead of time as such', async () => {
    const screenshot = await atDoor(await show(phone.voucherText, NOW - 120));
    assert.equal(screenshot.code, 'stale_presentation');
    assert.match(screenshot.messageIt, /^QR scaduto: chiedi di riaprire il buono/);
    assert.match(screenshot.messageIt, /ora di questo telefono/); // it has never measured the server's time
    const ahead = await atDoor(await show(phone.voucherText, NOW + 300));
    assert.equal(ahead.code, 'future_presentation');
    assert.match(ahead.messageEn, /this phone's time/);
  });

  test("a scanner on the server's time says the student's clock is wrong, and by how much", async () => {
    const ahead = await atDoor(await show(phone.voucherText, NOW + 600), { clockKnown: true, phoneNow: NOW - 600 });
    assert.equal(ahead.code, 'future_presentation');
    assert.equal(ahead.messageIt.startsWith("L'orologio del telefono dello studente è avanti di 10 min"), true);
    assert.match(ahead.messageEn, /^The student's phone clock is ahead by 10 min/);
    const behind = await atDoor(await show(phone.voucherText, NOW - 600), { clockKnown: true });
    assert.equal(behind.code, 'stale_presentation');
    assert.match(behind.messageIt, /^QR scaduto di 10 min.*telefono dello studente è indietro/);
    assert.match(behind.messageEn, /student's phone clock is behind/);
  });

  test('the skew window comes from the policy', async () => {
    const text = await show(phone.voucherText, NOW - 60);
    assert.equal((await atDoor(text)).code, 'accepted');
    const strict = bundle({ policy: { max_data_age_seconds: DAY, max_skew_seconds: 30, step_seconds: 15 } });
    assert.equal((await atDoor(text, { bundle: strict })).code, 'stale_presentation');
  });

  test('an expired voucher is refused', async () => {
    const later = NOW + 91 * DAY;
    const data = bundle({ generated_at: new Date(later * 1000).toISOString() });
    const verdict = await atDoor(await show(phone.voucherText, later), { bundle: data, now: later });
    assert.equal(verdict.code, 'expired');
    assert.equal(verdict.messageIt, 'Buono scaduto');
  });
});

suite('what cannot be trusted', () => {
  test('signature failures name no voucher: nothing in the token is believed yet', async () => {
    const altered = await atDoor(vector('credential inside altered'));
    assert.equal(altered.code, 'bad_signature');
    assert.equal(altered.messageIt, 'Firma non valida');
    assert.equal(altered.voucherId, null);
    assert.equal(altered.kind, null);
    const stranger = await newDevice();
    const stolen = await atDoor(await show(phone.voucherText, NOW, stranger));
    assert.equal(stolen.code, 'bad_device_signature');
  });

  test('garbage, bare credentials and unknown keys are refused and still recorded', async () => {
    const cases = [
      ['https://example.com/', 'malformed'],
      ['', 'malformed'],
      [phone.voucherText, 'wrong_kind'],
      [vector('voucher presented at the door').replace('MP:', 'MR:'), 'wrong_kind'],
    ];
    for (const [text, code] of cases) {
      const verdict = await atDoor(text);
      assert.equal(verdict.code, code, text);
      assert.equal(verdict.record.result, code);
      assert.equal(verdict.record.scannedText, text);
    }
    const onlyOldKey = bundle({ issuer_keys: { keys: [bundle().issuer_keys.keys[0]] } });
    const unknown = await atDoor(await show(phone.voucherText), { bundle: onlyOldKey });
    assert.equal(unknown.code, 'unknown_key');
  });

  test('every verdict the scanner can record has Italian and English words', () => {
    for (const code of Object.values(RESULT_CODES)) {
      for (const kind of ['voucher', 'ticket', null]) {
        const context = { kind, amountCents: 100, allowanceCents: 1500, spentCents: 0 };
        const { messageIt, messageEn } = verdictMessages(code, context);
        assert.ok(messageIt.length > 5 && messageEn.length > 5, code);
        assert.notEqual(messageIt, messageEn, code);
      }
    }
  });

  test('money reads as Italians and English speakers write it', () => {
    assert.equal(formatEuroIt(1500), '15,00 €');
    assert.equal(formatEuroIt(123456789), '1.234.567,89 €');
    assert.equal(formatEuroIt(5), '0,05 €');
    assert.equal(formatEuroEn(123456), '€1,234.56');
  });
});

suite('from decision to signed record', () => {
  test('the verdict carries what recordScan needs, and the record verifies', async () => {
    const scanner = await newDevice();
    const text = await show(phone.voucherText);
    for (const verdict of [
      await atDoor(text),
      await atDoor('not a code'),
    ]) {
      const { text: recordText, recordId } = await recordScan(scanner.privateKey, verdict.record);
      const record = await verifyScannerRecord(recordText, { scannerKey: scanner.point });
      assert.equal(toHex(record.recordId), recordId);
      assert.equal(record.result, verdict.code);
      assert.equal(record.amountCents, verdict.amountCents);
      assert.equal(record.scannedText, verdict.record.scannedText);
    }
  });
});
