// Keeps the wallet's copies fresh: vouchers (balance, status) with a new credential
// each, and bookings with their ticket credentials. Runs at start and whenever the
// phone comes back online; pages re-read IndexedDB when it reports a change.
import { isOnline, onConnectivityChange } from '../online.js';
import { getDevice, listTickets, saveTickets, saveVouchers } from '../store.js';
import { walletApi } from './device.js';

const listeners = new Set();
let running = null;
let lastError = null;

/** Call `listener()` after every refresh that changed the stored wallet. Returns unsubscribe. */
export function onWalletChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function walletChanged() {
  for (const listener of listeners) listener();
}

export function lastSyncError() {
  return lastError;
}

/** Store a voucher as the claim or refresh endpoint returns it (with its credential). */
export async function keepVoucher(voucher) {
  await saveVouchers([voucher]);
  walletChanged();
}

export async function keepTicket(booking) {
  await saveTickets([booking]);
  walletChanged();
}

async function refreshVouchers() {
  const vouchers = await walletApi('/wallet/vouchers');
  await saveVouchers(vouchers);
  for (const voucher of vouchers) {
    if (voucher.status !== 'active') continue;
    try {
      await saveVouchers([await walletApi(`/wallet/vouchers/${voucher.id}/credential`, { method: 'POST' })]);
    } catch (error) {
      if (error.code === 'offline') throw error;
      // One voucher refused (e.g. frozen meanwhile): the others still refresh.
    }
  }
}

async function refreshTickets() {
  const bookings = await walletApi('/wallet/bookings');
  const stored = new Map((await listTickets()).map((ticket) => [ticket.id, ticket]));
  await saveTickets(bookings.map((booking) => ({
    ...booking, ticket: booking.status === 'confirmed' ? stored.get(booking.id)?.ticket ?? null : null })));
  const now = Date.now();
  for (const booking of bookings) {
    if (booking.status !== 'confirmed' || new Date(booking.starts_at).getTime() < now - 24 * 3600 * 1000) continue;
    if (stored.get(booking.id)?.ticket && booking.checked_in_at) continue;
    try {
      await saveTickets([await walletApi(`/wallet/bookings/${booking.id}/ticket`, { method: 'POST' })]);
    } catch (error) {
      if (error.code === 'offline') throw error;
    }
  }
}

/** Refresh everything now (one run at a time). Does nothing for a phone with no wallet yet. */
export function refreshWallet() {
  if (running) return running;
  running = (async () => {
    const device = await getDevice();
    if (!device?.token || !isOnline()) return false;
    try {
      await refreshVouchers();
      await refreshTickets();
      lastError = null;
      return true;
    } catch (error) {
      lastError = error;
      return false;
    } finally {
      walletChanged();
    }
  })().finally(() => {
    running = null;
  });
  return running;
}

export function startWalletSync() {
  refreshWallet();
  onConnectivityChange((online) => {
    if (online) refreshWallet();
  });
}
