// A 429 says in words when to retry (server/http/throttle.py sends Retry-After and
// params.retry_after_seconds): "Troppi tentativi: riprova tra 41 secondi."
// Run: node --test pwa/tests/

import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe as suite, test } from 'node:test';

import { ApiError, api, retryAfterSeconds } from '../src/api.js';
import { errorText, lookup, waitWords } from '../src/i18n-format.js';
import en from '../src/i18n/en.js';
import it from '../src/i18n/it.js';

const LOCALES = { it: 'it-IT', en: 'en-GB' };
const MESSAGES = { it, en };
const sentence = (lang, error) => errorText(error, (key, params) => lookup(MESSAGES[lang], key, params, LOCALES[lang]),
                                            String, (seconds) => waitWords(seconds, LOCALES[lang]));

suite('the wait in words', () => {
  test('seconds, singular and plural, in both languages', () => {
    assert.equal(waitWords(41, 'it-IT'), 'tra 41 secondi');
    assert.equal(waitWords(1, 'it-IT'), 'tra 1 secondo');
    assert.equal(waitWords(41, 'en-GB'), 'in 41 seconds');
    assert.equal(waitWords(1, 'en-GB'), 'in 1 second');
  });

  test('whole minutes, rounded up, past a minute and a half', () => {
    assert.equal(waitWords(89, 'it-IT'), 'tra 89 secondi');
    assert.equal(waitWords(901, 'it-IT'), 'tra 16 minuti');
    assert.equal(waitWords(90, 'en-GB'), 'in 2 minutes');
  });

  test('a rate-limited request reads as the sentence of its code', () => {
    const error = { code: 'too_many_requests', status: 429, params: { retry_after_seconds: 41 } };
    assert.equal(sentence('it', error), 'Troppi tentativi: riprova tra 41 secondi.');
    assert.equal(sentence('en', error), 'Too many attempts: try again in 41 seconds.');
  });

  test('a 429 from something else than our API (its own code) reads the same', () => {
    const error = { code: 'http_429', status: 429, params: { retry_after_seconds: 600 } };
    assert.equal(sentence('it', error), 'Troppi tentativi: riprova tra 10 minuti.');
  });
});

suite('Retry-After', () => {
  test('delta-seconds or an HTTP date', () => {
    const now = Date.parse('2026-11-27T10:00:00Z');
    assert.equal(retryAfterSeconds('41'), 41);
    assert.equal(retryAfterSeconds('Fri, 27 Nov 2026 10:00:30 GMT', now), 30);
    assert.equal(retryAfterSeconds('Fri, 27 Nov 2026 09:59:00 GMT', now), 0);
    assert.equal(retryAfterSeconds(null), null);
    assert.equal(retryAfterSeconds('presto'), null);
  });
});

suite('api() on a 429', () => {
  let answer;
  const realFetch = globalThis.fetch;
  beforeEach(() => {
    globalThis.fetch = async () => answer;
  });
  afterEach(() => {
    globalThis.fetch = realFetch;
  });

  async function refusal() {
    try {
      await api('/auth/login', { method: 'POST', body: {} });
    } catch (error) {
      return error;
    }
    assert.fail('the 429 was not thrown');
  }

  test("our API's params are kept", async () => {
    answer = new Response(JSON.stringify({ code: 'too_many_requests', status: 429, detail: 'Troppi tentativi',
                                           params: { retry_after_seconds: 41 } }),
                          { status: 429, headers: { 'Content-Type': 'application/problem+json', 'Retry-After': '41' } });
    const error = await refusal();
    assert.ok(error instanceof ApiError);
    assert.equal(error.code, 'too_many_requests');
    assert.deepEqual(error.params, { retry_after_seconds: 41 });
  });

  test("a proxy's Retry-After fills the wait", async () => {
    answer = new Response('<html>slow down</html>', { status: 429, headers: { 'Content-Type': 'text/html', 'Retry-After': '30' } });
    const error = await refusal();
    assert.equal(error.code, 'http_429');
    assert.deepEqual(error.params, { retry_after_seconds: 30 });
  });

  test('with no word on when, a minute', async () => {
    answer = new Response(JSON.stringify({ code: 'too_many_requests', status: 429 }),
                          { status: 429, headers: { 'Content-Type': 'application/problem+json' } });
    assert.deepEqual((await refusal()).params, { retry_after_seconds: 60 });
  });
});
