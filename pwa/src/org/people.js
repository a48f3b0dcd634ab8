// /o/<kind>/:id/persone: the owner sees who belongs, takes out who has left, and
// invites people. An invitation is a signed link the server does not keep (valid 7
// days, POST /organisations/:id/invitations); the owner sends it as they like (mail,
// chat) and whoever opens it joins (pages/invitation.js). At venues the owner picks the
// role: members run the programme, staff only scan at the entrance. Sponsors and
// schools invite members only.
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { useAction } from '../action.js';
import { t } from '../i18n.js';
import { Button, ErrorBox, Field, Loading, Notice } from '../ui/components.js';
import { ConfirmAction, SelectField, useCopy, useForm, useResource } from './forms.js';
import { OrgHeading, OrgTabs } from './layout.js';
import { membershipOf } from './session.js';

const KINDS = ['sponsor', 'school', 'venue'];
const looksLikeEmail = (text) => /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(text.trim());

function InvitationLink({ invitation }) {
  const { state, copy } = useCopy();
  const role = t(invitation.role === 'staff' ? 'org.people.role_staff_short' : 'org.people.role_member_short');
  return html`<div class="card invitation-link" data-email=${invitation.email}>
    <h2>${t('org.people.link_title', { email: invitation.email })}</h2>
    <p>${t('org.people.link_text', { email: invitation.email, role })}</p>
    <dl class="sepa"><div class="sepa-row">
      <dt>${t('org.people.link')}</dt>
      <dd>
        <span class="sepa-value invitation-url">${invitation.link}</span>
        <button type="button" class="btn btn-secondary btn-copy" onClick=${() => copy(invitation.link)}
          aria-label=${t('org.people.copy_label', { email: invitation.email })}>${t('org.topup.copy')}</button>
        <span class="copy-state" role="status">${state === 'copied' ? t('org.topup.copied')
          : state === 'failed' ? t('org.topup.copy_failed') : ''}</span>
      </dd>
    </div></dl>
  </div>`;
}

const ROLE_LABELS = { owner: 'org.people.role_owner', member: 'org.people.role_member', staff: 'org.people.role_staff' };

/** Who belongs now. Owners remove anyone but themselves (the server keeps at least one owner). */
function Members({ me, id }) {
  const members = useResource(`/organisations/${id}/members`);
  const [removed, setRemoved] = useState(null);
  const remove = (member) => async () => {
    await api(`/organisations/${id}/members/${member.id}`, { method: 'DELETE', csrf: true });
    setRemoved(member.email);
    members.reload();
  };
  return html`<section class="members" aria-labelledby="members-title">
    <h2 id="members-title">${t('org.people.members_title')}</h2>
    ${removed ? html`<${Notice}>${t('org.people.removed', { email: removed })}</${Notice}>` : null}
    <${ErrorBox} error=${members.error} onRetry=${members.reload} />
    ${members.loading && !members.data ? html`<${Loading} />` : null}
    ${members.data?.length ? html`<ul class="cards cards-single">${members.data.map((member) => html`<li
        key=${member.id} class="card member" data-email=${member.email}>
      <span class="card-title">${member.email}${member.email === me.email ? ` (${t('org.people.you')})` : ''}</span>
      <span class="meta">${t(ROLE_LABELS[member.role] || 'org.people.role_member')}</span>
      ${member.email === me.email ? null : html`<div class="actions"><${ConfirmAction} kind="danger"
        label=${t('org.people.remove')} confirmLabel=${t('org.people.remove_yes')} name=${member.email}
        question=${t('org.people.remove_question', { email: member.email })} onConfirm=${remove(member)} /></div>`}
    </li>`)}</ul>` : null}
  </section>`;
}

export function PeoplePage({ me, kind, id }) {
  const owner = membershipOf(me, id)?.role === 'owner';
  const venue = kind === 'venue';
  const form = useForm({ email: '', role: 'member' });
  const { values, set, errors } = form;
  const act = useAction();
  const [invitation, setInvitation] = useState(null);
  if (!KINDS.includes(kind)) return html`<section class="page"><h1>${t('notfound.title')}</h1></section>`;
  const check = (v) => (looksLikeEmail(v.email) ? {} : { email: t('org.error_email') });
  const send = async (v) => {
    const email = v.email.trim();
    const role = venue ? v.role : 'member';
    const made = await act(`/organisations/${id}/invitations`, { method: 'POST', csrf: true, body: { email, role } });
    setInvitation({ ...made, email, role });
    form.setValues((previous) => ({ ...previous, email: '' }));
  };
  const roles = [{ value: 'member', label: t('org.people.role_member') },
    { value: 'staff', label: t('org.people.role_staff') }];
  return html`<${OrgTabs} kind=${kind} id=${id} me=${me} current=${`/o/${kind}/${id}/persone`} />
  <section class="page narrow people-page">
    <${OrgHeading} me=${me} id=${id} kind=${kind} title=${t('org.tab_people')} />
    ${owner ? html`
      <${Members} me=${me} id=${id} />
      <h2>${t('org.people.title')}</h2>
      <p class="lead">${t(venue ? 'org.people.lead_venue' : 'org.people.lead')}</p>
      <form class="form" onSubmit=${form.submit(check, send)} novalidate>
        <${Field} label=${t('org.people.email')} type="email" autocomplete="off" required value=${values.email}
          onInput=${set('email')} error=${errors.email} />
        ${venue ? html`<${SelectField} label=${t('org.people.role')} value=${values.role} onInput=${set('role')}
          options=${roles} error=${errors.role} />` : null}
        <${ErrorBox} error=${form.error} />
        <${Button} type="submit" busy=${form.busy}>${t('org.people.submit')}</${Button}>
      </form>
      ${invitation ? html`<${InvitationLink} key=${invitation.token} invitation=${invitation} />` : null}`
      : html`<${Notice}>${t('org.people.owners_only')}</${Notice}>`}
  </section>`;
}
