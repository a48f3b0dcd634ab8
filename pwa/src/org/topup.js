// A top-up from the phone. The sponsor is usually on the very phone that would have to
// scan the EPC "GiroCode" QR, so the page leads with the SEPA details, each with a copy
// button (to paste into the banking app), and keeps the QR folded away for a second
// device. It asks the server every few seconds while the transfer is pending, so the
// sponsor sees "confirmed" (and the receipt) as soon as the money is matched; from then
// on, or once the sponsor cancels an abandoned top-up, it no longer offers to pay.
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { useAction } from '../action.js';
import { formatDateTime, language, locale, t } from '../i18n.js';
import { ErrorBox, Loading, Money } from '../ui/components.js';
import { DownloadButton } from './documents.js';
import { ConfirmAction, euroText, useCopy } from './forms.js';
import { BackLink, OrgHeading, OrgTabs } from './layout.js';

const POLL_MS = 4000;

function CopyRow({ label, shown, value, name }) {
  const { state, copy } = useCopy();
  return html`<div class="sepa-row" data-field=${name}>
    <dt>${label}</dt>
    <dd>
      <span class="sepa-value">${shown ?? value}</span>
      <button type="button" class="btn btn-secondary btn-copy" onClick=${() => copy(value)}
        aria-label=${t('org.topup.copy_label', { label })}>${t('org.topup.copy')}</button>
      <span class="copy-state" role="status">${state === 'copied' ? t('org.topup.copied')
        : state === 'failed' ? t('org.topup.copy_failed') : ''}</span>
    </dd>
  </div>`;
}

/** "IT60X0542811101000000123456" → groups of four, as printed on bank statements. */
const grouped = (iban) => iban.replace(/\s+/g, '').replace(/(.{4})/g, '$1 ').trim();

