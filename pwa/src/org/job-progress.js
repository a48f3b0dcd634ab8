// A background job's progress (GET /jobs/:id, server/jobs): a bar polled while the job
// is queued or running, then what it made, or why it stopped. Big direct issuance
// (more than 1,000 wallets at once) answers with such a job instead of the vouchers; so
// do a big settlement run and a big bank statement import (202, payments-runs.js and
// payments.js), which say in their own words what the job made.
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { t } from '../i18n.js';
import { ErrorBox, Link, Loading, Notice, Progress } from '../ui/components.js';
import { OrgHeading } from './layout.js';

const POLL_MS = 1500;
const FINISHED = new Set(['done', 'failed']);

/** The job, read again every POLL_MS until it is done or failed. */
export function useJob(jobId) {
  const [state, setState] = useState({ job: null, error: null });
  useEffect(() => {
    let live = true;
    let timer = null;
    const poll = () => api(`/jobs/${jobId}`).then(
      (job) => {
        if (!live) return;
        setState({ job, error: null });
        if (!FINISHED.has(job.state)) timer = setTimeout(poll, POLL_MS);
      },
      (error) => {
        if (!live) return;
        setState((previous) => ({ ...previous, error }));
        // offline or a passing failure: keep following, the job goes on without us
        if (error.code === 'offline' || error.status >= 500) timer = setTimeout(poll, POLL_MS * 2);
      },
    );
    poll();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [jobId]);
  return state;
}

/** Whether a POST's answer is a job to follow (a 202) rather than what was asked for. */
export function isJob(answer) {
  return Boolean(answer && typeof answer.kind === 'string' && typeof answer.state === 'string'
    && answer.progress && typeof answer.progress.done === 'number');
}

// What a finished issuance made; other jobs pass their own `describe`.
function vouchersIssued(job) {
  return job.result && job.result.vouchers !== undefined ? t('jobs.vouchers_issued', { count: job.result.vouchers }) : null;
}

/**
 * The job's bar, then `describe(job)` once it is done (a text, or null) or
 * `failedText(job)` if it stopped; `onFinished(job)` is called once when it ends
 * (a page reloads what the job changed).
 */
export function JobProgress({ jobId, describe = vouchersIssued, failedText, onFinished }) {
  const { job, error } = useJob(jobId);
  const finished = job && FINISHED.has(job.state) ? job.state : null;
  // Keyed on the end state only: once per end, not once per poll.
  useEffect(() => {
    if (finished && onFinished) onFinished(job);
  }, [finished]);
  if (!job) return error ? html`<${ErrorBox} error=${error} />` : html`<${Loading} />`;
  const { done, total } = job.progress;
  const share = total ? done / total : 0;
  const described = job.state === 'done' ? describe(job) : null;
  return html`<section class="job-progress" data-job=${job.id} data-state=${job.state}>
    <p role="status">${t(`jobs.state_${job.state}`)}</p>
    ${job.state === 'failed'
      ? html`<${Notice} kind="warning">${failedText ? failedText(job) : t('jobs.failed', { done, total })}</${Notice}>`
      : html`<${Progress} value=${share} label=${t('jobs.progress_label')} />
        <p class="job-figures">${t('jobs.progress', { done, total })}</p>`}
    ${described ? html`<${Notice}>${described}</${Notice}>` : null}
    ${error ? html`<${ErrorBox} error=${error} />` : null}
  </section>`;
}

/** /o/school/:id/lavori/:jobId — where the school follows a big issuance. */
export function SchoolJobPage({ me, id, jobId }) {
  return html`<main class="org-page">
    <${OrgHeading} me=${me} id=${id} kind="school" title=${t('jobs.issuance_title')} />
    <${JobProgress} jobId=${jobId} />
    <p><${Link} href=${`/o/school/${id}`}>${t('jobs.back')}</${Link}></p>
  </main>`;
}
