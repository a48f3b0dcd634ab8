// The student wallet (/w…): its own small route table and tab bar.
import { html } from 'htm/preact';
import { useEffect } from 'preact/hooks';
import { t } from '../i18n.js';
import { resolve } from '../router.js';
import { Link } from '../ui/components.js';
import { ensureDevice } from './device.js';
import { ClaimPage, WalletHome } from './home.js';
import { lazyComponent } from './lazy.js';

// Only the first screens (the vouchers' list, the claim form) come with the first load;
// the others are fetched when first opened, and precached for offline use (lazy.js).
const loadCatalogue = () => import('./catalogue.js');
const loadTickets = () => import('./tickets.js');
const CataloguePage = lazyComponent(loadCatalogue, 'CataloguePage');
const EventPage = lazyComponent(loadCatalogue, 'EventPage');
const HistoryPage = lazyComponent(() => import('./history.js'), 'HistoryPage');
const TicketPage = lazyComponent(loadTickets, 'TicketPage');
const TicketsPage = lazyComponent(loadTickets, 'TicketsPage');
const VoucherPage = lazyComponent(() => import('./voucher.js'), 'VoucherPage');

const ROUTES = [
  { path: '/w', view: WalletHome, tab: '/w' },
  { path: '/w/claim', view: ClaimPage, tab: '/w' },
  { path: '/w/claim/:code', view: ClaimPage, tab: '/w' },
  { path: '/w/buoni/:id', view: VoucherPage, tab: '/w' },
  { path: '/w/catalogo', view: CataloguePage, tab: '/w/catalogo' },
  { path: '/w/eventi/:id', view: EventPage, tab: '/w/catalogo' },
  { path: '/w/biglietti', view: TicketsPage, tab: '/w/biglietti' },
  { path: '/w/biglietti/:id', view: TicketPage, tab: '/w/biglietti' },
  { path: '/w/storico', view: HistoryPage, tab: '/w/storico' },
];

const TABS = [
  { href: '/w', label: 'wallet.tab_vouchers' },
  { href: '/w/catalogo', label: 'wallet.tab_catalogue' },
  { href: '/w/biglietti', label: 'wallet.tab_tickets' },
  { href: '/w/storico', label: 'wallet.tab_history' },
];

export function Wallet({ path }) {
  // The device key is made on the first visit, before anything needs it (claiming,
  // showing a QR): generating it takes a few milliseconds, once.
  useEffect(() => {
    ensureDevice().catch((error) => console.error('device key', error));
  }, []);
  const found = resolve(ROUTES, path);
  const View = found?.route.view;
  return html`<div class="wallet">
    <nav class="tabs" aria-label=${t('wallet.title')}>
      ${TABS.map((tab) => html`<${Link} key=${tab.href} href=${tab.href} class="tab"
          aria-current=${found?.route.tab === tab.href ? 'page' : undefined}>${t(tab.label)}</${Link}>`)}
    </nav>
    ${View ? html`<${View} key=${path} ...${found.params} />`
      : html`<section class="page"><h1>${t('notfound.title')}</h1></section>`}
  </div>`;
}
