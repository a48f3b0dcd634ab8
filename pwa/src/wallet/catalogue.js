// The catalogue of events and courses, and booking one with a voucher.
// Pages fetched online are saved in IndexedDB, so the catalogue reads offline too.
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { formatDateTime, locale, t } from '../i18n.js';
import { formatRomeRange, romeWeekend } from '../rome-time.js';
import { useOnline } from '../online.js';
import { navigate } from '../router.js';
import { getCatalogueItem, listCatalogue, saveCatalogueItems, saveVouchers } from '../store.js';
import { Button, ErrorBox, Field, Link, Loading, Money, Notice } from '../ui/components.js';
import { categoryLabel, useCategories } from './categories.js';
import { canPay, newRequestId, useWallet } from './data.js';
import { walletApi } from './device.js';
import { useAction } from '../action.js';
import { keepTicket, walletChanged } from './sync.js';
import { Poster, mapLink } from './poster.js';

const NO_FILTERS = { category: '', municipality: '', from: '', to: '' };

/** The filters the server is asked for: "this weekend" is its Friday-to-Sunday days. */
function serverFilters(filters, weekend) {
  return weekend ? { ...filters, from: weekend.from, to: weekend.to } : filters;
}

/** What the server cannot know: a weekend starts on Friday evening (an event over by
 * then is not "this weekend"), and which events a voucher of this wallet pays for. */
function keepLocally(item, { weekend, covered, vouchers }) {
  if (weekend && new Date(item.ends_at).getTime() <= new Date(weekend.starts).getTime()) return false;
  if (covered && !vouchers.some((voucher) => canPay(voucher, item))) return false;
  return true;
}

/** Local filtering of the saved events, the same rules as the server's as far as we can tell. */
function matchesOffline(item, filters) {
  if (filters.category && item.category !== filters.category) return false;
  if (filters.municipality) {
    const wanted = filters.municipality.trim().toLowerCase();
    const { code, name } = item.municipality || {};
    if (code !== filters.municipality.trim() && !(name || '').toLowerCase().includes(wanted)) return false;
  }
  const day = (value) => new Date(value).toLocaleDateString('sv-SE', { timeZone: 'Europe/Rome' }); // YYYY-MM-DD
  if (filters.from && day(item.ends_at) < filters.from) return false;
  if (filters.to && day(item.starts_at) > filters.to) return false;
  return new Date(item.ends_at).getTime() > Date.now() && item.status !== 'cancelled';
}

function useCatalogue(filters) {
  const [state, setState] = useState({ items: [], cursor: null, loading: true, error: null, offline: false });
  async function fetchPage(cursor, previous) {
    setState((s) => ({ ...s, loading: true, error: null }));
    try {
      const page = await api('/catalogue', { query: { category: filters.category, municipality: filters.municipality,
                                                      from: filters.from, to: filters.to, cursor } });
      await saveCatalogueItems(page.items);
      setState({ items: [...previous, ...page.items], cursor: page.next_cursor, loading: false, error: null,
                 offline: false });
    } catch (error) {
      if (error.code !== 'offline') {
        setState((s) => ({ ...s, loading: false, error }));
        return;
      }
      const saved = (await listCatalogue()).filter((item) => matchesOffline(item, filters));
      setState({ items: saved, cursor: null, loading: false, error: null, offline: true });
    }
  }
  useEffect(() => {
    fetchPage(null, []);
  }, [filters.category, filters.municipality, filters.from, filters.to]);
  return [state, () => fetchPage(state.cursor, state.items)];
}

function EventCard({ item, categories }) {
  return html`<li>
    <${Link} href=${`/w/eventi/${item.id}`} class=${`card event-card${item.poster ? ' has-poster' : ''}`}
      data-event=${item.id}>
      <${Poster} poster=${item.poster} sizes="(min-width: 40rem) 20rem, 100vw" className="poster card-poster" />
      <span class="card-title">${item.title}</span>
      <span class="meta event-when">${formatRomeRange(item.starts_at, item.ends_at, locale())}</span>
      <span class="meta">${item.venue?.name}${item.municipality?.name ? ` · ${item.municipality.name}` : ''}</span>
      <span class="meta">${categoryLabel(categories, item.category)}${item.kind === 'course'
        ? ` · ${t('catalogue.course')}` : ''}</span>
      <span class="price"><${Money} cents=${item.price_cents} />
        ${item.seats_left === 0 ? html` · <strong>${t('catalogue.sold_out')}</strong>` : null}</span>
    </${Link}>
  </li>`;
}

