// The platform operator's desk (platform admins only): the platform overview,
// organisations waiting for approval, top-ups waiting for the money, and the
// scanners' flags (overspend, rule-breaking scanners, double check-ins: flag-card.js).
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { useActions } from '../action.js';
import { formatDateTime, t } from '../i18n.js';
import { ErrorBox, Link, Loading, Money, Notice } from '../ui/components.js';
import { FlagCard } from './flag-card.js';
import { IbanChangeCard } from './documents.js';
import { ConfirmAction, tOr, useResource } from './forms.js';
import { OrgTabs } from './layout.js';

export function AdminFrame({ me, current, title, children }) {
  if (!me.is_platform_admin) {
    return html`<section class="page"><h1>${t('org.admin.title')}</h1>
      <${Notice} kind="warning">${t('org.admin.only')}</${Notice}></section>`;
  }
  return html`<${OrgTabs} kind="admin" current=${current} />
    <section class="page admin-page">
      <header class="org-heading"><p class="org-kicker">${t('org.admin.title')}</p><h1>${title}</h1></header>
      ${children}
    </section>`;
}

/** Organisations by id, for naming the sponsor of a top-up or the venue of a flag. */
function useOrganisationNames() {
  const all = useResource('/admin/organisations');
  const names = {};
  for (const organisation of all.data || []) names[organisation.id] = organisation.name;
  return names;
}

export function AdminHome({ me }) {
  const overview = useResource(me.is_platform_admin ? '/admin/overview' : null);
  const data = overview.data;
  return html`<${AdminFrame} me=${me} current="/o/admin" title=${t('org.admin.overview_title')}>
    <${ErrorBox} error=${overview.error} onRetry=${overview.reload} />
    ${overview.loading && !data ? html`<${Loading} />` : null}
    ${data ? html`
      <ul class="cards">
        <li><${Link} href="/o/admin/organizzazioni" class="card admin-count">
          <span class="card-title">${t('org.admin.pending_organisations')}</span>
          <span class="balance" data-count="organisations">${data.pending.organisations}</span></${Link}></li>
        <li><${Link} href="/o/admin/ricariche" class="card admin-count">
          <span class="card-title">${t('org.admin.pending_topups')}</span>
          <span class="balance" data-count="topups">${data.pending.topups}</span></${Link}></li>
      </ul>
      <h2>${t('org.admin.books')}</h2>
      <p class=${data.ledger.books_balanced ? 'ok' : 'field-error'}>
        ${data.ledger.books_balanced ? t('org.admin.books_balanced') : t('org.admin.books_unbalanced')}</p>
      ${data.ledger.books_problems.length ? html`<ul>${data.ledger.books_problems.map((p) => html`<li>${p}</li>`)}</ul>`
        : null}
      <dl class="figures">
        <div><dt>${t('org.admin.bank')}</dt><dd><${Money} cents=${data.ledger.bank_cents} /></dd></div>
        <div><dt>${t('org.admin.venue_payable')}</dt><dd><${Money} cents=${data.ledger.venue_payable_cents} /></dd></div>
        <div><dt>${t('org.risk_reserve')}</dt><dd><${Money} cents=${data.ledger.risk_reserve_cents} /></dd></div>
        <div><dt>${t('org.admin.risk_below_zero')}</dt><dd>${data.ledger.risk_accounts_below_zero}
          ${data.ledger.risk_shortfall_cents ? html` · <${Money} cents=${data.ledger.risk_shortfall_cents} />` : null}</dd></div>
      </dl>
      <h3>${t('org.admin.balances_by_kind')}</h3>
      <dl class="figures">${Object.entries(data.ledger.balances_by_kind).map(([kind, cents]) => html`<div key=${kind}>
        <dt>${tOr(`org.admin.account_${kind}`, kind)}</dt>
        <dd><${Money} cents=${cents} /></dd></div>`)}</dl>` : null}
  </${AdminFrame}>`;
}

function PendingOrganisation({ organisation, onDecided }) {
  const decide = (approve) => async () => {
    await api(`/admin/organisations/${organisation.id}/decision`, { method: 'POST', csrf: true, body: { approve } });
    onDecided();
  };
  const ids = [
    organisation.vat_number && `${t('org.vat_number')}: ${organisation.vat_number}`,
    organisation.school_code && `${t('org.school_code')}: ${organisation.school_code}`,
    organisation.iban && `${t('org.iban')}: ${organisation.iban}`,
  ].filter(Boolean);
  return html`<li class="card pending-organisation" data-organisation=${organisation.id}>
    <span class="card-title">${organisation.name}</span>
    <span class="meta">${t(`org.kind_${organisation.kind}`)} · ${t('org.admin.municipality_code')}
      ${organisation.municipality_code}${organisation.address ? ` · ${organisation.address}` : ''}</span>
    ${ids.map((line) => html`<span class="meta mono">${line}</span>`)}
    ${organisation.categories?.length ? html`<span class="meta">${organisation.categories.join(', ')}</span>` : null}
    <div class="actions">
      <${ConfirmAction} label=${t('org.admin.approve')} confirmLabel=${t('org.admin.approve_yes')} name=${organisation.name}
        question=${t('org.admin.approve_question', { name: organisation.name })} onConfirm=${decide(true)} />
      <${ConfirmAction} label=${t('org.admin.reject')} confirmLabel=${t('org.admin.reject_yes')} kind="danger"
        name=${organisation.name} question=${t('org.admin.reject_question', { name: organisation.name })}
        onConfirm=${decide(false)} />
    </div>
  </li>`;
}

