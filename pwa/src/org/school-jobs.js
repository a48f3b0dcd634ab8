// A school's recent background jobs (GET /organisations/:id/jobs, server/jobs): a big
// direct issuance (more than 1,000 wallets) runs as a job, and this list on the school's
// page is how a teacher finds it again, unfinished ones first, each linking to its
// progress page (job-progress.js).
import { html } from 'htm/preact';
import { formatDateTime, t } from '../i18n.js';
import { ErrorBox, Link } from '../ui/components.js';
import { useResource } from './forms.js';

const UNFINISHED = new Set(['queued', 'running']);
// A job's title by kind; a kind this PWA does not know yet still gets a line.
const TITLES = { 'vouchers.issue_direct': 'jobs.issuance_title' };

export const schoolJobPath = (schoolId, jobId) => `/o/school/${schoolId}/lavori/${jobId}`;

/** Queued and running jobs first (what a teacher is waiting for), then the rest; the
 * server's newest-first order is kept within each group. */
export function runningFirst(jobs) {
  return [...jobs.filter((job) => UNFINISHED.has(job.state)), ...jobs.filter((job) => !UNFINISHED.has(job.state))];
}

function JobItem({ schoolId, job }) {
  const { done, total } = job.progress;
  return html`<li>
    <${Link} href=${schoolJobPath(schoolId, job.id)} class="card job-card" data-job=${job.id} data-state=${job.state}>
      <span class="card-title">${t(TITLES[job.kind] || 'jobs.kind_other')}</span>
      <span class="meta">${formatDateTime(job.created_at)}</span>
      <span>${t(`jobs.state_${job.state}`)}${total ? ` ${t('jobs.progress', { done, total })}` : ''}</span>
    </${Link}>
  </li>`;
}

/** Nothing at all for a school that never ran a job: most never will. */
export function SchoolJobs({ schoolId }) {
  const jobs = useResource(`/organisations/${schoolId}/jobs`);
  if (jobs.error) return html`<${ErrorBox} error=${jobs.error} onRetry=${jobs.reload} />`;
  if (!jobs.data?.length) return null;
  return html`<section class="school-jobs" aria-labelledby="school-jobs-title">
    <h2 id="school-jobs-title">${t('jobs.recent_title')}</h2>
    <ul class="cards cards-single">${runningFirst(jobs.data).map((job) => html`
      <${JobItem} key=${job.id} schoolId=${schoolId} job=${job} />`)}</ul>
  </section>`;
}
