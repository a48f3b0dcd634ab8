// Settlement runs (platform operator), shown on the Pagamenti page: close a period,
// see each venue's transfer and the venues skipped, download the pain.001 for the
// bank, confirm it paid; hold back or release single lines. A big run answers 202: a
// job computes it (the run is "computing", its progress bar polled, job-progress.js).
// Server rules: server/settlement/README.md.
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { useAction, useActions } from '../action.js';
import { formatDate, formatMoney, t } from '../i18n.js';
import { romeDay } from '../rome-time.js';
import { Button, ErrorBox, Field, Loading, Money, Notice } from '../ui/components.js';
import { ConfirmAction, tOr, useResource } from './forms.js';
import { JobProgress, isJob } from './job-progress.js';

const RUNS = '/admin/settlement-runs';

const today = () => romeDay(new Date());

function yesterday() {
  const day = new Date(`${today()}T12:00:00Z`);
  day.setUTCDate(day.getUTCDate() - 1);
  return day.toISOString().slice(0, 10);
}

function Status({ status }) {
  return html`<strong class="settlement-status" data-status=${status}>${t(`settlement.status_${status}`)}</strong>`;
}

/** A computing run's job: its bar, then what it made. */
function RunJob({ jobId, runId, onFinished }) {
  return html`<${JobProgress} jobId=${jobId} onFinished=${onFinished}
    describe=${(job) => t('settlement.job_done', { id: job.result?.run_id ?? runId, count: job.result?.venues ?? 0 })}
    failedText=${() => t('settlement.job_failed', { id: runId })} />`;
}

function NewRun({ onCreated, onStarted }) {
  const [cutOff, setCutOff] = useState(yesterday);
  const [state, setState] = useState({ busy: false, error: null, done: null, job: null });
  const act = useAction();
  async function submit(event) {
    event.preventDefault();
    setState({ busy: true, error: null, done: null, job: null });
    try {
      const answer = await act(RUNS, { method: 'POST', csrf: true, body: { cut_off: cutOff } });
      if (isJob(answer)) {
        // Many venues: a job computes the run, listed as computing meanwhile; it opens
        // when the job is done.
        setState({ busy: false, error: null, done: null, job: answer });
        onStarted();
      } else {
        setState({ busy: false, error: null, done: answer, job: null });
        onCreated(answer);
      }
    } catch (error) {
      setState({ busy: false, error, done: null, job: null });
    }
  }
  const { done, job } = state;
  return html`<form class="form settlement-new" onSubmit=${submit} aria-labelledby="settlement-new-title">
    <h3 id="settlement-new-title">${t('settlement.new_title')}</h3>
    <${Field} label=${t('settlement.cut_off')} hint=${t('settlement.cut_off_hint')} type="date" value=${cutOff}
      max=${yesterday()} onInput=${setCutOff} required />
    <div class="actions"><${Button} type="submit" busy=${state.busy} disabled=${!cutOff}>${t('settlement.run')}</${Button}></div>
    <${ErrorBox} error=${state.error} />
    ${done ? html`<${Notice}>${done.payout_count
      ? t('settlement.created', { id: done.id, count: done.payout_count, total: formatMoney(done.total_cents) })
      : t('settlement.created_empty', { id: done.id })}</${Notice}>` : null}
    ${job ? html`<${Notice}>${t('settlement.started', { id: job.run_id })}</${Notice}>
      <${RunJob} jobId=${job.id} runId=${job.run_id} onFinished=${() => onCreated({ id: job.run_id })} />` : null}
  </form>`;
}

