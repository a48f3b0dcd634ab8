// The operator's "Pagamenti" page: upload a bank statement (camt.053/054), see what it
// would match, import it; decide the movements that did not match by themselves; the
// import history; and the settlement runs that pay venues (payments-runs.js). A big
// file answers 202: a job imports it, followed with its progress bar (job-progress.js).
// An import whose job failed is "non riuscita" with a Riprova button: the same job goes
// on from where it stopped (POST /admin/bank-statements/:id/resume). One button per
// failed import: under the upload's bar while the upload follows that statement, else
// on its card in the import list (a second one would resume a job already going: 409).
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { useAction, useActions } from '../action.js';
import { formatDate, formatDateTime, t } from '../i18n.js';
import { Button, ErrorBox, Loading, Money, Notice } from '../ui/components.js';
import { AdminFrame } from './admin.js';
import { ConfirmAction, TextArea, useResource } from './forms.js';
import { JobProgress, isJob } from './job-progress.js';
import { SettlementRuns } from './payments-runs.js';

/** The file's bytes as base64 (the API takes the XML inside JSON). */
function readAsBase64(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).split(',', 2)[1] || '');
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

function countsText(counts) {
  return t('banking.counts', { credits: counts.credits_matched, debits: counts.debits_matched, queued: counts.queued,
                               known: counts.already_known });
}

function LineSummary({ line }) {
  const who = line.topup_id && line.reference ? t('banking.topup_n', { reference: line.reference })
    : line.payout_id ? t('banking.payout_n', { id: line.payout_id }) : null;
  return html`
    <span class="card-title">${t(`banking.direction_${line.direction}`)} · <${Money} cents=${line.amount_cents} />
      ${line.currency !== 'EUR' ? ` ${line.currency}` : ''}</span>
    <span class="meta">${formatDate(line.booked_on)}${line.counterparty_name ? ` · ${line.counterparty_name}` : ''}</span>
    ${line.remittance ? html`<span class="meta mono bank-remittance">${line.remittance}</span>` : null}
    ${line.end_to_end_id ? html`<span class="meta mono">${line.end_to_end_id}</span>` : null}
    <span class="meta"><strong data-status=${line.status}>${t(`banking.status_${line.status}`)}</strong>
      ${line.queue_reason ? ` · ${t(`banking.reason_${line.queue_reason}`)}` : ''}${who ? ` · ${who}` : ''}</span>`;
}

/** "Riprova" on a failed import: its job goes on from its checkpoint; `onResumed(job)`. */
function ResumeImport({ statementId, onResumed }) {
  const [state, setState] = useState({ busy: false, error: null });
  const resumeAction = useAction();
  async function resume() {
    setState({ busy: true, error: null });
    try {
      const job = await resumeAction(`/admin/bank-statements/${statementId}/resume`, { method: 'POST', csrf: true });
      setState({ busy: false, error: null });
      onResumed(job);
    } catch (error) {
      setState({ busy: false, error });
    }
  }
  return html`<div class="actions bank-resume">
    <${Button} onClick=${resume} busy=${state.busy}>${t('banking.resume')}</${Button}>
    <${ErrorBox} error=${state.error} />
  </div>`;
}

/** A statement import's job followed to its end; a failed one offers Riprova. */
function ImportJob({ job, onFinished, onResumed }) {
  // A resumed job keeps its id: each round is a new bar that follows it again.
  const [round, setRound] = useState({ job, n: 0, failed: false });
  const finished = (ended) => {
    setRound((r) => ({ ...r, failed: ended.state === 'failed' }));
    onFinished(ended);
  };
  return html`<${JobProgress} key=${`${round.job.id}-${round.n}`} jobId=${round.job.id} onFinished=${finished}
      describe=${({ result }) => t('banking.imported', { credits: result.credits_matched,
                                                        debits: result.debits_matched, queued: result.queued })}
      failedText=${() => t('banking.job_failed')} />
    ${round.failed ? html`<${ResumeImport} statementId=${round.job.statement_id}
      onResumed=${(resumed) => {
        setRound((r) => ({ job: resumed, n: r.n + 1, failed: false }));
        onResumed?.(resumed);
      }} />` : null}`;
}

