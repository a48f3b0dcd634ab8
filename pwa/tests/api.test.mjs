// The API helper's idempotency keys (pwa/src/api.js): the header as the server reads it,
// and one key per user action, the same on every retry of it.
// Run: node --test pwa/tests/

import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe as suite, test } from 'node:test';

import { ApiError, api, createAction, idempotencyKeyHeader, newIdempotencyKey } from '../src/api.js';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let sent;
let answers;
const realFetch = globalThis.fetch;

function json(status, body) {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

beforeEach(() => {
  sent = [];
  answers = [];
  globalThis.fetch = async (url, init) => {
    sent.push({ url, ...init });
    const next = answers.shift();
    if (next instanceof Error) throw next;
    return next ?? json(201, { id: sent.length });
  };
});

afterEach(() => {
  globalThis.fetch = realFetch;
});

suite('the Idempotency-Key header', () => {
  test('api() sends the key as a structured-field string, and no header without one', async () => {
    await api('/campaigns/1/topups', { method: 'POST', body: { amount_cents: 5000 }, idempotencyKey: 'abc-1' });
    await api('/catalogue');
    assert.equal(sent[0].headers['Idempotency-Key'], '"abc-1"');
    assert.equal('Idempotency-Key' in sent[1].headers, false);
  });

  test('quotes and backslashes are escaped; anything but 1-255 printable ASCII is refused', () => {
    assert.equal(idempotencyKeyHeader('a"b\\c'), '"a\\"b\\\\c"');
    assert.equal(idempotencyKeyHeader('k'.repeat(255)), `"${'k'.repeat(255)}"`);
    for (const bad of ['', 'k'.repeat(256), 'chiavé', 'a\nb']) {
      assert.throws(() => idempotencyKeyHeader(bad), TypeError, JSON.stringify(bad));
    }
  });

  test('a new key is a version 4 UUID, also where crypto.randomUUID is missing (plain http)', () => {
    const keys = new Set([newIdempotencyKey(), newIdempotencyKey()]);
    assert.equal(keys.size, 2);
    for (const key of keys) assert.match(key, UUID_V4);
    const descriptor = Object.getOwnPropertyDescriptor(globalThis, 'crypto');
    const webCrypto = globalThis.crypto;
    Object.defineProperty(globalThis, 'crypto', {
      value: { getRandomValues: (array) => webCrypto.getRandomValues(array) }, configurable: true,
    });
    try {
      assert.match(newIdempotencyKey(), UUID_V4);
    } finally {
      Object.defineProperty(globalThis, 'crypto', descriptor);
    }
  });
});

suite('one key per user action', () => {
  const topup = { method: 'POST', csrf: 'token', body: { amount_cents: 5000 } };
  const keyOf = (request) => request.headers['Idempotency-Key'];

  test('a retry after a lost answer sends the same key', async () => {
    const act = createAction();
    answers.push(new TypeError('Failed to fetch'));
    await assert.rejects(act('/campaigns/1/topups', topup), (error) => error instanceof ApiError
      && error.code === 'offline');
    assert.deepEqual(await act('/campaigns/1/topups', topup), { id: 2 });
    assert.equal(sent.length, 2);
    assert.equal(keyOf(sent[0]), keyOf(sent[1]));
  });

  test('a retry after a refusal or a busy answer sends the same key too', async () => {
    const act = createAction();
    answers.push(json(409, { code: 'idempotency_request_in_progress', title: 'Conflict' }),
                 json(503, { code: 'service_unavailable', title: 'Service Unavailable' }));
    await assert.rejects(act('/campaigns/1/topups', topup), { code: 'idempotency_request_in_progress' });
    await assert.rejects(act('/campaigns/1/topups', topup), { code: 'service_unavailable' });
    await act('/campaigns/1/topups', topup);
    assert.equal(new Set(sent.map(keyOf)).size, 1);
  });

  test('a double tap while the first is on its way sends the same key', async () => {
    const act = createAction();
    await Promise.all([act('/campaigns/1/topups', topup), act('/campaigns/1/topups', topup)]);
    assert.equal(keyOf(sent[0]), keyOf(sent[1]));
  });

  test('after a success the same form sent again is a new action', async () => {
    const act = createAction();
    await act('/campaigns/1/topups', topup);
    await act('/campaigns/1/topups', topup);
    assert.notEqual(keyOf(sent[0]), keyOf(sent[1]));
  });

  test('another amount, or another route, is another action', async () => {
    const act = createAction();
    answers.push(new TypeError('Failed to fetch'), new TypeError('Failed to fetch'));
    await assert.rejects(act('/campaigns/1/topups', topup));
    await assert.rejects(act('/campaigns/1/topups', { ...topup, body: { amount_cents: 6000 } }));
    await act('/campaigns/2/topups', { ...topup, body: { amount_cents: 6000 } });
    assert.equal(new Set(sent.map(keyOf)).size, 3);
  });

  test('the key goes through any sender, such as the wallet\'s', async () => {
    const calls = [];
    const act = createAction(async (path, options) => calls.push([path, options]), () => 'fixed-key');
    await act('/wallet/claims', { method: 'POST', body: { code: 'ABCD' } });
    assert.deepEqual(calls, [['/wallet/claims', { method: 'POST', body: { code: 'ABCD' }, idempotencyKey: 'fixed-key' }]]);
  });
});
