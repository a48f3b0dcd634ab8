// The poster of a venue's event: choose an image, we upload it as base64 JSON (like
// every other upload of this API) and the server re-encodes it without its metadata
// (server/catalogue/posters.py). Only on an event that exists: the poster is its own
// request, so a failed upload never loses the rest of the form.
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { t } from '../i18n.js';
import { Button, ErrorBox, Notice } from '../ui/components.js';
import { Poster } from '../wallet/poster.js';

export const MAX_POSTER_BYTES = 2_000_000; // the server's limit (posters.MAX_POSTER_BYTES)

function base64Of(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).split(',', 2)[1] || '');
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

export function EventPosterField({ venueId, event, onChange }) {
  const [state, setState] = useState({ busy: false, error: null, done: null });
  const url = `/venues/${venueId}/events/${event.id}/poster`;
  async function upload(file) {
    if (!file) return;
    if (file.size > MAX_POSTER_BYTES) {
      setState({ busy: false, error: null, done: null, local: t('catalogue2.poster_too_large_local') });
      return;
    }
    setState({ busy: true, error: null, done: null });
    try {
      const updated = await api(url, { method: 'PUT', csrf: true, body: { content: await base64Of(file) } });
      onChange(updated);
      setState({ busy: false, error: null, done: 'catalogue2.poster_uploaded' });
    } catch (error) {
      setState({ busy: false, error, done: null });
    }
  }
  async function remove() {
    setState({ busy: true, error: null, done: null });
    try {
      onChange(await api(url, { method: 'DELETE', csrf: true }));
      setState({ busy: false, error: null, done: 'catalogue2.poster_removed' });
    } catch (error) {
      setState({ busy: false, error, done: null });
    }
  }
  return html`<div class="field poster-field">
    <label for="event-poster">${t('catalogue2.poster')}</label>
    ${event.poster ? html`<figure class="poster-preview">
      <${Poster} poster=${event.poster} alt=${event.title} sizes="20rem" />
      <figcaption class="meta">${t('catalogue2.poster_current')}</figcaption>
    </figure>` : null}
    <input id="event-poster" type="file" accept="image/jpeg,image/png,image/webp" disabled=${state.busy}
      aria-describedby="event-poster-hint" onChange=${(e) => upload(e.currentTarget.files[0])} />
    <p class="hint" id="event-poster-hint">${t('catalogue2.poster_hint')}</p>
    ${state.local ? html`<p class="field-error" role="alert">${state.local}</p>` : null}
    <${ErrorBox} error=${state.error} />
    ${state.done ? html`<${Notice}>${t(state.done)}</${Notice}>` : null}
    ${event.poster ? html`<div class="actions"><${Button} kind="link" busy=${state.busy} onClick=${remove}>
      ${t('catalogue2.poster_remove')}</${Button}></div>` : null}
  </div>`;
}
