// A top-up from the phone: the SEPA transfer details, each with a copy button (to
// paste into the banking app), and the EPC "GiroCode" QR that banking apps read.
// The page asks the server every few seconds while the transfer is pending, so the
// sponsor sees "confirmed" as soon as the operator has matched it on the statement.
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { formatDateTime, language, t } from '../i18n.js';
import { ErrorBox, Loading, Money } from '../ui/components.js';
import { euroText, useCopy } from './forms.js';
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
  }, [topupId]);
  return state;
}

export function TopUpPage({ me, id, topupId }) {
  const { topup, error } = useTopUp(topupId);
  if (!topup) {
    return html`<section class="page">${error ? html`<${ErrorBox} error=${error} />` : html`<${Loading} />`}</section>`;
  }
  const info = topup.instructions;
  const confirmed = topup.status === 'confirmed';
  return html`<${OrgTabs} kind="sponsor" id=${id} me=${me} current=${`/o/sponsor/${id}`} />
  <section class="page topup-page" data-status=${topup.status}>
    <${BackLink} href=${`/o/sponsor/${id}/campagne/${topup.campaign_id}`}>${t('org.topup.back')}</${BackLink}>
    <${OrgHeading} me=${me} id=${id} kind="sponsor" title=${t('org.topup.title')} />
    <p class="balance-big"><span class="label">${t('org.topup.amount')}</span><${Money} cents=${topup.amount_cents} /></p>
    <div class="topup-status" role="status" aria-live="polite">
      ${confirmed
        ? html`<p class="notice"><strong class="ok">${t('org.topup.status_confirmed')}</strong>
            ${topup.confirmed_at ? ` · ${formatDateTime(topup.confirmed_at)}` : ''}</p>`
        : html`<p class="notice notice-warning"><strong>${t('org.topup.status_pending')}</strong>
            <br />${t('org.topup.pending_text')}</p>`}
    </div>
    ${error && topup ? html`<p class="meta">${t('org.topup.poll_failed')}</p>` : null}
    ${confirmed ? null : html`
      <h2>${t('org.topup.qr_title')}</h2>
      <p>${t('org.topup.qr_text')}</p>
      <figure class="epc-qr">
        <img src=${info.qr_svg_url} width="240" height="240" alt=${t('org.topup.qr_alt')} />
        <figcaption><a href=${info.qr_png_url} download=${`bonifico-${topup.reference}.png`}>
          ${t('org.topup.qr_download')}</a></figcaption>
      </figure>
      <h2>${t('org.topup.sepa_title')}</h2>
      <p>${t('org.topup.sepa_text')}</p>`}
    <dl class="sepa">
      <${CopyRow} name="beneficiary" label=${t('org.topup.beneficiary')} value=${info.beneficiary_name} />
      <${CopyRow} name="iban" label=${t('org.topup.iban')} value=${info.iban.replace(/\s+/g, '')}
        shown=${grouped(info.iban)} />
      ${info.bic ? html`<${CopyRow} name="bic" label=${t('org.topup.bic')} value=${info.bic} />` : null}
      <${CopyRow} name="amount" label=${t('org.topup.amount')} value=${euroText(info.amount_cents, language())}
        shown=${html`<${Money} cents=${info.amount_cents} />`} />
      <${CopyRow} name="reference" label=${t('org.topup.reference')} value=${info.reference} />
    </dl>
    ${confirmed ? null : html`<p class="meta">${t('org.topup.reference_note')}</p>`}
  </section>`;
}
