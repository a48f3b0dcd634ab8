// What the campaign's money did, for the sponsor: first one sentence and the months
// (impact-headline.js), then where the money went (categories, venues, areas), what
// students and venues say (impact-voices.js), the sponsor's own funds, and the ways to
// share it (impact-share.js). Every figure about students comes from the server already
// released: closed months, rounded, never about fewer than `min_cell` students
// (server/reports/README.md); a suppressed figure says "fewer than 5", never a zero.
import { html } from 'htm/preact';
import { formatMoney, t } from '../i18n.js';
import { categoryLabel, useCategories } from '../wallet/categories.js';
import { ErrorBox, Loading, Money } from '../ui/components.js';
import { BarChart } from './chart.js';
import { Cell, useResource } from './forms.js';
import { BackLink, OrgHeading, OrgTabs } from './layout.js';
import { ImpactHeadline, ImpactTrend } from './impact-headline.js';
import { ImpactShare } from './impact-share.js';
import { ImpactVoices } from './impact-voices.js';

const money = (cents) => formatMoney(cents);

function SpendTable({ caption, rows, nameOf, minCell }) {
  if (!rows?.length) return null;
  return html`<table class="report-table">
    <caption>${caption}</caption>
    <thead><tr><th scope="col">${t('impact.where')}</th><th scope="col" class="num">${t('impact.spend')}</th>
      <th scope="col" class="num">${t('impact.payments')}</th></tr></thead>
    <tbody>${rows.map((row) => html`<tr key=${nameOf(row)}>
      <th scope="row">${nameOf(row)}</th>
      ${row.suppressed
        ? html`<td colspan="2" class="suppressed">${t('org.suppressed', { count: minCell })}</td>`
        : html`<td class="num">${money(row.spend_cents)}</td><td class="num">${row.redemptions ?? '—'}</td>`}
    </tr>`)}</tbody>
  </table>`;
}

function Figure({ label, children }) {
  return html`<div><dt>${label}</dt><dd>${children}</dd></div>`;
}

function areaName(row) {
  const name = row.name || row.code || row.municipality_code;
  return row.level && row.level !== 'municipality' ? `${name} (${t(`impact.area_level_${row.level}`)})` : name;
}

function Breakdowns({ report, categories }) {
  const minCell = report.min_cell;
  const { spend } = report;
  const categoryName = (row) => {
    if (row.slug === 'altro') return row.label || t('impact.other_category');
    if (!row.slug) return t('impact.no_event');
    return categories.some((c) => c.slug === row.slug) ? categoryLabel(categories, row.slug) : row.label;
  };
  const chartRows = spend.by_category.map((row) => ({ key: row.slug || 'none', label: categoryName(row),
    value: row.spend_cents, suppressed: row.suppressed }));
  return html`<section class="impact-breakdowns" aria-labelledby="impact-breakdowns-title">
    <h2 id="impact-breakdowns-title">${t('impact.breakdowns')}</h2>
    <h3>${t('impact.by_category')}</h3>
    ${chartRows.length
      ? html`<figure class="chart-figure">
          <${BarChart} rows=${chartRows} format=${money} title=${t('impact.by_category')} minCell=${minCell} />
        </figure>`
      : html`<p class="meta">${t('impact.no_spend')}</p>`}
    <${SpendTable} caption=${t('impact.by_venue')} rows=${spend.by_venue} minCell=${minCell}
      nameOf=${(row) => (row.venue_id === null && !row.name ? t('impact.other_venues') : row.name)} />
    <${SpendTable} caption=${t('impact.by_area')} rows=${spend.by_area || spend.by_municipality} minCell=${minCell}
      nameOf=${areaName} />
  </section>`;
}

function Attendance({ report }) {
  const { attendance } = report;
  if (!attendance) return null;
  const minCell = report.min_cell;
  return html`<h2>${t('impact.attendance')}</h2>
    <dl class="figures">
      <${Figure} label=${t('impact.booked')}><${Cell} cell=${attendance.booked} minCell=${minCell} /></${Figure}>
      <${Figure} label=${t('impact.checked_in')}><${Cell} cell=${attendance.checked_in} minCell=${minCell} /></${Figure}>
      <${Figure} label=${t('impact.not_checked_in')}>
        <${Cell} cell=${attendance.not_checked_in} minCell=${minCell} /></${Figure}>
    </dl>`;
}

/** The sponsors' own money: theirs to see in full, never suppressed. */
function Funds({ funds }) {
  return html`<h2>${t('impact.funds')}</h2>
    <dl class="figures">
      <${Figure} label=${t('org.topped_up')}><${Money} cents=${funds.topped_up_cents} /></${Figure}>
      <${Figure} label=${t('org.allocated')}><${Money} cents=${funds.allocated_cents} /></${Figure}>
      <${Figure} label=${t('org.available')}><${Money} cents=${funds.available_cents} /></${Figure}>
      <${Figure} label=${t('org.risk_reserve')}><${Money} cents=${funds.risk_reserve_cents} /></${Figure}>
      <${Figure} label=${t('org.impact.vouchers_allocated')}>${funds.vouchers_allocated}</${Figure}>
    </dl>`;
}

export function ImpactReport({ me, sponsorId, report, categories }) {
  return html`<${ImpactHeadline} report=${report} />
    <${ImpactTrend} report=${report} />
    <${Breakdowns} report=${report} categories=${categories} />
    <${ImpactVoices} report=${report} campaignId=${report.campaign_id} />
    <${Attendance} report=${report} />
    <${Funds} funds=${report.funds} />
    <${ImpactShare} me=${me} sponsorId=${sponsorId} campaignId=${report.campaign_id} />`;
}

export function ImpactPage({ me, id, campaignId }) {
  const report = useResource(`/campaigns/${campaignId}/impact`);
  const categories = useCategories();
  const data = report.data;
  return html`<${OrgTabs} kind="sponsor" id=${id} me=${me} current=${`/o/sponsor/${id}`} />
  <section class="page impact-page">
    <${BackLink} href=${`/o/sponsor/${id}/campagne/${campaignId}`}>${data ? data.campaign_name
      : t('org.campaign')}</${BackLink}>
    <${OrgHeading} me=${me} id=${id} kind="sponsor" title=${t('impact.title')} />
    <${ErrorBox} error=${report.error} onRetry=${report.reload} />
    ${report.loading && !data ? html`<${Loading} />` : null}
    ${data ? html`<${ImpactReport} me=${me} sponsorId=${id} report=${data} categories=${categories} />` : null}
  </section>`;
}
