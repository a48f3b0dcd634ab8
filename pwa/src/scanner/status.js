// What the staff must always see: the venue, this scanner's share of every voucher's
// offline allowance, how fresh the data is (and whether the scanner may still decide
// on it), how many records wait to be sent, when the last sending succeeded, and, above
// all, that the venue retired this phone when it did.
import { html } from 'htm/preact';
import { formatDateTime, locale, t } from '../i18n.js';
import { Button, Link, Notice } from '../ui/components.js';
import { DEFAULT_MAX_SKEW_SECONDS } from '../tokens/verify.js';
import { WHOLE_SHARE_BP, prepareBundle, shareFraction } from './bundle.js';

/** "adesso", "3 min fa", "2 h fa", "3 giorni fa". */
export function ago(seconds) {
  if (seconds === null || seconds === undefined || seconds < 60) return t('scanner.ago_now');
  if (seconds < 3600) return t('scanner.ago_minutes', { n: Math.floor(seconds / 60) });
  if (seconds < 2 * 86400) return t('scanner.ago_hours', { n: Math.floor(seconds / 3600) });
  return t('scanner.ago_days', { count: Math.floor(seconds / 86400) });
}

/** "Scanner 1 di 2 · Quota offline di questo scanner: 1/2 del limite di ogni buono". */
function ShareLine({ bundle }) {
  const prepared = prepareBundle(bundle);
  if (!prepared) return null;
  const { allowanceShareBp: share, slot, slots } = prepared;
  const parts = [];
  if (slot && slots) parts.push(t('scanner.slot', { slot, slots }));
  parts.push(share >= WHOLE_SHARE_BP ? t('scanner.share_whole')
    : t('scanner.share', { share: shareFraction(share, slots, locale()) }));
  return html`<div class="sc-status-row sc-share" data-share-bp=${share}>${parts.join(' · ')}</div>`;
}

/** The venue retired this phone: it refuses every code, and says so before anything else. */
function RetiredNotice({ onForget }) {
  return html`<div class="sc-retired" role="alert">
    <p><strong>${t('scanner.retired_title')}</strong></p>
    <p>${t('scanner.retired_text')}</p>
    <${Button} kind="secondary" onClick=${onForget}>${t('scanner.forget')}</${Button}>
  </div>`;
}

function FreshnessWarning({ freshness, onRefresh, busy }) {
  let text;
  if (freshness.missing) text = t('scanner.missing_text');
  else if (freshness.incomplete) text = t('scanner.incomplete_text');
  else text = t('scanner.stale_text', { count: Math.round(freshness.maxAgeSeconds / 3600) });
  return html`<div class="notice notice-warning sc-stale" role="alert">
    <p><strong>${t('scanner.stale_title')}</strong></p>
    <p>${text}</p>
    <${Button} kind="primary" busy=${busy} onClick=${onRefresh}>${t('scanner.refresh')}</${Button}>
  </div>`;
}

/**
 * This phone's clock is off by more than the skew window: the scanner works on the
 * server's time regardless (clock.js), but the staff should set the clock, and know that
 * it is this phone's, not the students'. null when within the window or never measured.
 */
export function ClockWarning({ offsetMs, maxSkewSeconds }) {
  if (offsetMs === null || offsetMs === undefined || Math.abs(offsetMs) <= maxSkewSeconds * 1000) return null;
  // offset = server − phone: a negative offset is a phone ahead of the server.
  const key = offsetMs < 0 ? 'scanner.clock_ahead' : 'scanner.clock_behind';
  const minutes = Math.max(1, Math.round(Math.abs(offsetMs) / 60_000));
  return html`<div class="notice notice-warning sc-clock" role="alert" data-offset-seconds=${Math.round(offsetMs / 1000)}>
    <p><strong>${t(key, { minutes })}</strong></p>
    <p>${t('scanner.clock_text')}</p>
  </div>`;
}

