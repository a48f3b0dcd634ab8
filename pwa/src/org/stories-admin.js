// The operator's list of every venue story, newest first, with "Nascondi" and a reason
// the venue will read (server/stories). A hidden story stays listed, marked.
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { formatDateTime, t } from '../i18n.js';
import { Button, ErrorBox, Field, Loading } from '../ui/components.js';
import { useResource } from './forms.js';
import { OrgTabs } from './layout.js';
import { StoryPhoto } from './stories.js';

function HideForm({ story, onHidden }) {
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const [state, setState] = useState({ busy: false, error: null, local: null });
  async function hide(event) {
    event.preventDefault();
    if (!reason.trim()) {
      setState({ busy: false, error: null, local: t('stories.reason_required') });
      return;
    }
    setState({ busy: true, error: null, local: null });
    try {
      await api(`/admin/stories/${story.id}/hide`, { method: 'POST', csrf: true, body: { reason: reason.trim() } });
      setState({ busy: false, error: null, local: null });
      setOpen(false);
      onHidden();
    } catch (error) {
      setState({ busy: false, error, local: null });
    }
  }
  if (!open) {
    return html`<div class="actions"><${Button} kind="secondary" onClick=${() => setOpen(true)}
      aria-label=${t('stories.hide_label', { venue: story.venue_name })}>${t('stories.hide')}</${Button}></div>`;
  }
  return html`<form class="form confirm" onSubmit=${hide} novalidate
      aria-label=${t('stories.hide_label', { venue: story.venue_name })}>
    <${Field} label=${t('stories.hide_reason')} value=${reason} onInput=${setReason} maxLength="300"
      error=${state.local} id=${`hide-reason-${story.id}`} />
    <${ErrorBox} error=${state.error} />
    <div class="actions">
      <${Button} type="submit" kind="danger" busy=${state.busy}>${t('stories.hide_yes')}</${Button}>
      <${Button} kind="secondary" onClick=${() => setOpen(false)}>${t('stories.delete_no')}</${Button}>
    </div>
  </form>`;
}

export function AdminStories({ me }) {
  const stories = useResource('/admin/stories');
  const items = stories.data || [];
  return html`<${OrgTabs} kind="admin" me=${me} current="/o/admin/racconti" />
  <section class="page narrow admin-stories">
    <h1>${t('stories.admin_title')}</h1>
    <p>${t('stories.admin_lead')}</p>
    <${ErrorBox} error=${stories.error} onRetry=${stories.reload} />
    ${stories.loading && !stories.data ? html`<${Loading} />` : null}
    ${items.length ? html`<ul class="cards cards-single">${items.map((story) => html`<li key=${story.id}
        class="card story" data-story=${story.id} data-hidden=${story.hidden_at ? 'true' : 'false'}>
      <span class="card-title">${story.venue_name}</span>
      <span class="meta">${story.event_title ? `${story.event_title} · ` : ''}${formatDateTime(story.posted_at)}</span>
      <p class="story-body">${story.body}</p>
      <${StoryPhoto} story=${story} />
      ${story.hidden_at ? html`<p class="pill pill-cancelled">${t('stories.hidden')}</p>
        <p class="meta">${t('stories.hidden_reason', { reason: story.hidden_reason })}</p>`
        : html`<${HideForm} story=${story} onHidden=${stories.reload} />`}
    </li>`)}</ul>` : stories.data ? html`<p class="meta">${t('stories.admin_none')}</p>` : null}
  </section>`;
}
