// rome-time.js on the clock-change days of 2026 and 2027: Italian time to UTC and back,
// the hour that does not exist (refused) and the hour that happens twice (its earlier
// instant). Run: node --test pwa/tests/  (Node carries the full ICU time-zone data.)
import assert from 'node:assert/strict';
import { suite, test } from 'node:test';

import { isoToRomeLocal, romeDay, romeLocalExists, romeLocalToIso, romeOffsetMinutes } from '../src/rome-time.js';

const utc = (iso) => new Date(iso).toISOString();

// Spring forward: 02:00 CET becomes 03:00 CEST (01:00 UTC).
for (const day of ['2026-03-29', '2027-03-28']) {
  suite(`spring forward, ${day}`, () => {
    test('before the change is winter time (+01:00)', () => {
      assert.equal(romeLocalToIso(`${day}T01:59`), `${day}T01:59:00+01:00`);
      assert.equal(utc(romeLocalToIso(`${day}T01:59`)), `${day}T00:59:00.000Z`);
    });
    test('02:00 to 02:59 does not exist: refused, not shifted', () => {
      for (const time of ['02:00', '02:30', '02:59']) {
        assert.equal(romeLocalToIso(`${day}T${time}`), null, time);
        assert.equal(romeLocalExists(`${day}T${time}`), false, time);
      }
    });
    test('from 03:00 it is summer time (+02:00), one UTC minute after 01:59', () => {
      assert.equal(romeLocalToIso(`${day}T03:00`), `${day}T03:00:00+02:00`);
      assert.equal(utc(romeLocalToIso(`${day}T03:00`)), `${day}T01:00:00.000Z`);
    });
    test('UTC back to Italian time jumps from 01:59 to 03:00', () => {
      assert.equal(isoToRomeLocal(`${day}T00:59:00Z`), `${day}T01:59`);
      assert.equal(isoToRomeLocal(`${day}T01:00:00Z`), `${day}T03:00`);
      assert.equal(romeOffsetMinutes(`${day}T00:59:59Z`), 60);
      assert.equal(romeOffsetMinutes(`${day}T01:00:00Z`), 120);
    });
  });
}

// Fall back: 03:00 CEST becomes 02:00 CET (01:00 UTC); 02:00–02:59 happens twice.
for (const day of ['2026-10-25', '2027-10-31']) {
  suite(`fall back, ${day}`, () => {
    test('the hour that happens twice is its earlier instant, summer time (+02:00)', () => {
      assert.equal(romeLocalToIso(`${day}T02:00`), `${day}T02:00:00+02:00`);
      assert.equal(utc(romeLocalToIso(`${day}T02:30`)), `${day}T00:30:00.000Z`);
      assert.equal(romeLocalExists(`${day}T02:30`), true);
    });
    test('both instants of that hour show as the same Italian time', () => {
      assert.equal(isoToRomeLocal(`${day}T00:30:00Z`), `${day}T02:30`);
      assert.equal(isoToRomeLocal(`${day}T01:30:00Z`), `${day}T02:30`);
      assert.equal(romeOffsetMinutes(`${day}T00:59:59Z`), 120);
      assert.equal(romeOffsetMinutes(`${day}T01:00:00Z`), 60);
    });
    test('around it: 01:59 is summer time, 03:00 winter time', () => {
      assert.equal(romeLocalToIso(`${day}T01:59`), `${day}T01:59:00+02:00`);
      assert.equal(romeLocalToIso(`${day}T03:00`), `${day}T03:00:00+01:00`);
      assert.equal(utc(romeLocalToIso(`${day}T03:00`)), `${day}T02:00:00.000Z`);
    });
  });
}

test('a form value round-trips through the instant on ordinary days of both seasons', () => {
  for (const local of ['2026-01-15T20:30', '2026-07-01T09:05', '2027-12-31T23:59', '2026-03-28T02:30']) {
    assert.equal(isoToRomeLocal(romeLocalToIso(local)), local);
  }
});

test('the Italian day of an instant, and values that are not a time', () => {
  assert.equal(romeDay('2026-06-30T22:30:00Z'), '2026-07-01'); // already tomorrow in Rome
  assert.equal(romeDay('2026-12-31T22:59:00Z'), '2026-12-31');
  assert.equal(romeLocalToIso(''), null);
  assert.equal(romeLocalToIso('2026-02-30'), null);
  assert.equal(isoToRomeLocal(null), '');
});
