// Hooks over the wallet's IndexedDB copies: pages read these, sync.js writes them.
import { useEffect, useState } from 'preact/hooks';
import { getDevice, listTickets, listVouchers } from '../store.js';
import { onWalletChange } from './sync.js';

/** {vouchers, tickets, device, loaded}, re-read after every wallet change. */
export function useWallet() {
  const [data, setData] = useState({ vouchers: [], tickets: [], device: null, loaded: false });
  useEffect(() => {
    let live = true;
    const load = async () => {
      const [vouchers, tickets, device] = await Promise.all([listVouchers(), listTickets(), getDevice()]);
      if (live) setData({ vouchers, tickets, device, loaded: true });
    };
    load();
    const unsubscribe = onWalletChange(load);
    return () => {
      live = false;
      unsubscribe();
    };
  }, []);
  return data;
}

/** A voucher can pay for an event: active, enough balance, the event's category allowed. */
export function canPay(voucher, event) {
  return voucher.status === 'active' && voucher.balance_cents >= event.price_cents
    && (!event.category || (voucher.categories || []).includes(event.category));
}

/** A request id for a booking: made once per attempt, so a retry after a timeout books nothing new. */
export function newRequestId() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
