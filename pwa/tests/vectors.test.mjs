// The JavaScript twin against the shared vectors (tests/vectors/*.json), plus round trips,
// the wallet's presentations and the scanner's records. Run: node --test pwa/tests/

import assert from 'node:assert/strict';
import { describe as suite, test } from 'node:test';

import {
  PublicKeyset, TokenError, RESULT_CODES, base45, clipScannedText, fromHex, makeRevocations, newRecordId,
  parseUnverified, presentCredential, readUnverified, recordScan, secondsUntilNextStep, timeStep, toHex, toText,
  uncompressPoint, verifyCredential, verifyPresentation, verifyScannerRecord,
} from '../src/tokens/index.js';
import {
  EVENT, NOW, THEATRE, VENUE, JWKS, issue, newDevice, ticketFields, voucherFields,
} from './helpers/issuer.mjs';
import { describe, loadVectorFiles, runCase } from './helpers/vectors.mjs';

const files = loadVectorFiles();
const casesByName = new Map(files.flatMap(({ document }) => document.cases.map((c) => [c.name, c])));
const door = { venueId: VENUE, category: THEATRE, eventId: null };

suite('shared vectors', () => {
  test('every vector file is there and has cases', () => {
    assert.deepEqual(files.map((f) => f.file),
      ['credentials.json', 'malformed.json', 'presentations.json', 'scanner_records.json']);
    for (const { document } of files) {
      assert.equal(document.format_version, 1);
      assert.ok(document.cases.length > 0);
    }
  });

  for (const { file, document } of files) {
    for (const testCase of document.cases) {
      test(`${file}: ${testCase.name} → ${testCase.expected}`, async () => {
        const { code, token } = await runCase(testCase, document.keys);
        assert.equal(code, testCase.expected);
        if (testCase.fields) assert.deepEqual(describe(token), testCase.fields);
      });
    }
  }
});

suite('Base45 (RFC 9285)', () => {
  const utf8 = (text) => new TextEncoder().encode(text);

  test('the RFC examples', () => {
    assert.equal(base45.encode(utf8('AB')), 'BB8');
    assert.equal(base45.encode(utf8('Hello!!')), '%69 VD92EX0');
    assert.equal(base45.encode(utf8('base-45')), 'UJCLQE7W581');
    assert.deepEqual(base45.decode('QED8WEX0'), utf8('ietf!'));
  });

  test('round trips every length up to 64 and the extreme byte values', () => {
    for (let length = 0; length <= 64; length += 1) {
      const data = Uint8Array.from({ length }, (_, i) => (i * 151 + length * 7) & 0xff);
      assert.deepEqual(base45.decode(base45.encode(data)), data);
    }
    for (const data of [Uint8Array.of(0xff, 0xff), Uint8Array.of(0xff), Uint8Array.of(0, 0), Uint8Array.of(0)]) {
      assert.deepEqual(base45.decode(base45.encode(data)), data);
    }
  });

  for (const [name, text] of [
    ['a character outside the alphabet', 'AB#'],
    ['lower case', 'bb8'],
    ['a non-ASCII character', 'BBé'],
    ['a length of 3k+1', 'BB8A'],
    ['a group above 0xFFFF', 'GGW'],
    ['a final pair above 0xFF', '::'],
  ]) {
    test(`refuses ${name} as malformed`, () => {
      assert.throws(() => base45.decode(text), (error) => error instanceof TokenError && error.code === 'malformed');
    });
  }
});

