// The card numbers a teacher types to reissue lost cards (pwa/src/org/card-serials.js).
// Run: node --test pwa/tests/
import assert from 'node:assert/strict';
import { suite, test } from 'node:test';

import { MAX_SERIAL, parseSerials } from '../src/org/card-serials.js';

suite('parseSerials', () => {
  test('numbers and ranges, in order, once each', () => {
    assert.deepEqual(parseSerials('17, 3, 20-22'), [3, 17, 20, 21, 22]);
    assert.deepEqual(parseSerials(' 5 5;6–7 '), [5, 6, 7]);
    assert.deepEqual(parseSerials(String(MAX_SERIAL)), [MAX_SERIAL]);
  });

  test('anything else is not a list of cards', () => {
    for (const text of ['', ' , ', '0', '-3', '3-', '5-2', 'tre', '3B', '1.5', String(MAX_SERIAL + 1), '1-1001',
                        '1-600, 601-1200']) {
      assert.equal(parseSerials(text), null, text);
    }
  });
});
