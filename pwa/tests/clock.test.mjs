// clock.js: the server's time measured on every contact, the round trip taken into
// account, the best of the recent measurements kept. Run: node --test pwa/tests/
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  SAMPLES_KEPT, bestSample, clockKnown, clockOffsetMs, keepSample, resetClockForTests, sampleOf, serverNow,
} from '../src/clock.js';

const T = 1_800_000_000_000;

test('an offset is the server time minus the middle of the round trip', () => {
  // A phone 10 minutes behind: sent at T, answered 400 ms later; the server stamped T + 10 min + 200 ms.
  assert.deepEqual(sampleOf({ serverMs: T + 600_200, sentMs: T, receivedMs: T + 400 }),
    { offsetMs: 600_000, rttMs: 400, at: T + 400 });
  assert.equal(sampleOf({ serverMs: Number.NaN, sentMs: T, receivedMs: T + 1 }), null); // no header
  assert.equal(sampleOf({ serverMs: T, sentMs: T + 5, receivedMs: T }), null); // the clock went back meanwhile
});

test('the sample with the smallest round trip wins, the newest among equals', () => {
  const samples = [{ offsetMs: 100, rttMs: 900, at: 1 }, { offsetMs: 50, rttMs: 200, at: 2 },
                   { offsetMs: 60, rttMs: 200, at: 3 }, { offsetMs: 0, rttMs: 1500, at: 4 }];
  assert.equal(bestSample(samples).offsetMs, 60);
  assert.equal(bestSample([]), null);
});

test('a phone whose clock was set since forgets the samples of its old clock', () => {
  let kept = [];
  for (let i = 0; i < SAMPLES_KEPT + 3; i += 1) kept = keepSample(kept, { offsetMs: -600_000 + i, rttMs: 100, at: i });
  assert.equal(kept.length, SAMPLES_KEPT);
  // The staff fixed the clock: the next measurement says 0, far beyond the round trips.
  kept = keepSample(kept, { offsetMs: 30, rttMs: 2_000, at: 99 });
  assert.deepEqual(kept.map((s) => s.offsetMs), [30]);
});

test('now on the server time is the phone clock plus the best offset; unmeasured, the phone clock', () => {
  resetClockForTests([]);
  assert.equal(clockKnown(), false);
  assert.equal(clockOffsetMs(), null);
  assert.equal(serverNow(T), T);
  resetClockForTests([{ offsetMs: -600_000, rttMs: 300, at: T }, { offsetMs: -599_000, rttMs: 2_500, at: T }]);
  assert.equal(clockKnown(), true);
  assert.equal(serverNow(T), T - 600_000);
  resetClockForTests([]);
});
