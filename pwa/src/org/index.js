// The organisations' area (/o…): sponsors, schools, venues and the platform operator.
// Loaded on demand by the router (students never download it). Every page but the
// sign-up needs a member session: without one it sends the person to /login?next=….
import { html } from 'htm/preact';
import { useEffect } from 'preact/hooks';
import { t } from '../i18n.js';
import { navigate, resolve } from '../router.js';
import { Button, ErrorBox, Link, Loading } from '../ui/components.js';
import { AdminFlags, AdminHome, AdminOrganisations, AdminTopUps } from './admin.js';
import { OrgHome } from './home.js';
import { AdminPayments } from './payments.js';
import { RegisterOrganisation, SignUp } from './register.js';
import { PrintCodes, SchoolPage } from './school.js';
import { SchoolVouchers } from './school-vouchers.js';
import { logOut, reloadSession, useSession } from './session.js';
import { CampaignPage, NewCampaign, SponsorPage } from './sponsor.js';
import { SponsorReceipts, VenuePayouts } from './documents.js';
import { ImpactPage } from './impact.js';
import { SchoolJobPage } from './job-progress.js';
import { PeoplePage } from './people.js';
import { TopUpPage } from './topup.js';
import { EventForm, VenuePage, VenueReportPage } from './venue.js';
import { VenueStoriesPage } from './stories.js';
import { AdminStories } from './stories-admin.js';

const ROUTES = [
  { path: '/o', view: OrgHome },
  { path: '/o/registrati', view: SignUp, public: true },
  { path: '/o/nuova', view: RegisterOrganisation },
  { path: '/o/sponsor/:id', view: SponsorPage },
  { path: '/o/sponsor/:id/nuova-campagna', view: NewCampaign },
  { path: '/o/sponsor/:id/campagne/:campaignId', view: CampaignPage },
  { path: '/o/sponsor/:id/campagne/:campaignId/impatto', view: ImpactPage },
  { path: '/o/sponsor/:id/ricariche/:topupId', view: TopUpPage },
  { path: '/o/sponsor/:id/ricevute', view: SponsorReceipts },
  { path: '/o/school/:id', view: SchoolPage },
  { path: '/o/school/:id/stampa', view: PrintCodes },
  { path: '/o/school/:id/buoni', view: SchoolVouchers },
  { path: '/o/school/:id/lavori/:jobId', view: SchoolJobPage },
  { path: '/o/venue/:id', view: VenuePage },
  { path: '/o/venue/:id/report', view: VenueReportPage },
  { path: '/o/venue/:id/pagamenti', view: VenuePayouts },
  { path: '/o/venue/:id/racconti', view: VenueStoriesPage },
  { path: '/o/venue/:id/eventi/nuovo', view: EventForm },
  { path: '/o/venue/:id/eventi/:eventId', view: EventForm },
  { path: '/o/:kind/:id/persone', view: PeoplePage },
  { path: '/o/admin', view: AdminHome },
  { path: '/o/admin/organizzazioni', view: AdminOrganisations },
  { path: '/o/admin/ricariche', view: AdminTopUps },
  { path: '/o/admin/pagamenti', view: AdminPayments },
  { path: '/o/admin/segnalazioni', view: AdminFlags },
  { path: '/o/admin/racconti', view: AdminStories },
];

function AccountBar({ me }) {
  async function leave() {
    await logOut().catch(() => {});
    navigate('/login?next=/o');
  }
  return html`<div class="org-bar no-print">
    <${Link} href="/o" class="org-bar-home">${t('org.my_organisations')}</${Link}>
    <span class="org-bar-user">
      <span class="visually-hidden">${t('org.logged_in_as')} </span><span class="org-email">${me.email}</span>
      <${Button} kind="link" class="btn btn-link btn-logout" onClick=${leave}>${t('org.logout')}</${Button}>
    </span>
  </div>`;
}

function RedirectToLogin({ path }) {
  useEffect(() => {
    navigate(`/login?next=${encodeURIComponent(path)}`, { replace: true });
  }, [path]);
  return html`<${Loading} />`;
}

export default function OrgArea({ path }) {
  const session = useSession();
  const found = resolve(ROUTES, path);
  if (!found) {
    return html`<section class="page"><h1>${t('notfound.title')}</h1>
      <p><${Link} href="/o">${t('org.my_organisations')}</${Link}></p></section>`;
  }
  const { route, params } = found;
  const View = route.view;
  if (route.public) return html`<div class="org"><${View} key=${path} session=${session} ...${params} /></div>`;
  if (session.status === 'unknown') return html`<${Loading} />`;
  if (session.status === 'out') return html`<${RedirectToLogin} path=${path} />`;
  if (session.status === 'failed') {
    return html`<section class="page"><${ErrorBox} error=${session.error} onRetry=${reloadSession} /></section>`;
  }
  return html`<div class="org">
    <${AccountBar} me=${session.me} />
    <${View} key=${path} me=${session.me} ...${params} />
  </div>`;
}
