// One scanner flag on the operator's desk (GET /api/v1/admin/flags).
//
// An overspend names the door whose record crossed the voucher's balance (by scan
// time, whatever order the phones synced in) and lists the voucher's other redeemed
// records, so the operator sees every venue and scanner involved before freezing,
// charging the risk account or calling anyone. Rule-breaking scanners and double
// check-ins name the record and its reason. A redemption paid outside its campaign's
// territory (the campaign was made after the scanner's last download, so its bundle
// could not name it) is no scanner's fault and holds no payout: said as such.
import { html } from 'htm/preact';
import { formatDateTime, t } from '../i18n.js';
import { Money } from '../ui/components.js';
import { FlagDecision } from './flag-decision.js';
import { tOr } from './forms.js';

function venueName(record, names) {
  return record.venue_name || names[record.venue_id] || t('org.admin.venue_n', { id: record.venue_id });
}

function scannerName(record) {
  return record.scanner_label
    ? t('org.admin.scanner_labelled', { label: record.scanner_label, id: record.scanner_id })
    : t('org.admin.scanner_n', { id: record.scanner_id });
}

/** "Teatro dei Navigli · Ingresso (scanner n. 4) · 15/01/2027, 19:02". */
function door(record, names) {
  return `${venueName(record, names)} · ${scannerName(record)} · ${formatDateTime(record.scanned_at)}`;
}

function Title({ flag, kind }) {
  if (kind === 'overspend') {
    return html`<span class="card-title">${t('org.admin.overspend')} <${Money} cents=${flag.overspend_cents} /></span>`;
  }
  if (kind === 'double_check_in') return html`<span class="card-title">${t('org.admin.flag_double_check_in')}</span>`;
  if (kind === 'outside_area_paid') return html`<span class="card-title">${t('org.admin.flag_outside_area_paid')}</span>`;
  const reason = flag.outcome_code ? tOr(`org.admin.flag_code_${flag.outcome_code}`, flag.outcome_code) : null;
  return html`<span class="card-title">${t('org.admin.flag_rule_broken')}${reason ? `: ${reason}` : ''}</span>`;
}

function OtherRecords({ flag, names }) {
  const others = (flag.involved || []).filter((record) => !record.crossing && record.record_id !== flag.record_id);
  if (!others.length) return null;
  return html`<div class="flag-involved">
    <p class="meta">${t('org.admin.flag_others')}</p>
    <ol>${others.map((record) => html`<li key=${record.record_id} data-record=${record.record_id}>
      ${door(record, names)} · <${Money} cents=${record.amount_cents} />
      ${record.overspend_cents ? html` · ${t('org.admin.flag_over_by')} <${Money} cents=${record.overspend_cents} />`
        : null}
    </li>`)}</ol>
  </div>`;
}

export function FlagCard({ flag, names = {} }) {
  const { kind } = flag;
  const subject = flag.voucher_id ? t('org.admin.voucher_n', { id: flag.voucher_id })
    : flag.ticket_id ? t('org.admin.ticket_n', { id: flag.ticket_id }) : '';
  return html`<li class="card flag" data-kind=${kind} data-record=${flag.record_id}>
    <${Title} flag=${flag} kind=${kind} />
    <span class="meta flag-door">${kind === 'overspend' ? t('org.admin.flag_crossing_door') : t('org.admin.flag_door')}
      ${' '}<strong>${door(flag, names)}</strong></span>
    <span class="meta">${subject}${subject ? ' · ' : ''}<${Money} cents=${flag.amount_cents} /></span>
    <${OtherRecords} flag=${flag} names=${names} />
    <${FlagDecision} flag=${flag} />
  </li>`;
}