/** `onFollow(statementId)`: the statement whose import this section follows (null: none). */
function Upload({ onImported, onFollow }) {
  const [file, setFile] = useState(null);
  const [state, setState] = useState({ busy: false, error: null, preview: null, body: null, done: null, job: null });
  const importAction = useAction();
  async function check(event) {
    event.preventDefault();
    if (!file) return;
    setState({ busy: true, error: null, preview: null, body: null, done: null });
    onFollow(null);
    try {
      const body = { file_name: file.name.slice(0, 255), content: await readAsBase64(file) };
      const preview = await api('/admin/bank-statements/preview', { method: 'POST', csrf: true, body });
      setState({ busy: false, error: null, preview, body, done: null });
    } catch (error) {
      setState({ busy: false, error, preview: null, body: null, done: null });
    }
  }
  async function apply() {
    setState((s) => ({ ...s, busy: true, error: null }));
    try {
      const done = await importAction('/admin/bank-statements', { method: 'POST', csrf: true, body: state.body });
      // A big file is imported by a job: its bar, then the same counts.
      const job = isJob(done) ? done : null;
      setState({ busy: false, error: null, preview: null, body: null, done: job ? null : done, job });
      onFollow(job ? job.statement_id : done.status === 'failed' ? done.id : null);
      onImported();
    } catch (error) {
      setState((s) => ({ ...s, busy: false, error }));
    }
  }
  const { preview, done, job } = state;
  return html`<section class="bank-upload" aria-labelledby="bank-upload-title">
    <h2 id="bank-upload-title">${t('banking.upload_title')}</h2>
    <form class="form" onSubmit=${check}>
      <div class="field">
        <label for="bank-file">${t('banking.file')}</label>
        <input id="bank-file" type="file" accept=".xml,application/xml,text/xml" aria-describedby="bank-file-hint"
          onChange=${(e) => { setFile(e.currentTarget.files[0] || null); setState((s) => ({ ...s, preview: null })); }} />
        <p class="hint" id="bank-file-hint">${t('banking.file_hint')}</p>
      </div>
      <div class="actions"><${Button} type="submit" busy=${state.busy && !preview} disabled=${!file}>
        ${t('banking.preview')}</${Button}></div>
    </form>
    <${ErrorBox} error=${state.error} />
    ${done && done.status === 'failed' ? html`<${Notice} kind="warning">${t('banking.imported_failed')}</${Notice}>
      <${ResumeImport} statementId=${done.id} onResumed=${(resumed) => {
        setState((s) => ({ ...s, done: null, job: resumed }));
        onImported();
      }} />` : null}
    ${done && done.status !== 'failed' ? html`<${Notice}>${done.replayed ? t('banking.imported_again')
      : t('banking.imported', { credits: done.counts.credits_matched, debits: done.counts.debits_matched,
                                queued: done.counts.queued })}</${Notice}>` : null}
    ${job ? html`<${ImportJob} key=${job.id} job=${job} onFinished=${onImported} onResumed=${onImported} />` : null}
    ${preview ? html`<div class="bank-preview" role="region" aria-label=${t('banking.preview')}>
      <h3>${t('banking.preview_title', { kind: preview.kind, message_id: preview.message_id })}</h3>
      ${preview.already_imported_id ? html`<${Notice} kind="warning">${t('banking.already_imported')}</${Notice}>`
        : html`<p class="meta">${t('banking.preview_nothing_saved')}</p>`}
      <p class="bank-counts">${countsText(preview.counts)}</p>
      <ul class="cards cards-single">${preview.lines.map((line) => html`<li key=${line.bank_reference}
        class="card bank-line" data-status=${line.status}><${LineSummary} line=${line} /></li>`)}</ul>
      <div class="actions">
        <${Button} onClick=${apply} busy=${state.busy}>${t('banking.apply')}</${Button}>
        <${Button} kind="secondary" onClick=${() => setState((s) => ({ ...s, preview: null, body: null }))}>
          ${t('banking.cancel')}</${Button}>
      </div>
    </div>` : null}
  </section>`;
}

function SetAside({ line, onDecided, act }) {
  const [open, setOpen] = useState(false);
  const [note, setNote] = useState('');
  const [state, setState] = useState({ busy: false, error: null });
  async function submit(event) {
    event.preventDefault();
    setState({ busy: true, error: null });
    try {
      await act(`/admin/bank-lines/${line.id}/decision`, { method: 'POST', csrf: true,
                                                           body: { action: 'set_aside', note } });
      onDecided(t('banking.decided_set_aside'));
    } catch (error) {
      setState({ busy: false, error });
    }
  }
  if (!open) {
    return html`<${Button} kind="secondary" onClick=${() => setOpen(true)}>${t('banking.set_aside')}</${Button}>`;
  }
  return html`<form class="form bank-set-aside" onSubmit=${submit}>
    <${TextArea} label=${t('banking.note')} hint=${t('banking.note_hint')} value=${note} onInput=${setNote}
      maxlength="500" required />
    <div class="actions">
      <${Button} type="submit" busy=${state.busy} disabled=${!note.trim()}>${t('banking.set_aside_yes')}</${Button}>
      <${Button} kind="secondary" onClick=${() => setOpen(false)}>${t('banking.cancel')}</${Button}>
    </div>
    <${ErrorBox} error=${state.error} />
  </form>`;
}

