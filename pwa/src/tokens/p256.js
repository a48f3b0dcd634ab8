// ECDSA P-256 device keys (wallets and scanners) with WebCrypto; twin of signing/device.py.
//
// Tokens carry 33-byte SEC1 compressed points (a QR budget matter). WebCrypto's "raw"
// import takes the 65-byte uncompressed form everywhere, but compressed points only in
// some engines, so we decompress ourselves: y² = x³ − 3x + b, and since p ≡ 3 (mod 4)
// the square root is a single power, rhs^((p + 1) / 4).

import { toHex } from './bytes.js';

const P = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn;
const B = 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn;
const SQRT_EXPONENT = (P + 1n) / 4n;
const ECDSA_P256 = { name: 'ECDSA', namedCurve: 'P-256' };
const ECDSA_SHA256 = { name: 'ECDSA', hash: 'SHA-256' };

function modPow(base, exponent, modulus) {
  let result = 1n;
  let b = base % modulus;
  let e = exponent;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % modulus;
    b = (b * b) % modulus;
    e >>= 1n;
  }
  return result;
}

function bigFromBytes(bytes) {
  return BigInt(`0x${toHex(bytes) || '0'}`);
}

function bytesFromBig(value, length) {
  const hex = value.toString(16).padStart(length * 2, '0');
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i += 1) out[i] = parseInt(hex.substr(i * 2, 2), 16);
  return out;
}

/**
 * The 65-byte uncompressed SEC1 form of a P-256 point given compressed (33) or
 * uncompressed (65 bytes), or null if the bytes are not a point on the curve.
 */
export function uncompressPoint(point) {
  if (point.length === 65 && point[0] === 0x04) return point;
  if (point.length !== 33 || (point[0] !== 0x02 && point[0] !== 0x03)) return null;
  const x = bigFromBytes(point.subarray(1));
  if (x >= P) return null;
  const rhs = (((x * x) % P) * x - 3n * x + B) % P;
  const rhsPositive = (rhs + P) % P;
  let y = modPow(rhsPositive, SQRT_EXPONENT, P);
  if ((y * y) % P !== rhsPositive) return null; // x is not on the curve
  if (Number(y & 1n) !== (point[0] & 1)) y = P - y;
  const out = new Uint8Array(65);
  out[0] = 0x04;
  out.set(point.subarray(1), 1);
  out.set(bytesFromBig(y, 32), 33);
  return out;
}

/** The 33-byte compressed form of a 65-byte uncompressed point (what WebCrypto exports). */
export function compressPoint(point) {
  if (point.length === 33) return point;
  if (point.length !== 65 || point[0] !== 0x04) throw new RangeError('not an uncompressed P-256 point');
  const out = new Uint8Array(33);
  out[0] = 0x02 | (point[64] & 1);
  out.set(point.subarray(1, 33), 1);
  return out;
}

// Scanners meet the same wallets again and again (and always the same scanner key at
// sync): cache imported keys. Bounded, oldest out first.
const MAX_CACHED_KEYS = 512;
const keyCache = new Map();

/** A WebCrypto verify key for a SEC1 point, or null if it is not a P-256 point. Cached. */
export function importPublicKey(point) {
  const id = toHex(point);
  let pending = keyCache.get(id);
  if (pending === undefined) {
    const uncompressed = uncompressPoint(point);
    pending = uncompressed === null
      ? Promise.resolve(null)
      : crypto.subtle.importKey('raw', uncompressed, ECDSA_P256, false, ['verify']).catch(() => null);
    if (keyCache.size >= MAX_CACHED_KEYS) keyCache.delete(keyCache.keys().next().value);
    keyCache.set(id, pending);
  }
  return pending;
}

/** Check an r || s signature over `message`; anything malformed is simply false. */
export async function verifySignature(publicKey, signature, message) {
  if (!publicKey || signature.length !== 64) return false;
  try {
    return await crypto.subtle.verify(ECDSA_SHA256, publicKey, signature, message);
  } catch {
    return false;
  }
}

/** Sign with a (typically non-extractable) WebCrypto ECDSA P-256 private key: r || s, 64 bytes. */
export async function sign(privateKey, message) {
  const signature = new Uint8Array(await crypto.subtle.sign(ECDSA_SHA256, privateKey, message));
  if (signature.length !== 64) throw new RangeError('expected a P-256 key (64-byte r || s signature)');
  return signature;
}

/** The 33-byte compressed public key of a WebCrypto ECDSA P-256 public CryptoKey. */
export async function exportCompressed(publicKey) {
  return compressPoint(new Uint8Array(await crypto.subtle.exportKey('raw', publicKey)));
}
