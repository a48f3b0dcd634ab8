// Token layouts (format version 1) and their text form; twin of signing/tokens.py.
// The byte layout is specified in docs/tokens.md.
//
// This module only turns bytes into objects and back. It checks structure, never
// signatures: `parseUnverified` says so in its name, and nothing it returns may be
// trusted before verify.js has checked it.
//
// Tokens are plain objects with the Python field names in camelCase and a `kind`
// string ('voucher' | 'ticket' | 'presentation' | 'scanner_record'):
//   voucher:        {keyId, voucherId, campaignId, categories: number[] (sorted),
//                    offlineAllowanceCents, validFrom, validUntil, deviceKey: Uint8Array(33),
//                    venueIds: number[], signature: Uint8Array(64)}
//   ticket:         {keyId, ticketId, eventId, venueId, validFrom, validUntil, deviceKey, signature}
//   presentation:   {credential, timeStep, signature}
//   scanner_record: {recordId: Uint8Array(16), scannerId, scannedAt, eventId, amountCents,
//                    result: string, scannedText: string, signature, phoneAt: number|null}
// Times are Unix seconds.

import * as base45 from './base45.js';
import { concat } from './bytes.js';
import { RESULT_CODES, RESULT_NUMBERS, TokenError, malformed } from './errors.js';

export const FORMAT_VERSION = 1;
export const SIGNATURE_LENGTH = 64; // Ed25519, and ECDSA P-256 as r || s (32 bytes each)
export const DEVICE_KEY_LENGTH = 33; // SEC1 compressed P-256 point
export const MAX_VENUES = 4; // more would push a presentation past QR version 10 at level M
export const MAX_SCANNED_PAYLOAD = 1024;
/** Presentations rotate: the wallet signs the current step, floor(unix time / STEP_SECONDS). */
export const STEP_SECONDS = 15;
export const MAX_TOKEN_TEXT = 4096; // far above any real token; refuse before doing any work
export const MAX_CATEGORIES = 16;
export const MAX_OFFLINE_ALLOWANCE_CENTS = 0xffff;
export const MAX_VALIDITY_HOURS = 0xffff;

export const KIND_VOUCHER = 1;
export const KIND_TICKET = 2;
export const KIND_PRESENTATION = 3;
export const KIND_SCANNER_RECORD = 4;

export const KIND_NAMES = Object.freeze({
  [KIND_VOUCHER]: 'voucher',
  [KIND_TICKET]: 'ticket',
  [KIND_PRESENTATION]: 'presentation',
  [KIND_SCANNER_RECORD]: 'scanner_record',
});
const KIND_NUMBERS = Object.fromEntries(Object.entries(KIND_NAMES).map(([n, name]) => [name, Number(n)]));
export const PREFIXES = Object.freeze({
  [KIND_VOUCHER]: 'MV:',
  [KIND_TICKET]: 'MT:',
  [KIND_PRESENTATION]: 'MP:',
  [KIND_SCANNER_RECORD]: 'MR:',
});
const KIND_BY_PREFIX = new Map(Object.entries(PREFIXES).map(([kind, prefix]) => [prefix, Number(kind)]));
const ALL_KINDS = [KIND_VOUCHER, KIND_TICKET, KIND_PRESENTATION, KIND_SCANNER_RECORD];

const U32_MAX = 0xffffffff;
const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

// --- reading ---------------------------------------------------------------------

/** Reads fixed-width fields; running past the end is `malformed`, never a RangeError. */
class Reader {
  constructor(data) {
    this.data = data;
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    this.offset = 0;
  }

  need(length) {
    if (this.offset + length > this.data.length) throw malformed('token is truncated');
  }

  take(length) {
    this.need(length);
    const chunk = this.data.subarray(this.offset, this.offset + length);
    this.offset += length;
    return chunk;
  }

  u8() {
    this.need(1);
    return this.data[this.offset++];
  }

  u16() {
    this.need(2);
    const value = this.view.getUint16(this.offset);
    this.offset += 2;
    return value;
  }

  u24() {
    this.need(3);
    const value = (this.data[this.offset] << 16) | this.view.getUint16(this.offset + 1);
    this.offset += 3;
    return value;
  }

  u32() {
    this.need(4);
    const value = this.view.getUint32(this.offset);
    this.offset += 4;
    return value;
  }