/** The booking day and bank reference a confirmation carries, then the confirm button. */
function ConfirmPaid({ label, path, onDone, act }) {
  const [bookedOn, setBookedOn] = useState(today);
  const [reference, setReference] = useState('');
  const [open, setOpen] = useState(false);
  if (!open) return html`<${Button} kind="secondary" onClick=${() => setOpen(true)}>${label}</${Button}>`;
  const confirm = async () => {
    await act(path, { method: 'POST', csrf: true, body: { booked_on: bookedOn, bank_reference: reference.trim() || null } });
    setOpen(false);
    onDone();
  };
  return html`<div class="settlement-confirm">
    <${Field} label=${t('settlement.booked_on')} type="date" value=${bookedOn} onInput=${setBookedOn} required />
    <${Field} label=${t('settlement.bank_reference')} value=${reference} onInput=${setReference} maxlength="140" />
    <${ConfirmAction} label=${label} confirmLabel=${t('settlement.confirm_yes')}
      question=${t('settlement.confirm_question')} onConfirm=${confirm} />
  </div>`;
}

function Download({ run, onDone }) {
  const [state, setState] = useState({ busy: false, error: null });
  // Fetched, not linked: the page learns when the run became "exported" and shows it.
  async function download() {
    setState({ busy: true, error: null });
    try {
      const response = await fetch(`/api/v1${RUNS}/${run.id}/pain.001.xml`, { credentials: 'same-origin' });
      if (!response.ok) {
        const problem = await response.json().catch(() => ({}));
        throw Object.assign(new Error(problem.title || 'download'), { status: response.status, code: problem.code });
      }
      const url = URL.createObjectURL(await response.blob());
      const link = Object.assign(document.createElement('a'), { href: url, download: `mentoring-pagamenti-${run.id}.xml` });
      document.body.append(link);
      link.click();
      link.remove();
      URL.revokeObjectURL(url);
      setState({ busy: false, error: null });
      onDone();
    } catch (error) {
      setState({ busy: false, error });
    }
  }
  return html`<div class="settlement-download">
    <${Button} onClick=${download} busy=${state.busy}>${t('settlement.download')}</${Button}>
    <p class="hint">${t('settlement.download_hint')}</p>
    <${ErrorBox} error=${state.error} />
  </div>`;
}

function HoldRow({ hold, onReleased, act }) {
  const [reason, setReason] = useState('');
  const [open, setOpen] = useState(false);
  const release = async () => {
    await act(`/admin/settlement-holds/${hold.id}/release`, { method: 'POST', csrf: true, body: { reason: reason.trim() } });
    onReleased();
  };
  return html`<li class="card settlement-hold" data-hold=${hold.id}>
    <span class="card-title">${t('settlement.hold_item', { kind: t(`settlement.kind_${hold.kind}`), id: hold.source_id,
                                                          venue: hold.venue_name || hold.venue_id,
                                                          amount: formatMoney(hold.amount_cents) })}</span>
    <span class="meta">${tOr(`settlement.reason_${hold.reason}`, hold.reason)}</span>
    ${hold.released_at ? null : open ? html`<div class="form">
      <${Field} label=${t('settlement.release_reason')} value=${reason} onInput=${setReason} maxlength="200" required />
      ${reason.trim() ? html`<${ConfirmAction} label=${t('settlement.release')} confirmLabel=${t('settlement.release_yes')}
        question=${t('settlement.release_yes')} onConfirm=${release} />` : null}
      <${Button} kind="secondary" onClick=${() => setOpen(false)}>${t('settlement.cancel')}</${Button}>
    </div>` : html`<div class="actions"><${Button} kind="secondary" onClick=${() => setOpen(true)}>
      ${t('settlement.release')}</${Button}></div>`}
  </li>`;
}

function Holds({ holds, title, onChanged }) {
  const actionFor = useActions();
  if (!holds.length) return html`<h4>${title}</h4><p class="meta">${t('settlement.holds_empty')}</p>`;
  return html`<h4>${title}</h4><ul class="cards cards-single">${holds.map((hold) => html`<${HoldRow} key=${hold.id}
    hold=${hold} onReleased=${onChanged} act=${actionFor(hold.id)} />`)}</ul>`;
}

