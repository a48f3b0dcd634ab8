// What the staff and the camera give the scanner, made usable: typed amounts, pasted
// codes, and which credential a scanned text is about. No DOM: node tests import it.
import { KIND_PRESENTATION, readUnverified } from '../tokens/format.js';

/** "12,50", "12.5", "12", "12 €" → cents; null when it is not an amount. */
export function parseCents(text) {
  const match = /^\s*(\d{1,6})(?:[.,](\d{1,2}))?\s*(?:€)?\s*$/.exec(text || '');
  if (!match) return null;
  return Number(match[1]) * 100 + Number((match[2] || '0').padEnd(2, '0'));
}

/** Cents as the amount field shows them: "15,00". */
export function centsText(cents) {
  return Number.isInteger(cents) && cents >= 0
    ? `${Math.floor(cents / 100)},${String(cents % 100).padStart(2, '0')}` : '';
}

/**
 * A typed or pasted code: leading blanks and trailing line breaks go. Inner and
 * trailing spaces stay: a space is a Base45 digit, so removing one changes the token.
 */
export function cleanTyped(text) {
  return String(text ?? '').replace(/^\s+/, '').replace(/[\r\n\t]+$/, '');
}

/**
 * What a scanned text is about: 'v:<voucher id>', 't:<ticket id>', or the text itself
 * when it is not a presentation. Unverified on purpose: it only decides whether the
 * camera is still looking at the same thing, never what is accepted.
 */
export function subjectOf(text) {
  try {
    const { credential } = readUnverified(text, { expectedKinds: [KIND_PRESENTATION] }).token;
    return credential.kind === 'ticket' ? `t:${credential.ticketId}` : `v:${credential.voucherId}`;
  } catch {
    return text;
  }
}
