// The words of the app: Italian and English say the same things (same keys, same
// placeholders), counts take their plural form by Intl.PluralRules, and an error from
// the server becomes a sentence of ours with its params, never the server's prose.
// Run: node --test pwa/tests/

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe as suite, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { errorKeys, errorText, fill, lookup, pluralCategory } from '../src/i18n-format.js';

const I18N = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'src', 'i18n');
const LOCALES = { it: 'it-IT', en: 'en-GB' };

/** Every message module, by language and by area ('' for it.js / en.js), as the build merges them. */
async function modules() {
  const found = { it: {}, en: {} };
  for (const name of fs.readdirSync(I18N).sort()) {
    const match = name.match(/^(?:([a-z0-9_-]+)\.)?(it|en)\.js$/);
    if (!match) continue;
    found[match[2]][match[1] ?? ''] = (await import(path.join(I18N, name))).default;
  }
  return found;
}

const all = await modules();
const merged = { it: Object.assign({}, ...Object.values(all.it)), en: Object.assign({}, ...Object.values(all.en)) };
const placeholders = (text) => [...text.matchAll(/\{(\w+)\}/g)].map(([, name]) => name).sort();
const say = (lang, key, params) => fill(lookup(merged[lang], key, params, LOCALES[lang]), params);
const euro = { it: (c) => new Intl.NumberFormat('it-IT', { style: 'currency', currency: 'EUR' }).format(c / 100),
               en: (c) => new Intl.NumberFormat('en-GB', { style: 'currency', currency: 'EUR' }).format(c / 100) };
const sentence = (lang, error) => errorText(error, (key, params) => lookup(merged[lang], key, params, LOCALES[lang]),
                                            euro[lang]);

suite('both languages', () => {
  test('every area has an Italian and an English module', () => {
    assert.deepEqual(Object.keys(all.it).sort(), Object.keys(all.en).sort());
    assert.ok(Object.keys(all.it).length >= 4, 'the modules were found');
  });

  for (const area of Object.keys(all.it)) {
    test(`${area || 'it.js / en.js'}: the same keys in Italian and English`, () => {
      const it = Object.keys(all.it[area]).sort();
      const en = Object.keys(all.en[area] ?? {}).sort();
      assert.deepEqual(it.filter((key) => !en.includes(key)), [], 'only in Italian');
      assert.deepEqual(en.filter((key) => !it.includes(key)), [], 'only in English');
    });
  }

  test('each key is written in one module only (a second one would win silently)', () => {
    for (const lang of ['it', 'en']) {
      const seen = new Map();
      for (const [area, messages] of Object.entries(all[lang])) {
        for (const key of Object.keys(messages)) {
          assert.ok(!seen.has(key), `${lang}: ${key} in both ${seen.get(key) || 'it/en.js'} and ${area || 'it/en.js'}`);
          seen.set(key, area);
        }
      }
    }
  });

  test('a text fills the same placeholders in both languages', () => {
    const differ = Object.keys(merged.it).filter(
      (key) => key in merged.en && placeholders(merged.it[key]).join() !== placeholders(merged.en[key]).join());
    assert.deepEqual(differ, []);
  });

  test('a counted text has its .other form, takes {count}, and is not also a plain key', () => {
    for (const lang of ['it', 'en']) {
      for (const key of Object.keys(merged[lang]).filter((k) => /\.(zero|one|two|few|many)$/.test(k))) {
        const base = key.replace(/\.\w+$/, '');
        assert.ok(`${base}.other` in merged[lang], `${lang}: ${key} has no ${base}.other`);
        assert.ok(!(base in merged[lang]), `${lang}: ${base} is both plain and counted`);
        for (const form of [key, `${base}.other`]) {
          assert.ok(placeholders(merged[lang][form]).includes('count') || form.endsWith('.one'),
                    `${lang}: ${form} does not show {count}`);
        }
      }
    }
  });
});

