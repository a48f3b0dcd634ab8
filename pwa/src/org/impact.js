// What the campaign's money did: funds, students reached, spend by category (chart),
// by venue and by municipality, attendance and ratings. Figures about fewer than
// `min_cell` students come back suppressed (null) and say so (server/reports/README.md).
import { html } from 'htm/preact';
import { formatMoney, language, t } from '../i18n.js';
import { categoryLabel, useCategories } from '../wallet/categories.js';
import { ErrorBox, Loading, Money } from '../ui/components.js';
import { BarChart } from './chart.js';
import { Cell, useResource } from './forms.js';
import { BackLink, OrgHeading, OrgTabs } from './layout.js';

const money = (cents) => formatMoney(cents);

function SpendTable({ caption, rows, nameOf, minCell }) {
  if (!rows.length) return null;
  return html`<table class="report-table">
    <caption>${caption}</caption>
    <thead><tr><th scope="col">${t('org.impact.where')}</th><th scope="col" class="num">${t('org.impact.spend')}</th>
      <th scope="col" class="num">${t('org.impact.payments')}</th></tr></thead>
    <tbody>${rows.map((row) => html`<tr key=${nameOf(row)}>
      <th scope="row">${nameOf(row)}</th>
      ${row.suppressed
        ? html`<td colspan="2" class="suppressed">${t('org.suppressed', { count: minCell })}</td>`
        : html`<td class="num">${money(row.spend_cents)}</td><td class="num">${row.redemptions}</td>`}
    </tr>`)}</tbody>
  </table>`;
}

function Figure({ label, children }) {
  return html`<div><dt>${label}</dt><dd>${children}</dd></div>`;
}

export function ImpactReport({ report, categories }) {
  const minCell = report.min_cell;
  const { funds, spend, attendance, ratings } = report;
  const categoryName = (row) => {
    if (!row.slug) return t('org.impact.no_event');
    return categories.some((c) => c.slug === row.slug) ? categoryLabel(categories, row.slug) : row.label;
  };
  const chartRows = spend.by_category.map((row) => ({ key: row.slug || 'none', label: categoryName(row),
    value: row.spend_cents, suppressed: row.suppressed }));
  return html`<p class="notice">${t('org.impact.privacy', { count: minCell })}</p>
    <h2>${t('org.impact.funds')}</h2>
    <dl class="figures">
      <${Figure} label=${t('org.topped_up')}><${Money} cents=${funds.topped_up_cents} /></${Figure}>
      <${Figure} label=${t('org.allocated')}><${Money} cents=${funds.allocated_cents} /></${Figure}>
      <${Figure} label=${t('org.available')}><${Money} cents=${funds.available_cents} /></${Figure}>
      <${Figure} label=${t('org.risk_reserve')}><${Money} cents=${funds.risk_reserve_cents} /></${Figure}>
      <${Figure} label=${t('org.impact.vouchers_allocated')}>${funds.vouchers_allocated}</${Figure}>
    </dl>
    <h2>${t('org.impact.reach')}</h2>
    <dl class="figures">
      <${Figure} label=${t('org.impact.students_reached')}>
        <${Cell} cell=${report.students_reached} minCell=${minCell} /></${Figure}>
      <${Figure} label=${t('org.impact.spend_total')}>
        <${Cell} cell=${spend.total} value=${spend.total.spend_cents} format=${money} minCell=${minCell} /></${Figure}>
      <${Figure} label=${t('org.impact.payments')}>
        <${Cell} cell=${spend.total} value=${spend.total.redemptions} minCell=${minCell} /></${Figure}>
    </dl>
    <h2>${t('org.impact.by_category')}</h2>
    ${chartRows.length
      ? html`<figure class="chart-figure">
          <${BarChart} rows=${chartRows} format=${money} title=${t('org.impact.by_category')} minCell=${minCell} />
        </figure>`
      : html`<p class="meta">${t('org.impact.no_spend')}</p>`}
    <${SpendTable} caption=${t('org.impact.by_venue')} rows=${spend.by_venue} nameOf=${(row) => row.name}
      minCell=${minCell} />
    <${SpendTable} caption=${t('org.impact.by_municipality')} rows=${spend.by_municipality}
      nameOf=${(row) => row.name || row.municipality_code} minCell=${minCell} />
    <h2>${t('org.impact.attendance')}</h2>
    <dl class="figures">
      <${Figure} label=${t('org.impact.booked')}><${Cell} cell=${attendance.booked} minCell=${minCell} /></${Figure}>
      <${Figure} label=${t('org.impact.checked_in')}><${Cell} cell=${attendance.checked_in} minCell=${minCell} /></${Figure}>
      <${Figure} label=${t('org.impact.not_checked_in')}>
        <${Cell} cell=${attendance.not_checked_in} minCell=${minCell} /></${Figure}>
      <${Figure} label=${t('org.impact.ratings')}><${Cell} cell=${ratings} minCell=${minCell} /></${Figure}>
      ${!ratings.suppressed && ratings.average_stars !== null ? html`<${Figure} label=${t('org.impact.average_stars')}>
        ${new Intl.NumberFormat(language() === 'it' ? 'it-IT' : 'en-GB', { maximumFractionDigits: 1 })
          .format(ratings.average_stars)} / 5</${Figure}>` : null}
    </dl>`;
}

export function ImpactPage({ me, id, campaignId }) {
  const report = useResource(`/campaigns/${campaignId}/impact`);
  const categories = useCategories();
  const data = report.data;
  return html`<${OrgTabs} kind="sponsor" id=${id} me=${me} current=${`/o/sponsor/${id}`} />
  <section class="page impact-page">
    <${BackLink} href=${`/o/sponsor/${id}/campagne/${campaignId}`}>${data ? data.campaign_name
      : t('org.campaign')}</${BackLink}>
    <${OrgHeading} me=${me} id=${id} kind="sponsor" title=${t('org.impact.title')} />
    ${data ? html`<p class="lead">${data.campaign_name}</p>` : null}
    <${ErrorBox} error=${report.error} onRetry=${report.reload} />
    ${report.loading && !data ? html`<${Loading} />` : null}
    ${data ? html`<${ImpactReport} report=${data} categories=${categories} />` : null}
  </section>`;
}
