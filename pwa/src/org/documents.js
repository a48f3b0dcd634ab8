// Documents to keep: a venue's payouts with their statements (PDF, CSV) and a
// sponsor's receipts (PDF). Files are fetched with the session like every API call,
// so a refusal (logged out, 403, 409) is shown as an error on the page instead of
// being saved as a file that is not the document.
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { ApiError, api } from '../api.js';
import { formatDate, formatDateTime, t } from '../i18n.js';
import { Button, ErrorBox, Loading, Money } from '../ui/components.js';
import { ConfirmAction, useResource } from './forms.js';
import { OrgHeading, OrgTabs } from './layout.js';

/** GET `url` (same origin, the session cookie) and save the answer as `filename`. */
export async function downloadFile(url, filename) {
  let response;
  try {
    response = await fetch(url, { credentials: 'same-origin', headers: { Accept: '*/*' } });
  } catch {
    throw new ApiError({ status: 0, code: 'offline' });
  }
  if (!response.ok) {
    const problem = await response.json().catch(() => null);
    throw new ApiError({ status: response.status, code: problem?.code || `http_${response.status}`,
                         params: problem?.params || {} });
  }
  const blob = await response.blob();
  const href = URL.createObjectURL(blob);
  const anchor = document.createElement('a');
  anchor.href = href;
  anchor.download = filename;
  anchor.hidden = true;
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
  // The browser has the file once the click is handled; the URL may go.
  setTimeout(() => URL.revokeObjectURL(href), 60_000);
}

/** A button that downloads one file, with its own busy state and error. */
export function DownloadButton({ url, filename, label, name, kind = 'secondary' }) {
  const [state, setState] = useState({ busy: false, error: null });
  async function go() {
    setState({ busy: true, error: null });
    try {
      await downloadFile(url, filename);
      setState({ busy: false, error: null });
    } catch (error) {
      setState({ busy: false, error });
    }
  }
  return html`<span class="download">
    <${Button} kind=${kind} busy=${state.busy} onClick=${go} aria-label=${name ? `${label}: ${name}` : undefined}
      data-download=${filename}>${label}</${Button}>
    <${ErrorBox} error=${state.error} />
  </span>`;
}

function PayoutRow({ payout }) {
  const base = `/api/v1/payouts/${payout.id}/statement`;
  const name = payout.statement_number;
  const day = payout.booked_on || payout.paid_at;
  return html`<li class="card payout-card" data-payout=${payout.id} data-status=${payout.status}>
    <span class="card-title"><${Money} cents=${payout.amount_cents} />
      <span class=${`pill pill-${payout.status}`}>${t(`documents.payout_status_${payout.status}`)}</span></span>
    <span class="meta">${t('documents.statement_n', { number: name })}
      ${day ? ` · ${t('documents.paid_on', { date: formatDate(day) })}` : ''}
      ${` · ${t('documents.lines_n', { count: payout.line_count })}`}</span>
    <span class="meta mono">${t('documents.transfer_reference')}: ${payout.end_to_end_id}</span>
    <div class="actions">
      <${DownloadButton} url=${`${base}.pdf`} filename=${`estratto-${name}.pdf`} name=${name}
        label=${t('documents.download_pdf')} />
      <${DownloadButton} url=${`${base}.csv`} filename=${`estratto-${name}.csv`} name=${name}
        label=${t('documents.download_csv')} />
    </div>
  </li>`;
}

/** /o/venue/:id/pagamenti — what the venue was paid, run by run. */
export function VenuePayouts({ me, id }) {
  const payouts = useResource(`/venues/${id}/payouts`);
  return html`<${OrgTabs} kind="venue" id=${id} me=${me} current=${`/o/venue/${id}/pagamenti`} />
  <section class="page payouts-page">
    <${OrgHeading} me=${me} id=${id} kind="venue" title=${t('documents.payouts_title')} />
    <p class="meta">${t('documents.payouts_lead')}</p>
    <${ErrorBox} error=${payouts.error} onRetry=${payouts.reload} />
    ${payouts.loading && !payouts.data ? html`<${Loading} />` : null}
    ${payouts.data && !payouts.data.length ? html`<p>${t('documents.no_payouts')}</p>` : null}
    ${payouts.data?.length ? html`<ul class="cards cards-single">${payouts.data.map((p) => html`<${PayoutRow}
      key=${p.id} payout=${p} />`)}</ul>` : null}
  </section>`;
}

/** /o/sponsor/:id/ricevute — a receipt per confirmed top-up. */
export function SponsorReceipts({ me, id }) {
  const receipts = useResource(`/sponsors/${id}/receipts`);
  return html`<${OrgTabs} kind="sponsor" id=${id} me=${me} current=${`/o/sponsor/${id}/ricevute`} />
  <section class="page receipts-page">
    <${OrgHeading} me=${me} id=${id} kind="sponsor" title=${t('documents.receipts_title')} />
    <p class="meta">${t('documents.receipts_lead')}</p>
    <${ErrorBox} error=${receipts.error} onRetry=${receipts.reload} />
    ${receipts.loading && !receipts.data ? html`<${Loading} />` : null}
    ${receipts.data && !receipts.data.length ? html`<p>${t('documents.no_receipts')}</p>` : null}
    ${receipts.data?.length ? html`<ul class="cards cards-single">${receipts.data.map((r) => html`<li key=${r.id}
        class="card receipt-card" data-receipt=${r.number}>
      <span class="card-title">${t('documents.receipt_n', { number: r.number })} · <${Money} cents=${r.amount_cents} /></span>
      <span class="meta">${formatDateTime(r.issued_at)} · ${r.campaign_name}</span>
      <span class="meta mono">${r.reference}</span>
      <div class="actions">
        <${DownloadButton} url=${r.pdf_url} filename=${`ricevuta-${r.number.replace('/', '-')}.pdf`}
          name=${r.number} label=${t('documents.download_pdf')} />
      </div>
    </li>`)}</ul>` : null}
  </section>`;
}

/** The operator's card for one venue's pending IBAN change (the admin organisations page). */
export function IbanChangeCard({ organisation, onDecided }) {
  const decide = (approve) => async () => {
    await api(`/admin/organisations/${organisation.id}/iban-decision`, { method: 'POST', csrf: true,
                                                                           body: { approve } });
    onDecided();
  };
  const name = organisation.name;
  return html`<li class="card iban-change" data-organisation=${organisation.id}>
    <span class="card-title">${name}</span>
    <dl class="facts">
      <dt>${t('documents.iban.current')}</dt><dd class="mono">${organisation.iban || '—'}</dd>
      <dt>${t('documents.iban.requested')}</dt><dd class="mono">${organisation.iban_pending}</dd>
    </dl>
    ${organisation.iban_requested_at ? html`<span class="meta">${t('documents.iban.requested_at',
      { date: formatDateTime(organisation.iban_requested_at) })}</span>` : null}
    <div class="actions">
      <${ConfirmAction} label=${t('documents.iban.approve')} confirmLabel=${t('documents.iban.approve_yes')} name=${name}
        question=${t('documents.iban.approve_question', { name })} onConfirm=${decide(true)} />
      <${ConfirmAction} label=${t('documents.iban.refuse')} confirmLabel=${t('documents.iban.refuse_yes')} kind="danger"
        name=${name} question=${t('documents.iban.refuse_question', { name })} onConfirm=${decide(false)} />
    </div>
  </li>`;
}