function QueuedLine({ line, onDecided, act }) {
  const confirm = (suggestion) => async () => {
    await act(`/admin/bank-lines/${line.id}/decision`, { method: 'POST', csrf: true,
                                                         body: { action: 'confirm_topup', topup_id: suggestion.topup_id } });
    onDecided(t('banking.decided_confirmed', { reference: suggestion.reference }));
  };
  const confirmable = line.suggestions.filter((s) => s.amount_cents === line.amount_cents);
  return html`<li class="card bank-line" data-line=${line.id} data-status=${line.status}>
    <${LineSummary} line=${line} />
    ${line.suggestions.length ? html`<div class="bank-suggestions">
      <p class="meta">${t('banking.suggestions')}</p>
      <ul class="rows">${line.suggestions.map((s) => html`<li key=${s.topup_id} data-topup=${s.topup_id}>
        <span class="mono">${s.reference}</span> · <${Money} cents=${s.amount_cents} />
        <span class="meta">${s.reasons.map((why) => t(`banking.why_${why}`)).join(', ')}</span></li>`)}</ul>
    </div>` : null}
    <div class="actions">
      ${confirmable.map((s) => html`<${ConfirmAction} key=${s.topup_id}
        label=${t('banking.confirm_with', { reference: s.reference })} confirmLabel=${t('banking.confirm_yes')}
        question=${t('banking.confirm_question', { reference: s.reference })} onConfirm=${confirm(s)} />`)}
      <${SetAside} line=${line} onDecided=${onDecided} act=${act} />
    </div>
  </li>`;
}

function Queue({ queue }) {
  const [decided, setDecided] = useState(null);
  const actionFor = useActions();
  const onDecided = (message) => {
    setDecided(message);
    queue.reload();
  };
  return html`<section aria-labelledby="bank-queue-title">
    <h2 id="bank-queue-title">${t('banking.queue_title')}</h2>
    ${decided ? html`<${Notice}>${decided}</${Notice}>` : null}
    <${ErrorBox} error=${queue.error} onRetry=${queue.reload} />
    ${queue.loading && !queue.data ? html`<${Loading} />` : null}
    ${queue.data && !queue.data.length ? html`<p>${t('banking.queue_empty')}</p>` : null}
    ${queue.data?.length ? html`<ul class="cards cards-single bank-queue">${queue.data.map((line) => html`<${QueuedLine}
      key=${line.id} line=${line} onDecided=${onDecided} act=${actionFor(line.id)} />`)}</ul>` : null}
  </section>`;
}

/** The imports; `followedAbove`: the one the upload section follows, with its own bar and Riprova. */
function History({ statements, onImported, followedAbove }) {
  // Imports resumed from this list: statement id → its job, followed in its card.
  const [resumed, setResumed] = useState({});
  const forget = (id) => setResumed((r) => {
    const rest = { ...r };
    delete rest[id];
    return rest;
  });
  return html`<section aria-labelledby="bank-history-title">
    <h2 id="bank-history-title">${t('banking.history_title')}</h2>
    <${ErrorBox} error=${statements.error} onRetry=${statements.reload} />
    ${statements.data && !statements.data.length ? html`<p>${t('banking.history_empty')}</p>` : null}
    ${statements.data?.length ? html`<ul class="cards cards-single bank-history">${statements.data.map((s) => html`<li
      key=${s.id} class="card" data-statement=${s.id} data-status=${s.status}>
      <span class="card-title">${t('banking.history_item', { file: s.file_name, kind: s.kind,
                                                               when: formatDateTime(s.imported_at) })}</span>
      <span class="meta">${s.status !== 'imported' ? html`<strong data-status=${s.status}>
        ${t(`banking.status_${s.status}`)}</strong> · ` : null}${countsText(s.counts)}</span>
      ${s.id === followedAbove ? null
        : resumed[s.id] ? html`<${ImportJob} key=${resumed[s.id].id} job=${resumed[s.id]} onFinished=${(job) => {
        // Failed again: the card says so and offers Riprova once more.
        if (job.state === 'failed') forget(s.id);
        onImported();
      }} />` : s.status === 'failed' ? html`<${ResumeImport} statementId=${s.id}
        onResumed=${(job) => {
          setResumed((r) => ({ ...r, [s.id]: job }));
          onImported();  // the card says "in importazione" again
        }} />` : null}
    </li>`)}</ul>` : null}
  </section>`;
}

export function AdminPayments({ me }) {
  const admin = me.is_platform_admin;
  const queue = useResource(admin ? '/admin/bank-lines' : null);
  const statements = useResource(admin ? '/admin/bank-statements' : null);
  const [followedAbove, setFollowedAbove] = useState(null);
  const imported = () => {
    queue.reload();
    statements.reload();
  };
  return html`<${AdminFrame} me=${me} current="/o/admin/pagamenti" title=${t('banking.title')}>
    <p class="meta">${t('banking.lead')}</p>
    <${Upload} onImported=${imported} onFollow=${setFollowedAbove} />
    <${Queue} queue=${queue} />
    <${History} statements=${statements} onImported=${imported} followedAbove=${followedAbove} />
    <${SettlementRuns} me=${me} />
  </${AdminFrame}>`;
}
