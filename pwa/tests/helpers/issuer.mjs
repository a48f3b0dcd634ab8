// A test issuer in JavaScript: the vectors' fixed Ed25519 keys (tests/vectors/generate.py
// makes them from the seeds bytes(0..31) and bytes(32..63)), so node tests can issue
// credentials bound to WebCrypto device keys they generate themselves.

import { concat } from '../../src/tokens/bytes.js';
import { exportCompressed, toText, tokenBody } from '../../src/tokens/index.js';
import { loadVectorFiles } from './vectors.mjs';

export const NOW = 1_800_000_000; // the vectors' fixed time, 2027-01-15T08:00:00Z
export const DAY = 86_400;
export const VENUE = 31;
export const OTHER_VENUE = 32;
export const EVENT = 501;
export const THEATRE = 0;
export const MUSEUM = 1;

const SEEDS = { 1: Uint8Array.from({ length: 32 }, (_, i) => i), 2: Uint8Array.from({ length: 32 }, (_, i) => 32 + i) };

const b64url = (bytes) => btoa(String.fromCharCode(...bytes))
  .replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

export const JWKS = loadVectorFiles()[0].document.keys;

const signingKeys = new Map();

async function signingKey(keyId) {
  if (!signingKeys.has(keyId)) {
    const jwk = JWKS.keys.find((key) => Number(key.kid) === keyId);
    signingKeys.set(keyId, crypto.subtle.importKey(
      'jwk', { kty: 'OKP', crv: 'Ed25519', x: jwk.x, d: b64url(SEEDS[keyId]) }, { name: 'Ed25519' }, false, ['sign'],
    ));
  }
  return signingKeys.get(keyId);
}

/** Sign a voucher or ticket object (kind, fields) with issuer key `keyId`; returns {token, text}. */
export async function issue(fields, keyId = 2) {
  const unsigned = { ...fields, keyId };
  const body = tokenBody(unsigned);
  const signature = new Uint8Array(await crypto.subtle.sign('Ed25519', await signingKey(keyId), body));
  const token = { ...unsigned, signature };
  return { token, text: toText(token), binary: concat(body, signature) };
}

/** A wallet: a non-extractable P-256 key pair, as the PWA makes it. */
export async function newDevice() {
  const pair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
  return { privateKey: pair.privateKey, publicKey: pair.publicKey, point: await exportCompressed(pair.publicKey) };
}

const hour = (t) => t - (t % 3600);

export function voucherFields(deviceKey, overrides = {}) {
  return {
    kind: 'voucher', voucherId: 70001, campaignId: 12, categories: [THEATRE, MUSEUM], offlineAllowanceCents: 1500,
    validFrom: hour(NOW - DAY), validUntil: hour(NOW + 90 * DAY), deviceKey, venueIds: [], ...overrides,
  };
}

export function ticketFields(deviceKey, overrides = {}) {
  return {
    kind: 'ticket', ticketId: 90001, eventId: EVENT, venueId: VENUE,
    validFrom: hour(NOW - DAY), validUntil: hour(NOW + 2 * DAY), deviceKey, ...overrides,
  };
}

/** A bootstrap bundle as GET /api/v1/scanners/<id>/bootstrap returns it. */
export function bundle(overrides = {}) {
  return {
    scanner_id: 7,
    venue_id: VENUE,
    generated_at: new Date((NOW - 3600) * 1000).toISOString(),
    issuer_keys: JWKS,
    revocations: { entries: [], since: 0, more: false, full: true },
    events: [
      { id: EVENT, title: 'Amleto', category_code: THEATRE, starts_at: 'Fri, 15 Jan 2027 19:00:00 GMT',
        ends_at: 'Fri, 15 Jan 2027 21:00:00 GMT', price_cents: 1200 },
      { id: EVENT + 1, title: 'Mostra', category_code: MUSEUM, starts_at: 'Fri, 15 Jan 2027 09:00:00 GMT',
        ends_at: 'Fri, 15 Jan 2027 18:00:00 GMT', price_cents: 600 },
      { id: EVENT + 2, title: 'Prova aperta', category_code: THEATRE, starts_at: 'Fri, 15 Jan 2027 17:00:00 GMT',
        ends_at: 'Fri, 15 Jan 2027 18:00:00 GMT', price_cents: 0 },
    ],
    policy: { max_data_age_seconds: 86_400, max_skew_seconds: 90, step_seconds: 15 },
    ...overrides,
  };
}
