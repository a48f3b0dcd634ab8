// The one error type of the token modules, twin of signing/errors.py.
//
// Every failure to decode or verify a token throws a TokenError with a stable `code`
// (the same strings as the Python library, the test vectors and the scanner records).
// Nothing else escapes the decoders: no RangeError or TypeError from deep inside.

/** Process exit statuses of `mentoring token verify`, kept here so codes stay in one table. */
export const EXIT_STATUS = Object.freeze({
  malformed: 10,
  unsupported_version: 11,
  wrong_kind: 12,
  unknown_key: 20,
  bad_signature: 21,
  bad_device_signature: 22,
  bad_scanner_signature: 23,
  expired: 30,
  not_yet_valid: 31,
  stale_presentation: 32,
  future_presentation: 33,
  revoked: 40,
  out_of_scope: 41,
});

const DEFAULT_MESSAGES = {
  malformed: 'The token is not a well-formed Mentoring token.',
  unsupported_version: 'The token uses a format version this software does not know.',
  wrong_kind: 'The token is of another kind than the one expected here.',
  unknown_key: 'No issuer key with this key id is valid at this time.',
  bad_signature: 'The issuer signature does not match the token.',
  bad_device_signature: 'The wallet device signature of the presentation does not match.',
  bad_scanner_signature: 'The scanner signature of the record does not match the enrolled scanner key.',
  expired: "The credential's validity window has ended.",
  not_yet_valid: "The credential's validity window has not started yet.",
  stale_presentation: "The presentation's time step is too old: it may be a screenshot or a replay.",
  future_presentation: "The presentation's time step is ahead of this clock by more than the allowed skew.",
  revoked: 'The credential, its voucher or its device key has been revoked.',
  out_of_scope: 'The credential may not be spent on this venue, category or event.',
};

export class TokenError extends Error {
  /**
   * @param {string} code stable code (a key of EXIT_STATUS)
   * @param {string} [message] for humans (English, like the Python library)
   * @param {string} [reason] a finer, stable sub-reason where the scanner words it
   *   differently (revoked: voucher | ticket | device; out_of_scope: venue | category | event)
   */
  constructor(code, message, reason) {
    super(message || DEFAULT_MESSAGES[code] || code);
    this.name = 'TokenError';
    this.code = code;
    this.reason = reason || null;
  }

  get exitStatus() {
    return EXIT_STATUS[this.code] ?? 1;
  }
}

export const malformed = (message) => new TokenError('malformed', message);

/**
 * Verdicts a scanner records, as one byte (docs/tokens.md, scanner record).
 * Numbers are part of the format: never reuse one.
 */
export const RESULT_CODES = Object.freeze({
  0: 'accepted',
  10: 'malformed', 11: 'unsupported_version', 12: 'wrong_kind',
  20: 'unknown_key', 21: 'bad_signature', 22: 'bad_device_signature',
  30: 'expired', 31: 'not_yet_valid', 32: 'stale_presentation', 33: 'future_presentation',
  40: 'revoked', 41: 'out_of_scope',
  // Decided by the scanner's own memory and data, not by the token alone.
  50: 'already_presented', 51: 'allowance_exceeded', 52: 'scanner_data_stale',
  53: 'scanner_retired', // the scanner knows its venue retired it: every scan is refused
  // Its clock is further from the server's than any correction may reach: it decides red.
  54: 'scanner_clock_wrong',
});

export const RESULT_NUMBERS = Object.freeze(
  Object.fromEntries(Object.entries(RESULT_CODES).map(([number, code]) => [code, Number(number)])),
);
