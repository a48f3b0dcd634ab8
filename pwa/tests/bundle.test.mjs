// The scanner's bundle (pwa/src/scanner/bundle.js) and what decide() makes of its share
// of the offline allowance and of a retired scanner. Run: node --test pwa/tests/

import assert from 'node:assert/strict';
import { beforeEach, describe as suite, test } from 'node:test';

import {
  allowanceKey, allowanceLimitCents, decide, keepLearntRevocations, mergeSyncRevocations, prepareBundle,
} from '../src/scanner/decide.js';
import { presentCredential } from '../src/tokens/index.js';
import { EVENT, NOW, bundle, issue, newDevice, voucherFields } from './helpers/issuer.mjs';

let wallet;
let voucher; // {token, text}: allowance 15,00 €, event price 12,00 €

beforeEach(async () => {
  wallet = await newDevice();
  voucher = await issue(voucherFields(wallet.point));
});

const show = (now = NOW) => presentCredential(voucher.text, wallet.privateKey, { now });
const atDoor = async (options = {}) => decide({
  text: await show(options.now), bundle: bundle(), now: NOW, eventId: EVENT, ...options,
});

suite("this scanner's share of the offline allowance", () => {
  test('the limit is the share of the allowance, rounded down', () => {
    assert.equal(allowanceLimitCents(1500, 10_000), 1500);
    assert.equal(allowanceLimitCents(1500, 5000), 750);
    assert.equal(allowanceLimitCents(1000, 3333), 333);
    assert.equal(allowanceLimitCents(1, 5000), 0);
    assert.equal(allowanceLimitCents(0xffffffff, 10_000), 0xffffffff);
    assert.equal(allowanceLimitCents(1500), 1500);
  });

  test('three scanners of a venue together never pass one allowance', () => {
    for (const allowance of [1, 99, 1500, 0xffffffff]) {
      const shares = [3333, 3333, 3334];
      const together = shares.reduce((sum, share) => sum + allowanceLimitCents(allowance, share), 0);
      assert.ok(together <= allowance, `${allowance}`);
    }
  });

  test('a bundle without a share (an older server) gives the whole allowance', () => {
    assert.equal(prepareBundle(bundle()).allowanceShareBp, 10_000);
    const half = prepareBundle(bundle({ allowance_share_bp: 5000, slot: 1, slots: 2 }));
    assert.equal(half.allowanceShareBp, 5000);
    assert.deepEqual([half.slot, half.slots], [1, 2]);
  });

  test('a share the scanner cannot read makes the bundle unusable, not a guess', () => {
    for (const share of [0, -1, 10_001, 50.5, '5000', null]) {
      const prepared = prepareBundle(bundle({ allowance_share_bp: share }));
      if (share === null) assert.equal(prepared.allowanceShareBp, 10_000); // as if absent
      else assert.equal(prepared, null, `${share}`);
    }
  });

  test('with half the allowance, 12,00 € on a 15,00 € voucher is over this scanner\'s 7,50 €', async () => {
    const half = bundle({ allowance_share_bp: 5000, slot: 1, slots: 2 });
    const refused = await atDoor({ bundle: half });
    assert.equal(refused.code, 'allowance_exceeded');
    assert.equal(refused.limitCents, 750);
    assert.equal(refused.remainingCents, 750);
    assert.equal(refused.messageIt, 'Supera il limite offline di 7,50 € su questo scanner');
    assert.equal(refused.messageEn, 'Over the offline limit of €7.50 on this scanner');
    assert.equal(refused.record.result, 'allowance_exceeded');

    const exact = await atDoor({ bundle: half, amountCents: 750 });
    assert.equal(exact.code, 'accepted');
    assert.equal(exact.remainingCents, 0);
    const spent = { [allowanceKey(voucher.token)]: 500 };
    const more = await atDoor({ bundle: half, amountCents: 300, spentOnThisScanner: spent });
    assert.equal(more.code, 'allowance_exceeded');
    assert.equal(more.messageIt, 'Supera il limite offline di 7,50 € su questo scanner (già spesi 5,00 € qui)');
    assert.equal((await atDoor({ bundle: half, amountCents: 250, spentOnThisScanner: spent })).code, 'accepted');
  });
});