function Filters({ value, onChange, categories }) {
  const [draft, setDraft] = useState(value);
  const set = (name) => (text) => setDraft({ ...draft, [name]: text });
  return html`<form class="filters" onSubmit=${(event) => { event.preventDefault(); onChange(draft); }}>
    <div class="field">
      <label for="filter-category">${t('catalogue.category')}</label>
      <select id="filter-category" value=${draft.category}
        onChange=${(event) => { const next = { ...draft, category: event.currentTarget.value }; setDraft(next); onChange(next); }}>
        <option value="">${t('catalogue.all_categories')}</option>
        ${categories.map((c) => html`<option key=${c.slug} value=${c.slug}>${categoryLabel(categories, c.slug)}</option>`)}
      </select>
    </div>
    <${Field} label=${t('catalogue.municipality')} value=${draft.municipality} onInput=${set('municipality')}
      id="filter-municipality" />
    <div class="field-row">
      <${Field} label=${t('catalogue.from')} type="date" value=${draft.from} onInput=${set('from')} id="filter-from" />
      <${Field} label=${t('catalogue.to')} type="date" value=${draft.to} onInput=${set('to')} id="filter-to" />
    </div>
    <div class="actions">
      <${Button} type="submit" kind="secondary">${t('catalogue.apply')}</${Button}>
      <${Button} kind="link" onClick=${() => { setDraft(NO_FILTERS); onChange(NO_FILTERS); }}>${t('catalogue.reset')}</${Button}>
    </div>
  </form>`;
}

function QuickFilters({ weekend, covered, onWeekend, onCovered }) {
  return html`<div class="quick-filters" role="group" aria-label=${t('catalogue2.quick_filters')}>
    <button type="button" class="chip" aria-pressed=${weekend ? 'true' : 'false'} data-filter="weekend"
      onClick=${() => onWeekend(!weekend)}>${t('catalogue2.weekend')}</button>
    <button type="button" class="chip" aria-pressed=${covered ? 'true' : 'false'} data-filter="covered"
      onClick=${() => onCovered(!covered)}>${t('catalogue2.covered')}</button>
  </div>`;
}

export function CataloguePage() {
  const [filters, setFilters] = useState(NO_FILTERS);
  const [weekendOn, setWeekendOn] = useState(false);
  const [covered, setCovered] = useState(false);
  const weekend = weekendOn ? romeWeekend(Date.now()) : null;
  const categories = useCategories();
  const { vouchers } = useWallet();
  const [state, more] = useCatalogue(serverFilters(filters, weekend));
  const online = useOnline();
  const items = state.items.filter((item) => keepLocally(item, { weekend, covered, vouchers }));
  const active = vouchers.some((voucher) => voucher.status === 'active');
  return html`<section class="page catalogue-page">
    <h1>${t('catalogue.title')}</h1>
    <${QuickFilters} weekend=${weekendOn} covered=${covered} onWeekend=${setWeekendOn} onCovered=${setCovered} />
    <details class="filter-box"><summary>${t('catalogue.filters')}</summary>
      <${Filters} value=${filters} onChange=${setFilters} categories=${categories} />
    </details>
    ${covered && !active ? html`<${Notice}>${t('catalogue2.covered_none')}</${Notice}>` : null}
    ${state.offline || !online ? html`<${Notice} kind="warning">${t('catalogue.offline')}</${Notice}>` : null}
    <${ErrorBox} error=${state.error} />
    ${items.length
      ? html`<ul class="cards">${items.map((item) => html`<${EventCard} key=${item.id} item=${item}
          categories=${categories} />`)}</ul>`
      : !state.loading ? html`<p>${weekend ? t('catalogue2.weekend_empty') : t('catalogue.empty')}</p>` : null}
    ${state.loading ? html`<${Loading} />` : null}
    ${state.cursor && !state.loading
      ? html`<${Button} kind="secondary" onClick=${more}>${t('catalogue.more')}</${Button}>` : null}
  </section>`;
}

function useEvent(id) {
  const [state, setState] = useState({ event: null, loading: true, error: null, offline: false });
  useEffect(() => {
    let live = true;
    (async () => {
      try {
        const event = await api(`/catalogue/${id}`);
        await saveCatalogueItems([event]);
        if (live) setState({ event, loading: false, error: null, offline: false });
      } catch (error) {
        const saved = await getCatalogueItem(Number(id));
        if (live) setState({ event: saved || null, loading: false, error: saved ? null : error,
                             offline: error.code === 'offline' });
      }
    })();
    return () => {
      live = false;
    };
  }, [id]);
  return state;
}

