// The typed door code against the server's vectors (tests/vectors/typed/codes.json):
// the wallet shows exactly the digits the server checks. Run: node --test pwa/tests/
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { parseTyped, typedCode, typedRecordText } from '../src/tokens/typed-code.js';
import { VECTORS_DIR } from './helpers/vectors.mjs';

const vectors = JSON.parse(readFileSync(join(VECTORS_DIR, 'typed', 'codes.json'), 'utf8'));

test('every vector gives the server\'s six digits', async () => {
  assert.ok(vectors.cases.length >= 10);
  for (const { voucher_id: voucherId, step, code } of vectors.cases) {
    assert.equal(await typedCode(vectors.keys[String(voucherId)], step), code, `voucher ${voucherId} step ${step}`);
  }
});

test('a neighbouring step gives another code (the code rotates)', async () => {
  const key = vectors.keys['12'];
  const codes = new Set();
  for (let step = 120_000_000; step < 120_000_010; step += 1) codes.add(await typedCode(key, step));
  assert.ok(codes.size >= 9);
});

test('what the staff type is read leniently, and nothing else is', () => {
  assert.deepEqual(parseTyped(' 12 ', '123 456'), { voucherId: 12, digits: '123456' });
  assert.deepEqual(parseTyped('#1.234', '123-456'), { voucherId: 1234, digits: '123456' });
  assert.equal(parseTyped('0', '123456'), null);
  assert.equal(parseTyped('12', '12345'), null);
  assert.equal(parseTyped('12', '1234567'), null);
  assert.equal(parseTyped('2147483648', '123456'), null);
  assert.equal(parseTyped('abc', '123456'), null);
  assert.equal(typedRecordText(12, '000042'), 'typed:12:000042');
});

test('a step that is not a whole number is refused', async () => {
  await assert.rejects(typedCode(vectors.keys['1'], 1.5), RangeError);
  await assert.rejects(typedCode(vectors.keys['1'], -1), RangeError);
});
