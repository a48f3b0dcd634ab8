// Claim cards that survive (server/vouchers/README.md): the codes of a batch exist in
// plain text only in the answer that made them, so this tab keeps them in
// sessionStorage — which outlives a reload and Android restoring a discarded tab, and
// ends with the tab — until the school confirms it saved or printed them. PDF and CSV
// are made by the server from the codes posted back (checked there, not stored). Lost
// cards are reissued by number.
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError, getCsrfToken } from '../api.js';
import { useAction } from '../action.js';
import { formatDateTime, t } from '../i18n.js';
import { currentPath, navigate, setLeaveGuard } from '../router.js';
import { Button, ErrorBox, Field } from '../ui/components.js';
import { MAX_SERIAL, parseSerials } from './card-serials.js';
import { useForm } from './forms.js';

const STORAGE_KEY = 'mentoring.cards';

function readAll() {
  try {
    const stored = JSON.parse(sessionStorage.getItem(STORAGE_KEY) || '[]');
    return Array.isArray(stored) ? stored : [];
  } catch {
    return [];
  }
}

function writeAll(batches) {
  try {
    if (batches.length) sessionStorage.setItem(STORAGE_KEY, JSON.stringify(batches));
    else sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    // Storage refused (private mode quota): the batch still lives in this page.
  }
  memory = batches;
}

let memory = null;

/** The batches not yet confirmed as saved: [{schoolId, allocationId, campaign, faceValue, codes, at, kind}]. */
export function unsavedBatches(schoolId) {
  const all = memory ?? readAll();
  memory = all;
  return schoolId === undefined ? all : all.filter((batch) => batch.schoolId === String(schoolId));
}

/** Keep a batch just issued (the only copy of its codes) before anything else happens. */
export function keepBatch({ schoolId, allocation, codes, kind = 'new' }) {
  const batch = { schoolId: String(schoolId), allocationId: allocation.id, campaign: allocation.campaign_name,
                  faceValue: allocation.face_value_cents, codes, at: new Date().toISOString(), kind };
  writeAll([...unsavedBatches(), batch]);
}

export function forgetBatches(schoolId) {
  writeAll(unsavedBatches().filter((batch) => batch.schoolId !== String(schoolId)));
}

function onBeforeUnload(event) {
  if (!unsavedBatches().length) return undefined;
  event.preventDefault();
  event.returnValue = ''; // older Chromium needs a value to ask
  return '';
}

if (typeof window !== 'undefined') window.addEventListener('beforeunload', onBeforeUnload);

/** While codes are unsaved, leaving `path` inside the app asks first. */
export function useLeaveWarning(path, active) {
  useEffect(() => {
    if (!active) return undefined;
    return setLeaveGuard(path, () => window.confirm(t('cards.leave_warning')));
  }, [path, active]);
}

