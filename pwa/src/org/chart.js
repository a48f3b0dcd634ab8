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
