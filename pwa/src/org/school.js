// Schools: the vouchers sponsors allocated to them, claim codes for a class, the
// printable cards (code + QR of the claim link) and the school's report.
//
// Claim codes exist in plain text only in the answer that creates them (the server
// keeps hashes). This tab keeps each batch until the school confirms it saved or
// printed it (school-cards.js: storage, downloads, the leave warning, reissue).
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { useAction } from '../action.js';
import { formatMoney, t } from '../i18n.js';
import { navigate } from '../router.js';
import { Qr } from '../ui/qr.js';
import { Button, ErrorBox, Field, Link, Loading, Money, Notice } from '../ui/components.js';
import { Cell, parseCount, useForm, useResource } from './forms.js';
import { OrgHeading, OrgTabs } from './layout.js';
import { ReissueCards, UnsavedCards, batchTitle, keepBatch, unsavedBatches } from './school-cards.js';
import { SchoolJobs } from './school-jobs.js';

function GenerateCodes({ schoolId, allocation, onDone }) {
  // The server's room: a queued direct issuance holds its vouchers from its acceptance,
  // so count less generated codes would offer what the server refuses (no_codes_left).
  const left = allocation.room;
  const form = useForm({ count: String(Math.min(left, 30) || '') });
  const act = useAction();
  if (left <= 0) {
    return html`<p class="meta">${t(allocation.held_by_jobs ? 'org.school.all_held' : 'org.school.all_codes_issued')}</p>`;
  }
  const check = (v) => {
    const count = parseCount(v.count);
    if (count === null || count > left) return { count: t('org.school.error_count', { n: left }) };
    return {};
  };
  const send = async (v) => {
    const answer = await act(`/schools/${schoolId}/allocations/${allocation.id}/codes`, { method: 'POST',
      csrf: true, body: { count: parseCount(v.count) } });
    keepBatch({ schoolId, allocation, codes: answer.codes });
    onDone();
    navigate(`/o/school/${schoolId}/stampa`);
  };
  return html`<form class="form codes-form" onSubmit=${form.submit(check, send)} novalidate>
    <${Field} label=${t('org.school.codes_count')} inputmode="numeric" required value=${form.values.count}
      onInput=${form.set('count')} error=${form.errors.count} hint=${t('org.school.codes_left', { count: left })} />
    <${ErrorBox} error=${form.error} />
    <${Button} type="submit" busy=${form.busy}>${t('org.school.generate')}</${Button}>
  </form>`;
}

function AllocationCard({ schoolId, allocation, onChange }) {
  return html`<li class="card allocation-card" data-allocation=${allocation.id}>
    <span class="card-title">${allocation.campaign_name}</span>
    <span class="meta">${t('org.school.face_value')} <${Money} cents=${allocation.face_value_cents} /></span>
    <dl class="figures">
      <div><dt>${t('org.school.vouchers')}</dt><dd>${allocation.voucher_count}</dd></div>
      <div><dt>${t('org.school.codes_issued')}</dt><dd>${allocation.codes_issued}</dd></div>
      ${allocation.held_by_jobs ? html`<div data-figure="held"><dt>${t('org.school.held_by_jobs')}</dt>
        <dd>${allocation.held_by_jobs}</dd></div>` : null}
      <div data-figure="room"><dt>${t('org.school.room')}</dt><dd>${allocation.room}</dd></div>
    </dl>
    ${allocation.held_by_jobs ? html`<p class="meta allocation-held">${t('org.school.held_note',
      { count: allocation.held_by_jobs })}</p>` : null}
    <${GenerateCodes} schoolId=${schoolId} allocation=${allocation} onDone=${onChange} />
    <${ReissueCards} schoolId=${schoolId} allocation=${allocation} onDone=${onChange} />
  </li>`;
}

function SchoolReport({ report }) {
  const n = report.min_cell;
  const row = (label, figures, key) => html`<tr key=${key}>
    <th scope="row">${label}</th>
    <td class="num">${figures.vouchers_allocated}</td>
    <td class="num">${figures.codes_issued}</td>
    <td class="num"><${Cell} cell=${figures.claimed} minCell=${n} /></td>
    <td class="num"><${Cell} cell=${figures.used} minCell=${n} /></td>
    <td class="num"><${Cell} cell=${figures.used} value=${figures.used.amount_spent_cents} format=${formatMoney}
      minCell=${n} /></td>
    <td class="num"><${Cell} cell=${figures.not_used} minCell=${n} /></td>
  </tr>`;
  return html`<div class="table-scroll" tabindex="0" role="region" aria-label=${t('org.school.report_title')}>
    <table class="report-table school-report">
      <thead><tr>
        <th scope="col">${t('org.school.campaign')}</th><th scope="col" class="num">${t('org.school.vouchers')}</th>
        <th scope="col" class="num">${t('org.school.codes_issued')}</th><th scope="col" class="num">${t('org.school.claimed')}</th>
        <th scope="col" class="num">${t('org.school.used')}</th><th scope="col" class="num">${t('org.school.spent')}</th>
        <th scope="col" class="num">${t('org.school.not_used')}</th>
      </tr></thead>
      <tbody>
        ${report.allocations.map((a) => row(a.campaign_name, a, a.allocation_id))}
        ${row(t('org.school.total'), report.total, 'total')}
      </tbody>
    </table>
  </div>`;
}

