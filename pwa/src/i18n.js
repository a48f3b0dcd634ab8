// Translations: t('key', {params}). Italian first, English second.
//
// Each area keeps its strings in its own files, src/i18n/<area>.it.js and
// <area>.en.js (default export: a flat object of keys). The build gathers them
// into the virtual module 'i18n-areas' (see build.mjs), so adding an area never
// means editing this file. Use keys prefixed by the area ('scanner.verdict').
// A lazily loaded area may also call addMessages() when it loads.
import areas from 'i18n-areas';
import { errorText, fill, lookup, waitWords } from './i18n-format.js';
import it from './i18n/it.js';
import en from './i18n/en.js';

export const LANGUAGES = ['it', 'en'];
const STORAGE_KEY = 'mentoring.lang';
const LOCALES = { it: 'it-IT', en: 'en-GB' };

const dictionaries = { it: { ...it }, en: { ...en } };
for (const lang of LANGUAGES) {
  for (const messages of areas[lang] ?? []) Object.assign(dictionaries[lang], messages);
}

const listeners = new Set();
let current = readStoredLanguage();
applyToDocument();

function readStoredLanguage() {
  try {
    const stored = localStorage.getItem(STORAGE_KEY);
    if (LANGUAGES.includes(stored)) return stored;
  } catch {
    // storage blocked (private mode, tests): Italian
  }
  return 'it';
}

function applyToDocument() {
  if (typeof document !== 'undefined') document.documentElement.lang = current;
}

export function addMessages(lang, messages) {
  Object.assign(dictionaries[lang], messages);
}

export function language() {
  return current;
}

export function locale() {
  return LOCALES[current];
}

export function setLanguage(lang) {
  if (!LANGUAGES.includes(lang) || lang === current) return;
  current = lang;
  try {
    localStorage.setItem(STORAGE_KEY, lang);
  } catch {
    // not persisted; still switched for this visit
  }
  applyToDocument();
  for (const listener of listeners) listener(lang);
}

/** Call `listener(lang)` on every switch; returns the unsubscribe function. */
export function onLanguageChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The raw text for `key` in the current language, else in Italian, else undefined. With a
 * numeric params.count, the plural form for it (see i18n-format.js). */
export function findMessage(key, params) {
  return lookup(dictionaries[current], key, params, LOCALES[current]) ?? lookup(dictionaries.it, key, params, LOCALES.it);
}

/** The text for `key` in the current language ({name} placeholders filled from params;
 * t(key, {count}) picks the plural form); falls back to Italian, then to the key itself
 * so a missing string is visible, not blank. */
export function t(key, params) {
  return fill(findMessage(key, params) ?? key, params);
}

/** The sentence for an error from the API ({code, field, status, params}) in the current
 * language: never the server's own words. */
export function errorSentence(error) {
  return errorText(error, findMessage, formatMoney, (seconds) => waitWords(seconds, locale()));
}

/** Euro cents as money: "15,00 €" in Italian, "€15.00" in English. */
export function formatMoney(cents) {
  return new Intl.NumberFormat(locale(), { style: 'currency', currency: 'EUR' }).format(cents / 100);
}

export function formatDate(value, options = { dateStyle: 'medium' }) {
  if (!value) return '';
  return new Intl.DateTimeFormat(locale(), { timeZone: 'Europe/Rome', ...options }).format(new Date(value));
}

export function formatDateTime(value) {
  return formatDate(value, { dateStyle: 'medium', timeStyle: 'short' });
}
