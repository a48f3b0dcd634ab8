// The top of the sponsor's impact page: one sentence a sponsor can repeat, the date the
// figures stand at, the method in a line, and the months as a chart. Every student
// figure here was released by the server (closed months, rounded, never under
// min_cell: server/reports/README.md); the page shows what came and invents nothing,
// so before the first release it says why there is nothing yet.
import { html } from 'htm/preact';
import { formatDate, formatMoney, locale, t } from '../i18n.js';
import { TrendChart, periodShortLabel } from './chart.js';

const number = (n) => new Intl.NumberFormat(locale()).format(n);
// Released amounts are rounded to 10 EUR: cents would claim a precision they lost.
const wholeEuro = (cents) => new Intl.NumberFormat(locale(), { style: 'currency', currency: 'EUR',
  maximumFractionDigits: 0 }).format(cents / 100);
// Plural forms show {count} as digits; the sentence shows it as the locale writes it (12.340).
const counted = (key, n) => t(key, { count: n }).replace(String(n), number(n));

/** Whether the report carries released figures about students. A headline may be
 * partly hidden (`suppressed` with some figures null): what it has is still said. */
export function released(report) {
  const students = report.headline?.students_reached;
  return Boolean(report.as_of && students !== null && students !== undefined);
}

function HeadlineSentence({ report }) {
  const minCell = report.min_cell;
  if (!released(report)) {
    const text = report.as_of ? t('impact.headline_small') : t('impact.headline_waiting', { count: minCell });
    return html`<p class="impact-sentence impact-waiting">${text}</p>`;
  }
  const h = report.headline;
  const visits = h.visits === null || h.visits === undefined ? t('impact.visits_some') : counted('impact.visits_n', h.visits);
  const venues = h.venues === null || h.venues === undefined ? t('impact.venues_some') : counted('impact.venues_n', h.venues);
  return html`<p class="impact-sentence">${t('impact.headline', {
    students: counted('impact.students_n', h.students_reached), visits, venues })}</p>
    ${h.spend_cents ? html`<p class="impact-spend">${t('impact.spend_line', { amount: wholeEuro(h.spend_cents) })}</p>`
      : null}`;
}

/** The date and the method in one line (the rounding steps are below the months). */
function Method({ report }) {
  return html`<p class="impact-as-of">
      <strong>${report.as_of ? t('impact.as_of', { date: formatDate(report.as_of, { dateStyle: 'long' }) })
        : t('impact.no_release')}</strong>${' · '}${t('impact.method', { count: report.min_cell })}</p>`;
}

/** How the figures were made safe, on demand. */
function MethodDetail({ report }) {
  const method = report.method || {};
  return html`${method.students_rounded_to ? html`<details class="impact-method">
      <summary>${t('impact.method_title')}</summary>
      <p>${t('impact.method_detail', { count: report.min_cell, students: method.students_rounded_to,
        amount: formatMoney(method.cents_rounded_to || 0) })}</p>
    </details>` : null}`;
}

export function ImpactHeadline({ report }) {
  return html`<section class="impact-headline" aria-labelledby="impact-headline-text">
    <div id="impact-headline-text"><${HeadlineSentence} report=${report} /></div>
    <${Method} report=${report} />
  </section>`;
}

/** "settembre 2026", "agosto – settembre 2026": in the page's language (the server's
 * label is Italian). */
export function periodLabel(period) {
  const month = (iso, withYear) => {
    const [year, number] = iso.split('-').map(Number);
    return new Intl.DateTimeFormat(locale(), { month: 'long', ...(withYear ? { year: 'numeric' } : {}),
      timeZone: 'UTC' }).format(new Date(Date.UTC(year, number - 1, 15)));
  };
  if (!period.from || !period.to) return period.label;
  if (period.from.slice(0, 7) === period.to.slice(0, 7)) return month(period.from, true);
  const sameYear = period.from.slice(0, 4) === period.to.slice(0, 4);
  return `${month(period.from, !sameYear)} – ${month(period.to, true)}`;
}

function trendRows(trend) {
  let lastYear = null;
  return trend.map((period) => {
    const year = period.from.slice(0, 4);
    const row = { key: period.from, label: periodShortLabel(period, locale()), year: year !== lastYear ? year : null,
                  spend: period.spend_cents, students: period.students, suppressed: Boolean(period.suppressed) };
    lastYear = period.to.slice(0, 4);
    return row;
  });
}

/** Spend and students by month: the chart, and the same figures as a table. */
export function ImpactTrend({ report }) {
  const trend = report.trend || [];
  const lessThan = t('impact.less_than', { count: report.min_cell });
  const fewer = t('org.suppressed', { count: report.min_cell });
  const spendText = (p) => (p.suppressed || p.spend_cents === null ? fewer : formatMoney(p.spend_cents));
  const studentsText = (p) => (p.suppressed || p.students === null ? fewer : number(p.students));
  const summary = trend.map((p) => (p.suppressed ? `${periodLabel(p)}: ${fewer}`
    : `${periodLabel(p)}: ${spendText(p)}, ${t('impact.trend_students')} ${studentsText(p)}`)).join('; ');
  return html`<section class="impact-trend" aria-labelledby="impact-trend-title">
    <h2 id="impact-trend-title" class="visually-hidden">${t('impact.trend_title')}</h2>
    ${trend.length ? html`<figure class="chart-figure trend-figure">
        <figcaption class="trend-legend">
          <span class="legend-spend" aria-hidden="true"></span>${t('impact.trend_spend')}
          <span class="legend-students" aria-hidden="true"></span>${t('impact.trend_students')}
        </figcaption>
        <${TrendChart} rows=${trendRows(trend)} title=${t('impact.trend_chart')} summary=${summary}
          formatSpend=${wholeEuro} lessThan=${lessThan} />
      </figure>
      <details class="trend-table">
        <summary>${t('impact.trend_table')}</summary>
        <table class="report-table">
          <caption class="visually-hidden">${t('impact.trend_chart')}</caption>
          <thead><tr><th scope="col">${t('impact.month')}</th><th scope="col" class="num">${t('impact.students')}</th>
            <th scope="col" class="num">${t('impact.spend')}</th></tr></thead>
          <tbody>${trend.map((p) => html`<tr key=${p.from} data-period=${p.from}>
            <th scope="row">${periodLabel(p)}</th>
            <td class=${p.suppressed || p.students === null ? 'num suppressed' : 'num'}>${studentsText(p)}</td>
            <td class=${p.suppressed || p.spend_cents === null ? 'num suppressed' : 'num'}>${spendText(p)}</td>
          </tr>`)}</tbody>
        </table>
      </details>`
      : html`<p class="meta">${t('impact.trend_none')}</p>`}
    <${MethodDetail} report=${report} />
  </section>`;
}
