// /o: the organisations the person belongs to, the operator's desk for platform
// admins, and registering a new organisation.
import { html } from 'htm/preact';
import { t } from '../i18n.js';
import { Link, Notice } from '../ui/components.js';

const KIND_ICONS = { sponsor: '🤝', school: '🏫', venue: '🎭' };

function statusText(status) {
  if (status === 'pending') return t('org.status_pending');
  if (status === 'rejected') return t('org.status_rejected');
  return t('org.status_approved');
}

function MembershipCard({ membership }) {
  const body = html`
    <span class="card-title"><span aria-hidden="true">${KIND_ICONS[membership.kind] || '🏛️'} </span>${membership.name}</span>
    <span class="meta">${t(`org.kind_${membership.kind}`)}${membership.role === 'staff'
      ? ` · ${t('org.role_staff')}` : ''}</span>
    <span class=${`org-status org-status-${membership.status}`}>${statusText(membership.status)}</span>`;
  // Only approved organisations act; a pending one has nothing to open yet.
  if (membership.status !== 'approved') {
    return html`<li class="card membership" data-status=${membership.status}>${body}</li>`;
  }
  return html`<li>
    <${Link} href=${`/o/${membership.kind}/${membership.organisation_id}`} class="card membership"
      data-status=${membership.status}>${body}</${Link}>
  </li>`;
}

export function OrgHome({ me }) {
  const registered = new URLSearchParams(location.search).get('registrata');
  const memberships = me.memberships || [];
  return html`<section class="page org-home">
    <h1>${t('org.home_title')}</h1>
    ${registered ? html`<${Notice}>${t('org.registered_notice')}</${Notice}>` : null}
    ${me.is_platform_admin ? html`<p><${Link} href="/o/admin" class="btn btn-primary">
      ${t('org.admin_desk')}</${Link}></p>` : null}
    ${memberships.length
      ? html`<ul class="cards">${memberships.map((m) => html`<${MembershipCard} key=${m.organisation_id}
          membership=${m} />`)}</ul>`
      : html`<p>${t('org.no_memberships')}</p>`}
    <p><${Link} href="/o/nuova" class="btn btn-secondary">${t('org.register')}</${Link}></p>
  </section>`;
}