export function SchoolPage({ me, id }) {
  const allocations = useResource(`/schools/${id}/allocations`);
  const report = useResource(`/schools/${id}/report`);
  const refresh = () => {
    allocations.reload();
    report.reload();
  };
  return html`<${OrgTabs} kind="school" id=${id} me=${me} current=${`/o/school/${id}`} />
  <section class="page school-page">
    <${OrgHeading} me=${me} id=${id} kind="school" title=${t('org.school.title')} />
    <${Notice} kind="warning">${t('cards.once_warning')}</${Notice}>
    ${unsavedBatches(id).length ? html`<p><${Link} href=${`/o/school/${id}/stampa`}>${t('cards.unsaved',
      { count: unsavedBatches(id).reduce((sum, b) => sum + b.codes.length, 0) })}</${Link}></p>` : null}
    <${ErrorBox} error=${allocations.error} onRetry=${allocations.reload} />
    ${allocations.loading && !allocations.data ? html`<${Loading} />` : null}
    ${allocations.data && !allocations.data.length ? html`<p>${t('org.school.no_allocations')}</p>` : null}
    ${allocations.data?.length ? html`<ul class="cards cards-single">${allocations.data.map((a) => html`
      <${AllocationCard} key=${a.id} schoolId=${id} allocation=${a} onChange=${refresh} />`)}</ul>` : null}
    <${SchoolJobs} schoolId=${id} />
    <h2>${t('org.school.report_title')}</h2>
    <p class="meta">${t('org.impact.privacy', { count: report.data?.min_cell ?? 5 })}</p>
    <${ErrorBox} error=${report.error} onRetry=${report.reload} />
    ${report.data ? html`<${SchoolReport} report=${report.data} />` : null}
  </section>`;
}

function CodeCard({ batch, item, schoolName }) {
  return html`<li class="code-card">
    <div class="code-card-text">
      <p class="code-card-serial">${t('cards.serial', { serial: item.serial })}</p>
      <p class="code-card-title">${t('org.print.card_title')}</p>
      <p class="code-card-campaign">${batch.campaign} · <${Money} cents=${batch.faceValue} /></p>
      ${schoolName ? html`<p class="code-card-school">${schoolName}</p>` : null}
      <p class="code-card-code" data-code=${item.code}>${item.code}</p>
      <p class="code-card-how">${t('org.print.how')}</p>
    </div>
    <${Qr} text=${item.link} label=${t('org.print.qr_label', { code: item.code })} class="qr code-card-qr" />
  </li>`;
}

export function PrintCodes({ me, id }) {
  const [, setRound] = useState(0);
  const batches = unsavedBatches(id);
  const schoolName = me.memberships?.find((m) => String(m.organisation_id) === String(id))?.name || '';
  const total = batches.reduce((sum, batch) => sum + batch.codes.length, 0);
  return html`<${OrgTabs} kind="school" id=${id} me=${me} current=${`/o/school/${id}/stampa`} />
  <section class="page print-page">
    <div class="no-print">
      <${OrgHeading} me=${me} id=${id} kind="school" title=${t('org.print.title')} />
      ${total ? null : html`<p>${t('cards.none')}</p>
        <p><${Link} href=${`/o/school/${id}`}>${t('org.print.generate_link')}</${Link}></p>`}
    </div>
    <${UnsavedCards} schoolId=${id} batches=${batches} onForget=${() => setRound((n) => n + 1)} />
    ${batches.map((batch) => html`<section class="code-batch" key=${batch.at}>
      <h2 class="no-print">${batch.campaign} · ${batchTitle(batch)}</h2>
      <ul class="code-cards">${batch.codes.map((item) => html`<${CodeCard} key=${item.code} batch=${batch} item=${item}
        schoolName=${schoolName} />`)}</ul>
    </section>`)}
  </section>`;
}