/** Problems with the last bundle download worth a word to the staff. */
function BundleNotice({ code, stale, onForget }) {
  if (code === 'login_required') {
    return html`<${Notice} kind="info">${t('scanner.login_to_refresh')}
      ${' '}<${Link} href="/login?next=/s">${t('scanner.login')}</${Link}></${Notice}>`;
  }
  if (code === 'scanner_retired') return null; // RetiredNotice says it
  if (code === 'scanner_not_found') {
    return html`<div class="notice notice-warning" role="alert"><p>${t('scanner.retired')}</p>
      <${Button} kind="secondary" onClick=${onForget}>${t('scanner.forget')}</${Button}></div>`;
  }
  // Offline is the door's normal state: worth saying only when the data has run out.
  if (code === 'offline') return stale ? html`<${Notice} kind="info">${t('error.offline')}</${Notice}>` : null;
  if (code && code !== 'scanner_not_enrolled') {
    return html`<${Notice} kind="info">${t('scanner.refresh_failed')}</${Notice}>`;
  }
  return null;
}

/** Records the server would not pay for: rare (a scanner that broke the rules), but the venue must know. */
function RejectedNotice({ sync, onAcknowledge }) {
  const count = (sync?.rejectedTotal ?? 0) - (sync?.rejectedAcknowledged ?? 0);
  if (count <= 0) return null;
  return html`<div class="notice notice-warning" role="alert">
    <p>${t('scanner.rejected_warning', { count })}</p>
    <div class="sc-row">
      <${Link} href="/s/registro">${t('scanner.log_link')}</${Link}>
      <${Button} kind="secondary" onClick=${onAcknowledge}>${t('scanner.understood')}</${Button}>
    </div>
  </div>`;
}

export function StatusPanel({
  enrolment, freshness, sync, online, busy, retired, onSync, onRefresh, onForget, onAcknowledge, clockOffsetMs = null,
}) {
  // Until the outbox has been read, no count: a 0 there would tell the staff all was sent.
  const known = sync !== null && sync !== undefined;
  const pending = sync?.pending ?? 0;
  return html`<div class="sc-status-block" data-retired=${retired ? 'true' : 'false'}>
    ${retired ? html`<${RetiredNotice} onForget=${onForget} />` : null}
    <div class="sc-status" aria-live="polite">
      <div class="sc-status-venue">${enrolment.venueName || enrolment.label}</div>
      <${ShareLine} bundle=${enrolment.bundle} />
      <div class="sc-status-row">
        <span class="sc-freshness" data-stale=${freshness.stale ? 'true' : 'false'}>
          ${freshness.missing ? t('scanner.missing_text') : t('scanner.fresh', { ago: ago(freshness.ageSeconds) })}
        </span>
        ${!freshness.stale && online
          ? html`<${Button} kind="secondary" busy=${busy === 'refresh'}
              onClick=${onRefresh}>${t('scanner.refresh')}</${Button}>` : null}
      </div>
      <div class="sc-status-row">
        <span class="sc-pending" data-count=${known ? pending : ''}>${t('scanner.pending',
          { count: known ? pending : '…' })}</span>
        <span class="sc-last-sync">${sync?.lastSuccessAt
          ? t('scanner.last_sync', { time: formatDateTime(sync.lastSuccessAt) }) : t('scanner.never_synced')}</span>
        ${pending > 0 && online
          ? html`<${Button} kind="secondary" busy=${busy === 'sync'} onClick=${onSync}>
              ${t('scanner.sync_now')}</${Button}>`
          : null}
      </div>
    </div>
    <${ClockWarning} offsetMs=${clockOffsetMs} maxSkewSeconds=${prepareBundle(enrolment.bundle)?.maxSkewSeconds ?? DEFAULT_MAX_SKEW_SECONDS} />
    ${freshness.stale ? html`<${FreshnessWarning} freshness=${freshness} onRefresh=${onRefresh}
      busy=${busy === 'refresh'} />` : null}
    <${BundleNotice} code=${sync?.bundleError} stale=${freshness.stale} onForget=${onForget} />
    <${RejectedNotice} sync=${sync} onAcknowledge=${onAcknowledge} />
  </div>`;
}
