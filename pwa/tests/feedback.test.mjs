// The verdict's buzz and tone (scanner/feedback.js) with a stand-in vibration motor and
// WebAudio: accepted and refused differ, and muting silences both. Run: node --test pwa/tests/
import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';

const vibrations = [];
const tones = [];

class FakeContext {
  constructor() {
    this.state = 'running';
    this.currentTime = 0;
    this.destination = {};
  }

  createOscillator() {
    const oscillator = { type: null, frequency: { value: 0 }, connect: (node) => node,
      start: () => tones.push({ type: oscillator.type, frequency: oscillator.frequency.value }), stop: () => {} };
    return oscillator;
  }

  createGain() {
    return { gain: { setValueAtTime() {}, exponentialRampToValueAtTime() {} }, connect: (node) => node };
  }
}

const storage = new Map();
globalThis.localStorage = { getItem: (k) => storage.get(k) ?? null, setItem: (k, v) => storage.set(k, String(v)) };
globalThis.AudioContext = FakeContext;
Object.defineProperty(globalThis, 'navigator', {
  value: { vibrate: (pattern) => { vibrations.push(pattern); return true; } }, configurable: true,
});

const { feedbackMuted, setFeedbackMuted, signalVerdict } = await import('../src/scanner/feedback.js');

beforeEach(() => {
  vibrations.length = 0;
  tones.length = 0;
  storage.clear();
});

test('an acceptance and a refusal feel and sound different', () => {
  const accepted = signalVerdict(true);
  const refused = signalVerdict(false);
  assert.deepEqual([accepted.vibrated, refused.vibrated], [true, true]);
  assert.equal(vibrations.length, 2);
  assert.notDeepEqual(vibrations[0], vibrations[1]);
  assert.ok(vibrations[1].length > vibrations[0].length); // two buzzes for a refusal
  assert.deepEqual([accepted.tones, refused.tones], [1, 2]);
  assert.ok(tones[0].frequency > tones[1].frequency); // high for yes, low for no
});

test('muted, the verdict is only seen', () => {
  assert.equal(feedbackMuted(), false);
  setFeedbackMuted(true);
  assert.equal(feedbackMuted(), true);
  const done = signalVerdict(false);
  assert.deepEqual([done.muted, done.vibrated, done.tones], [true, false, 0]);
  assert.deepEqual([vibrations.length, tones.length], [0, 0]);
  setFeedbackMuted(false);
  assert.equal(signalVerdict(true).tones, 1);
});
