// The local log: this phone's recent decisions, newest first, each marked sent or
// still waiting in the outbox. Read from IndexedDB, so it works offline.
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { formatDateTime, formatMoney, language, t } from '../i18n.js';
import { outboxRecords, scanLog } from '../store.js';
import { Button, Link, Loading } from '../ui/components.js';
import { syncStatus } from './outbox.js';
import { onScannerSync } from './sync.js';

const SHOWN = 100;

/** Why the server would not pay a record, from its code; null for a code it added later. */
export function rejectionReason(code) {
  if (!code) return null;
  const key = `scanner.rejected_${code}`;
  const reason = t(key);
  return reason === key ? null : reason;
}

function deliveryState(state, entry) {
  if (state.waiting.has(entry.recordId)) return t('scanner.log_pending');
  if (state.rejected.has(entry.recordId)) {
    const reason = rejectionReason(state.rejected.get(entry.recordId));
    return html`<strong class="sc-log-rejected" data-rejected=${state.rejected.get(entry.recordId) || ''}>${
      reason ? t('scanner.log_rejected_because', { reason }) : t('scanner.log_rejected')}</strong>`;
  }
  return t('scanner.log_sent');
}

export function LogView({ enrolment, onForget }) {
  const [state, setState] = useState(null);

  async function load() {
    const [entries, waiting, status] = await Promise.all([scanLog({ limit: SHOWN }), outboxRecords(), syncStatus()]);
    setState({ entries, waiting: new Set(waiting.map((record) => record.recordId)),
               rejected: new Map(status.rejected.map((record) => [record.recordId, record.code])) });
  }

  useEffect(() => {
    load();
    return onScannerSync(() => load());
  }, []);

  function forget() {
    if (window.confirm(t('scanner.forget_confirm'))) onForget();
  }

  return html`<section class="sc-page">
    <p><${Link} href="/s">← ${t('scanner.back')}</${Link}></p>
    <h1>${t('scanner.log_title')}</h1>
    ${state === null ? html`<${Loading} />` : state.entries.length === 0
      ? html`<p class="placeholder">${t('scanner.log_empty')}</p>`
      : html`<ol class="sc-log">
        ${state.entries.map((entry) => html`<li key=${entry.id} data-accepted=${entry.accepted ? 'true' : 'false'}
            data-code=${entry.code}>
          <span class="sc-log-mark" aria-hidden="true">${entry.accepted ? '✓' : '✕'}</span>
          <span>${language() === 'en' ? entry.messageEn : entry.messageIt}</span>
          <span>${entry.accepted && entry.amountCents ? formatMoney(entry.amountCents) : ''}</span>
          <span class="sc-log-state">
            <span class="sc-log-time">${formatDateTime(entry.at)}</span>
            ${' · '}${deliveryState(state, entry)}
            ${entry.source === 'manual' ? ` · ${t('scanner.log_manual')}` : ''}
          </span>
        </li>`)}
      </ol>`}
    ${enrolment ? html`<h2>${t('scanner.device_title')}</h2>
      <p class="meta">${t('scanner.device_id', { id: enrolment.scannerId, venue: enrolment.venueName })}</p>
      <${Button} kind="secondary" onClick=${forget}>${t('scanner.forget')}</${Button}>` : null}
  </section>`;
}