  remaining() {
    return this.data.length - this.offset;
  }

  finish() {
    if (this.offset !== this.data.length) throw malformed('token has trailing bytes');
  }
}

export function maskToCategories(mask) {
  const codes = [];
  for (let code = 0; code < MAX_CATEGORIES; code += 1) if ((mask >> code) & 1) codes.push(code);
  return codes;
}

function readValidity(reader) {
  const startHour = reader.u24();
  const hours = reader.u16();
  return { validFrom: startHour * 3600, validUntil: (startHour + hours) * 3600 };
}

function readVoucher(reader) {
  // Fields are read in layout order so a short token fails at the same place as in Python.
  reader.need(51);
  const keyId = reader.u8();
  const voucherId = reader.u32();
  const campaignId = reader.u32();
  const categories = maskToCategories(reader.u16());
  const offlineAllowanceCents = reader.u16();
  const { validFrom, validUntil } = readValidity(reader);
  const deviceKey = reader.take(DEVICE_KEY_LENGTH).slice();
  // The venue list has no count: it fills what is left before the signature.
  const venueBytes = reader.remaining() - SIGNATURE_LENGTH;
  if (venueBytes < 0 || venueBytes % 4 || venueBytes / 4 > MAX_VENUES) throw malformed('bad venue scope length');
  const venueIds = [];
  for (let i = 0; i < venueBytes / 4; i += 1) venueIds.push(reader.u32());
  const signature = reader.take(SIGNATURE_LENGTH).slice();
  return {
    kind: 'voucher', keyId, voucherId, campaignId, categories, offlineAllowanceCents,
    validFrom, validUntil, deviceKey, venueIds, signature,
  };
}

function readTicket(reader) {
  reader.need(115);
  const keyId = reader.u8();
  const ticketId = reader.u32();
  const eventId = reader.u32();
  const venueId = reader.u32();
  const { validFrom, validUntil } = readValidity(reader);
  const deviceKey = reader.take(DEVICE_KEY_LENGTH).slice();
  const signature = reader.take(SIGNATURE_LENGTH).slice();
  return { kind: 'ticket', keyId, ticketId, eventId, venueId, validFrom, validUntil, deviceKey, signature };
}

function readPresentation(reader) {
  const length = reader.u8();
  const credential = parseBinary(reader.take(length), [KIND_VOUCHER, KIND_TICKET]);
  const timeStep = reader.u32();
  const signature = reader.take(SIGNATURE_LENGTH).slice();
  return { kind: 'presentation', credential, timeStep, signature };
}

function readScannerRecord(reader) {
  reader.need(35);
  const recordId = reader.take(16).slice();
  const scannerId = reader.u32();
  const scannedAt = reader.u32();
  const eventId = reader.u32();
  const amountCents = reader.u32();
  const result = reader.u8();
  const length = reader.u16();
  if (!Object.hasOwn(RESULT_CODES, result)) throw malformed('unknown scanner result code');
  if (length > MAX_SCANNED_PAYLOAD) throw malformed('scanned text too long');
  const payload = reader.take(length);
  let scannedText;
  try {
    scannedText = strictUtf8.decode(payload);
  } catch {
    throw malformed('scanned text is not UTF-8');
  }
  // The optional clock trailer (docs/tokens.md): exactly 4 bytes between the text and the signature.
  const trailer = reader.remaining() - SIGNATURE_LENGTH;
  if (trailer > 0 && trailer !== 4) throw malformed('scanner record has a trailer of unknown length');
  const phoneAt = trailer === 4 ? reader.u32() : null;
  const signature = reader.take(SIGNATURE_LENGTH).slice();
  return {
    kind: 'scanner_record', recordId, scannerId, scannedAt, eventId, amountCents,
    result: RESULT_CODES[result], scannedText, signature, phoneAt,
  };
}

const READERS = {
  [KIND_VOUCHER]: readVoucher,
  [KIND_TICKET]: readTicket,
  [KIND_PRESENTATION]: readPresentation,
  [KIND_SCANNER_RECORD]: readScannerRecord,
};

