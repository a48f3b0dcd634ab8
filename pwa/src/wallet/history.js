// What the vouchers did: claims, bookings, refunds, payments at the door. A payment the
// voucher could not cover in full (spent offline beyond its balance) says what the
// sponsor's reserve paid: otherwise +20 −14 −14 = 0 does not add up for the student.
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { formatDateTime, formatMoney, t } from '../i18n.js';
import { ErrorBox, Loading, Money } from '../ui/components.js';
import { walletApi } from './device.js';

const SPENDING = new Set(['redemption', 'booking']);

export function HistoryPage() {
  const [state, setState] = useState({ entries: null, error: null });
  async function load() {
    setState({ entries: null, error: null });
    try {
      const { entries } = await walletApi('/wallet/history');
      setState({ entries, error: null });
    } catch (error) {
      setState({ entries: [], error });
    }
  }
  useEffect(() => {
    load();
  }, []);
  if (!state.entries) return html`<${Loading} />`;
  return html`<section class="page">
    <h1>${t('history.title')}</h1>
    <${ErrorBox} error=${state.error} onRetry=${load} />
    ${!state.error && !state.entries.length ? html`<p>${t('history.empty')}</p>` : null}
    <ol class="history">
      ${state.entries.map((entry, i) => html`<li key=${i} class=${`history-${entry.kind}`}>
        <span class="history-what">${t(`history.kind_${entry.kind}`)}${entry.event_title || entry.venue_name
          ? ` · ${entry.event_title || entry.venue_name}` : ''}</span>
        <span class="history-amount">${SPENDING.has(entry.kind) ? '−' : '+'}<${Money} cents=${Math.abs(entry.amount_cents)} /></span>
        ${entry.covered_by_reserve_cents > 0 ? html`<span class="history-reserve">
          ${t('wallet2.reserve_covered', { amount: formatMoney(entry.covered_by_reserve_cents) })}</span>` : null}
        <span class="meta">${formatDateTime(entry.at)}</span>
      </li>`)}
    </ol>
    ${state.entries.some((entry) => entry.covered_by_reserve_cents > 0)
      ? html`<p class="meta reserve-note">${t('wallet2.reserve_note')}</p>` : null}
  </section>`;
}
