// First use: log in (the shared /login page, which comes back here), pick the venue,
// enrol this phone and download its first bundle. Needs a connection once; after that
// the scanner works offline.
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { t } from '../i18n.js';
import { restoreSession } from '../pages/login.js';
import { Button, ErrorBox, Field, Link, Loading, Notice } from '../ui/components.js';
import { enrol, venueChoices } from './enrolment.js';
import { warmDecoder } from './decoder.js';

export function Setup({ onEnrolled }) {
  const [state, setState] = useState({ status: 'loading' });
  const [venueId, setVenueId] = useState(null);
  const [label, setLabel] = useState(t('scanner.device_label_default'));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);

  async function load() {
    setState({ status: 'loading' });
    try {
      const me = await restoreSession();
      const venues = venueChoices(me);
      setVenueId(venues.length === 1 ? venues[0].organisation_id : null);
      setState({ status: 'ready', venues });
    } catch (failure) {
      if (failure.code === 'login_required') setState({ status: 'login' });
      else if (failure.code === 'offline') setState({ status: 'offline' });
      else setState({ status: 'error', error: failure });
    }
  }

  useEffect(() => {
    load();
  }, []);

  async function submit(event) {
    event.preventDefault();
    const venue = state.venues.find((v) => v.organisation_id === venueId);
    if (!venue) return;
    setBusy(true);
    setError(null);
    try {
      const enrolment = await enrol({ venueId: venue.organisation_id, venueName: venue.name,
                                      label: label.trim() || t('scanner.device_label_default') });
      warmDecoder(); // fetch the QR decoder now, while online: it is needed offline later
      onEnrolled(enrolment);
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  }

  let body;
  if (state.status === 'loading') {
    body = html`<${Loading} />`;
  } else if (state.status === 'login') {
    body = html`<p>${t('scanner.login_needed')}</p>
      <p><${Link} href="/login?next=/s" class="btn btn-primary">${t('scanner.login')}</${Link}></p>`;
  } else if (state.status === 'offline') {
    body = html`<${Notice} kind="warning">${t('scanner.setup_offline')}</${Notice}>
      <${Button} kind="secondary" onClick=${load}>${t('common.retry')}</${Button}>`;
  } else if (state.status === 'error') {
    body = html`<${ErrorBox} error=${state.error} onRetry=${load} />`;
  } else if (!state.venues.length) {
    body = html`<${Notice} kind="warning">${t('scanner.no_venues')}</${Notice}>`;
  } else {
    body = html`<form class="form" onSubmit=${submit}>
      <fieldset class="sc-venues">
        <legend>${t('scanner.venue')}</legend>
        ${state.venues.map((venue) => html`<label key=${venue.organisation_id}>
          <input type="radio" name="venue" value=${venue.organisation_id} required
            checked=${venue.organisation_id === venueId} onChange=${() => setVenueId(venue.organisation_id)} />
          <span>${venue.name}</span>
        </label>`)}
      </fieldset>
      <${Field} label=${t('scanner.device_label')} hint=${t('scanner.device_label_hint')} value=${label}
        maxlength="100" onInput=${setLabel} />
      <${ErrorBox} error=${error} />
      <${Button} type="submit" busy=${busy} disabled=${venueId === null}>${t('scanner.enrol')}</${Button}>
    </form>`;
  }
  return html`<section class="page narrow">
    <h1>${t('scanner.setup_title')}</h1>
    <p class="lead">${t('scanner.setup_lead')}</p>
    ${body}
  </section>`;
}
