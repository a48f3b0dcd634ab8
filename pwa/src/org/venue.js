// Venues: their events and courses (list, create, edit, cancel), the venue report
// (redemptions, check-ins, bookings, what it will be paid) and the way to the
// entrance scanner. Times are typed and shown in Italian time whatever the device's
// time zone: the venue is in Italy, the person editing may not be.
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { useAction } from '../action.js';
import { formatDateTime, formatMoney, language, t } from '../i18n.js';
import { navigate } from '../router.js';
import { categoryLabel, useCategories } from '../wallet/categories.js';
import { Button, ErrorBox, Field, Link, Loading, Money, Notice } from '../ui/components.js';
import { Cell, SelectField, TextArea, euroText, parseCount, parseEuro, useForm, useResource } from './forms.js';
import { VenueScanners } from './scanners.js';
import { BackLink, OrgHeading, OrgTabs } from './layout.js';
import { membershipOf } from './session.js';
import { EventPosterField } from './event-poster.js';
import { EventAttendance, NewAudience } from './impact-venue.js';
import { isoToRomeLocal, romeLocalExists, romeLocalToIso } from '../rome-time.js';

// Italian time both ways (the hour that does not exist refused, the one that happens
// twice read as its earlier instant): rome-time.js, tested on the clock-change days.
export { isoToRomeLocal, romeLocalToIso } from '../rome-time.js';

function EventRow({ venueId, event, categories, onCancelled }) {
  const [asking, setAsking] = useState(false);
  const [state, setState] = useState({ busy: false, error: null });
  const act = useAction();
  const open = event.status === 'published' && new Date(event.ends_at).getTime() > Date.now();
  async function cancel() {
    setState({ busy: true, error: null });
    try {
      await act(`/venues/${venueId}/events/${event.id}/cancel`, { method: 'POST', csrf: true });
      setAsking(false);
      setState({ busy: false, error: null });
      onCancelled();
    } catch (error) {
      setState({ busy: false, error });
    }
  }
  return html`<li class="card event-row" data-event=${event.id} data-status=${event.status}>
    <span class="card-title">${event.title}</span>
    <span class="meta">${formatDateTime(event.starts_at)} · ${categoryLabel(categories, event.category)}${
      event.kind === 'course' ? ` · ${t('org.venue.course')}` : ''}</span>
    <span><${Money} cents=${event.price_cents} /> · ${t('org.venue.seats', { count: event.seats_taken,
      capacity: event.capacity })}</span>
    ${event.status === 'cancelled' ? html`<span class="pill pill-cancelled">${t('org.venue.cancelled')}</span>`
      : !open ? html`<span class="pill">${t('org.venue.over')}</span>` : null}
    ${open ? html`<div class="actions">
      <${Link} href=${`/o/venue/${venueId}/eventi/${event.id}`} class="btn btn-secondary"
        aria-label=${t('org.venue.edit_label', { title: event.title })}>${t('org.venue.edit')}</${Link}>
      ${asking ? null : html`<${Button} kind="link" onClick=${() => setAsking(true)}
        aria-label=${t('org.venue.cancel_label', { title: event.title })}>${t('org.venue.cancel')}</${Button}>`}
    </div>` : null}
    ${asking ? html`<div class="confirm" role="group" aria-label=${t('org.venue.cancel_label', { title: event.title })}>
      <p>${t('org.venue.cancel_confirm', { count: event.seats_taken })}</p>
      <div class="actions">
        <${Button} kind="danger" busy=${state.busy} onClick=${cancel}>${t('org.venue.cancel_yes')}</${Button}>
        <${Button} kind="secondary" onClick=${() => setAsking(false)}>${t('org.venue.cancel_no')}</${Button}>
      </div>
    </div>` : null}
    <${ErrorBox} error=${state.error} />
  </li>`;
}

function useVenueEvents(venueId) {
  const [state, setState] = useState({ items: [], cursor: null, loading: true, error: null });
  const [round, setRound] = useState(0);
  async function fetchPage(cursor, previous) {
    setState((s) => ({ ...s, loading: true, error: null }));
    try {
      const page = await api(`/venues/${venueId}/events`, { query: { cursor } });
      setState({ items: [...previous, ...page.items], cursor: page.next_cursor, loading: false, error: null });
    } catch (error) {
      setState((s) => ({ ...s, loading: false, error }));
    }
  }
  useEffect(() => {
    if (venueId) fetchPage(null, []);
  }, [venueId, round]);
  return { ...state, more: () => fetchPage(state.cursor, state.items), reload: () => setRound((n) => n + 1) };
}

