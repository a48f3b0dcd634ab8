// Sponsors: their campaigns, a new campaign, and one campaign's page (funds, top-ups
// from the phone, vouchers allocated to a school, the way to the impact report).
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { useAction } from '../action.js';
import { formatDate, formatDateTime, formatMoney, locale, t } from '../i18n.js';
import { navigate } from '../router.js';
import { categoryLabel, useCategories } from '../wallet/categories.js';
import { Button, ErrorBox, Field, Link, Loading, Money, Notice } from '../ui/components.js';
import { Choices, SelectField, TextArea, parseCount, parseEuro, useForm, useResource } from './forms.js';
import { BackLink, OrgHeading, OrgTabs } from './layout.js';
import { romeDay } from '../rome-time.js';

const slugsOf = (categories, codes) => categories.filter((c) => codes.includes(c.code)).map((c) => c.slug);

function CampaignCard({ sponsorId, campaign, categories }) {
  const labels = slugsOf(categories, campaign.category_codes).map((slug) => categoryLabel(categories, slug));
  return html`<li>
    <${Link} href=${`/o/sponsor/${sponsorId}/campagne/${campaign.id}`} class="card campaign-card"
      data-campaign=${campaign.id}>
      <span class="card-title">${campaign.name}</span>
      <span class="meta">${`${formatDate(campaign.valid_from)} – ${formatDate(campaign.valid_until)} · `}${
        t(`org.campaign_status_${campaign.status}`)}</span>
      <span class="meta">${`${t('org.face_value')}: `}<${Money} cents=${campaign.face_value_cents} />${
        labels.length ? ` · ${labels.join(', ')}` : ''}</span>
      <dl class="figures">
        <div><dt>${t('org.available')}</dt><dd><${Money} cents=${campaign.available_cents} /></dd></div>
        <div><dt>${t('org.risk_reserve')}</dt><dd><${Money} cents=${campaign.risk_reserve_cents} /></dd></div>
      </dl>
    </${Link}>
  </li>`;
}

export function SponsorPage({ me, id }) {
  const campaigns = useResource(`/sponsors/${id}/campaigns`);
  const categories = useCategories();
  return html`<${OrgTabs} kind="sponsor" id=${id} me=${me} current=${`/o/sponsor/${id}`} />
  <section class="page">
    <${OrgHeading} me=${me} id=${id} kind="sponsor" title=${t('org.campaigns_title')} />
    <p><${Link} href=${`/o/sponsor/${id}/nuova-campagna`} class="btn btn-primary">${t('org.new_campaign')}</${Link}></p>
    <${ErrorBox} error=${campaigns.error} onRetry=${campaigns.reload} />
    ${campaigns.loading ? html`<${Loading} />` : null}
    ${campaigns.data && !campaigns.data.length ? html`<p>${t('org.no_campaigns')}</p>` : null}
    ${campaigns.data?.length ? html`<ul class="cards">${campaigns.data.map((c) => html`<${CampaignCard} key=${c.id}
      sponsorId=${id} campaign=${c} categories=${categories} />`)}</ul>` : null}
  </section>`;
}

const isoDay = (date) => romeDay(date); // YYYY-MM-DD, the Italian calendar day (rome-time.js)
const CAMPAIGN_DAYS = 150; // about what is left of a school year: a default, changed at will

