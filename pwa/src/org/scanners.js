// The venue's scanner phones (on its report page, for owners and members): when each
// last downloaded its offline data and last synced, and a way to retire a phone that
// was lost or replaced. A retired phone's earlier scans still sync and are paid; what
// it dates later is not, and it gets no new data (server/scanners/api.py: retire).
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { formatDateTime, t } from '../i18n.js';
import { ErrorBox, Loading, Notice } from '../ui/components.js';
import { ConfirmAction, useResource } from './forms.js';

const when = (iso) => (iso ? formatDateTime(iso) : t('org.scanners.never'));

function ScannerRow({ venueId, scanner, onRetired }) {
  const retire = async () => {
    await api(`/venues/${venueId}/scanners/${scanner.id}/retire`, { method: 'POST', csrf: true });
    onRetired(scanner);
  };
  const retired = scanner.status === 'retired';
  return html`<li class="card scanner-device" data-scanner=${scanner.id} data-status=${scanner.status}>
    <span class="card-title">${scanner.label}</span>
    <span class="meta">${t('org.scanners.enrolled', { when: formatDateTime(scanner.created_at) })}</span>
    ${retired ? html`<span class="meta status-frozen">${t('org.scanners.retired_at', { when: when(scanner.retired_at) })}</span>`
      : html`<span class="meta">${t('org.scanners.last_data', { when: when(scanner.last_bootstrap_at) })} ·
          ${t('org.scanners.last_sync', { when: when(scanner.last_sync_at) })}</span>
        <div class="actions"><${ConfirmAction} kind="danger" label=${t('org.scanners.retire')} name=${scanner.label}
          confirmLabel=${t('org.scanners.retire_yes')} question=${t('org.scanners.retire_question')}
          onConfirm=${retire} /></div>`}
  </li>`;
}

export function VenueScanners({ id }) {
  const scanners = useResource(`/venues/${id}/scanners`);
  const [retired, setRetired] = useState(null);
  const onRetired = (scanner) => {
    setRetired(scanner.label);
    scanners.reload();
  };
  return html`<section class="venue-scanners" aria-labelledby="venue-scanners-title">
    <h2 id="venue-scanners-title">${t('org.scanners.title')}</h2>
    ${retired ? html`<${Notice}>${t('org.scanners.retired', { label: retired })}</${Notice}>` : null}
    <${ErrorBox} error=${scanners.error} onRetry=${scanners.reload} />
    ${scanners.loading && !scanners.data ? html`<${Loading} />` : null}
    ${scanners.data && !scanners.data.length ? html`<p class="meta">${t('org.scanners.none')}</p>` : null}
    ${scanners.data?.length ? html`<ul class="cards cards-single">${scanners.data.map((scanner) => html`<${ScannerRow}
      key=${scanner.id} venueId=${id} scanner=${scanner} onRetired=${onRetired} />`)}</ul>` : null}
  </section>`;
}
