// formatRomeRange (an event's span without the day said twice) and romeWeekend (the
// catalogue's "this weekend"), in Italian time whatever the machine's zone.
// Run: node --test pwa/tests/
import assert from 'node:assert/strict';
import { suite, test } from 'node:test';

import { addDays, formatRomeRange, romeWeekend } from '../src/rome-time.js';

suite('formatRomeRange', () => {
  test('the same day says the date once', () => {
    assert.equal(formatRomeRange('2026-12-02T19:30:00Z', '2026-12-02T21:45:00Z'), '2 dic 2026, 20:30–22:45');
    assert.equal(formatRomeRange('2026-12-02T19:30:00Z', '2026-12-02T21:45:00Z', 'en-GB'), '2 Dec 2026, 20:30–22:45');
  });
  test('the day is Italy’s: 23:30 UTC on the 2nd is already the 3rd', () => {
    assert.equal(formatRomeRange('2026-12-02T23:30:00Z', '2026-12-03T01:00:00Z'), '3 dic 2026, 00:30–02:00');
  });
  test('different days say both dates, with a spaced dash', () => {
    assert.equal(formatRomeRange('2026-12-02T19:30:00Z', '2026-12-03T00:15:00Z'),
      '2 dic 2026, 20:30 – 3 dic 2026, 01:15');
    assert.equal(formatRomeRange('2026-06-01T07:00:00Z', '2026-09-30T16:00:00Z'),
      '1 giu 2026, 09:00 – 30 set 2026, 18:00');
  });
  test('summer time is +02:00', () => {
    assert.equal(formatRomeRange('2026-07-10T18:00:00Z', '2026-07-10T20:00:00Z'), '10 lug 2026, 20:00–22:00');
  });
  test('across the autumn clock change the day is still one', () => {
    // 25 Oct 2026: 00:30 CEST (+02:00) to 04:00 CET (+01:00).
    assert.equal(formatRomeRange('2026-10-24T22:30:00Z', '2026-10-25T03:00:00Z'), '25 ott 2026, 00:30–04:00');
  });
  test('without an end, only the start', () => {
    assert.equal(formatRomeRange('2026-12-02T19:30:00Z', null), '2 dic 2026, 20:30');
  });
});

suite('romeWeekend', () => {
  test('on a Wednesday it is the coming Friday evening to Sunday', () => {
    assert.deepEqual(romeWeekend(Date.parse('2026-12-02T10:00:00Z')), {
      from: '2026-12-04', to: '2026-12-06', starts: '2026-12-04T18:00:00+01:00', ends: '2026-12-07T00:00:00+01:00' });
  });
  test('on Friday it is this one, also in the morning', () => {
    assert.equal(romeWeekend(Date.parse('2026-12-04T08:00:00Z')).from, '2026-12-04');
  });
  test('on Saturday and Sunday it is the one under way', () => {
    assert.equal(romeWeekend(Date.parse('2026-12-05T12:00:00Z')).from, '2026-12-04');
    assert.equal(romeWeekend(Date.parse('2026-12-06T22:30:00Z')).to, '2026-12-06');
  });
  test('Sunday late evening in Italy, already Monday? No: 23:30 Rome is Sunday', () => {
    assert.equal(romeWeekend(Date.parse('2026-12-06T22:30:00Z')).from, '2026-12-04');
  });
  test('Monday just after midnight in Italy (still Sunday in UTC) is the next weekend', () => {
    assert.equal(romeWeekend(Date.parse('2026-12-06T23:30:00Z')).from, '2026-12-11');
  });
  test('the weekend of the spring clock change ends at Monday midnight summer time', () => {
    assert.deepEqual(romeWeekend(Date.parse('2027-03-25T12:00:00Z')), {
      from: '2027-03-26', to: '2027-03-28', starts: '2027-03-26T18:00:00+01:00', ends: '2027-03-29T00:00:00+02:00' });
  });
  test('addDays crosses months and years', () => {
    assert.equal(addDays('2026-12-31', 1), '2027-01-01');
    assert.equal(addDays('2027-03-01', -1), '2027-02-28');
  });
});