export function NewCampaign({ me, id }) {
  const categories = useCategories();
  const today = new Date();
  const form = useForm({
    name: '', description: '', face_value_cents: '', offline_allowance_cents: '', categories: [],
    valid_from: isoDay(today), valid_until: isoDay(new Date(today.getTime() + CAMPAIGN_DAYS * 86_400_000)),
    territory: '',
  });
  const { values, set, errors } = form;
  const act = useAction();
  const check = (v) => {
    const found = {};
    if (v.name.trim().length < 2) found.name = t('org.error_required');
    if (parseEuro(v.face_value_cents) === null) found.face_value_cents = t('org.error_amount');
    if (parseEuro(v.offline_allowance_cents) === null) found.offline_allowance_cents = t('org.error_amount');
    if (!v.categories.length) found.categories = t('org.error_categories');
    if (!v.valid_from) found.valid_from = t('org.error_required');
    if (!v.valid_until) found.valid_until = t('org.error_required');
    return found;
  };
  const send = async (v) => {
    const territory = v.territory.split(/[,;\n]/).map((s) => s.trim()).filter(Boolean);
    const campaign = await act('/campaigns', { method: 'POST', csrf: true, body: {
      sponsor_id: Number(id), name: v.name.trim(), description: v.description.trim() || undefined,
      face_value_cents: parseEuro(v.face_value_cents), offline_allowance_cents: parseEuro(v.offline_allowance_cents),
      categories: v.categories, territory, valid_from: v.valid_from, valid_until: v.valid_until,
    } });
    navigate(`/o/sponsor/${id}/campagne/${campaign.id}`, { replace: true });
  };
  return html`<section class="page narrow">
    <${BackLink} href=${`/o/sponsor/${id}`}>${t('org.campaigns_title')}</${BackLink}>
    <${OrgHeading} me=${me} id=${id} kind="sponsor" title=${t('org.new_campaign')} />
    <form class="form" onSubmit=${form.submit(check, send)} novalidate>
      <${Field} label=${t('org.campaign_name')} required value=${values.name} onInput=${set('name')}
        error=${errors.name} />
      <${TextArea} label=${t('org.description')} value=${values.description} onInput=${set('description')}
        error=${errors.description} />
      <div class="field-row">
        <${Field} label=${t('org.face_value_eur')} required inputmode="decimal" value=${values.face_value_cents}
          onInput=${set('face_value_cents')} error=${errors.face_value_cents} hint=${t('org.face_value_hint')} />
        <${Field} label=${t('org.offline_allowance_eur')} required inputmode="decimal"
          value=${values.offline_allowance_cents} onInput=${set('offline_allowance_cents')}
          error=${errors.offline_allowance_cents} hint=${t('org.offline_allowance_hint')} />
      </div>
      <${Choices} legend=${t('org.categories')} multiple value=${values.categories} onInput=${set('categories')}
        error=${errors.categories}
        options=${categories.map((c) => ({ value: c.slug, label: categoryLabel(categories, c.slug) }))} />
      <div class="field-row">
        <${Field} label=${t('org.valid_from')} type="date" required value=${values.valid_from}
          onInput=${set('valid_from')} error=${errors.valid_from} />
        <${Field} label=${t('org.valid_until')} type="date" required value=${values.valid_until}
          onInput=${set('valid_until')} error=${errors.valid_until} />
      </div>
      <${Field} label=${t('org.territory')} value=${values.territory} onInput=${set('territory')}
        error=${errors.territory} hint=${t('org.territory_hint')} />
      <${ErrorBox} error=${form.error} />
      <${Button} type="submit" busy=${form.busy}>${t('org.create_campaign')}</${Button}>
    </form>
  </section>`;
}

function Funds({ campaign, funds }) {
  return html`<dl class="figures figures-big">
    ${funds ? html`<div><dt>${t('org.topped_up')}</dt><dd><${Money} cents=${funds.topped_up_cents} /></dd></div>
      <div><dt>${t('org.allocated')}</dt><dd><${Money} cents=${funds.allocated_cents} />
        <span class="meta figure-note">${t('org.vouchers_n', { count: funds.vouchers_allocated })}</span></dd></div>` : null}
    <div><dt>${t('org.available')}</dt><dd class="figure-available"><${Money} cents=${campaign.available_cents} /></dd></div>
    <div><dt>${t('org.risk_reserve')}</dt><dd><${Money} cents=${campaign.risk_reserve_cents} /></dd></div>
  </dl>`;
}

function TopUpForm({ sponsorId, campaignId }) {
  const form = useForm({ amount_cents: '' });
  const act = useAction();
  const check = (v) => (parseEuro(v.amount_cents) === null ? { amount_cents: t('org.error_amount') } : {});
  const send = async (v) => {
    const topup = await act(`/campaigns/${campaignId}/topups`, { method: 'POST', csrf: true,
      body: { amount_cents: parseEuro(v.amount_cents) } });
    navigate(`/o/sponsor/${sponsorId}/ricariche/${topup.id}`);
  };
  return html`<form class="form topup-form" onSubmit=${form.submit(check, send)} novalidate>
    <${Field} label=${t('org.topup_amount')} inputmode="decimal" required value=${form.values.amount_cents}
      onInput=${form.set('amount_cents')} error=${form.errors.amount_cents} hint=${t('org.topup_hint')} />
    <${ErrorBox} error=${form.error} />
    <${Button} type="submit" busy=${form.busy}>${t('org.topup_submit')}</${Button}>
  </form>`;
}

function TopUps({ sponsorId, topups }) {
  if (!topups.length) return html`<p class="meta">${t('org.no_topups')}</p>`;
  return html`<ul class="rows">${topups.slice().reverse().map((topup) => html`<li key=${topup.id}>
    <${Link} href=${`/o/sponsor/${sponsorId}/ricariche/${topup.id}`}><${Money} cents=${topup.amount_cents} /></${Link}>
    <span class=${`pill pill-${topup.status}`}>${t(`org.topup_status_${topup.status}`)}</span>
    <span class="meta">${topup.reference} · ${formatDateTime(topup.created_at)}</span>
  </li>`)}</ul>`;
}

