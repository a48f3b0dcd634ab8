// The scanner side: every decision, accepted or refused, becomes a record signed by
// the scanner's enrolled P-256 key and queued for /sync (docs/tokens.md, scanner record).
// The record id is made here, at random: it is the sync idempotency key, so a record
// sent twice counts once.

import { asBytes, concat, toHex } from './bytes.js';
import { KIND_SCANNER_RECORD, MAX_SCANNED_PAYLOAD, textFromBinary, tokenBody } from './format.js';
import { sign } from './p256.js';

const utf8 = new TextEncoder();

/** A fresh random record id: a version 4 UUID as 32 lower-case hex digits (as the server reports it). */
export function newRecordId() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40; // version 4
  bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 4122 variant
  return toHex(bytes);
}

function recordIdBytes(recordId) {
  // UUIDs are often written with dashes; the record holds the 16 bytes.
  const bytes = asBytes(typeof recordId === 'string' ? recordId.replace(/-/g, '') : recordId, 'recordId');
  if (bytes.length !== 16) throw new RangeError('a record id is 16 bytes (32 hex digits)');
  return bytes;
}

/**
 * The scanned text cut to what a record can hold (1024 UTF-8 bytes), at a character
 * boundary. A camera can read anything; the refusal of an oversized code is recorded too.
 */
export function clipScannedText(text) {
  const value = String(text ?? '');
  if (utf8.encode(value).length <= MAX_SCANNED_PAYLOAD) return value;
  let out = '';
  let size = 0;
  for (const character of value) {
    const length = utf8.encode(character).length;
    if (size + length > MAX_SCANNED_PAYLOAD) break;
    out += character;
    size += length;
  }
  return out;
}

/**
 * Build and sign a scanner record.
 * @param {CryptoKey} scannerPrivateKey the scanner's ECDSA P-256 private key
 * @param {object} fields
 * @param {string|Uint8Array} [fields.recordId] 16 bytes or 32 hex digits; a new one when omitted
 * @param {number} fields.scannerId as enrolled
 * @param {number} fields.scannedAt Unix seconds, on the server's time as the scanner knows it (clock.js)
 * @param {number|null} [fields.phoneAt] Unix seconds on the phone's own clock, when scannedAt was
 *   corrected; null (default) writes no clock trailer
 * @param {number} [fields.eventId] 0 (default) when the scan is not for an event
 * @param {number} [fields.amountCents] 0 by default
 * @param {string} fields.result 'accepted' or a refusal code (RESULT_CODES)
 * @param {string} fields.scannedText exactly as read (at most 1024 UTF-8 bytes: see clipScannedText)
 * @returns {Promise<{text: string, recordId: string}>} the `MR:` text and the record id in hex
 */
export async function recordScan(scannerPrivateKey, {
  recordId = newRecordId(), scannerId, scannedAt, eventId = 0, amountCents = 0, result, scannedText, phoneAt = null,
}) {
  const idBytes = recordIdBytes(recordId);
  const body = tokenBody({
    kind: 'scanner_record', recordId: idBytes, scannerId, scannedAt, eventId, amountCents, result, scannedText, phoneAt,
  });
  const signature = await sign(scannerPrivateKey, body);
  return { text: textFromBinary(KIND_SCANNER_RECORD, concat(body, signature)), recordId: toHex(idBytes) };
}
