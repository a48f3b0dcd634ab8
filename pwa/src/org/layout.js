// Pieces every organisation page shares: the heading with the organisation's name and
// its tabs (sponsor: campaigns; school: allocations; venue: events, report, scanner;
// for owners, people).
import { html } from 'htm/preact';
import { t } from '../i18n.js';
import { Link } from '../ui/components.js';
import { useResource } from './forms.js';
import { membershipOf } from './session.js';

const TABS = {
  sponsor: (id) => [
    { href: `/o/sponsor/${id}`, label: 'org.tab_campaigns' },
    { href: `/o/sponsor/${id}/ricevute`, label: 'documents.tab_receipts' },
  ],
  school: (id) => [
    { href: `/o/school/${id}`, label: 'org.tab_allocations' },
    { href: `/o/school/${id}/stampa`, label: 'org.tab_print' },
    { href: `/o/school/${id}/buoni`, label: 'recovery.tab' },
  ],
  venue: (id) => [
    { href: `/o/venue/${id}`, label: 'org.tab_events' },
    { href: `/o/venue/${id}/report`, label: 'org.tab_report' },
    // Money: owners and members, not the scanner staff (the server refuses them too).
    { href: `/o/venue/${id}/pagamenti`, label: 'documents.tab_payouts', notFor: 'staff' },
    { href: `/o/venue/${id}/racconti`, label: 'stories.tab', notFor: 'staff' },
    { href: '/s', label: 'org.tab_scanner' },
  ],
  admin: () => [
    { href: '/o/admin', label: 'org.admin.tab_overview' },
    { href: '/o/admin/organizzazioni', label: 'org.admin.tab_organisations' },
    { href: '/o/admin/ricariche', label: 'org.admin.tab_topups' },
    { href: '/o/admin/pagamenti', label: 'banking.tab' },
    { href: '/o/admin/segnalazioni', label: 'org.admin.tab_flags' },
    { href: '/o/admin/racconti', label: 'stories.admin_tab' },
  ],
};

/** The organisation's name: from the membership, or (platform admins) from the server. */
export function useOrganisationName(me, id) {
  const membership = membershipOf(me, id);
  const fetched = useResource(membership || !me?.is_platform_admin ? null : `/organisations/${id}`);
  return membership?.name || fetched.data?.name || '';
}

/** The tab bar of one organisation (or of the operator's pages: kind 'admin'). Given `me`,
 * owners also see "People", where they invite (people.js). */
export function OrgTabs({ kind, id, current, me }) {
  const role = kind !== 'admin' ? membershipOf(me, id)?.role : undefined;
  const owner = role === 'owner';
  const own = TABS[kind](id).filter((tab) => !tab.notFor || tab.notFor !== role);
  const tabs = owner ? [...own, { href: `/o/${kind}/${id}/persone`, label: 'org.tab_people' }] : own;
  return html`<nav class="tabs org-tabs no-print" aria-label=${t(`org.kind_${kind}`)}>
    ${tabs.map((tab) => html`<${Link} key=${tab.href} href=${tab.href} class="tab"
        aria-current=${tab.href === current ? 'page' : undefined}>${t(tab.label)}</${Link}>`)}
  </nav>`;
}

/** Heading block: the organisation's kind and name above the page's own title. */
export function OrgHeading({ me, id, kind, title }) {
  const name = useOrganisationName(me, id);
  return html`<header class="org-heading">
    <p class="org-kicker">${t(`org.kind_${kind}`)}${name ? html` · <span class="org-name">${name}</span>` : null}</p>
    <h1>${title}</h1>
  </header>`;
}

/** "Back to …" link at the top of a sub-page. */
export function BackLink({ href, children }) {
  return html`<p class="back no-print"><${Link} href=${href}><span aria-hidden="true">← </span>${children}</${Link}></p>`;
}
