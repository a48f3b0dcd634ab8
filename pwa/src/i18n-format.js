// How a message is found and filled, apart from which language is on (src/i18n.js):
// plain functions of a dictionary, so node tests check the real strings.
//
// Plurals: a message that counts has one key per CLDR plural category of its language,
// '<key>.one' and '<key>.other' (Italian and English need no others; a category a
// language lacks falls back to '.other', e.g. Italian 'many' for a million). Call it as
// t('<key>', { count }) and Intl.PluralRules picks the form: "1 buono", "2 buoni".
//
// Errors: the server answers with a stable `code` and `params`, never with words for
// people; errorText() finds 'error.<code>' and fills it with the params.

const pluralRules = new Map();

/** The CLDR plural category of `count` in `locale`: 'one', 'other', 'many'… */
export function pluralCategory(locale, count) {
  let rules = pluralRules.get(locale);
  if (!rules) {
    rules = new Intl.PluralRules(locale);
    pluralRules.set(locale, rules);
  }
  return rules.select(count);
}

/** The raw text of `key` in `messages` (the plural form for a numeric params.count), or undefined. */
export function lookup(messages, key, params, locale) {
  if (typeof params?.count === 'number' && `${key}.other` in messages) {
    return messages[`${key}.${pluralCategory(locale, params.count)}`] ?? messages[`${key}.other`];
  }
  return messages[key];
}

/** `text` with its {name} placeholders filled from params; names params lacks stay as written. */
export function fill(text, params) {
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (match, name) => (name in params ? String(params[name]) : match));
}

/** Whether every {name} in `text` has a value in params. */
export function fillable(text, params) {
  return [...text.matchAll(/\{(\w+)\}/g)].every(([, name]) => params != null && name in params);
}

/** A wait from now in words, in `locale`: "tra 41 secondi", "in 16 minutes" (past 90
 * seconds in whole minutes, rounded up: a person plans in minutes). */
export function waitWords(seconds, locale) {
  const words = new Intl.RelativeTimeFormat(locale, { numeric: 'always' });
  if (seconds < 90) return words.format(Math.max(1, Math.ceil(seconds)), 'second');
  return words.format(Math.ceil(seconds / 60), 'minute');
}

/** Params as a text shows them: each `<name>_cents` also as `<name>`, in money; each
 * `<name>_seconds` also as `<name>`, a wait in words (when formatWait is given). */
export function displayParams(params, formatMoney, formatWait) {
  const shown = { ...params };
  for (const [name, value] of Object.entries(params ?? {})) {
    if (name.endsWith('_cents') && typeof value === 'number') shown[name.slice(0, -'_cents'.length)] = formatMoney(value);
    if (name.endsWith('_seconds') && typeof value === 'number' && formatWait) {
      shown[name.slice(0, -'_seconds'.length)] = formatWait(value);
    }
  }
  return shown;
}

// What an unknown code says, by the family its status belongs to (server/http/problems.py).
const FAMILY_OF_STATUS = {
  400: 'bad_request', 401: 'unauthenticated', 403: 'forbidden', 404: 'not_found', 409: 'conflict',
  413: 'payload_too_large', 422: 'invalid_input', 429: 'too_many_requests',
};

/** The keys errorText tries, most precise first. */
export function errorKeys({ code, field, status = 0 } = {}) {
  const keys = [];
  if (code) {
    if (field) keys.push(`error.${code}.${field}`); // one code, a different sentence for one field
    keys.push(`error.${code}`);
  }
  if (status >= 500) keys.push('error.server');
  else if (FAMILY_OF_STATUS[status]) keys.push(`error.${FAMILY_OF_STATUS[status]}`);
  keys.push('error.unknown');
  return keys;
}

/**
 * The sentence for an error ({code, field, status, params}): the first of errorKeys() that
 * `find(key, params)` has and can fill. `find` returns the raw text or undefined. A text
 * whose numbers did not come is skipped for a vaguer one rather than shown with "{max}".
 */
export function errorText(error, find, formatMoney, formatWait) {
  const params = displayParams(error?.params, formatMoney, formatWait);
  for (const key of errorKeys(error ?? {})) {
    const text = find(key, params);
    if (text !== undefined && fillable(text, params)) return fill(text, params);
  }
  return '';
}