suite('layouts', () => {
  const okCases = [...casesByName.values()].filter((c) => c.expected === 'ok');

  test('parsing then writing gives back every valid vector token, text for text', () => {
    assert.ok(okCases.length >= 8);
    for (const testCase of okCases) {
      assert.equal(toText(parseUnverified(testCase.token)), testCase.token, testCase.name);
    }
  });

  test('building then parsing keeps every field, venues and categories included', async () => {
    const device = await newDevice();
    const fields = voucherFields(device.point, { venueIds: [31, 33, 4294967295, 0], categories: [15, 0, 7] });
    const { token, text } = await issue(fields);
    const parsed = parseUnverified(text);
    assert.deepEqual(parsed.venueIds, [31, 33, 4294967295, 0]);
    assert.deepEqual(parsed.categories, [0, 7, 15]);
    assert.deepEqual(parsed, { ...token, categories: [0, 7, 15] });
  });

  test('the prefix decides which kinds a caller accepts', () => {
    const voucher = casesByName.get('valid voucher').token;
    assert.throws(() => parseUnverified(voucher, { expectedKinds: ['presentation'] }), { code: 'wrong_kind' });
    assert.equal(parseUnverified(voucher, { expectedKinds: ['voucher', 'ticket'] }).kind, 'voucher');
  });

  test('readUnverified returns the bytes as received', () => {
    const voucher = casesByName.get('valid voucher').token;
    const { data } = readUnverified(voucher);
    assert.deepEqual(data, base45.decode(voucher.slice(3)));
  });

  test('a text longer than 4096 code points is refused before any work, one shorter is read', () => {
    // Non-ASCII characters count once, as in Python: 2100 emoji are 4200 UTF-16 units.
    const emoji = `MV:${'😀'.repeat(2100)}`;
    assert.throws(() => parseUnverified(emoji, { expectedKinds: ['presentation'] }), { code: 'wrong_kind' });
    assert.throws(() => parseUnverified(`MV:${'0'.repeat(4094)}`, { expectedKinds: ['presentation'] }),
      { code: 'malformed' });
  });

  test('builders refuse what the format cannot hold', async () => {
    const device = await newDevice();
    const voucher = (overrides) => ({ keyId: 2, ...voucherFields(device.point, overrides) });
    assert.throws(() => toText(voucher({ offlineAllowanceCents: 65536 })), RangeError);
    assert.throws(() => toText(voucher({ venueIds: [1, 2, 3, 4, 5] })), RangeError);
    assert.throws(() => toText(voucher({ categories: [16] })), RangeError);
    assert.throws(() => toText(voucher({ validFrom: NOW + 1 })), RangeError);
    assert.throws(() => toText(voucher({ keyId: 256 })), RangeError);
    assert.throws(() => toText({ ...ticketFields(device.point.subarray(1)), keyId: 2 }), RangeError);
  });

  test('any input whatsoever fails only with TokenError', () => {
    const valid = [...okCases.map((c) => c.token)];
    let seed = 12345;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const inputs = [null, undefined, 42, {}, [], '', 'MP:', 'MR:', 'MV: ', 'MT:00'];
    for (let i = 0; i < 2000; i += 1) {
      const token = valid[i % valid.length];
      const data = base45.decode(token.slice(3));
      const mutated = data.slice(0, Math.floor(random() * (data.length + 2)));
      if (mutated.length) mutated[Math.floor(random() * mutated.length)] ^= 1 << Math.floor(random() * 8);
      inputs.push(token.slice(0, 3) + base45.encode(mutated));
      const noise = Uint8Array.from({ length: Math.floor(random() * 200) }, () => Math.floor(random() * 256));
      inputs.push(token.slice(0, 3) + base45.encode(noise));
    }
    for (const input of inputs) {
      try {
        parseUnverified(input);
      } catch (error) {
        assert.ok(error instanceof TokenError, `${typeof input} ${String(input).slice(0, 40)}: ${error}`);
      }
    }
  });
});

