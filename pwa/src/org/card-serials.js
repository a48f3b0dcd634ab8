// Card numbers as a teacher types them ("3, 17, 20-25"): the cards to reissue. Free of
// Preact so node tests run it (pwa/tests/card-serials.test.mjs).

export const MAX_SERIAL = 10000; // the largest allocation (server/vouchers/api.py MAX_ALLOCATION)
export const MAX_SERIALS = 1000; // cards in one request (MAX_CODES_PER_REQUEST)

/** "3, 17, 20-25" → [3, 17, 20, 21, 22, 23, 24, 25] (sorted, once each), or null when it is not such a list. */
export function parseSerials(text) {
  const serials = new Set();
  for (const part of String(text ?? '').split(/[,;\s]+/).filter(Boolean)) {
    const range = /^(\d{1,5})(?:[-–](\d{1,5}))?$/.exec(part);
    if (!range) return null;
    const from = Number(range[1]);
    const to = range[2] === undefined ? from : Number(range[2]);
    if (from < 1 || to < from || to > MAX_SERIAL || to - from >= MAX_SERIALS) return null;
    for (let n = from; n <= to; n += 1) serials.add(n);
    if (serials.size > MAX_SERIALS) return null;
  }
  return serials.size ? [...serials].sort((a, b) => a - b) : null;
}