function useTopUp(topupId) {
  const [state, setState] = useState({ topup: null, error: null });
  const [round, setRound] = useState(0);
  useEffect(() => {
    let live = true;
    let timer = null;
    const load = async () => {
      clearTimeout(timer);
      try {
        const topup = await api(`/topups/${topupId}`);
        if (!live) return;
        setState({ topup, error: null });
        if (topup.status === 'pending') timer = setTimeout(poll, POLL_MS);
      } catch (error) {
        if (!live) return;
        setState((previous) => ({ ...previous, error }));
        timer = setTimeout(poll, POLL_MS * 2); // offline for a moment: keep trying, more slowly
      }
    };
    // A phone in a pocket asks nothing; it asks again when the page is looked at.
    const poll = () => {
      if (document.visibilityState === 'visible') load();
      else timer = setTimeout(poll, POLL_MS);
    };
    const onVisible = () => document.visibilityState === 'visible' && load();
    document.addEventListener('visibilitychange', onVisible);
    load();
    return () => {
      live = false;
      clearTimeout(timer);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [topupId, round]);
  return { ...state, reload: () => setRound((n) => n + 1) };
}

const percent = (bps) => new Intl.NumberFormat(locale(), { style: 'percent', maximumFractionDigits: 2 })
  .format(bps / 10_000);

/** Amount, the part the risk reserve takes, and what reaches the campaign. */
function ReserveSplit({ topup }) {
  return html`<section class="reserve-split" aria-labelledby="reserve-title">
    <h2 id="reserve-title">${t('documents.topup.reserve_title')}</h2>
    <dl class="figures">
      <div><dt>${t('documents.topup.reserve_amount')}</dt><dd><${Money} cents=${topup.amount_cents} /></dd></div>
      <div><dt>${t('documents.topup.reserve_taken', { percent: percent(topup.risk_reserve_bps) })}</dt>
        <dd data-figure="reserve"><${Money} cents=${topup.reserve_cents} /></dd></div>
      <div><dt>${t('documents.topup.reserve_campaign')}</dt>
        <dd data-figure="campaign"><${Money} cents=${topup.campaign_cents} /></dd></div>
    </dl>
    <p class="meta">${t('documents.topup.reserve_text')}</p>
  </section>`;
}

function PayDetails({ topup }) {
  const info = topup.instructions;
  return html`<h2>${t('documents.topup.copy_title')}</h2>
    <p>${t('documents.topup.copy_text')}</p>
    <dl class="sepa">
      <${CopyRow} name="beneficiary" label=${t('org.topup.beneficiary')} value=${info.beneficiary_name} />
      <${CopyRow} name="iban" label=${t('org.topup.iban')} value=${info.iban.replace(/\s+/g, '')}
        shown=${grouped(info.iban)} />
      ${info.bic ? html`<${CopyRow} name="bic" label=${t('org.topup.bic')} value=${info.bic} />` : null}
      <${CopyRow} name="amount" label=${t('org.topup.amount')} value=${euroText(info.amount_cents, language())}
        shown=${html`<${Money} cents=${info.amount_cents} />`} />
      <${CopyRow} name="reference" label=${t('org.topup.reference')} value=${info.reference} />
    </dl>
    <p class="meta">${t('org.topup.reference_note')}</p>
    <details class="other-device">
      <summary>${t('documents.topup.other_device')}</summary>
      <p>${t('documents.topup.other_device_text')}</p>
      <figure class="epc-qr">
        <img src=${info.qr_svg_url} width="240" height="240" alt=${t('org.topup.qr_alt')} />
        <figcaption><a href=${info.qr_png_url} download=${`bonifico-${topup.reference}.png`}>
          ${t('org.topup.qr_download')}</a></figcaption>
      </figure>
    </details>`;
}

function StatusNotice({ topup }) {
  if (topup.status === 'confirmed') {
    return html`<p class="notice"><strong class="ok">${t('org.topup.status_confirmed')}</strong>
      ${topup.confirmed_at ? ` · ${formatDateTime(topup.confirmed_at)}` : ''}</p>`;
  }
  if (topup.status === 'cancelled') {
    return html`<p class="notice notice-warning"><strong>${t('documents.topup.status_cancelled')}</strong></p>`;
  }
  return html`<p class="notice notice-warning"><strong>${t('org.topup.status_pending')}</strong>
    <br />${t('org.topup.pending_text')}</p>`;
}

export function TopUpPage({ me, id, topupId }) {
  const { topup, error, reload } = useTopUp(topupId);
  const act = useAction();
  if (!topup) {
    return html`<section class="page">${error ? html`<${ErrorBox} error=${error} onRetry=${reload} />` : html`<${Loading} />`}</section>`;
  }
  const pending = topup.status === 'pending';
  const cancel = async () => {
    await act(`/topups/${topup.id}/cancel`, { method: 'POST', csrf: true });
    reload();
  };
  return html`<${OrgTabs} kind="sponsor" id=${id} me=${me} current=${`/o/sponsor/${id}`} />
  <section class="page topup-page" data-status=${topup.status}>
    <${BackLink} href=${`/o/sponsor/${id}/campagne/${topup.campaign_id}`}>${t('org.topup.back')}</${BackLink}>
    <${OrgHeading} me=${me} id=${id} kind="sponsor" title=${t('org.topup.title')} />
    <p class="balance-big"><span class="label">${t('org.topup.amount')}</span><${Money} cents=${topup.amount_cents} /></p>
    <div class="topup-status" role="status" aria-live="polite"><${StatusNotice} topup=${topup} /></div>
    ${error ? html`<p class="meta">${t('org.topup.poll_failed')}</p>` : null}
    ${topup.receipt_pdf_url ? html`<p><${DownloadButton} kind="primary" url=${topup.receipt_pdf_url}
      filename=${`ricevuta-${topup.reference}.pdf`} label=${t('documents.topup.receipt')} /></p>` : null}
    ${pending ? html`<${PayDetails} topup=${topup} />` : html`<p class="meta mono">${t('org.topup.reference')}:
      ${topup.reference}</p>`}
    <${ReserveSplit} topup=${topup} />
    ${pending ? html`<div class="actions topup-cancel">
      <${ConfirmAction} kind="danger" label=${t('documents.topup.cancel')} confirmLabel=${t('documents.topup.cancel_yes')}
        question=${t('documents.topup.cancel_question')} onConfirm=${cancel} />
    </div>` : null}
  </section>`;
}