suite('plurals', () => {
  test('the CLDR categories the helper asks Intl for', () => {
    assert.equal(pluralCategory('it-IT', 1), 'one');
    assert.equal(pluralCategory('it-IT', 0), 'other');
    assert.equal(pluralCategory('en-GB', 0), 'other');
    assert.equal(pluralCategory('en-GB', 1), 'one');
  });

  test('vouchers: 1 buono / 2 buoni, 1 voucher / 2 vouchers', () => {
    assert.equal(say('it', 'org.vouchers_n', { count: 1 }), '1 buono');
    assert.equal(say('it', 'org.vouchers_n', { count: 2 }), '2 buoni');
    assert.equal(say('it', 'org.vouchers_n', { count: 0 }), '0 buoni');
    assert.equal(say('en', 'org.vouchers_n', { count: 1 }), '1 voucher');
    assert.equal(say('en', 'org.vouchers_n', { count: 2 }), '2 vouchers');
  });

  test('seats: 1 posto prenotato / 2 posti prenotati', () => {
    assert.equal(say('it', 'org.venue.seats', { count: 1, capacity: 40 }), '1 posto prenotato su 40');
    assert.equal(say('it', 'org.venue.seats', { count: 2, capacity: 40 }), '2 posti prenotati su 40');
    assert.equal(say('en', 'org.venue.seats', { count: 1, capacity: 40 }), '1 of 40 seats booked');
  });

  test('an allocation notice, a batch of codes, a rejected record, a day', () => {
    assert.equal(say('it', 'org.allocated_notice', { count: 1, school: 'Liceo Tigli' }), 'Assegnato 1 buono a Liceo Tigli.');
    assert.equal(say('en', 'org.allocated_notice', { count: 3, school: 'Liceo Tigli' }),
                 '3 vouchers allocated to Liceo Tigli.');
    assert.match(say('it', 'org.print.once', { count: 1 }), /^Questo codice si vede solo ora/);
    assert.match(say('it', 'scanner.rejected_warning', { count: 1 }), /respinto 1 registrazione: non sarà pagata/);
    assert.match(say('en', 'scanner.rejected_warning', { count: 2 }), /rejected 2 records: they will not/);
    assert.equal(say('it', 'scanner.ago_days', { count: 1 }), '1 giorno fa');
  });

  test('a category a language has but the messages lack (Italian "many") falls back to .other', () => {
    assert.equal(pluralCategory('it-IT', 1_000_000), 'many');
    assert.equal(say('it', 'org.vouchers_n', { count: 1_000_000 }), '1000000 buoni');
  });

  test('no count, no plural: a plain key is found as it is', () => {
    assert.equal(lookup({ 'a.b': 'x' }, 'a.b', { count: 2 }, 'it-IT'), 'x');
    assert.equal(lookup({ 'a.b.other': 'x' }, 'a.b', {}, 'it-IT'), undefined);
  });
});

suite('errors from the server', () => {
  test('a code is said in the language of the UI, with its params as money', () => {
    const error = { status: 409, code: 'insufficient_funds', detail: 'Fondi insufficienti per questa operazione.',
                    params: { available_cents: 51_949, requested_cents: 60_000 } };
    assert.equal(sentence('it', error), 'Credito insufficiente: disponibili 519,49\u00a0€, servono 600,00\u00a0€.');
    assert.equal(sentence('en', error), 'Not enough credit: €519.49 available, €600.00 needed.');
  });

  test('limits and counts come from params', () => {
    const error = { status: 422, code: 'invalid_count', field: 'voucher_count', params: { min: 1, max: 10_000 } };
    assert.equal(sentence('it', error), 'Scrivi un numero da 1 a 10000.');
  });

  test('a field may word a code its own way', () => {
    const error = { status: 401, code: 'invalid_credentials', field: 'current_password' };
    assert.equal(sentence('it', error), 'La password attuale non è corretta.');
    assert.equal(sentence('en', { ...error, field: null }), 'Wrong email or password.');
  });

  test('an unknown code gets a sentence for its kind of failure, never the server prose', () => {
    const error = { status: 409, code: 'brand_new_rule', detail: 'Regola nuova: spiegazione del server.' };
    assert.equal(sentence('it', error), merged.it['error.conflict']);
    assert.equal(sentence('en', { status: 503, code: 'brand_new_outage' }), merged.en['error.server']);
    assert.equal(sentence('en', { status: 418, code: 'http_418' }), merged.en['error.unknown']);
    assert.equal(sentence('it', { status: 0, code: 'offline' }), merged.it['error.offline']);
  });

  test('a text whose params did not come is not shown with "{max}" in it', () => {
    const error = { status: 422, code: 'invalid_count', params: {} };
    assert.equal(sentence('en', error), merged.en['error.invalid_input']);
  });

  test('the keys tried, most precise first', () => {
    assert.deepEqual(errorKeys({ code: 'weak_password', field: 'password', status: 422 }),
                     ['error.weak_password.password', 'error.weak_password', 'error.invalid_input', 'error.unknown']);
  });

  test('every fallback the helper may reach exists in both languages', () => {
    for (const status of [0, 400, 401, 403, 404, 409, 413, 422, 429, 500]) {
      for (const key of errorKeys({ status }).slice(0, 1)) {
        assert.ok(key in merged.it && key in merged.en, key);
      }
    }
  });
});
