// The public API of the token modules: the JavaScript twin of signing/ (docs/tokens.md).
// Plain ES modules with no dependencies: WebCrypto, TextEncoder, Uint8Array, DataView,
// so the same files run in the browser and under `node --test`.

export * as base45 from './base45.js';
export { TokenError, EXIT_STATUS, RESULT_CODES, RESULT_NUMBERS } from './errors.js';
export {
  FORMAT_VERSION, STEP_SECONDS, SIGNATURE_LENGTH, DEVICE_KEY_LENGTH, MAX_VENUES, MAX_SCANNED_PAYLOAD,
  MAX_TOKEN_TEXT, KIND_VOUCHER, KIND_TICKET, KIND_PRESENTATION, KIND_SCANNER_RECORD, KIND_NAMES, PREFIXES,
  parseUnverified, readUnverified, toText, encodeToken, tokenBody, categoriesToMask, maskToCategories,
} from './format.js';
export { PublicKeyset, PublicIssuerKey, asKeyset } from './keys.js';
export {
  DEFAULT_MAX_SKEW_SECONDS, NO_REVOCATIONS, makeRevocations, revocationsFromEntries,
  verifyCredential, verifyPresentation, verifyPresentationSignatures, checkPresentation, checkScope,
  verifyScannerRecord,
} from './verify.js';
export { presentCredential, timeStep, secondsUntilNextStep, unixSeconds } from './present.js';
export { recordScan, newRecordId, clipScannedText } from './record.js';
export { compressPoint, uncompressPoint, exportCompressed } from './p256.js';
export { toHex, fromHex } from './bytes.js';
