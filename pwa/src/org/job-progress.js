// A background job's progress (GET /jobs/:id, server/jobs): a bar polled while the job
// is queued or running, then what it made, or why it stopped. Big direct issuance
// (more than 1,000 wallets at once) answers with such a job instead of the vouchers.
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

export function JobProgress({ jobId }) {
  const { job, error } = useJob(jobId);
  if (!job) return error ? html`<${ErrorBox} error=${error} />` : html`<${Loading} />`;
  const { done, total } = job.progress;
  const share = total ? done / total : 0;
  return html`<section class="job-progress" data-job=${job.id} data-state=${job.state}>
    <p role="status">${t(`jobs.state_${job.state}`)}</p>
    ${job.state === 'failed'
      ? html`<${Notice} kind="warning">${t('jobs.failed', { done, total })}</${Notice}>`
      : html`<${Progress} value=${share} label=${t('jobs.progress_label')} />
        <p class="job-figures">${t('jobs.progress', { done, total })}</p>`}
    ${job.state === 'done' && job.result && job.result.vouchers !== undefined
      ? html`<${Notice}>${t('jobs.vouchers_issued', { count: job.result.vouchers })}</${Notice}>` : null}
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