function RunDetail({ runId, onChanged }) {
  const detail = useResource(`${RUNS}/${runId}`);
  const actionFor = useActions();
  const run = detail.data;
  const changed = () => {
    detail.reload();
    onChanged();
  };
  if (!run) return html`<${ErrorBox} error=${detail.error} onRetry=${detail.reload} />${detail.loading ? html`<${Loading} />` : null}`;
  const computing = run.status === 'computing';
  return html`<div class="settlement-detail">
    <${ErrorBox} error=${detail.error} onRetry=${detail.reload} />
    ${computing && run.job_id ? html`<p class="meta">${t('settlement.computing_hint')}</p>
      <${RunJob} jobId=${run.job_id} runId=${run.id} onFinished=${changed} />` : null}
    ${run.payouts.length && !computing ? html`<${Download} run=${run} onDone=${changed} />` : null}
    ${run.status === 'exported' ? html`<${ConfirmPaid} label=${t('settlement.confirm_run')}
      path=${`${RUNS}/${run.id}/confirm-paid`} onDone=${changed} act=${actionFor('run')} />` : null}
    <h4>${t('settlement.payouts_title')}</h4>
    <ul class="cards cards-single settlement-payouts">${run.payouts.map((payout) => html`<li key=${payout.id}
      class="card" data-payout=${payout.id} data-status=${payout.status}>
      <span class="card-title">${payout.venue_name} · <${Money} cents=${payout.amount_cents} /></span>
      <span class="meta mono">${payout.iban}</span>
      <span class="meta">${t('settlement.statement', { number: payout.statement_number })} ·
        ${t('settlement.payout_lines', { count: payout.line_count })} · <span class="mono">${payout.end_to_end_id}</span></span>
      <span class="meta"><${Status} status=${payout.status} />
        ${payout.booked_on ? ` · ${t('settlement.paid_on', { day: formatDate(payout.booked_on) })}` : ''}</span>
      ${payout.status === 'exported' ? html`<${ConfirmPaid} label=${t('settlement.confirm_payout')}
        path=${`/admin/payouts/${payout.id}/confirm-paid`} onDone=${changed} act=${actionFor(payout.id)} />` : null}
    </li>`)}</ul>
    ${run.skipped.length ? html`<h4>${t('settlement.skipped_title')}</h4>
      <ul class="rows settlement-skipped">${run.skipped.map((s) => html`<li key=${s.venue_id} data-venue=${s.venue_id}>
        ${t('settlement.skipped_item', { venue: s.venue_name || s.venue_id, amount: formatMoney(s.amount_cents),
                                         count: s.line_count })}
        <span class="meta"> · ${t(`settlement.reason_${s.reason}`)}</span></li>`)}</ul>` : null}
    ${run.holds.length ? html`<${Holds} holds=${run.holds} title=${t('settlement.holds_run_title')} onChanged=${changed} />`
      : null}
  </div>`;
}