suite('keys', () => {
  test('the JWK Set is read as the server publishes it, key windows included', () => {
    const keyset = PublicKeyset.fromJwks(JWKS);
    assert.deepEqual([...keyset.keys.keys()].sort(), [1, 2]);
    assert.equal(keyset.keyFor(2, NOW).keyId, 2);
    assert.throws(() => keyset.keyFor(9, NOW), { code: 'unknown_key' });
    assert.throws(() => keyset.keyFor(1, keyset.keys.get(1).notAfter + 1), { code: 'unknown_key' });
  });

  test('a JWK that is not an Ed25519 public key is refused', () => {
    assert.throws(() => PublicKeyset.fromJwks({ keys: [{ ...JWKS.keys[0], crv: 'X25519' }] }), TypeError);
    assert.throws(() => PublicKeyset.fromJwks({ keys: [{ ...JWKS.keys[0], kid: '256' }] }), TypeError);
    assert.throws(() => PublicKeyset.fromJwks({ keys: [{ ...JWKS.keys[0], x: 'AAAA' }] }), TypeError);
    assert.throws(() => PublicKeyset.fromJwks({}), TypeError);
  });

  test('compressed device keys are decompressed onto the curve, other bytes are not keys', async () => {
    const device = await newDevice();
    const raw = new Uint8Array(await crypto.subtle.exportKey('raw', device.publicKey));
    assert.deepEqual(uncompressPoint(device.point), raw);
    const offCurve = device.point.slice();
    offCurve[32] ^= 1;
    const flipped = device.point.slice();
    flipped[0] ^= 1; // the other y
    assert.notDeepEqual(uncompressPoint(flipped), raw);
    assert.equal(uncompressPoint(Uint8Array.of(4, ...device.point.subarray(1))), null);
    assert.equal(uncompressPoint(new Uint8Array(33).fill(0xff)), null); // x >= p
    // An x with no y exists for about half of all values; at least one of these must miss.
    const misses = Array.from({ length: 16 }, (_, i) => {
      const point = device.point.slice();
      point[32] = i;
      return uncompressPoint(point) === null;
    });
    assert.ok(misses.includes(true));
  });
});

