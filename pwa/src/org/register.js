// Joining the platform: a member account (/o/registrati), then an organisation
// (/o/nuova) that a platform admin approves. The identifiers are checked by the
// server (partita IVA, IBAN, codice meccanografico, comune: server/onboarding/);
// its Italian message shows under the field it is about.
import { html } from 'htm/preact';
import { api } from '../api.js';
import { useAction } from '../action.js';
import { t } from '../i18n.js';
import { navigate } from '../router.js';
import { useCategories, categoryLabel } from '../wallet/categories.js';
import { Button, ErrorBox, Field, Link } from '../ui/components.js';
import { Choices, useForm } from './forms.js';
import { reloadSession, sessionOpened } from './session.js';

const MIN_PASSWORD = 10;

export function SignUp() {
  const form = useForm({ email: '', password: '' });
  const { values, set, errors } = form;
  const check = (v) => {
    const found = {};
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v.email.trim())) found.email = t('org.error_email');
    if (v.password.length < MIN_PASSWORD) found.password = t('org.error_password', { count: MIN_PASSWORD });
    return found;
  };
  const send = async (v) => {
    const session = await api('/auth/register', { method: 'POST', body: { email: v.email.trim(),
                                                                            password: v.password } });
    sessionOpened(session);
    navigate('/o/nuova', { replace: true });
  };
  return html`<section class="page narrow">
    <h1>${t('org.signup_title')}</h1>
    <p class="lead">${t('org.signup_lead')}</p>
    <form class="form" onSubmit=${form.submit(check, send)} novalidate>
      <${Field} label=${t('login.email')} type="email" autocomplete="email" required value=${values.email}
        onInput=${set('email')} error=${errors.email} />
      <${Field} label=${t('login.password')} type="password" autocomplete="new-password" required
        value=${values.password} onInput=${set('password')} error=${errors.password}
        hint=${t('org.password_hint', { count: MIN_PASSWORD })} />
      <${ErrorBox} error=${form.error} />
      <${Button} type="submit" busy=${form.busy}>${t('org.signup_submit')}</${Button}>
    </form>
    <p>${t('org.have_account')} <${Link} href="/login?next=/o">${t('login.submit')}</${Link}></p>
  </section>`;
}

const KINDS = ['sponsor', 'school', 'venue'];

/** Which identifiers each kind gives (the server asks for the same). */
const NEEDS = {
  sponsor: { vat_number: true },
  school: { school_code: true },
  venue: { vat_number: true, iban: true, categories: true },
};

export function RegisterOrganisation() {
  const categories = useCategories();
  const form = useForm({ kind: 'sponsor', name: '', municipality: '', address: '', vat_number: '', school_code: '',
                         iban: '', categories: [] });
  const { values, set, errors } = form;
  const act = useAction();
  const needs = NEEDS[values.kind];
  const check = (v) => {
    const found = {};
    if (v.name.trim().length < 2) found.name = t('org.error_required');
    if (!v.municipality.trim()) found.municipality = t('org.error_required');
    for (const name of ['vat_number', 'school_code', 'iban']) {
      if (NEEDS[v.kind][name] && !v[name].trim()) found[name] = t('org.error_required');
    }
    return found;
  };
  const send = async (v) => {
    const body = { kind: v.kind, name: v.name.trim(), municipality: v.municipality.trim() };
    if (v.address.trim()) body.address = v.address.trim();
    for (const name of ['vat_number', 'school_code', 'iban']) if (NEEDS[v.kind][name]) body[name] = v[name].trim();
    if (NEEDS[v.kind].categories) body.categories = v.categories;
    await act('/organisations', { method: 'POST', body, csrf: true });
    await reloadSession();
    navigate('/o?registrata=1', { replace: true });
  };
  return html`<section class="page narrow">
    <h1>${t('org.register_title')}</h1>
    <p class="lead">${t('org.register_lead')}</p>
    <form class="form" onSubmit=${form.submit(check, send)} novalidate>
      <${Choices} legend=${t('org.kind')} value=${values.kind} onInput=${set('kind')} name="kind"
        options=${KINDS.map((kind) => ({ value: kind, label: t(`org.kind_${kind}_long`) }))} error=${errors.kind} />
      <${Field} label=${t('org.name')} required value=${values.name} onInput=${set('name')} error=${errors.name}
        autocomplete="organization" />
      <${Field} label=${t('org.municipality')} required value=${values.municipality} onInput=${set('municipality')}
        error=${errors.municipality} hint=${t('org.municipality_hint')} />
      <${Field} label=${t('org.address')} value=${values.address} onInput=${set('address')} error=${errors.address}
        autocomplete="street-address" />
      ${needs.vat_number ? html`<${Field} label=${t('org.vat_number')} required value=${values.vat_number}
        onInput=${set('vat_number')} error=${errors.vat_number} inputmode="numeric" hint=${t('org.vat_hint')} />` : null}
      ${needs.school_code ? html`<${Field} label=${t('org.school_code')} required value=${values.school_code}
        onInput=${set('school_code')} error=${errors.school_code} hint=${t('org.school_code_hint')}
        autocapitalize="characters" />` : null}
      ${needs.iban ? html`<${Field} label=${t('org.iban')} required value=${values.iban} onInput=${set('iban')}
        error=${errors.iban} hint=${t('org.iban_hint')} autocapitalize="characters" />` : null}
      ${needs.categories ? html`<${Choices} legend=${t('org.venue_categories')} multiple value=${values.categories}
        onInput=${set('categories')} error=${errors.categories}
        options=${categories.map((c) => ({ value: c.slug, label: categoryLabel(categories, c.slug) }))} />` : null}
      <${ErrorBox} error=${form.error} />
      <${Button} type="submit" busy=${form.busy}>${t('org.register_submit')}</${Button}>
    </form>
  </section>`;
}