/** POST the batch's codes back and save the file the server makes of them. */
async function downloadSheet(schoolId, batch, fmt, label) {
  const url = `/api/v1/schools/${schoolId}/allocations/${batch.allocationId}/cards.${fmt}`;
  let response;
  try {
    response = await fetch(url, {
      method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', Accept: '*/*', 'X-CSRF-Token': getCsrfToken() || '' },
      body: JSON.stringify({ cards: batch.codes.map(({ serial, code }) => ({ serial, code })), label }),
    });
  } catch {
    throw new ApiError({ status: 0, code: 'offline' });
  }
  if (!response.ok) {
    const problem = await response.json().catch(() => null);
    throw new ApiError({ status: response.status, code: problem?.code || `http_${response.status}`,
                         params: problem?.params || {} });
  }
  const href = URL.createObjectURL(await response.blob());
  const anchor = document.createElement('a');
  anchor.href = href;
  anchor.download = `schede-${label ? `${label.replace(/[^\w-]+/g, '')}-` : ''}${batch.allocationId}-${
    batch.at.slice(0, 10)}.${fmt}`;
  anchor.hidden = true;
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
  setTimeout(() => URL.revokeObjectURL(href), 60_000);
}

/** Download buttons and the class label of one batch. */
export function BatchDownloads({ schoolId, batch }) {
  const [label, setLabel] = useState('');
  const [state, setState] = useState({ busy: null, error: null, done: [] });
  const get = async (fmt) => {
    setState((s) => ({ ...s, busy: fmt, error: null }));
    try {
      await downloadSheet(schoolId, batch, fmt, label.trim());
      setState((s) => ({ busy: null, error: null, done: [...s.done, fmt] }));
    } catch (error) {
      setState((s) => ({ ...s, busy: null, error }));
    }
  };
  return html`<div class="batch-downloads no-print">
    <${Field} label=${t('cards.label')} hint=${t('cards.label_hint')} value=${label} maxlength="20"
      onInput=${setLabel} autocomplete="off" />
    <div class="actions">
      ${['pdf', 'csv'].map((fmt) => html`<${Button} key=${fmt} kind=${fmt === 'pdf' ? 'primary' : 'secondary'}
        busy=${state.busy === fmt} data-download=${fmt} onClick=${() => get(fmt)}>
        ${t(`cards.download_${fmt}`)}${state.done.includes(fmt) ? ` ✓` : ''}</${Button}>`)}
    </div>
    <${ErrorBox} error=${state.error} />
  </div>`;
}

/** Void lost cards by number and keep their new codes like a new batch. */
export function ReissueCards({ schoolId, allocation, onDone }) {
  const form = useForm({ serials: '' });
  const [pending, setPending] = useState(null);
  const [state, setState] = useState({ busy: false, error: null });
  const act = useAction();
  if (!allocation.codes_issued) return null;
  const check = (v) => (parseSerials(v.serials) ? {} : { serials: t('cards.reissue_error', { max: MAX_SERIAL }) });
  const ask = async (v) => setPending(parseSerials(v.serials));
  const go = async () => {
    setState({ busy: true, error: null });
    try {
      const answer = await act(`/schools/${schoolId}/allocations/${allocation.id}/codes/reissue`, {
        method: 'POST', csrf: true, body: { serials: pending } });
      keepBatch({ schoolId, allocation, codes: answer.codes, kind: 'reissue' });
      setPending(null);
      setState({ busy: false, error: null });
      onDone?.();
      navigate(`/o/school/${schoolId}/stampa`);
    } catch (error) {
      setState({ busy: false, error });
    }
  };
  const shown = pending?.join(', ');
  return html`<details class="reissue">
    <summary>${t('cards.reissue_title')}</summary>
    ${pending ? html`<div class="confirm" role="group" aria-label=${t('cards.reissue_title')}>
      <p>${t('cards.reissue_confirm', { count: pending.length, serials: shown })}</p>
      <div class="actions">
        <${Button} kind="danger" busy=${state.busy} onClick=${go}>${t('cards.reissue')}</${Button}>
        <${Button} kind="secondary" onClick=${() => { setPending(null); setState({ busy: false, error: null }); }}>
          ${t('org.back')}</${Button}>
      </div>
      <${ErrorBox} error=${state.error} />
    </div>` : html`<form class="form reissue-form" onSubmit=${form.submit(check, ask)} novalidate>
      <${Field} label=${t('cards.reissue_serials')} required value=${form.values.serials}
        onInput=${form.set('serials')} error=${form.errors.serials} hint=${t('cards.reissue_hint')}
        autocomplete="off" />
      <${Button} type="submit" kind="secondary">${t('cards.reissue')}</${Button}>
    </form>`}
  </details>`;
}

/** The warning, the downloads and the "saved" confirmation above the cards of the print page. */
export function UnsavedCards({ schoolId, batches, onForget }) {
  const total = batches.reduce((sum, batch) => sum + batch.codes.length, 0);
  const [asking, setAsking] = useState(false);
  useLeaveWarning(currentPath(), total > 0);
  if (!total) return null;
  return html`<div class="unsaved-cards no-print">
    <p class="notice notice-warning" role="status">${t('cards.unsaved', { count: total })}</p>
    ${batches.map((batch) => html`<section class="card batch-card" key=${batch.at}
      aria-label=${`${batch.campaign} · ${batchTitle(batch)}`}>
      <h2 class="card-title">${batch.campaign}</h2>
      <p class="meta">${batchTitle(batch)}</p>
      <${BatchDownloads} schoolId=${schoolId} batch=${batch} />
    </section>`)}
    <div class="actions">
      <${Button} kind="secondary" onClick=${() => window.print()}>${t('cards.print')}</${Button}>
      ${asking ? null : html`<${Button} onClick=${() => setAsking(true)}>${t('cards.confirm_saved')}</${Button}>`}
    </div>
    ${asking ? html`<div class="confirm" role="group" aria-label=${t('cards.confirm_saved')}>
      <p>${t('cards.confirm_question')}</p>
      <div class="actions">
        <${Button} onClick=${() => { setAsking(false); forgetBatches(schoolId); onForget(); }}>
          ${t('cards.confirm_yes')}</${Button}>
        <${Button} kind="secondary" onClick=${() => setAsking(false)}>${t('org.back')}</${Button}>
      </div>
    </div>` : null}
  </div>`;
}

export function batchTitle(batch) {
  const params = { count: batch.codes.length, at: formatDateTime(batch.at) };
  return batch.kind === 'reissue' ? t('cards.batch_reissue', params) : t('org.print.batch', params);
}