suite('a retired scanner', () => {
  test('refuses every scan, valid or not, once it knows', async () => {
    for (const text of [await show(), 'not a code']) {
      const verdict = await decide({ text, bundle: bundle(), now: NOW, eventId: EVENT, retired: true });
      assert.equal(verdict.code, 'scanner_retired');
      assert.equal(verdict.accepted, false);
      assert.equal(verdict.check, 'scanner');
      assert.match(verdict.messageIt, /^Scanner disattivato: .*Non far entrare/);
      assert.match(verdict.messageEn, /^Scanner retired: /);
      assert.equal(verdict.record.result, 'scanner_retired'); // recorded like every refusal
      assert.equal(verdict.record.scannerId, 7);
    }
  });

  test('a bundle that says so is the same', async () => {
    assert.equal((await atDoor({ bundle: bundle({ status: 'retired' }) })).code, 'scanner_retired');
    assert.equal((await atDoor({ bundle: bundle({ status: 'active' }) })).code, 'accepted');
  });

  test('before the data age, after the data presence', async () => {
    const old = bundle({ generated_at: new Date((NOW - 10 * 86_400) * 1000).toISOString() });
    assert.equal((await atDoor({ bundle: old, retired: true })).code, 'scanner_retired');
    const missing = await atDoor({ bundle: null, retired: true });
    assert.equal(missing.code, 'scanner_data_stale');
  });
});

suite('revocations learnt from a sync answer', () => {
  const stored = () => bundle({
    revocations: { entries: [{ kind: 'ticket', value: '1' }], since: 40, more: false, full: true },
  });

  test('are merged at once; the cursor moves; the data age stays', async () => {
    const before = stored();
    const merged = mergeSyncRevocations(before, {
      entries: [{ kind: 'voucher', value: '70001' }], since: 45, more: false, full: false,
    }, 40);
    assert.deepEqual(merged.revocations, {
      entries: [{ kind: 'ticket', value: '1' }, { kind: 'voucher', value: '70001' }],
      since: 45, more: false, full: true,
    });
    assert.equal(merged.generated_at, before.generated_at);
    assert.equal(before.revocations.entries.length, 1); // pure
    assert.equal((await atDoor({ bundle: before })).code, 'accepted');
    assert.equal((await atDoor({ bundle: merged })).code, 'revoked');
  });

  test('with more to come, what came is kept and the list still counts as complete', () => {
    const merged = mergeSyncRevocations(stored(), {
      entries: [{ kind: 'voucher', value: '70001' }], since: 5040, more: true, full: false,
    }, 40);
    assert.equal(merged.revocations.since, 5040);
    assert.equal(merged.revocations.more, false); // as stored: decisions go on; a download follows
    assert.equal(prepareBundle(merged).revoked.voucherIds.has(70001), true);
  });

  test('nothing new, no answer, or an answer for an older cursor', () => {
    const before = stored();
    assert.equal(mergeSyncRevocations(before, { entries: [], since: 40, more: false }, 40), before);
    assert.equal(mergeSyncRevocations(before, null, 40), before);
    assert.equal(mergeSyncRevocations(before, undefined, 40), before);
    assert.equal(mergeSyncRevocations(null, { entries: [] }, 0), null);
    // Sent with cursor 60 while the stored list (replaced meanwhile) stops at 40: the
    // entries are kept, the cursor stays, so ids 41-60 still come with the next download.
    const gap = mergeSyncRevocations(before, { entries: [{ kind: 'voucher', value: '9' }], since: 70 }, 60);
    assert.equal(gap.revocations.since, 40);
    assert.equal(gap.revocations.entries.length, 2);
  });

  test('the same entry twice is kept once', () => {
    const merged = mergeSyncRevocations(stored(), { entries: [{ kind: 'ticket', value: '1' }], since: 41 }, 40);
    assert.deepEqual(merged.revocations.entries, [{ kind: 'ticket', value: '1' }]);
    assert.equal(merged.revocations.since, 41);
  });

  test('a bundle download saved after the sync keeps what the sync taught', () => {
    const learnt = mergeSyncRevocations(stored(), { entries: [{ kind: 'voucher', value: '70001' }], since: 45 }, 40);
    // The download started before the sync answer and knows only up to 42.
    const downloaded = bundle({
      generated_at: new Date(NOW * 1000).toISOString(),
      revocations: { entries: [{ kind: 'ticket', value: '1' }, { kind: 'device_key', value: 'ab' }], since: 42,
                     more: false, full: true },
    });
    const saved = keepLearntRevocations(downloaded, learnt);
    assert.equal(saved.generated_at, downloaded.generated_at);
    assert.equal(saved.revocations.since, 45);
    assert.deepEqual(saved.revocations.entries.map((e) => e.value), ['1', 'ab', '70001']);
    // Another scanner's stored bundle teaches nothing; nothing new gives the download itself.
    assert.equal(keepLearntRevocations(downloaded, { ...learnt, scanner_id: 8 }), downloaded);
    assert.equal(keepLearntRevocations(downloaded, downloaded), downloaded);
    assert.equal(keepLearntRevocations(downloaded, null), downloaded);
  });
});
