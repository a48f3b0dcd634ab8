// Claim codes as students type them: the rules of server/vouchers/claim_codes.py,
// so a typo is caught on the phone (even offline) before the server is asked.
const ALPHABET = '0123456789ACDEFGHJKMNPQRTVWXY';
const LOOK_ALIKES = { O: '0', I: '1', L: '1', Z: '2', S: '5', B: '8', U: 'V' };
const SEPARATORS = /[\s\-\u2010-\u2014\u2212\u00a0]/g;
export const CODE_LENGTH = 12;

/** Upper case, separators dropped, look-alikes mapped; null if a character is impossible. */
export function normalizeCode(text) {
  let symbols = '';
  for (const char of String(text).toUpperCase().replace(SEPARATORS, '')) {
    const symbol = LOOK_ALIKES[char] ?? char;
    if (!ALPHABET.includes(symbol)) return null;
    symbols += symbol;
  }
  return symbols;
}

/** Damm's check over x*y = 2x + y (mod 29): the fold of a valid code is zero. */
function checks(symbols) {
  let interim = 0;
  for (const symbol of symbols) interim = (2 * interim + ALPHABET.indexOf(symbol)) % ALPHABET.length;
  return interim === 0;
}

/** {code: 'ABCD-EFGH-JKLM'} in display form, or {error: 'chars'|'length'|'check'}. */
export function parseCode(text) {
  const symbols = normalizeCode(text);
  if (symbols === null) return { error: 'chars' };
  if (symbols.length !== CODE_LENGTH) return { error: 'length' };
  if (!checks(symbols)) return { error: 'check' };
  return { code: symbols.match(/.{4}/g).join('-') };
}
