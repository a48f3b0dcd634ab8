// Base45 (RFC 9285), the text layer of every token; twin of signing/base45.py.
//
// Its 45 characters are exactly QR's alphanumeric set, so a token fills a QR code in
// alphanumeric mode. Decoding is strict (canonical): one binary has exactly one text,
// which the signatures and the vectors rely on.

import { malformed } from './errors.js';

export const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:';

const INVALID = 0xff;
// Indexed by UTF-16 code unit; anything at or above 128 is outside the alphabet.
const DECODE_TABLE = new Uint8Array(128).fill(INVALID);
for (let i = 0; i < ALPHABET.length; i += 1) DECODE_TABLE[ALPHABET.charCodeAt(i)] = i;

/** Encode bytes (Uint8Array) as Base45 text. */
export function encode(data) {
  const out = [];
  const even = data.length & ~1;
  for (let i = 0; i < even; i += 2) {
    const value = data[i] * 256 + data[i + 1];
    out.push(ALPHABET[value % 45], ALPHABET[Math.floor(value / 45) % 45], ALPHABET[Math.floor(value / 2025)]);
  }
  if (data.length & 1) {
    const last = data[data.length - 1];
    out.push(ALPHABET[last % 45], ALPHABET[Math.floor(last / 45)]);
  }
  return out.join('');
}

/** Decode Base45 text to a Uint8Array; throw TokenError('malformed') for anything not canonical. */
export function decode(text) {
  if (typeof text !== 'string') throw malformed('not Base45: characters outside the Base45 alphabet');
  const length = text.length;
  const digits = new Uint8Array(length);
  for (let i = 0; i < length; i += 1) {
    const unit = text.charCodeAt(i);
    const digit = unit < 128 ? DECODE_TABLE[unit] : INVALID;
    if (digit === INVALID) throw malformed('not Base45: characters outside the Base45 alphabet');
    digits[i] = digit;
  }
  const tailLength = length % 3;
  if (tailLength === 1) throw malformed('not Base45: impossible length');
  const full = length - tailLength;
  const out = new Uint8Array((full / 3) * 2 + (tailLength ? 1 : 0));
  let o = 0;
  for (let i = 0; i < full; i += 3) {
    const value = digits[i] + 45 * digits[i + 1] + 2025 * digits[i + 2];
    if (value > 0xffff) throw malformed('not Base45: a group exceeds 16 bits');
    out[o] = value >> 8;
    out[o + 1] = value & 0xff;
    o += 2;
  }
  if (tailLength) {
    const last = digits[full] + 45 * digits[full + 1];
    if (last > 0xff) throw malformed('not Base45: the last group exceeds 8 bits');
    out[o] = last;
  }
  return out;
}