function parseBinary(data, expected) {
  if (!data.length) throw malformed('token is empty');
  const version = data[0] >> 4;
  const kind = data[0] & 0x0f;
  if (version !== FORMAT_VERSION) {
    throw new TokenError('unsupported_version', `format version ${version} is not supported`);
  }
  if (!expected.includes(kind)) throw new TokenError('wrong_kind', `token kind ${kind} is not expected here`);
  const reader = new Reader(data);
  reader.take(1);
  const token = READERS[kind](reader);
  reader.finish();
  return token;
}

function normaliseKinds(kinds) {
  return kinds.map((kind) => (typeof kind === 'string' ? KIND_NUMBERS[kind] : kind));
}

// Python limits text by code points; a JS string's length counts UTF-16 units. The two
// differ only for non-ASCII text, which must still get the same verdict.
function codePointLengthAbove(text, limit) {
  if (text.length <= limit) return false;
  let count = 0;
  for (const _ of text) { // eslint-disable-line no-unused-vars
    count += 1;
    if (count > limit) return true;
  }
  return false;
}

/**
 * Like `parseUnverified`, also returning the binary form: verifiers check signatures
 * over the bytes as received, not over a re-encoding. Returns {token, data}.
 * @param {string} text
 * @param {{expectedKinds?: Array<number|string>}} [options]
 */
export function readUnverified(text, { expectedKinds = ALL_KINDS } = {}) {
  // No trimming: a space is a Base45 digit, so trimming could change the token.
  if (typeof text !== 'string') throw malformed('a token is text');
  if (codePointLengthAbove(text, MAX_TOKEN_TEXT)) throw malformed('token is too long');
  const kind = KIND_BY_PREFIX.get(text.slice(0, 3));
  if (kind === undefined) throw malformed('not a Mentoring token: unknown prefix');
  if (!normaliseKinds(expectedKinds).includes(kind)) {
    throw new TokenError('wrong_kind', `a ${PREFIXES[kind]} token is not expected here`);
  }
  const data = base45.decode(text.slice(3));
  if (data.length && data[0] >> 4 === FORMAT_VERSION && (data[0] & 0x0f) !== kind) {
    throw malformed('the prefix and the token kind disagree');
  }
  return { token: parseBinary(data, [kind]), data };
}

/** Parse a token's text WITHOUT checking any signature. Never trust the result as is. */
export function parseUnverified(text, options) {
  return readUnverified(text, options).token;
}

// --- building --------------------------------------------------------------------
// Building is for trusted callers (the wallet, the scanner, tests): bad fields are
// programming errors and throw RangeError/TypeError, not TokenError.

function checkInt(name, value, max) {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new RangeError(`${name} must be an integer in 0..${max}, got ${value}`);
  }
  return value;
}

class Writer {
  constructor() {
    this.parts = [];
  }

  bytes(value) {
    this.parts.push(value);
    return this;
  }

  uint(value, size) {
    const out = new Uint8Array(size);
    let rest = value;
    for (let i = size - 1; i >= 0; i -= 1) {
      out[i] = rest % 256;
      rest = Math.floor(rest / 256);
    }
    this.parts.push(out);
    return this;
  }

  result() {
    return concat(...this.parts);
  }
}

function header(kind) {
  return Uint8Array.of((FORMAT_VERSION << 4) | kind);
}

export function categoriesToMask(categories) {
  let mask = 0;
  for (const code of categories) {
    checkInt('category code', code, MAX_CATEGORIES - 1);
    mask |= 1 << code;
  }
  return mask;
}

function writeValidity(writer, validFrom, validUntil) {
  if (validFrom % 3600 || validUntil % 3600) throw new RangeError('validity bounds must be whole hours');
  const hours = (validUntil - validFrom) / 3600;
  if (!(hours >= 0 && hours <= MAX_VALIDITY_HOURS) || !(validFrom >= 0 && validFrom / 3600 < 2 ** 24)) {
    throw new RangeError('validity window out of range');
  }
  writer.uint(validFrom / 3600, 3).uint(hours, 2);
}

function checkDeviceKey(deviceKey) {
  if (!(deviceKey instanceof Uint8Array) || deviceKey.length !== DEVICE_KEY_LENGTH) {
    throw new RangeError('device key must be 33 bytes (SEC1 compressed P-256)');
  }
}

