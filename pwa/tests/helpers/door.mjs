// What the door's decision tests (decide.test.mjs, campaign-territory.test.mjs) start from:
// a student's phone holding a voucher and a ticket issued to it, made anew before each
// test, and a decision at the theatre's door for its event, now.

import { beforeEach } from 'node:test';

import { decide } from '../../src/scanner/decide.js';
import { presentCredential } from '../../src/tokens/index.js';
import { EVENT, NOW, bundle, issue, newDevice, ticketFields, voucherFields } from './issuer.mjs';

/**
 * A student's phone for each test of the calling file (its own beforeEach): `wallet` (the
 * device key), `voucherText` and `ticketText` (credentials bound to it), and
 * `show(credential, now, device)`, what the wallet presents at the door.
 */
export function studentPhone() {
  const phone = {
    wallet: null,
    voucherText: null,
    ticketText: null,
    show: (credential, now = NOW, device = phone.wallet) => presentCredential(credential, device.privateKey, { now }),
  };
  beforeEach(async () => {
    phone.wallet = await newDevice();
    phone.voucherText = (await issue(voucherFields(phone.wallet.point))).text;
    phone.ticketText = (await issue(ticketFields(phone.wallet.point))).text;
  });
  return phone;
}

/** A decision at the theatre's door for its event, now, with a fresh bundle unless told otherwise. */
export const atDoor = (text, options = {}) => decide({ text, bundle: bundle(), now: NOW, eventId: EVENT, ...options });
