// The venue report's audience: students who came for the first time, by closed month
// (a student figure: released and suppressed by the server like the sponsors' ones),
// and per event how many of those who booked came in (bookings and check-ins are the
// venue's own business, shown in full). Absent from an older server: nothing shown.
import { html } from 'htm/preact';
import { formatDateTime, locale, t } from '../i18n.js';
import { periodLabel } from './impact-headline.js';

export function NewAudience({ report }) {
  const months = report.new_audience;
  if (!months) return null;
  const fewer = t('org.suppressed', { count: report.min_cell });
  return html`<section class="new-audience" aria-labelledby="new-audience-title">
    <h2 id="new-audience-title">${t('impact.venue.new_audience')}</h2>
    <p class="meta">${t('impact.venue.new_audience_lead', { count: report.min_cell })}</p>
    ${months.length ? html`<table class="report-table">
      <caption class="visually-hidden">${t('impact.venue.new_audience')}</caption>
      <thead><tr><th scope="col">${t('impact.month')}</th><th scope="col" class="num">${t('impact.students')}</th></tr></thead>
      <tbody>${months.map((month) => html`<tr key=${month.from} data-period=${month.from}>
        <th scope="row">${periodLabel(month)}</th>
        ${month.suppressed || month.students === null
          ? html`<td class="num suppressed">${fewer}</td>`
          : html`<td class="num">${month.students}</td>`}
      </tr>`)}</tbody>
    </table>` : html`<p class="meta">${t('impact.venue.no_new_audience')}</p>`}
  </section>`;
}

const percent = (part, whole) => new Intl.NumberFormat(locale(), { style: 'percent', maximumFractionDigits: 0 })
  .format(part / whole);

export function EventAttendance({ report }) {
  const rows = report.events.filter((row) => row.attendance && row.event_id !== null);
  if (!rows.length) return null;
  return html`<section class="event-attendance" aria-labelledby="event-attendance-title">
    <h2 id="event-attendance-title">${t('impact.venue.attendance')}</h2>
    <div class="table-scroll" tabindex="0" role="region" aria-labelledby="event-attendance-title">
      <table class="report-table">
        <thead><tr><th scope="col">${t('org.venue.event')}</th><th scope="col" class="num">${t('impact.venue.booked')}</th>
          <th scope="col" class="num">${t('impact.venue.checked_in')}</th></tr></thead>
        <tbody>${rows.map((row) => html`<tr key=${row.event_id} data-event=${row.event_id}>
          <th scope="row">${row.title}${row.starts_at
            ? html`<br /><span class="meta">${formatDateTime(row.starts_at)}</span>` : null}</th>
          <td class="num">${row.attendance.booked}</td>
          <td class="num">${row.attendance.checked_in}${row.attendance.booked
            ? html` <span class="meta">(${percent(row.attendance.checked_in, row.attendance.booked)})</span>`
            : null}</td>
        </tr>`)}</tbody>
      </table>
    </div>
  </section>`;
}