function HoldLine({ onHeld }) {
  const [venueId, setVenueId] = useState('');
  const [shown, setShown] = useState(null);
  const lines = useResource(shown ? `/admin/venues/${shown}/settlement-lines` : null);
  const [reasons, setReasons] = useState({});
  const actionFor = useActions();
  const hold = (line) => async () => {
    await actionFor(`${line.kind}:${line.source_id}`)('/admin/settlement-holds', { method: 'POST', csrf: true,
      body: { kind: line.kind, source_id: line.source_id, reason: reasons[`${line.kind}:${line.source_id}`].trim() } });
    lines.reload();
    onHeld();
  };
  return html`<section aria-labelledby="settlement-hold-title">
    <h3 id="settlement-hold-title">${t('settlement.hold_title')}</h3>
    <form class="form" onSubmit=${(e) => { e.preventDefault(); setShown(Number(venueId) || null); }}>
      <${Field} label=${t('settlement.venue_id')} value=${venueId} onInput=${setVenueId} inputmode="numeric" required />
      <div class="actions"><${Button} type="submit" kind="secondary">${t('settlement.load_lines')}</${Button}></div>
    </form>
    <${ErrorBox} error=${lines.error} onRetry=${lines.reload} />
    ${lines.data && !lines.data.length ? html`<p class="meta">${t('settlement.lines_empty')}</p>` : null}
    ${lines.data?.length ? html`<ul class="cards cards-single settlement-lines">${lines.data.map((line) => {
      const key = `${line.kind}:${line.source_id}`;
      return html`<li key=${key} class="card" data-line=${key}>
        <span class="card-title">${t(`settlement.kind_${line.kind}`)} n. ${line.source_id} · <${Money} cents=${line.amount_cents} /></span>
        <span class="meta">${line.label} · ${formatDate(line.occurred_at)}</span>
        ${line.hold_id ? html`<span class="meta"><strong>${t('settlement.is_held')}</strong></span>` : html`<div class="form">
          <${Field} label=${t('settlement.hold_reason')} value=${reasons[key] || ''} maxlength="200"
            onInput=${(value) => setReasons((r) => ({ ...r, [key]: value }))} />
          ${(reasons[key] || '').trim() ? html`<${ConfirmAction} label=${t('settlement.hold')}
            confirmLabel=${t('settlement.hold_yes')} question=${t('settlement.hold_yes')} onConfirm=${hold(line)} />` : null}
        </div>`}
      </li>`;
    })}</ul>` : null}
  </section>`;
}

export function SettlementRuns({ me }) {
  const admin = Boolean(me?.is_platform_admin);
  const runs = useResource(admin ? RUNS : null);
  const holds = useResource(admin ? '/admin/settlement-holds' : null);
  const [open, setOpen] = useState(null);
  if (!admin) return null;
  const changed = () => {
    runs.reload();
    holds.reload();
  };
  return html`<section class="settlement-runs" aria-labelledby="settlement-title">
    <h2 id="settlement-title">${t('settlement.title')}</h2>
    <p class="meta">${t('settlement.lead')}</p>
    <${NewRun} onCreated=${(run) => { changed(); setOpen(run.id); }} onStarted=${changed} />
    <h3>${t('settlement.runs_title')}</h3>
    <${ErrorBox} error=${runs.error} onRetry=${runs.reload} />
    ${runs.loading && !runs.data ? html`<${Loading} />` : null}
    ${runs.data && !runs.data.length ? html`<p>${t('settlement.runs_empty')}</p>` : null}
    ${runs.data?.length ? html`<ul class="cards cards-single settlement-run-list">${runs.data.map((run) => html`<li
      key=${run.id} class="card" data-run=${run.id} data-status=${run.status}>
      <span class="card-title">${t('settlement.run_item', { id: run.id, day: formatDate(run.cut_off_day) })} ·
        <${Money} cents=${run.total_cents} /></span>
      <span class="meta"><${Status} status=${run.status} /> · ${t('settlement.run_counts', {
        payouts: run.payout_count, skipped: run.skipped_count })}</span>
      <div class="actions"><${Button} kind="secondary" aria-expanded=${open === run.id ? 'true' : 'false'}
        onClick=${() => setOpen(open === run.id ? null : run.id)}>
        ${open === run.id ? t('settlement.hide') : t('settlement.show')}</${Button}></div>
      ${open === run.id ? html`<${RunDetail} runId=${run.id} onChanged=${changed} />` : null}
    </li>`)}</ul>` : null}
    <h3>${t('settlement.holds_title')}</h3>
    <${ErrorBox} error=${holds.error} onRetry=${holds.reload} />
    ${holds.data ? html`<${Holds} holds=${holds.data} title="" onChanged=${changed} />` : null}
    <${HoldLine} onHeld=${holds.reload} />
  </section>`;
}
