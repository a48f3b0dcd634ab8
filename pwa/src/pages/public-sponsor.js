// A sponsor's public page, /sponsor/<slug>: what its money did, for anyone with the
// address (the window sticker's QR code leads here). No login. The server sends only
// what the reports release (closed months, rounded, nothing about fewer than min_cell
// students: server/sponsors_public/), and a hidden figure comes as null: this page
// says "fewer than 5 students" there and never works a figure out of the others.
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { formatMoney, language, locale, t } from '../i18n.js';
import { ErrorBox, Link, Loading } from '../ui/components.js';
import { useCategories } from '../wallet/categories.js';

const count = (value) => new Intl.NumberFormat(locale()).format(value);
// Whole euros: the figures are rounded to 10 €, cents would suggest a precision they lack.
const euros = (cents) => formatMoney(cents).replace(/[.,]00(?=\D*$)/, '');

function day(iso) {
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(`${iso}T00:00:00Z`));
}

/** "settembre 2026", or "luglio – agosto 2026" for months merged because small. */
function period(row) {
  const month = (iso, year = true) => new Intl.DateTimeFormat(locale(), {
    month: 'long', ...(year ? { year: 'numeric' } : {}), timeZone: 'UTC' }).format(new Date(`${iso}T00:00:00Z`));
  const last = month(row.to);
  if (month(row.from) === last) return last;
  return `${month(row.from, row.from.slice(0, 4) !== row.to.slice(0, 4))} – ${last}`;
}

function fewer(minCell) {
  return t('public.fewer_than', { count: minCell });
}

function Headline({ page }) {
  const { headline } = page;
  if (!page.as_of || headline.suppressed || headline.students_reached == null) {
    return html`<p class="public-sentence">${t('public.waiting', { count: page.min_cell ?? 5 })}</p>`;
  }
  const figures = [
    ['public.students', headline.students_reached, count],
    ['public.spent', headline.spend_cents, euros],
    ['public.visits', headline.visits, count],
    ['public.venues', headline.venues, count],
  ].filter(([, value]) => value != null);
  return html`
    <p class="public-sentence">${t('public.sentence', {
      date: day(page.as_of), students: count(headline.students_reached),
      sponsor: page.sponsor_name.replace(/\.$/, '') /* "S.p.A." ends the sentence once */ })}</p>
    <dl class="figures figures-big public-figures">
      ${figures.map(([label, value, show]) => html`<div key=${label}><dt>${t(label)}</dt><dd>${show(value)}</dd></div>`)}
    </dl>`;
}

/** Rows as labelled bars: the bar is a picture of the figure written beside it. */
function Bars({ rows, label, minCell }) {
  const top = Math.max(0, ...rows.filter((row) => !row.suppressed).map((row) => row.spend_cents ?? 0));
  return html`<ul class="public-bars">
    ${rows.map((row, index) => html`<li key=${index}>
      <span class="public-bar-label">${label(row)}</span>
      ${row.suppressed || row.spend_cents == null
        ? html`<span class="public-bar public-bar-hidden" aria-hidden="true"></span>
            <span class="public-bar-value suppressed">${fewer(minCell)}</span>`
        : html`<span class="public-bar" aria-hidden="true">
              <span style=${{ width: `${top ? Math.max(2, (100 * row.spend_cents) / top) : 2}%` }}></span></span>
            <span class="public-bar-value">${euros(row.spend_cents)}${row.students != null
              ? html` · ${t('public.students_n', { count: row.students })}` : null}</span>`}
    </li>`)}
  </ul>`;
}

function Method({ page }) {
  const method = page.method || {};
  return html`<section class="public-section" aria-labelledby="public-method">
    <h2 id="public-method">${t('public.method_title')}</h2>
    <p>${t('public.method', {
      students: method.students_rounded_to ?? 5,
      money: euros(method.cents_rounded_to ?? 1000),
      count: page.min_cell ?? 5,
    })}</p>
  </section>`;
}

export function PublicSponsor({ params }) {
  const [state, setState] = useState({ status: 'loading' });
  const categories = useCategories();
  const slug = params?.slug ?? '';
  useEffect(() => {
    let live = true;
    setState({ status: 'loading' });
    api(`/public/sponsors/${encodeURIComponent(slug)}`).then(
      (page) => live && setState({ status: 'ready', page }),
      (error) => live && setState({ status: 'failed', error }),
    );
    return () => {
      live = false;
    };
  }, [slug]);
  useEffect(() => {
    if (state.status === 'ready') document.title = `${state.page.sponsor_name} · ${t('app.name')}`;
  }, [state]);

  if (state.status === 'loading') return html`<section class="page"><${Loading} /></section>`;
  if (state.status === 'failed') {
    const missing = state.error?.code === 'public_page_not_found';
    return html`<section class="page public-sponsor">
      <h1>${t(missing ? 'public.not_found_title' : 'public.failed_title')}</h1>
      <${ErrorBox} error=${state.error} onRetry=${missing ? null : () => setState({ status: 'loading' })} />
      <p><${Link} href="/">${t('public.about')}</${Link}></p>
    </section>`;
  }
  const { page } = state;
  const minCell = page.min_cell ?? 5;
  return html`<article class="page public-sponsor">
    <p class="public-kicker">${t('public.kicker')}</p>
    <h1>${page.sponsor_name}</h1>
    <${Headline} page=${page} />
    ${page.as_of ? html`<p class="meta">${t('public.as_of', { date: day(page.as_of) })}</p>` : null}
    ${page.trend.length ? html`<section class="public-section" aria-labelledby="public-trend">
      <h2 id="public-trend">${t('public.trend_title')}</h2>
      <${Bars} rows=${page.trend} label=${period} minCell=${minCell} />
    </section>` : null}
    ${page.by_category.length ? html`<section class="public-section" aria-labelledby="public-categories">
      <h2 id="public-categories">${t('public.categories_title')}</h2>
      <${Bars} rows=${page.by_category} label=${(row) => categoryLabel(categories, row)} minCell=${minCell} />
    </section>` : null}
    <${Method} page=${page} />
    <p class="public-about"><${Link} href="/">${t('public.about')}</${Link}></p>
  </article>`;
}

/** The category's name in the page's language (the taxonomy from /categories), else the
 * server's Italian label; small categories come merged as "altro". */
function categoryLabel(categories, row) {
  if (row.slug === 'altro') return t('public.other_categories');
  const found = categories.find((category) => category.slug === row.slug);
  return found ? found[language()] || found.it : row.label;
}