function voucherBody(token) {
  checkDeviceKey(token.deviceKey);
  const venueIds = token.venueIds || [];
  if (venueIds.length > MAX_VENUES) throw new RangeError(`at most ${MAX_VENUES} venues`);
  const writer = new Writer()
    .bytes(header(KIND_VOUCHER))
    .uint(checkInt('keyId', token.keyId, 0xff), 1)
    .uint(checkInt('voucherId', token.voucherId, U32_MAX), 4)
    .uint(checkInt('campaignId', token.campaignId, U32_MAX), 4)
    .uint(categoriesToMask(token.categories), 2)
    .uint(checkInt('offlineAllowanceCents', token.offlineAllowanceCents, MAX_OFFLINE_ALLOWANCE_CENTS), 2);
  writeValidity(writer, token.validFrom, token.validUntil);
  writer.bytes(token.deviceKey);
  for (const venueId of venueIds) writer.uint(checkInt('venueId', venueId, U32_MAX), 4);
  return writer.result();
}

function ticketBody(token) {
  checkDeviceKey(token.deviceKey);
  const writer = new Writer()
    .bytes(header(KIND_TICKET))
    .uint(checkInt('keyId', token.keyId, 0xff), 1)
    .uint(checkInt('ticketId', token.ticketId, U32_MAX), 4)
    .uint(checkInt('eventId', token.eventId, U32_MAX), 4)
    .uint(checkInt('venueId', token.venueId, U32_MAX), 4);
  writeValidity(writer, token.validFrom, token.validUntil);
  return writer.bytes(token.deviceKey).result();
}

/** The presentation's signed bytes around a credential given as its exact binary form. */
export function presentationBodyFor(credentialBytes, timeStep) {
  if (credentialBytes.length > 0xff) throw new RangeError('credential too long for a presentation');
  return new Writer()
    .bytes(header(KIND_PRESENTATION))
    .uint(credentialBytes.length, 1)
    .bytes(credentialBytes)
    .uint(checkInt('timeStep', timeStep, U32_MAX), 4)
    .result();
}

function presentationBody(token) {
  return presentationBodyFor(encodeToken(token.credential), token.timeStep);
}

function scannerRecordBody(token) {
  const payload = utf8.encode(token.scannedText);
  if (!(token.recordId instanceof Uint8Array) || token.recordId.length !== 16) {
    throw new RangeError('record id must be 16 bytes');
  }
  if (payload.length > MAX_SCANNED_PAYLOAD) throw new RangeError('the scanned text is at most 1024 bytes');
  if (!Object.hasOwn(RESULT_NUMBERS, token.result)) throw new RangeError(`unknown scanner result ${token.result}`);
  const writer = new Writer()
    .bytes(header(KIND_SCANNER_RECORD))
    .bytes(token.recordId)
    .uint(checkInt('scannerId', token.scannerId, U32_MAX), 4)
    .uint(checkInt('scannedAt', token.scannedAt, U32_MAX), 4)
    .uint(checkInt('eventId', token.eventId, U32_MAX), 4)
    .uint(checkInt('amountCents', token.amountCents, U32_MAX), 4)
    .uint(RESULT_NUMBERS[token.result], 1)
    .uint(payload.length, 2)
    .bytes(payload);
  // The clock trailer only when the scan time was corrected: older records stay byte for byte.
  if (token.phoneAt !== null && token.phoneAt !== undefined) writer.uint(checkInt('phoneAt', token.phoneAt, U32_MAX), 4);
  return writer.result();
}

const BODIES = {
  voucher: voucherBody,
  ticket: ticketBody,
  presentation: presentationBody,
  scanner_record: scannerRecordBody,
};

/** The signed bytes of a token: everything before its signature. */
export function tokenBody(token) {
  const body = BODIES[token && token.kind];
  if (!body) throw new TypeError(`unknown token kind ${token && token.kind}`);
  return body(token);
}

/** The full binary form: body + signature. */
export function encodeToken(token) {
  const signature = token.signature || new Uint8Array(0);
  return concat(tokenBody(token), signature);
}

/** Prefix + Base45 of the binary form: the text that goes into a QR code. */
export function toText(token) {
  return textFromBinary(KIND_NUMBERS[token.kind], encodeToken(token));
}

export function textFromBinary(kind, data) {
  return PREFIXES[kind] + base45.encode(data);
}
