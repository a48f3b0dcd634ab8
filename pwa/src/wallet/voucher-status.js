// What a voucher's status means to the student, and the order vouchers are listed in.
// The server says `status` (active, frozen, spent, recovered) and `status_reason`
// (server/vouchers/schemas.py); an older server says only active or frozen.
import { html } from 'htm/preact';
import { formatDateTime, t } from '../i18n.js';
import { Money } from '../ui/components.js';

// Usable vouchers first: a student at the door looks at the top of the list.
const RANK = { active: 0, frozen: 1, spent: 2, recovered: 3 };

/** Vouchers to list: active first, then suspended, used up, moved; claim order within each. */
export function sortVouchers(vouchers) {
  return [...vouchers].sort((a, b) => (RANK[a.status] ?? 1) - (RANK[b.status] ?? 1) || a.id - b.id);
}

/** A voucher with nothing left to spend reads as used up even if the server still says active. */
export function effectiveStatus(voucher) {
  if (voucher.status === 'active' && voucher.balance_cents <= 0) return 'spent';
  return RANK[voucher.status] === undefined ? 'frozen' : voucher.status;
}

/** The short word on a card ('Sospeso'), null for an active voucher. */
export function statusLabel(voucher) {
  const status = effectiveStatus(voucher);
  return status === 'active' ? null : t(`wallet2.status_${status}`);
}

/** The sentences that say why and what happens next; [] for an active voucher. */
export function statusTexts(voucher) {
  switch (effectiveStatus(voucher)) {
    case 'frozen':
      if (voucher.status_reason === 'recovery_started') return [t('wallet2.frozen_recovery')];
      return [voucher.status_reason === 'overspend' || voucher.status_reason === 'offline_overspend'
        ? t('wallet2.frozen_overspend') : null, t('wallet2.frozen_text')].filter(Boolean);
    case 'recovered':
      return [voucher.status_reason === 'reissued' ? t('wallet2.recovered_reissued') : t('wallet2.recovered_text')];
    case 'spent':
      return [t('wallet2.spent_text')];
    default:
      return [];
  }
}

/**
 * The balance as the wallet knows it. Offline it is the balance at the last contact,
 * and says when: what this phone showed at a door since is unknown to it (the scanner
 * decides the price and tells the server, not the phone), so nothing is subtracted.
 */
export function Balance({ voucher, online, big = false }) {
  if (online) {
    return big ? html`<p class="balance-big"><span class="label">${t('wallet.balance')}</span> <${Money}
        cents=${voucher.balance_cents} /></p>` : html`<span class="balance"><${Money} cents=${voucher.balance_cents} /></span>`;
  }
  const asOf = voucher.synced_at ? t('wallet2.as_of', { when: formatDateTime(voucher.synced_at) }) : '';
  if (!big) {
    return html`<span class="balance balance-as-of"><${Money} cents=${voucher.balance_cents} />
      <span class="meta">${t('wallet2.balance_as_of')}${asOf ? `, ${asOf}` : ''}</span></span>`;
  }
  return html`<div class="balance-as-of">
    <p class="balance-big"><span class="label">${t('wallet2.balance_as_of')}</span> <${Money}
      cents=${voucher.balance_cents} /></p>
    ${asOf ? html`<p class="meta as-of">${asOf}</p>` : null}
    <p class="meta">${t('wallet2.offline_spending_note')}</p>
  </div>`;
}
