// A line-oriented bridge for the Python cross-checks (tests/pwa/test_js_tokens.py):
// one JSON request per line on stdin, one JSON answer per line on stdout. The process
// keeps its WebCrypto keys in memory between requests, so a wallet key can stay
// non-extractable as in the PWA.
//
// Requests ({"op": ...}):
//   new_key    {name}                          -> {public_key: hex of the 33-byte point}
//   import_key {name, jwk}                     -> {public_key}  (a P-256 private JWK made by a test)
//   present    {key, credential, now}          -> {text}
//   record     {key, fields: recordScan fields} -> {text, record_id}
//   verify     {cases: [vector-shaped cases], keys} -> {codes: ["ok" | error code, ...]}
//   decide     {text, bundle, seen, spent, now, event_id, amount_cents, retired} -> {verdict}
// Answers carry "ok": true, or "ok": false with "error".

import { createInterface } from 'node:readline';

import { decide } from '../../src/scanner/decide.js';
import { exportCompressed, presentCredential, recordScan, toHex } from '../../src/tokens/index.js';
import { runCase } from './vectors.mjs';

const ECDSA_P256 = { name: 'ECDSA', namedCurve: 'P-256' };
const keys = new Map();

async function remember(name, privateKey, publicKey) {
  keys.set(name, privateKey);
  return { public_key: toHex(await exportCompressed(publicKey)) };
}

function privateKeyNamed(name) {
  const key = keys.get(name);
  if (!key) throw new Error(`no key named ${name}`);
  return key;
}

const OPERATIONS = {
  async new_key({ name }) {
    const pair = await crypto.subtle.generateKey(ECDSA_P256, false, ['sign', 'verify']);
    return remember(name, pair.privateKey, pair.publicKey);
  },

  async import_key({ name, jwk }) {
    const privateKey = await crypto.subtle.importKey('jwk', jwk, ECDSA_P256, false, ['sign']);
    const { d, ...publicJwk } = jwk; // eslint-disable-line no-unused-vars
    const publicKey = await crypto.subtle.importKey(
      'jwk', { ...publicJwk, key_ops: ['verify'] }, ECDSA_P256, true, ['verify'],
    );
    return remember(name, privateKey, publicKey);
  },

  async present({ key, credential, now }) {
    return { text: await presentCredential(credential, privateKeyNamed(key), { now }) };
  },

  async record({ key, fields }) {
    const { text, recordId } = await recordScan(privateKeyNamed(key), fields);
    return { text, record_id: recordId };
  },

  async verify({ cases, keys: jwks }) {
    const codes = [];
    for (const testCase of cases) codes.push((await runCase(testCase, jwks)).code);
    return { codes };
  },

  async decide({
    text, bundle, seen = [], spent = {}, now, event_id: eventId, amount_cents: amountCents, retired = false,
  }) {
    const verdict = await decide({
      text, bundle, seen: new Set(seen), spentOnThisScanner: new Map(Object.entries(spent)), now, eventId, amountCents,
      retired,
    });
    return { verdict };
  },
};

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of lines) {
  if (!line.trim()) continue;
  let answer;
  try {
    const request = JSON.parse(line);
    const operation = OPERATIONS[request.op];
    if (!operation) throw new Error(`unknown op ${request.op}`);
    answer = { ok: true, ...(await operation(request)) };
  } catch (error) {
    answer = { ok: false, error: `${error.name}: ${error.message}`, code: error.code ?? null };
  }
  process.stdout.write(`${JSON.stringify(answer)}\n`);
}
