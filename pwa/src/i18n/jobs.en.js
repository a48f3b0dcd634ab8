// Background jobs (server/jobs): issuing many vouchers, followed by the school.
// Keys mirror jobs.it.js.
export default {
  'jobs.issuance_title': 'Issuing vouchers',
  'jobs.state_queued': 'Queued: it will start shortly.',
  'jobs.state_running': 'In progress…',
  'jobs.state_done': 'Done.',
  'jobs.state_failed': 'Stopped.',
  'jobs.progress_label': 'Progress',
  'jobs.progress': '{done} of {total}',
  'jobs.failed': 'The job stopped after {done} of {total}: those already issued stay valid.',
  'jobs.vouchers_issued.one': '{count} voucher issued: each student sees it in their wallet.',
  'jobs.vouchers_issued.other': '{count} vouchers issued: each student sees them in their wallet.',
  'jobs.recent_title': 'Recent jobs',
  'jobs.kind_other': 'Job',
  'jobs.back': 'Back to the school',
};
