// Tickets: the bookings of this wallet, each with its own rotating QR; cancelling
// before the deadline (the voucher is refunded); rating the event afterwards.
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { formatDateTime, t } from '../i18n.js';
import { useOnline } from '../online.js';
import { getCatalogueItem, getTicket, saveTickets, saveVouchers } from '../store.js';
import { Button, ErrorBox, Link, Loading, Money, Notice } from '../ui/components.js';
import { useWallet } from './data.js';
import { walletApi } from './device.js';
import { useAction } from '../action.js';
import { PresentationQr } from './presentation-lazy.js';
import { keepTicket, onWalletChange, walletChanged } from './sync.js';

const byStart = (a, b) => new Date(a.starts_at) - new Date(b.starts_at);

export function TicketsPage() {
  const { tickets, loaded } = useWallet();
  if (!loaded) return html`<${Loading} />`;
  const now = Date.now();
  const upcoming = tickets.filter((ticket) => ticket.status === 'confirmed'
    && new Date(ticket.starts_at).getTime() > now - 6 * 3600 * 1000).sort(byStart);
  const others = tickets.filter((ticket) => !upcoming.includes(ticket)).sort(byStart).reverse();
  const item = (ticket) => html`<li key=${ticket.id}>
    <${Link} href=${`/w/biglietti/${ticket.id}`} class="card ticket-card" data-ticket=${ticket.id}>
      <span class="card-title">${ticket.event_title}</span>
      <span class="meta">${formatDateTime(ticket.starts_at)}</span>
      <span class="meta">${t(`ticket.status_${ticket.status}`)}</span>
    </${Link}>
  </li>`;
  return html`<section class="page">
    <h1>${t('ticket.title')}</h1>
    ${tickets.length ? null : html`<p>${t('ticket.empty')} <${Link} href="/w/catalogo">${t('wallet.find_events')}</${Link}></p>`}
    ${upcoming.length ? html`<ul class="cards">${upcoming.map(item)}</ul>` : null}
    ${others.length ? html`<h2>${t('ticket.past')}</h2><ul class="cards">${others.map(item)}</ul>` : null}
  </section>`;
}

function useTicket(id) {
  const [state, setState] = useState({ ticket: null, event: null, loaded: false });
  useEffect(() => {
    let live = true;
    const load = async () => {
      const ticket = await getTicket(Number(id));
      const event = ticket ? await getCatalogueItem(ticket.event_id) : null;
      if (live) setState({ ticket, event, loaded: true });
    };
    load();
    const unsubscribe = onWalletChange(load);
    return () => {
      live = false;
      unsubscribe();
    };
  }, [id]);
  return state;
}

function CancelBooking({ ticket }) {
  const online = useOnline();
  const [stage, setStage] = useState('idle'); // idle → confirm → busy
  const [error, setError] = useState(null);
  const act = useAction(walletApi);
  async function cancel() {
    setStage('busy');
    setError(null);
    try {
      await keepTicket({ ...(await act(`/wallet/bookings/${ticket.id}/cancel`, { method: 'POST' })), ticket: null });
      try {
        await saveVouchers(await walletApi('/wallet/vouchers')); // the refund
        walletChanged();
      } catch {
        // the next sync will
      }
    } catch (failure) {
      setError(failure);
      setStage('idle');
    }
  }
  if (stage === 'idle') {
    return html`<div class="cancel">
      <${ErrorBox} error=${error} />
      <${Button} kind="secondary" disabled=${!online} onClick=${() => setStage('confirm')}>${t('ticket.cancel')}</${Button}>
    </div>`;
  }
  return html`<div class="cancel confirm" role="group">
    <p>${t('ticket.cancel_confirm')}<${Money} cents=${ticket.price_cents} /></p>
    <${Button} kind="danger" busy=${stage === 'busy'} onClick=${cancel}>${t('ticket.cancel_yes')}</${Button}>
    <${Button} kind="link" onClick=${() => setStage('idle')}>${t('ticket.cancel_no')}</${Button}>
  </div>`;
}

