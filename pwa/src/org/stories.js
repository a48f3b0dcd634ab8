// "Racconta l'evento": a venue's owners and members write a few lines about an event,
// with a photo if they like, for the sponsors whose vouchers were used there
// (server/stories). The confirmation that no minor is recognisable is required by the
// server too. The story is posted first and its photo after, as its own request, so a
// refused photo never loses the text. Below, the venue's stories, with delete, and a
// story the operator hid shows that it was hidden and why.
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { ApiError, getCsrfToken } from '../api.js';
import { useAction } from '../action.js';
import { formatDateTime, t } from '../i18n.js';
import { Button, ErrorBox, Loading, Notice } from '../ui/components.js';
import { ConfirmAction, SelectField, TextArea, useForm, useResource } from './forms.js';
import { OrgHeading, OrgTabs } from './layout.js';
import { membershipOf } from './session.js';

export const MAX_STORY_CHARS = 500; // server/stories/models.py MAX_BODY
export const MAX_PHOTO_BYTES = 2_000_000; // the posters' limit, which photos share

/** POST the photo as multipart/form-data (api() speaks JSON only); errors as ApiError. */
export async function uploadPhoto(storyId, file) {
  const form = new FormData();
  form.append('photo', file, file.name || 'foto');
  let response;
  try {
    response = await fetch(`/api/v1/stories/${storyId}/photo`, {
      method: 'POST', body: form, credentials: 'same-origin',
      headers: { Accept: 'application/json, application/problem+json', 'X-CSRF-Token': getCsrfToken() || '' },
    });
  } catch {
    throw new ApiError({ status: 0, code: 'offline' });
  }
  const data = await response.json().catch(() => null);
  if (response.ok) return data;
  throw new ApiError({ status: response.status, code: data?.code || `http_${response.status}`,
                       field: data?.field ?? null, params: data?.params || {} });
}

export function StoryPhoto({ story }) {
  if (!story.photo_url) return null;
  const alt = story.event_title ? t('stories.photo_alt_event', { title: story.event_title }) : t('stories.photo_alt');
  return html`<img class="story-photo" src=${story.photo_url} alt=${alt} loading="lazy" />`;
}

function StoryForm({ venueId, onPosted }) {
  const events = useResource(`/venues/${venueId}/events?page_size=100`);
  const form = useForm({ body: '', event_id: '', no_minor: false });
  const [photo, setPhoto] = useState({ file: null, error: null });
  const [outcome, setOutcome] = useState({ done: false, photoError: null });
  const [round, setRound] = useState(0); // a new file input after each story (clears the chosen file)
  const act = useAction();
  const { values, set, errors } = form;
  const check = (v) => {
    const found = {};
    if (!v.body.trim()) found.body = t('stories.body_required');
    if (!v.no_minor) found.no_minor = t('stories.no_minor_required');
    if (photo.file && photo.file.size > MAX_PHOTO_BYTES) found.photo = t('stories.photo_too_large_local');
    return found;
  };
  const send = async (v) => {
    setOutcome({ done: false, photoError: null });
    const story = await act(`/venues/${venueId}/stories`, { method: 'POST', csrf: true, body: {
      body: v.body.trim(), event_id: v.event_id ? Number(v.event_id) : null, no_minor_recognisable: v.no_minor } });
    let photoError = null;
    if (photo.file) {
      try {
        await uploadPhoto(story.id, photo.file);
      } catch (error) {
        photoError = error;
      }
    }
    form.setValues({ body: '', event_id: '', no_minor: false });
    setPhoto({ file: null, error: null });
    setRound((n) => n + 1);
    setOutcome({ done: true, photoError });
    onPosted();
  };
  const options = [{ value: '', label: t('stories.no_event') },
    ...(events.data?.items || []).map((event) => ({ value: String(event.id),
      label: `${event.title} · ${formatDateTime(event.starts_at)}` }))];
  const left = MAX_STORY_CHARS - values.body.length;
  const photoError = errors.photo || photo.error;
  return html`<form class="form story-form" onSubmit=${form.submit(check, send)} novalidate>
    <${TextArea} label=${t('stories.body')} value=${values.body} onInput=${set('body')} maxLength=${MAX_STORY_CHARS}
      rows="5" required hint=${`${t('stories.body_hint')} ${t('stories.chars_left', { count: left })}`}
      error=${errors.body} />
    <${SelectField} label=${t('stories.event')} value=${values.event_id} onInput=${set('event_id')}
      options=${options} error=${errors.event_id} />
    <div class="field">
      <label for="story-photo">${t('stories.photo')}</label>
      <input key=${round} id="story-photo" type="file" accept="image/jpeg,image/png,image/webp"
        aria-describedby=${photoError ? 'story-photo-hint story-photo-error' : 'story-photo-hint'}
        aria-invalid=${photoError ? 'true' : undefined}
        onChange=${(e) => setPhoto({ file: e.currentTarget.files[0] || null, error: null })} />
      <p class="hint" id="story-photo-hint">${t('stories.photo_hint')}</p>
      ${photoError ? html`<p class="field-error" id="story-photo-error">${photoError}</p>` : null}
    </div>
    <div class="field">
      <label class="radio" for="story-no-minor">
        <input id="story-no-minor" type="checkbox" checked=${values.no_minor} required
          aria-invalid=${errors.no_minor ? 'true' : undefined}
          aria-describedby=${errors.no_minor ? 'story-no-minor-hint story-no-minor-error' : 'story-no-minor-hint'}
          onChange=${(e) => set('no_minor')(e.currentTarget.checked)} />
        <span>${t('stories.no_minor')}</span>
      </label>
      <p class="hint" id="story-no-minor-hint">${t('stories.no_minor_hint')}</p>
      ${errors.no_minor ? html`<p class="field-error" id="story-no-minor-error">${errors.no_minor}</p>` : null}
    </div>
    <${ErrorBox} error=${form.error} />
    ${outcome.done && !outcome.photoError ? html`<${Notice}>${t('stories.published')}</${Notice}>` : null}
    ${outcome.photoError ? html`<${Notice} kind="warning">${t('stories.photo_failed')}
      <${ErrorBox} error=${outcome.photoError} /></${Notice}>` : null}
    <${Button} type="submit" busy=${form.busy}>${t('stories.publish')}</${Button}>
  </form>`;
}