function ScannerLink() {
  return html`<p class="scanner-link"><${Link} href="/s" class="btn btn-secondary">
    <span aria-hidden="true">📷 </span>${t('org.venue.open_scanner')}</${Link}></p>`;
}

export function VenuePage({ me, id }) {
  const staff = membershipOf(me, id)?.role === 'staff';
  const categories = useCategories();
  const events = useVenueEvents(staff ? null : id);
  const tabs = html`<${OrgTabs} kind="venue" id=${id} me=${me} current=${`/o/venue/${id}`} />`;
  if (staff) {
    // Entrance staff scan; the programme is the owners' and members' to edit.
    return html`${tabs}<section class="page">
      <${OrgHeading} me=${me} id=${id} kind="venue" title=${t('org.venue.staff_title')} />
      <p>${t('org.venue.staff_text')}</p>
      <${ScannerLink} />
    </section>`;
  }
  return html`${tabs}<section class="page venue-page">
    <${OrgHeading} me=${me} id=${id} kind="venue" title=${t('org.venue.events_title')} />
    <div class="actions">
      <${Link} href=${`/o/venue/${id}/eventi/nuovo`} class="btn btn-primary">${t('org.venue.new_event')}</${Link}>
      <${ScannerLink} />
    </div>
    <${ErrorBox} error=${events.error} onRetry=${events.reload} />
    ${events.items.length ? html`<ul class="cards cards-single">${events.items.map((event) => html`<${EventRow}
      key=${event.id} venueId=${id} event=${event} categories=${categories} onCancelled=${events.reload} />`)}</ul>`
      : !events.loading && !events.error ? html`<p>${t('org.venue.no_events')}</p>` : null}
    ${events.loading ? html`<${Loading} />` : null}
    ${events.cursor && !events.loading
      ? html`<${Button} kind="secondary" onClick=${events.more}>${t('org.venue.more')}</${Button}>` : null}
  </section>`;
}

/** The event `eventId` of the venue's list (there is no single-event read for venues). */
async function findEvent(venueId, eventId) {
  let cursor = null;
  do {
    const page = await api(`/venues/${venueId}/events`, { query: { cursor, page_size: 100 } });
    const found = page.items.find((item) => String(item.id) === String(eventId));
    if (found) return found;
    cursor = page.next_cursor;
  } while (cursor);
  return null;
}

const EMPTY_EVENT = { title: '', description: '', category: '', kind: 'event', starts_at: '', ends_at: '',
                      booking_deadline: '', price_cents: '', capacity: '', address: '' };

function formValues(event) {
  const lang = language();
  return { title: event.title, description: event.description || '', category: event.category || '',
           kind: event.kind, starts_at: isoToRomeLocal(event.starts_at), ends_at: isoToRomeLocal(event.ends_at),
           booking_deadline: isoToRomeLocal(event.booking_deadline), price_cents: euroText(event.price_cents, lang),
           capacity: String(event.capacity), address: event.address || '' };
}

/** What the server takes, from what the form holds. */
function eventBody(v) {
  return {
    title: v.title.trim(), description: v.description.trim() || null, category: v.category, kind: v.kind,
    starts_at: romeLocalToIso(v.starts_at), ends_at: romeLocalToIso(v.ends_at),
    booking_deadline: v.booking_deadline ? romeLocalToIso(v.booking_deadline) : null,
    price_cents: parseEuro(v.price_cents), capacity: parseCount(v.capacity), address: v.address.trim() || null,
  };
}

