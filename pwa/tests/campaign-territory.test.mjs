// A campaign's territory at the door, offline (decide.js, bundle.js campaignsNotHere): the
// bundle lists the campaigns whose territory leaves this venue's municipality out, and
// the scanner refuses their vouchers, as the server would reject them at sync
// (server/door/rules.py outside_campaign_area). Run: node --test pwa/tests/

import assert from 'node:assert/strict';
import { describe as suite, test } from 'node:test';

import { prepareBundle } from '../src/scanner/decide.js';
import { campaignsNotHere } from '../src/scanner/bundle.js';
import { atDoor, studentPhone } from './helpers/door.mjs';
import { EVENT, bundle } from './helpers/issuer.mjs';

const CAMPAIGN = 12; // voucherFields' campaign

const phone = studentPhone();
const { show } = phone;

suite("a campaign's territory", () => {
  test('a voucher of a campaign not for this municipality is refused in plain words, and recorded', async () => {
    const notHere = bundle({ campaigns_not_here: [3, CAMPAIGN] });
    const verdict = await atDoor(await show(phone.voucherText), { bundle: notHere });
    assert.equal(verdict.accepted, false);
    assert.equal(verdict.code, 'out_of_scope'); // the record's result: no new byte in the format
    assert.equal(verdict.reason, 'outside_campaign_area');
    assert.equal(verdict.check, 'scope');
    assert.equal(verdict.messageIt,
      'Questo buono non vale in questo comune: lo sponsor lo ha dato per un altro territorio');
    assert.match(verdict.messageEn, /not valid in this municipality/);
    assert.equal(verdict.record.result, 'out_of_scope');
    assert.equal(verdict.replayKey, null, 'nothing to remember: no money was taken');
  });

  test('with no event (a typed price) the same list counts', async () => {
    const verdict = await atDoor(await show(phone.voucherText), {
      eventId: 0, amountCents: 500, bundle: bundle({ venue_categories: [0], campaigns_not_here: [CAMPAIGN] }),
    });
    assert.equal(verdict.reason, 'outside_campaign_area');
  });

  test('other campaigns kept out, an empty list, or a bundle from before territories: accepted', async () => {
    for (const notHere of [[11, 13], [], undefined, 'garbage']) {
      const verdict = await atDoor(await show(phone.voucherText), { bundle: bundle({ campaigns_not_here: notHere }) });
      assert.equal(verdict.code, 'accepted', `campaigns_not_here ${JSON.stringify(notHere)}`);
    }
  });

  test('an event listed in another municipality brings its own list', async () => {
    const data = bundle({ campaigns_not_here: [] });
    const elsewhere = (event) => (event.id === EVENT ? { ...event, campaigns_not_here: [CAMPAIGN] } : event);
    data.events = data.events.map(elsewhere);
    const atThatEvent = await atDoor(await show(phone.voucherText), { bundle: data });
    assert.equal(atThatEvent.reason, 'outside_campaign_area');
    const atAnother = await atDoor(await show(phone.voucherText), { bundle: data, eventId: EVENT + 1 });
    assert.equal(atAnother.code, 'accepted');
    // And the other way round: an event elsewhere whose list leaves the campaign in.
    const moved = bundle({ campaigns_not_here: [CAMPAIGN] });
    moved.events = moved.events.map((event) => (event.id === EVENT ? { ...event, campaigns_not_here: [] } : event));
    assert.equal((await atDoor(await show(phone.voucherText), { bundle: moved })).code, 'accepted');
    assert.equal(campaignsNotHere(prepareBundle(moved), undefined).has(CAMPAIGN), true);
  });

  test('a ticket is not judged again: its booking was', async () => {
    const verdict = await atDoor(await show(phone.ticketText), { bundle: bundle({ campaigns_not_here: [CAMPAIGN] }) });
    assert.equal(verdict.code, 'accepted');
  });

  test('a frozen voucher says it is frozen, whatever its territory (the token checks come first)', async () => {
    const verdict = await atDoor(await show(phone.voucherText), {
      bundle: bundle({
        campaigns_not_here: [CAMPAIGN],
        revocations: { entries: [{ kind: 'voucher', value: '70001' }], since: 1, more: false, full: true },
      }),
    });
    assert.equal(verdict.code, 'revoked');
  });
});