suite('wallet presentations (present.js)', () => {
  test('a presentation made with a non-extractable WebCrypto key verifies at the door', async () => {
    const device = await newDevice();
    const { text } = await issue(voucherFields(device.point));
    const shown = await presentCredential(text, device.privateKey, { now: NOW });
    assert.match(shown, /^MP:[0-9A-Z $%*+\-./:]+$/);
    const presentation = await verifyPresentation(shown, { keys: JWKS, now: NOW, scope: door });
    assert.equal(presentation.timeStep, Math.floor(NOW / 15));
    assert.equal(presentation.credential.voucherId, 70001);
    // The credential inside is byte for byte the one issued.
    assert.equal(toText(presentation.credential), text);
  });

  test('a ticket presentation verifies at its event', async () => {
    const device = await newDevice();
    const { text } = await issue(ticketFields(device.point));
    const shown = await presentCredential(text, device.privateKey, { now: NOW });
    const presentation = await verifyPresentation(shown, {
      keys: JWKS, now: NOW, scope: { venueId: VENUE, category: null, eventId: EVENT },
    });
    assert.equal(presentation.credential.ticketId, 90001);
  });

  test('the code rotates with the 15-second step and goes stale after the skew window', async () => {
    const device = await newDevice();
    const { text } = await issue(voucherFields(device.point));
    const start = NOW - (NOW % 15);
    const first = parseUnverified(await presentCredential(text, device.privateKey, { now: start + 14 }));
    const next = parseUnverified(await presentCredential(text, device.privateKey, { now: start + 15 }));
    assert.equal(next.timeStep, first.timeStep + 1);
    const old = await presentCredential(text, device.privateKey, { now: NOW - 120 });
    await assert.rejects(verifyPresentation(old, { keys: JWKS, now: NOW, scope: door }),
      { code: 'stale_presentation' });
    assert.equal(timeStep(start + 29), timeStep(start + 15));
    assert.equal(secondsUntilNextStep(start), 15);
    assert.equal(secondsUntilNextStep(start + 14), 1);
  });

  test('the edges of the skew window and of the validity window, to the second', async () => {
    const device = await newDevice();
    const fields = voucherFields(device.point);
    const { text } = await issue(fields);
    const step = Math.floor(NOW / 15);
    const shown = await presentCredential(text, device.privateKey, { now: step * 15 });
    const at = async (now) => {
      try {
        await verifyPresentation(shown, { keys: JWKS, now, scope: door, maxSkewSeconds: 90 });
        return 'ok';
      } catch (error) {
        return error.code;
      }
    };
    // The step's interval [start, start + 15) must overlap [now - 90, now + 90].
    assert.equal(await at(step * 15 + 15 + 90 - 1), 'ok');
    assert.equal(await at(step * 15 + 15 + 90), 'stale_presentation');
    assert.equal(await at(step * 15 - 90), 'ok');
    assert.equal(await at(step * 15 - 91), 'future_presentation');
    const verifyAt = async (now) => {
      try {
        await verifyCredential(text, { keys: JWKS, now });
        return 'ok';
      } catch (error) {
        return error.code;
      }
    };
    assert.equal(await verifyAt(fields.validUntil), 'ok');
    assert.equal(await verifyAt(fields.validUntil + 1), 'expired');
    assert.equal(await verifyAt(fields.validFrom), 'ok');
    assert.equal(await verifyAt(fields.validFrom - 1), 'not_yet_valid');
  });

  test('another phone cannot present the credential', async () => {
    const owner = await newDevice();
    const thief = await newDevice();
    const { text } = await issue(voucherFields(owner.point));
    const shown = await presentCredential(text, thief.privateKey, { now: NOW });
    await assert.rejects(verifyPresentation(shown, { keys: JWKS, now: NOW, scope: door }),
      { code: 'bad_device_signature' });
  });

  test('now is Unix seconds (or a Date); milliseconds are refused, not misread', async () => {
    const device = await newDevice();
    const { text } = await issue(voucherFields(device.point));
    await assert.rejects(presentCredential(text, device.privateKey, { now: NOW * 1000 }), RangeError);
    const fromDate = parseUnverified(await presentCredential(text, device.privateKey, { now: new Date(NOW * 1000) }));
    assert.equal(fromDate.timeStep, Math.floor(NOW / 15));
  });

  test('only a stored credential can be presented', async () => {
    const device = await newDevice();
    await assert.rejects(presentCredential('MP:000', device.privateKey, { now: NOW }), { code: 'wrong_kind' });
    await assert.rejects(presentCredential('hello', device.privateKey, { now: NOW }), { code: 'malformed' });
  });

  test('a credential signed by the issuer but altered since fails, even inside a valid device signature', async () => {
    const device = await newDevice();
    const { binary } = await issue(voucherFields(device.point));
    const altered = binary.slice();
    altered[13] ^= 0x01; // the offline allowance
    const shown = await presentCredential(`MV:${base45.encode(altered)}`, device.privateKey, { now: NOW });
    await assert.rejects(verifyPresentation(shown, { keys: JWKS, now: NOW, scope: door }), { code: 'bad_signature' });
  });

  test('the scope is required; null skips it explicitly', async () => {
    const device = await newDevice();
    const { text } = await issue(voucherFields(device.point, { venueIds: [99] }));
    const shown = await presentCredential(text, device.privateKey, { now: NOW });
    await assert.rejects(verifyPresentation(shown, { keys: JWKS, now: NOW }), TypeError);
    await assert.rejects(verifyPresentation(shown, { keys: JWKS, now: NOW, scope: door }),
      { code: 'out_of_scope', reason: 'venue' });
    assert.equal((await verifyPresentation(shown, { keys: JWKS, now: NOW, scope: null })).credential.venueIds[0], 99);
  });

  test('revocation of the wallet device key, as hex or bytes', async () => {
    const device = await newDevice();
    const { text } = await issue(voucherFields(device.point));
    for (const deviceKeys of [[toHex(device.point)], [device.point]]) {
      await assert.rejects(verifyCredential(text, { keys: JWKS, now: NOW, revoked: makeRevocations({ deviceKeys }) }),
        { code: 'revoked', reason: 'device' });
    }
  });
});