function OwnStory({ venueId, story, onDeleted }) {
  const act = useAction();
  const date = formatDateTime(story.posted_at);
  return html`<li class="card story" data-story=${story.id} data-hidden=${story.hidden_at ? 'true' : 'false'}>
    ${story.event_title ? html`<span class="card-title">${story.event_title}</span>` : null}
    <span class="meta">${t('stories.posted_at', { date })}</span>
    ${story.hidden_at ? html`<div class="notice notice-warning" role="note">
      <p><strong>${t('stories.hidden')}</strong></p><p>${t('stories.hidden_reason', { reason: story.hidden_reason })}</p>
    </div>` : null}
    <p class="story-body">${story.body}</p>
    <${StoryPhoto} story=${story} />
    <div class="actions">
      <${ConfirmAction} label=${t('stories.delete')} confirmLabel=${t('stories.delete_yes')} kind="danger"
        name=${date} question=${t('stories.delete_confirm')}
        onConfirm=${async () => {
          await act(`/venues/${venueId}/stories/${story.id}`, { method: 'DELETE', csrf: true });
          onDeleted();
        }} />
    </div>
  </li>`;
}

export function VenueStoriesPage({ me, id }) {
  const staff = membershipOf(me, id)?.role === 'staff';
  const stories = useResource(staff ? null : `/venues/${id}/stories`);
  const items = stories.data || [];
  if (staff) {
    // Entrance staff scan; stories are the owners' and members' (the server refuses staff too).
    return html`<${OrgTabs} kind="venue" id=${id} me=${me} current=${`/o/venue/${id}/racconti`} />
    <section class="page"><${OrgHeading} me=${me} id=${id} kind="venue" title=${t('org.venue.staff_title')} />
      <p>${t('org.venue.staff_text')}</p></section>`;
  }
  return html`<${OrgTabs} kind="venue" id=${id} me=${me} current=${`/o/venue/${id}/racconti`} />
  <section class="page narrow stories-page">
    <${OrgHeading} me=${me} id=${id} kind="venue" title=${t('stories.title')} />
    <p>${t('stories.lead')}</p>
    <${StoryForm} venueId=${id} onPosted=${stories.reload} />
    <h2>${t('stories.own_title')}</h2>
    <${ErrorBox} error=${stories.error} onRetry=${stories.reload} />
    ${stories.loading && !stories.data ? html`<${Loading} />` : null}
    ${items.length ? html`<ul class="cards cards-single">${items.map((story) => html`<${OwnStory} key=${story.id}
      venueId=${id} story=${story} onDeleted=${stories.reload} />`)}</ul>`
      : stories.data ? html`<p class="meta">${t('stories.none')}</p>` : null}
  </section>`;
}