export function AdminOrganisations({ me }) {
  const pending = useResource(me.is_platform_admin ? '/admin/organisations?status=pending' : null);
  const ibans = useResource(me.is_platform_admin ? '/admin/organisations?iban_change_pending=true' : null);
  return html`<${AdminFrame} me=${me} current="/o/admin/organizzazioni" title=${t('org.admin.organisations_title')}>
    <${ErrorBox} error=${pending.error} onRetry=${pending.reload} />
    ${pending.loading && !pending.data ? html`<${Loading} />` : null}
    ${pending.data && !pending.data.length ? html`<p>${t('org.admin.no_pending_organisations')}</p>` : null}
    ${pending.data?.length ? html`<ul class="cards cards-single">${pending.data.map((o) => html`<${PendingOrganisation}
      key=${o.id} organisation=${o} onDecided=${pending.reload} />`)}</ul>` : null}
    <${ErrorBox} error=${ibans.error} onRetry=${ibans.reload} />
    ${ibans.data?.length ? html`<h2>${t('documents.iban.pending_title')}</h2>
      <ul class="cards cards-single">${ibans.data.map((o) => html`<${IbanChangeCard} key=${o.id} organisation=${o}
        onDecided=${ibans.reload} />`)}</ul>` : null}
  </${AdminFrame}>`;
}

export function AdminTopUps({ me }) {
  const topups = useResource(me.is_platform_admin ? '/admin/topups' : null);
  const names = useOrganisationNames();
  const [confirmed, setConfirmed] = useState(null);
  const actionFor = useActions();
  const confirm = (topup) => async () => {
    await actionFor(topup.id)(`/admin/topups/${topup.id}/confirm`, { method: 'POST', csrf: true });
    setConfirmed(topup);
    topups.reload();
  };
  return html`<${AdminFrame} me=${me} current="/o/admin/ricariche" title=${t('org.admin.topups_title')}>
    <p class="meta">${t('org.admin.topups_lead')}</p>
    ${confirmed ? html`<${Notice}>${t('org.admin.topup_confirmed', { reference: confirmed.reference })}</${Notice}>` : null}
    <${ErrorBox} error=${topups.error} onRetry=${topups.reload} />
    ${topups.loading && !topups.data ? html`<${Loading} />` : null}
    ${topups.data && !topups.data.length ? html`<p>${t('org.admin.no_pending_topups')}</p>` : null}
    ${topups.data?.length ? html`<ul class="cards cards-single">${topups.data.map((topup) => html`<li key=${topup.id}
        class="card pending-topup" data-topup=${topup.id} data-reference=${topup.reference}>
      <span class="card-title"><${Money} cents=${topup.amount_cents} /> · ${names[topup.sponsor_id] || ''}</span>
      <span class="meta mono">${topup.reference}</span>
      <span class="meta">${t('org.admin.campaign_n', { id: topup.campaign_id })} · ${formatDateTime(topup.created_at)}</span>
      <div class="actions">
        <${ConfirmAction} label=${t('org.admin.confirm_received')} confirmLabel=${t('org.admin.confirm_yes')}
          name=${topup.reference} question=${t('org.admin.confirm_question', { reference: topup.reference })}
          onConfirm=${confirm(topup)} />
      </div>
    </li>`)}</ul>` : null}
  </${AdminFrame}>`;
}

export function AdminFlags({ me }) {
  const flags = useResource(me.is_platform_admin ? '/admin/flags' : null);
  const names = useOrganisationNames();
  return html`<${AdminFrame} me=${me} current="/o/admin/segnalazioni" title=${t('org.admin.flags_title')}>
    <p class="meta">${t('org.admin.flags_lead')}</p>
    <${ErrorBox} error=${flags.error} onRetry=${flags.reload} />
    ${flags.loading && !flags.data ? html`<${Loading} />` : null}
    ${flags.data && !flags.data.length ? html`<p>${t('org.admin.no_flags')}</p>` : null}
    ${flags.data?.length ? html`<ul class="cards cards-single">${flags.data.map((flag) => html`<${FlagCard}
      key=${flag.record_id} flag=${flag} names=${names} />`)}</ul>` : null}
  </${AdminFrame}>`;
}
