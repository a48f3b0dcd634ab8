// Issuer public keys (Ed25519) as the server publishes them: a JWK Set of RFC 8037
// OKP keys with `kid` (the one-byte key id, in decimal) and `nbf`/`exp` (the key's
// window, Unix seconds). Twin of signing/keys.py PublicKeyset.
//
// Verifiers accept any key whose window contains the verification time, so a rotation
// never breaks credentials already in wallets.

import { TokenError } from './errors.js';
import { toHex } from './bytes.js';

const MAX_KEY_ID = 0xff;
const ED25519 = { name: 'Ed25519' };

function b64urlDecode(text) {
  if (typeof text !== 'string' || /[^A-Za-z0-9_-]/.test(text)) throw new RangeError('x is not base64url');
  const padded = text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4);
  const binary = atob(padded);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) out[i] = binary.charCodeAt(i);
  return out;
}

function intField(jwk, name) {
  const value = typeof jwk[name] === 'string' && /^\d+$/.test(jwk[name]) ? Number(jwk[name]) : jwk[name];
  if (!Number.isInteger(value)) throw new RangeError(`${name} must be an integer`);
  return value;
}

// Imported Ed25519 keys, shared by every keyset: a scanner re-reads its bundle from
// IndexedDB as a fresh object, and importing again each scan would waste milliseconds.
const importedKeys = new Map();

function importEd25519(raw) {
  const id = toHex(raw);
  let pending = importedKeys.get(id);
  if (pending === undefined) {
    pending = crypto.subtle.importKey('raw', raw, ED25519, false, ['verify']);
    // A failed import (say, a browser without Ed25519) must not stay cached forever.
    pending.catch(() => importedKeys.delete(id));
    importedKeys.set(id, pending);
  }
  return pending;
}

export class PublicIssuerKey {
  constructor(keyId, raw, notBefore, notAfter) {
    this.keyId = keyId;
    this.raw = raw; // 32 bytes
    this.notBefore = notBefore;
    this.notAfter = notAfter;
  }

  isValidAt(now) {
    // Both ends included (docs/tokens.md, step 2), as in Python.
    return this.notBefore <= now && now <= this.notAfter;
  }

  /** The WebCrypto key (imported once, then cached). */
  cryptoKey() {
    return importEd25519(this.raw);
  }

  static fromJwk(jwk) {
    try {
      if (!jwk || jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519') throw new RangeError('not an Ed25519 OKP key');
      const keyId = intField(jwk, 'kid');
      if (keyId < 0 || keyId > MAX_KEY_ID) throw new RangeError('kid out of range');
      const raw = b64urlDecode(jwk.x);
      if (raw.length !== 32) throw new RangeError('an Ed25519 public key is 32 bytes');
      return new PublicIssuerKey(keyId, raw, intField(jwk, 'nbf'), intField(jwk, 'exp'));
    } catch (error) {
      throw new TypeError(`invalid issuer JWK: ${error.message}`);
    }
  }
}

/** The issuer keys a verifier trusts (what scanners download). */
export class PublicKeyset {
  constructor(keys) {
    this.keys = new Map();
    for (const key of keys) this.keys.set(key.keyId, key);
  }

  /** The key with this id valid at `now`, else TokenError('unknown_key'). */
  keyFor(keyId, now) {
    const key = this.keys.get(keyId);
    if (key === undefined) throw new TokenError('unknown_key', `no issuer key with id ${keyId}`);
    if (!key.isValidAt(now)) throw new TokenError('unknown_key', `issuer key ${keyId} is not valid at this time`);
    return key;
  }

  /** Import every key now (e.g. right after a bootstrap) so the first scan is not slower. */
  async warm() {
    await Promise.all([...this.keys.values()].map((key) => key.cryptoKey()));
    return this;
  }

  static fromJwks(jwks) {
    if (!jwks || typeof jwks !== 'object' || !Array.isArray(jwks.keys)) {
      throw new TypeError("a JWK Set has a 'keys' list");
    }
    return new PublicKeyset(jwks.keys.map((jwk) => PublicIssuerKey.fromJwk(jwk)));
  }
}

const keysetsByJwks = new WeakMap();

/** A PublicKeyset from a keyset or a JWK Set object (parsed once per object). */
export function asKeyset(keys) {
  if (keys instanceof PublicKeyset) return keys;
  let keyset = keysetsByJwks.get(keys);
  if (keyset === undefined) {
    keyset = PublicKeyset.fromJwks(keys);
    keysetsByJwks.set(keys, keyset);
  }
  return keyset;
}
