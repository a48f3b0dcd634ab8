// A small horizontal bar chart, drawn by hand in SVG (no chart library: a few dozen
// lines cost less than any library's download). Bars run left to right with the label
// above each, so long Italian labels fit a 360 px phone. A suppressed figure has no
// bar: it says "fewer than 5 students" instead, as the report asks.
import { html } from 'htm/preact';
import { t } from '../i18n.js';

const WIDTH = 320;
const ROW = 46;
const BAR = 16;
const BAR_MAX = 210; // leaves room for the value after the longest bar

/**
 * rows: [{key, label, value, suppressed}] (value null when suppressed).
 * format(value) → text; title names the chart for screen readers.
 */
export function BarChart({ rows, format, title, minCell }) {
  const largest = Math.max(0, ...rows.filter((r) => !r.suppressed).map((r) => r.value || 0));
  const valueText = (row) => (row.suppressed ? t('org.suppressed', { count: minCell }) : format(row.value || 0));
  const summary = rows.map((row) => `${row.label}: ${valueText(row)}`).join('; ');
  const height = rows.length * ROW + 4;
  return html`<svg class="chart" viewBox=${`0 0 ${WIDTH} ${height}`} width="100%" role="img"
      aria-label=${`${title}. ${summary}`} preserveAspectRatio="xMinYMin meet">
    ${rows.map((row, i) => {
      const y = i * ROW;
      const length = row.suppressed || !largest ? 0 : Math.max(2, Math.round((row.value / largest) * BAR_MAX));
      return html`<g key=${row.key} class=${row.suppressed ? 'chart-row chart-suppressed' : 'chart-row'}
          data-slug=${row.key}>
        <text x="0" y=${y + 14} class="chart-label">${row.label}</text>
        ${row.suppressed
          ? html`<rect x="0" y=${y + 20} width=${BAR_MAX} height=${BAR} class="chart-hidden" rx="3" />
            <text x="6" y=${y + 32} class="chart-value chart-note">${valueText(row)}</text>`
          : html`<rect x="0" y=${y + 20} width=${length} height=${BAR} class="chart-bar" rx="3" />
            <text x=${length + 6} y=${y + 32} class="chart-value">${valueText(row)}</text>`}
      </g>`;
    })}
  </svg>`;
}

// --- the trend: months side by side ---------------------------------------------------------
// Spend as columns and students as a line, each on its own scale (euro and people do
// not share an axis); exact figures are in the table beside it. A month the report
// merged or suppressed is a dashed column that says "fewer than 5", never a zero:
// a zero would be a figure, and a false one.

const TREND_WIDTH = 320;
const TREND_HEIGHT = 128;
const PLOT_TOP = 16;
const PLOT_BOTTOM = 96;
export const TREND_MONTHS = 12; // the chart shows the latest year; the table has every period

/** "set", or "set–ott" for a period the report merged over several months. */
export function periodShortLabel(period, locale) {
  const month = (iso) => {
    const [year, number] = iso.split('-').map(Number);
    return new Intl.DateTimeFormat(locale, { month: 'short', timeZone: 'UTC' })
      .format(new Date(Date.UTC(year, number - 1, 15))).replace('.', '');
  };
  const first = month(period.from);
  return period.from.slice(0, 7) === period.to.slice(0, 7) ? first : `${first}–${month(period.to)}`;
}

/**
 * rows: [{key, label (short), year, spend, students, suppressed}], oldest first.
 * summary: the chart's figures in words, for its accessible name.
 */
export function TrendChart({ rows, title, summary, formatSpend, lessThan }) {
  const shown = rows.slice(-TREND_MONTHS);
  const open = shown.filter((r) => !r.suppressed);
  const maxSpend = Math.max(0, ...open.map((r) => r.spend || 0));
  const maxStudents = Math.max(0, ...open.map((r) => r.students || 0));
  const slot = TREND_WIDTH / Math.max(shown.length, 1);
  const column = Math.min(34, slot * 0.62);
  const plot = PLOT_BOTTOM - PLOT_TOP;
  const spendY = (v) => PLOT_BOTTOM - (maxSpend ? Math.max(2, (v / maxSpend) * plot) : 0);
  const studentsY = (v) => PLOT_BOTTOM - (maxStudents ? (v / maxStudents) * (plot - 8) : 0);
  const centre = (i) => i * slot + slot / 2;
  // The line joins consecutive published months only: across a hidden month it breaks.
  const segments = [];
  shown.forEach((row, i) => {
    if (row.suppressed || row.students === null) return;
    const point = `${centre(i).toFixed(1)},${studentsY(row.students).toFixed(1)}`;
    const previous = shown[i - 1];
    if (i && previous && !previous.suppressed && previous.students !== null) segments[segments.length - 1].push(point);
    else segments.push([point]);
  });
  const labelEvery = shown.length > 6 ? 2 : 1;
  return html`<svg class="chart trend-chart" viewBox=${`0 0 ${TREND_WIDTH} ${TREND_HEIGHT}`} width="100%"
      role="img" aria-label=${`${title}. ${summary}`} preserveAspectRatio="xMidYMin meet">
    <line x1="0" x2=${TREND_WIDTH} y1=${PLOT_BOTTOM} y2=${PLOT_BOTTOM} class="trend-axis" />
    ${shown.map((row, i) => {
      const x = centre(i) - column / 2;
      return html`<g key=${row.key} class=${row.suppressed ? 'trend-month trend-suppressed' : 'trend-month'}
          data-period=${row.key}>
        ${row.suppressed
          ? html`<rect x=${x} y=${PLOT_TOP} width=${column} height=${plot} rx="3" class="chart-hidden" />
            <text class="chart-value chart-note" text-anchor="middle"
              transform=${`translate(${centre(i) + 4} ${PLOT_TOP + plot / 2}) rotate(-90)`}>${lessThan}</text>`
          : html`<rect x=${x} y=${spendY(row.spend || 0)} width=${column} height=${PLOT_BOTTOM - spendY(row.spend || 0)}
              rx="3" class="chart-bar" />
            ${shown.length <= 6 || i === shown.length - 1 ? html`<text x=${centre(i)} y=${spendY(row.spend || 0) - 4}
              text-anchor="middle" class="chart-value trend-value">${formatSpend(row.spend || 0)}</text>` : null}`}
        ${i % labelEvery === (shown.length - 1) % labelEvery ? html`<text x=${centre(i)} y=${PLOT_BOTTOM + 15}
          text-anchor="middle" class="chart-label">${row.label}</text>` : null}
        ${row.year ? html`<text x=${centre(i)} y=${PLOT_BOTTOM + 29} text-anchor="middle"
          class="chart-value chart-note">${row.year}</text>` : null}
      </g>`;
    })}
    ${segments.map((points) => html`<polyline key=${points[0]} points=${points.join(' ')} class="trend-line" />`)}
    ${shown.map((row, i) => (row.suppressed || row.students === null ? null : html`<circle key=${`s${row.key}`}
      cx=${centre(i)} cy=${studentsY(row.students)} r="4" class="trend-dot" />`))}
  </svg>`;
}