export function EventForm({ me, id, eventId }) {
  const editing = Boolean(eventId);
  const categories = useCategories();
  const [original, setOriginal] = useState(null);
  const [loadError, setLoadError] = useState(null);
  const form = useForm(EMPTY_EVENT);
  const { values, set, errors } = form;
  const act = useAction();
  useEffect(() => {
    if (!editing) return;
    findEvent(id, eventId).then((event) => {
      if (!event) {
        setLoadError({ code: 'not_found', status: 404 });
        return;
      }
      setOriginal(event);
      form.setValues(formValues(event));
    }, setLoadError);
  }, [id, eventId]);
  const check = (v) => {
    const found = {};
    if (!v.title.trim()) found.title = t('org.error_required');
    if (!v.category) found.category = t('org.venue.error_category');
    if (!v.starts_at) found.starts_at = t('org.error_required');
    if (!v.ends_at) found.ends_at = t('org.error_required');
    // The spring-forward hour: that time does not exist in Italy (rome-time.js).
    for (const name of ['starts_at', 'ends_at', 'booking_deadline']) {
      if (v[name] && !found[name] && !romeLocalExists(v[name])) found[name] = t('org.rome_time_gap');
    }
    if (parseEuro(v.price_cents) === null) found.price_cents = t('org.error_amount');
    if (parseCount(v.capacity) === null) found.capacity = t('org.error_count');
    return found;
  };
  const send = async (v) => {
    const body = eventBody(v);
    if (editing) {
      // Only what changed: the server checks each field sent against the event as it is now.
      const before = eventBody(formValues(original));
      const changes = Object.fromEntries(Object.entries(body).filter(([key, value]) => before[key] !== value));
      if (Object.keys(changes).length) {
        await api(`/venues/${id}/events/${eventId}`, { method: 'PATCH', csrf: true, body: changes });
      }
    } else {
      await act(`/venues/${id}/events`, { method: 'POST', csrf: true, body });
    }
    navigate(`/o/venue/${id}`);
  };
  const categoryOptions = [{ value: '', label: t('org.venue.choose_category') },
    ...categories.map((c) => ({ value: c.slug, label: categoryLabel(categories, c.slug) }))];
  return html`<section class="page narrow">
    <${BackLink} href=${`/o/venue/${id}`}>${t('org.venue.events_title')}</${BackLink}>
    <${OrgHeading} me=${me} id=${id} kind="venue" title=${editing ? t('org.venue.edit_title') : t('org.venue.new_event')} />
    <${ErrorBox} error=${loadError} />
    ${editing && !original && !loadError ? html`<${Loading} />` : null}
    ${!editing || original ? html`<form class="form" onSubmit=${form.submit(check, send)} novalidate>
      <${Field} label=${t('org.venue.event_title')} required value=${values.title} onInput=${set('title')}
        error=${errors.title} />
      <${TextArea} label=${t('org.description')} value=${values.description} onInput=${set('description')}
        error=${errors.description} />
      <div class="field-row">
        <${SelectField} label=${t('org.venue.category')} value=${values.category} onInput=${set('category')}
          options=${categoryOptions} error=${errors.category} />
        <${SelectField} label=${t('org.venue.kind')} value=${values.kind} onInput=${set('kind')} error=${errors.kind}
          options=${[{ value: 'event', label: t('org.venue.kind_event') }, { value: 'course', label: t('org.venue.kind_course') }]} />
      </div>
      <${Field} label=${t('org.venue.starts_at')} type="datetime-local" required value=${values.starts_at}
        onInput=${set('starts_at')} error=${errors.starts_at} />
      <${Field} label=${t('org.venue.ends_at')} type="datetime-local" required value=${values.ends_at}
        onInput=${set('ends_at')} error=${errors.ends_at} hint=${t('org.venue.ends_hint')} />
      <${Field} label=${t('org.venue.booking_deadline')} type="datetime-local" value=${values.booking_deadline}
        onInput=${set('booking_deadline')} error=${errors.booking_deadline} hint=${t('org.venue.deadline_hint')} />
      <div class="field-row">
        <${Field} label=${t('org.venue.price_eur')} inputmode="decimal" required value=${values.price_cents}
          onInput=${set('price_cents')} error=${errors.price_cents} />
        <${Field} label=${t('org.venue.capacity')} inputmode="numeric" required value=${values.capacity}
          onInput=${set('capacity')} error=${errors.capacity} />
      </div>
      <${Field} label=${t('catalogue2.event_address')} value=${values.address} onInput=${set('address')}
        error=${errors.address} hint=${t('catalogue2.event_address_hint')} autocomplete="street-address" />
      <p class="meta">${t('org.venue.times_note')}</p>
      <${ErrorBox} error=${form.error} />
      <${Button} type="submit" busy=${form.busy}>${editing ? t('org.venue.save') : t('org.venue.publish')}</${Button}>
    </form>` : null}
    ${original ? html`<${EventPosterField} venueId=${id} event=${original} onChange=${setOriginal} />`
      : !editing ? html`<p class="meta">${t('catalogue2.poster_after_save')}</p>` : null}
  </section>`;
}

