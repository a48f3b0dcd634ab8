// The typed door code: six digits under the wallet's QR, rotating with its 15-second
// step, that a door volunteer types with the voucher number when the camera cannot read
// (docs/tokens.md, "Typed door code"). Twin of server/door/typed_code.py; both pass
// tests/vectors/typed/codes.json. The wallet gets its code key from the server with
// each credential; only the server checks a code, online.
//
//   code(step) = RFC 4226 truncation of HMAC-SHA256(code key, "MDC1" || step u64) mod 10^6

export const TYPED_STEP_SECONDS = 15;
const LABEL = [0x4d, 0x44, 0x43, 0x31]; // "MDC1"
const keys = new Map(); // hex -> CryptoKey: imported once per key

function hexBytes(hex) {
  if (typeof hex !== 'string' || !/^(?:[0-9a-f]{2})+$/i.test(hex)) throw new TypeError('code key: hex expected');
  return Uint8Array.from(hex.match(/../g), (pair) => parseInt(pair, 16));
}

async function hmacKey(keyHex) {
  if (!keys.has(keyHex)) {
    keys.set(keyHex, await crypto.subtle.importKey('raw', hexBytes(keyHex), { name: 'HMAC', hash: 'SHA-256' },
      false, ['sign']));
  }
  return keys.get(keyHex);
}

/** The six digits for `step` (a whole number of 15-second steps since 1970). */
export async function typedCode(keyHex, step) {
  if (!Number.isSafeInteger(step) || step < 0) throw new RangeError('step: a non-negative integer');
  const message = new Uint8Array(12);
  message.set(LABEL);
  const view = new DataView(message.buffer);
  view.setUint32(4, Math.floor(step / 2 ** 32));
  view.setUint32(8, step % 2 ** 32);
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', await hmacKey(keyHex), message));
  const offset = mac[mac.length - 1] & 0x0f;
  const number = new DataView(mac.buffer).getUint32(offset) & 0x7fffffff;
  return String(number % 1_000_000).padStart(6, '0');
}

/** What the scanner signs as the record's scanned text: "typed:<voucher id>:<digits>". */
export function typedRecordText(voucherId, digits) {
  return `typed:${voucherId}:${digits}`;
}

/**
 * The staff's typing made usable: {voucherId, digits} or null. Blanks, dots and dashes
 * are ignored ("12 345-678" is fine); the voucher number is 1 to 2^31 − 1.
 */
export function parseTyped(voucherText, codeText) {
  const voucher = String(voucherText ?? '').replace(/[\s.#-]/g, '');
  const digits = String(codeText ?? '').replace(/[\s.-]/g, '');
  if (!/^[1-9][0-9]{0,9}$/.test(voucher) || Number(voucher) > 2 ** 31 - 1) return null;
  if (!/^[0-9]{6}$/.test(digits)) return null;
  return { voucherId: Number(voucher), digits };
}
