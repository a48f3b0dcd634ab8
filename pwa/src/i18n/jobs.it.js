// Lavori in background (server/jobs): l'emissione di molti buoni, seguita dalla scuola.
// Keys mirror jobs.en.js.
export default {
  'jobs.issuance_title': 'Emissione dei buoni',
  'jobs.state_queued': 'In coda: inizierà tra poco.',
  'jobs.state_running': 'In corso…',
  'jobs.state_done': 'Fatto.',
  'jobs.state_failed': 'Interrotto.',
  'jobs.progress_label': 'Avanzamento',
  'jobs.progress': '{done} di {total}',
  'jobs.failed': 'Il lavoro si è fermato dopo {done} di {total}: quelli già emessi restano validi.',
  'jobs.vouchers_issued.one': '{count} buono emesso: ogni studente lo vede nel portafoglio.',
  'jobs.vouchers_issued.other': '{count} buoni emessi: ogni studente li vede nel portafoglio.',
  'jobs.recent_title': 'Lavori recenti',
  'jobs.kind_other': 'Lavoro',
  'jobs.back': 'Torna alla scuola',
};