suite('scanner records (record.js)', () => {
  async function scanner() {
    const device = await newDevice();
    return { ...device, hex: toHex(device.point) };
  }

  test('a record verifies with the scanner key and keeps every field', async () => {
    const { privateKey, hex } = await scanner();
    const shown = casesByName.get('voucher presented at the door').token;
    const { text, recordId } = await recordScan(privateKey, {
      scannerId: 7, scannedAt: NOW, eventId: EVENT, amountCents: 1200, result: 'accepted', scannedText: shown,
    });
    assert.match(recordId, /^[0-9a-f]{32}$/);
    const record = await verifyScannerRecord(text, { scannerKey: hex });
    assert.deepEqual(describe(record), {
      kind: 'scanner_record', record_id: recordId, scanner_id: 7, scanned_at: NOW, event_id: EVENT,
      amount_cents: 1200, result: 'accepted', scanned_text: shown, phone_at: null,
    });
  });

  test('a corrected scan time keeps the phone clock in the signed trailer', async () => {
    const { privateKey, hex } = await scanner();
    const fields = { scannerId: 7, scannedAt: NOW, phoneAt: NOW + 600, result: 'accepted', scannedText: 'x' };
    const { text } = await recordScan(privateKey, fields);
    const record = await verifyScannerRecord(text, { scannerKey: hex });
    assert.equal(record.scannedAt, NOW);
    assert.equal(record.phoneAt, NOW + 600);
    const plain = await verifyScannerRecord((await recordScan(privateKey, { ...fields, phoneAt: null })).text,
      { scannerKey: hex });
    assert.equal(plain.phoneAt, null);
  });

  test('every result code can be recorded, and the record id can be given as a UUID', async () => {
    const { privateKey, point } = await scanner();
    for (const result of Object.values(RESULT_CODES)) {
      const { text, recordId } = await recordScan(privateKey, {
        recordId: '00010203-0405-0607-0809-0a0b0c0d0e0f', scannerId: 1, scannedAt: NOW, result, scannedText: 'x',
      });
      assert.equal(recordId, '000102030405060708090a0b0c0d0e0f');
      assert.equal((await verifyScannerRecord(text, { scannerKey: point })).result, result);
    }
    await assert.rejects(recordScan(privateKey, { scannerId: 1, scannedAt: NOW, result: 'maybe', scannedText: '' }),
      RangeError);
  });

  test('a record signed by another scanner or altered afterwards is refused', async () => {
    const mine = await scanner();
    const other = await scanner();
    const fields = { scannerId: 7, scannedAt: NOW, amountCents: 100, result: 'accepted', scannedText: 'MP:' };
    const { text } = await recordScan(other.privateKey, fields);
    await assert.rejects(verifyScannerRecord(text, { scannerKey: mine.hex }), { code: 'bad_scanner_signature' });
    const signed = await recordScan(mine.privateKey, fields);
    const data = base45.decode(signed.text.slice(3));
    data[32] ^= 0x80; // amount
    await assert.rejects(verifyScannerRecord(`MR:${base45.encode(data)}`, { scannerKey: mine.hex }),
      { code: 'bad_scanner_signature' });
  });

  test('unreadable and oversized scans are recorded too, cut at a character boundary', async () => {
    const { privateKey, hex } = await scanner();
    const huge = `€${'é'.repeat(600)}`; // 3 + 1200 bytes
    const clipped = clipScannedText(huge);
    assert.ok(new TextEncoder().encode(clipped).length <= 1024);
    assert.ok(huge.startsWith(clipped) && clipped.length === 511);
    const refusal = { scannerId: 7, scannedAt: NOW, result: 'malformed' };
    const { text } = await recordScan(privateKey, { ...refusal, scannedText: clipped });
    assert.equal((await verifyScannerRecord(text, { scannerKey: hex })).scannedText, clipped);
    await assert.rejects(recordScan(privateKey, { ...refusal, scannedText: huge }), RangeError);
  });

  test('record ids are random version 4 UUIDs', () => {
    const ids = new Set(Array.from({ length: 200 }, newRecordId));
    assert.equal(ids.size, 200);
    for (const id of ids) {
      const bytes = fromHex(id);
      assert.equal(bytes[6] >> 4, 4);
      assert.equal(bytes[8] >> 6, 2);
    }
  });
});