function AllocateForm({ campaign, onDone }) {
  const schools = useResource('/directory/schools');
  const form = useForm({ school_id: '', voucher_count: '' });
  const act = useAction();
  const [done, setDone] = useState(null);
  const count = parseCount(form.values.voucher_count);
  const check = (v) => {
    const found = {};
    if (!v.school_id) found.school_id = t('org.error_school');
    if (parseCount(v.voucher_count) === null) found.voucher_count = t('org.error_count');
    return found;
  };
  const send = async (v) => {
    const allocation = await act(`/campaigns/${campaign.id}/allocations`, { method: 'POST', csrf: true,
      body: { school_id: Number(v.school_id), voucher_count: parseCount(v.voucher_count) } });
    const school = schools.data.find((s) => s.id === allocation.school_id);
    setDone({ count: allocation.voucher_count, school: school?.name || '' });
    form.setValues({ school_id: v.school_id, voucher_count: '' });
    onDone();
  };
  const options = [{ value: '', label: t('org.choose_school') },
    ...(schools.data || []).map((s) => ({ value: String(s.id), label: `${s.name} (${s.municipality})` }))];
  return html`<form class="form allocate-form" onSubmit=${form.submit(check, send)} novalidate>
    <${ErrorBox} error=${schools.error} onRetry=${schools.reload} />
    <${SelectField} label=${t('org.school')} value=${form.values.school_id} onInput=${form.set('school_id')}
      options=${options} error=${form.errors.school_id} />
    <${Field} label=${t('org.voucher_count')} inputmode="numeric" required value=${form.values.voucher_count}
      onInput=${form.set('voucher_count')} error=${form.errors.voucher_count}
      hint=${count ? t('org.allocation_cost', { amount: formatMoney(count * campaign.face_value_cents) })
        : t('org.allocation_hint', { amount: formatMoney(campaign.face_value_cents) })} />
    <${ErrorBox} error=${form.error} />
    ${done ? html`<${Notice}>${t('org.allocated_notice', done)}</${Notice}>` : null}
    <${Button} type="submit" busy=${form.busy}>${t('org.allocate_submit')}</${Button}>
  </form>`;
}

export function CampaignPage({ me, id, campaignId }) {
  const campaign = useResource(`/campaigns/${campaignId}`);
  const impact = useResource(`/campaigns/${campaignId}/impact`);
  const topups = useResource(`/campaigns/${campaignId}/topups`);
  const categories = useCategories();
  const c = campaign.data;
  const refresh = () => {
    campaign.reload();
    impact.reload();
  };
  return html`<${OrgTabs} kind="sponsor" id=${id} me=${me} current=${`/o/sponsor/${id}`} />
  <section class="page campaign-page">
    <${BackLink} href=${`/o/sponsor/${id}`}>${t('org.campaigns_title')}</${BackLink}>
    <${OrgHeading} me=${me} id=${id} kind="sponsor" title=${c ? c.name : t('org.campaign')} />
    <${ErrorBox} error=${campaign.error} onRetry=${campaign.reload} />
    ${!c && campaign.loading ? html`<${Loading} />` : null}
    ${c ? html`
      <dl class="facts campaign-facts">
        <dt>${t('org.period')}</dt>
        <dd>${formatDate(c.valid_from)} – ${formatDate(c.valid_until)} (${t(`org.campaign_status_${c.status}`)})</dd>
        <dt>${t('org.face_value')}</dt><dd><${Money} cents=${c.face_value_cents} /></dd>
        <dt>${t('org.offline_allowance')}</dt><dd><${Money} cents=${c.offline_allowance_cents} /></dd>
        <dt>${t('org.categories_short')}</dt>
        <dd>${slugsOf(categories, c.category_codes).map((s) => categoryLabel(categories, s)).join(', ')}</dd>
        ${c.territory.length ? html`<dt>${t('org.territory_short')}</dt>
          <dd>${(c.areas || []).map((area) => area.name).join(', ')}</dd>` : null}
      </dl>
      <${Funds} campaign=${c} funds=${impact.data?.funds} />
      <p><${Link} href=${`/o/sponsor/${id}/campagne/${c.id}/impatto`} class="btn btn-secondary">
        ${t('org.impact_link')}</${Link}></p>

      <h2>${t('org.topup_title')}</h2>
      <p class="meta">${t('org.topup_lead')}</p>
      <p class="meta reserve-note">${t('documents.campaign.reserve_note', { percent: new Intl.NumberFormat(
        locale(), { style: 'percent', maximumFractionDigits: 2 }).format(c.risk_reserve_bps / 10_000) })}</p>
      <${TopUpForm} sponsorId=${id} campaignId=${c.id} />
      <h3>${t('org.topups_title')}</h3>
      <${ErrorBox} error=${topups.error} onRetry=${topups.reload} />
      ${topups.data ? html`<${TopUps} sponsorId=${id} topups=${topups.data} />` : null}

      <h2>${t('org.allocate_title')}</h2>
      <p class="meta">${t('org.allocate_lead')}</p>
      <${AllocateForm} campaign=${c} onDone=${refresh} />
    ` : null}
  </section>`;
}