function Totals({ report }) {
  const n = report.min_cell;
  return html`<dl class="figures figures-big">
    <div><dt>${t('org.venue.payable_now')}</dt><dd class="figure-available"><${Money} cents=${report.payable_now_cents} /></dd></div>
    <div><dt>${t('org.venue.redemptions')}</dt><dd>${report.redemptions.count} ·
      <${Money} cents=${report.redemptions.amount_cents} /></dd></div>
    <div><dt>${t('org.venue.check_ins')}</dt><dd>${report.check_ins.count}</dd></div>
    <div><dt>${t('org.venue.bookings')}</dt><dd>${report.bookings.count} · <${Money} cents=${report.bookings.amount_cents} />
      ${report.bookings.cancelled ? html`<span class="meta"> (${t('org.venue.cancelled_n', { count: report.bookings.cancelled })})</span>` : null}</dd></div>
    <div><dt>${t('org.venue.students')}</dt><dd><${Cell} cell=${report.students} minCell=${n} /></dd></div>
  </dl>`;
}

export function VenueReportPage({ me, id }) {
  const [period, setPeriod] = useState({ from: '', to: '' });
  const [draft, setDraft] = useState(period);
  const query = new URLSearchParams(Object.entries(period).filter(([, v]) => v)).toString();
  const report = useResource(`/venues/${id}/report${query ? `?${query}` : ''}`);
  const data = report.data;
  return html`<${OrgTabs} kind="venue" id=${id} me=${me} current=${`/o/venue/${id}/report`} />
  <section class="page venue-report">
    <${OrgHeading} me=${me} id=${id} kind="venue" title=${t('org.venue.report_title')} />
    <form class="filters" onSubmit=${(e) => { e.preventDefault(); setPeriod(draft); }}>
      <div class="field-row">
        <${Field} label=${t('org.venue.from')} type="date" value=${draft.from}
          onInput=${(v) => setDraft({ ...draft, from: v })} />
        <${Field} label=${t('org.venue.to')} type="date" value=${draft.to} onInput=${(v) => setDraft({ ...draft, to: v })} />
      </div>
      <div class="actions"><${Button} type="submit" kind="secondary">${t('org.venue.apply')}</${Button}></div>
    </form>
    <${ErrorBox} error=${report.error} onRetry=${report.reload} />
    ${report.loading && !data ? html`<${Loading} />` : null}
    ${data ? html`
      <${Totals} report=${data} />
      <p class="meta">${t('org.venue.payable_note')} ${t('org.impact.privacy', { count: data.min_cell })}</p>
      <h2>${t('org.venue.by_event')}</h2>
      ${data.events.length ? html`<div class="table-scroll" tabindex="0" role="region" aria-label=${t('org.venue.by_event')}>
        <table class="report-table">
          <thead><tr><th scope="col">${t('org.venue.event')}</th><th scope="col" class="num">${t('org.venue.redemptions')}</th>
            <th scope="col" class="num">${t('org.venue.check_ins')}</th><th scope="col" class="num">${t('org.venue.bookings')}</th>
            <th scope="col" class="num">${t('org.venue.students')}</th></tr></thead>
          <tbody>${data.events.map((row) => html`<tr key=${row.event_id ?? 'none'}>
            <th scope="row">${row.title || t('org.impact.no_event')}${row.starts_at
              ? html`<br /><span class="meta">${formatDateTime(row.starts_at)}</span>` : null}</th>
            <td class="num">${row.redemptions.count} · ${formatMoney(row.redemptions.amount_cents)}</td>
            <td class="num">${row.check_ins.count}</td>
            <td class="num">${row.bookings.count} · ${formatMoney(row.bookings.amount_cents)}</td>
            <td class="num"><${Cell} cell=${row.students} minCell=${data.min_cell} /></td>
          </tr>`)}</tbody>
        </table></div>` : html`<p class="meta">${t('org.venue.no_activity')}</p>`}
      <${NewAudience} report=${data} />
      <${EventAttendance} report=${data} />
      <${Notice}>${t('org.venue.scanner_note')} <${Link} href="/s">${t('org.venue.open_scanner')}</${Link}></${Notice}>
    ` : null}
    <${VenueScanners} id=${id} />
  </section>`;
}