function Rating({ ticket }) {
  const [stars, setStars] = useState(ticket.rating?.stars || 0);
  const [comment, setComment] = useState(ticket.rating?.comment || '');
  const [state, setState] = useState({ busy: false, error: null, saved: Boolean(ticket.rating) });
  const act = useAction(walletApi);
  async function submit(event) {
    event.preventDefault();
    setState({ busy: true, error: null, saved: false });
    try {
      const rating = await act(`/wallet/bookings/${ticket.id}/rating`, { method: 'POST',
        body: { stars, comment: comment.trim() || null } });
      await saveTickets([{ ...ticket, rating }]);
      setState({ busy: false, error: null, saved: true });
    } catch (error) {
      setState({ busy: false, error, saved: false });
    }
  }
  return html`<form class="form rating" onSubmit=${submit}>
    <fieldset>
      <legend>${t('rating.title')}</legend>
      <div class="stars">
        ${[1, 2, 3, 4, 5].map((n) => html`<label key=${n} class="star">
          <input type="radio" name="stars" value=${n} checked=${stars === n} onChange=${() => setStars(n)} />
          <span aria-hidden="true">${n <= stars ? '★' : '☆'}</span>
          <span class="visually-hidden">${t('rating.stars', { n })}</span>
        </label>`)}
      </div>
    </fieldset>
    <div class="field">
      <label for="rating-comment">${t('rating.comment')}</label>
      <textarea id="rating-comment" maxLength="280" rows="3" value=${comment}
        onInput=${(event) => setComment(event.currentTarget.value)}></textarea>
    </div>
    <${ErrorBox} error=${state.error} />
    ${state.saved ? html`<p class="ok" role="status">${t('rating.thanks')}</p>` : null}
    <${Button} type="submit" busy=${state.busy} disabled=${!stars}>${t('rating.submit')}</${Button}>
  </form>`;
}

export function TicketPage({ id }) {
  const { ticket, event, loaded } = useTicket(id);
  if (!loaded) return html`<${Loading} />`;
  if (!ticket) {
    return html`<section class="page"><h1>${t('ticket.missing')}</h1>
      <p><${Link} href="/w/biglietti">${t('ticket.title')}</${Link}></p></section>`;
  }
  const now = Date.now();
  const started = new Date(ticket.starts_at).getTime() <= now;
  const closesAt = new Date(event?.booking_deadline || ticket.starts_at).getTime();
  const confirmed = ticket.status === 'confirmed';
  return html`<section class="page ticket-page">
    <h1>${ticket.event_title}</h1>
    <p class="meta">${formatDateTime(ticket.starts_at)}${event?.venue?.name ? ` · ${event.venue.name}` : ''}</p>
    ${!confirmed ? html`<${Notice} kind="warning">${t('ticket.status_cancelled')}</${Notice}>` : null}
    ${confirmed && ticket.checked_in_at ? html`<${Notice}>${t('ticket.checked_in')}</${Notice}>` : null}
    ${confirmed && ticket.ticket && !ticket.checked_in_at ? html`<div class="door-code">
        <p class="door-hint">${t('ticket.show_at_door')}</p>
        <${PresentationQr} credential=${ticket.ticket} label=${t('ticket.qr_label', { title: ticket.event_title })} />
      </div>` : null}
    ${confirmed && !ticket.ticket ? html`<${Notice} kind="warning">${t('ticket.no_credential')}</${Notice}>` : null}
    <dl class="facts">
      <dt>${t('event.price')}</dt><dd><${Money} cents=${ticket.price_cents} /></dd>
      ${event?.booking_deadline ? html`<dt>${t('event.deadline')}</dt><dd>${formatDateTime(event.booking_deadline)}</dd>` : null}
    </dl>
    ${confirmed && closesAt > now ? html`<${CancelBooking} ticket=${ticket} />` : null}
    ${confirmed && started ? html`<${Rating} ticket=${ticket} />` : null}
  </section>`;
}