function Booking({ event, vouchers, tickets }) {
  const online = useOnline();
  const payable = vouchers.filter((voucher) => canPay(voucher, event));
  const [voucherId, setVoucherId] = useState(payable[0]?.id ?? null);
  const [requestId] = useState(newRequestId); // one per visit to the page: a retry reuses it
  const [state, setState] = useState({ busy: false, error: null });
  const act = useAction(walletApi);
  const held = tickets.find((ticket) => ticket.event_id === event.id && ticket.status === 'confirmed');
  if (held) {
    return html`<${Notice}>${t('event.already_booked')}
      <${Link} href=${`/w/biglietti/${held.id}`}>${t('event.open_ticket')}</${Link}></${Notice}>`;
  }
  const closesAt = new Date(event.booking_deadline || event.starts_at).getTime();
  if (event.status !== 'published' || closesAt <= Date.now()) {
    return html`<${Notice} kind="warning">${t('event.closed')}</${Notice}>`;
  }
  if (event.seats_left === 0) return html`<${Notice} kind="warning">${t('catalogue.sold_out')}</${Notice}>`;
  if (!payable.length) return html`<${Notice}>${t('event.no_voucher')}</${Notice}>`;

  async function book() {
    setState({ busy: true, error: null });
    try {
      const booking = await act('/wallet/bookings', { method: 'POST',
        body: { event_id: event.id, voucher_id: voucherId || payable[0].id, request_id: requestId } });
      await keepTicket(booking);
      // The voucher paid: bring its balance up to date before the student looks at it.
      try {
        await saveVouchers(await walletApi('/wallet/vouchers'));
        walletChanged();
      } catch {
        // the next sync will
      }
      navigate(`/w/biglietti/${booking.id}`);
    } catch (error) {
      setState({ busy: false, error });
    }
  }

  return html`<div class="booking">
    ${payable.length > 1 ? html`<fieldset class="choose-voucher">
      <legend>${t('event.pay_with')}</legend>
      ${payable.map((voucher) => html`<label key=${voucher.id} class="radio">
        <input type="radio" name="voucher" value=${voucher.id} checked=${voucher.id === voucherId}
          onChange=${() => setVoucherId(voucher.id)} />
        ${voucher.campaign_name} (<${Money} cents=${voucher.balance_cents} />)
      </label>`)}
    </fieldset>` : html`<p class="meta">${t('event.paid_with', { name: payable[0].campaign_name })}</p>`}
    ${!online ? html`<${Notice} kind="warning">${t('event.offline')}</${Notice}>` : null}
    <${ErrorBox} error=${state.error} />
    <${Button} busy=${state.busy} disabled=${!online} onClick=${book}>
      ${t('event.book')} · <${Money} cents=${event.price_cents} />
    </${Button}>
  </div>`;
}

export function EventPage({ id }) {
  const { event, loading, error, offline } = useEvent(id);
  const { vouchers, tickets, loaded } = useWallet();
  const categories = useCategories();
  if (loading || !loaded) return html`<${Loading} />`;
  if (!event) return html`<section class="page"><${ErrorBox} error=${error} /></section>`;
  const address = event.address || null;
  const town = event.municipality?.name;
  return html`<section class="page event-page">
    <${Poster} poster=${event.poster} alt=${event.title} sizes="(min-width: 40rem) 40rem, 100vw"
      className="poster event-poster" />
    <h1>${event.title}</h1>
    ${offline ? html`<${Notice} kind="warning">${t('catalogue.offline')}</${Notice}>` : null}
    ${event.status === 'cancelled' ? html`<${Notice} kind="warning">${t('event.cancelled')}</${Notice}>` : null}
    <dl class="facts">
      <dt>${t('event.when')}</dt><dd>${formatRomeRange(event.starts_at, event.ends_at, locale())}</dd>
      <dt>${t('event.where')}</dt><dd>${event.venue?.name}${town ? `, ${town}` : ''}
        ${address ? html`<br /><span class="event-address">${address}</span>` : null}
        <br /><a class="map-link" href=${mapLink(address || event.venue?.name, town)} target="_blank"
          rel="noopener noreferrer external">${t('catalogue2.map')}<span class="visually-hidden"> ${
          t('catalogue2.map_external')}</span></a></dd>
      <dt>${t('catalogue.category')}</dt><dd>${categoryLabel(categories, event.category)}</dd>
      <dt>${t('event.price')}</dt><dd><${Money} cents=${event.price_cents} /></dd>
      <dt>${t('event.seats_left')}</dt><dd>${event.seats_left}</dd>
      ${event.booking_deadline ? html`<dt>${t('event.deadline')}</dt><dd>${formatDateTime(event.booking_deadline)}</dd>` : null}
    </dl>
    ${event.description ? html`<p class="description">${event.description}</p>` : null}
    <${Booking} event=${event} vouchers=${vouchers} tickets=${tickets} />
  </section>`;
}
