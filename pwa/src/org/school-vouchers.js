// A school's vouchers by card number and state (GET /schools/:id/vouchers), and the
// recovery of a lost phone's voucher without anybody's name (server/recovery/README.md):
// the teacher enters the card's number, the old phone's voucher is blocked at once, and
// the one-time recovery code shown here goes to the student, who types it in the new
// wallet's "Aggiungi un buono" box. No wallet, voucher id or name ever reaches this page.
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { useAction } from '../action.js';
import { t } from '../i18n.js';
import { Qr } from '../ui/qr.js';
import { ErrorBox, Field, Loading, Money, Notice } from '../ui/components.js';
import { ConfirmAction, SelectField, parseCount, useResource } from './forms.js';
import { OrgHeading, OrgTabs } from './layout.js';

const STATES = ['active', 'spent', 'suspended', 'recovering', 'recovered', 'resolved'];

function stateText(card) {
  const state = t(`recovery.state_${card.status}`);
  return card.status_reason ? `${state} (${t(`recovery.reason_${card.status_reason}`)})` : state;
}

function Counts({ counts }) {
  return html`<dl class="figures recovery-counts" aria-label=${t('recovery.counts')}>
    ${STATES.filter((state) => counts[state]).map((state) => html`<div key=${state} data-state=${state}>
      <dt>${t(`recovery.state_${state}`)}</dt><dd>${counts[state]}</dd></div>`)}
  </dl>`;
}

function CardsTable({ cards }) {
  return html`<div class="table-scroll" tabindex="0" role="region" aria-label=${t('recovery.title')}>
    <table class="report-table recovery-cards">
      <thead><tr>
        <th scope="col" class="num">${t('recovery.card')}</th><th scope="col">${t('recovery.campaign')}</th>
        <th scope="col">${t('recovery.state')}</th><th scope="col" class="num">${t('recovery.balance')}</th>
      </tr></thead>
      <tbody>${cards.map((card) => html`<tr key=${`${card.allocation_id}-${card.card_number}`}
          data-card=${card.card_number} data-allocation=${card.allocation_id} data-state=${card.status}>
        <th scope="row" class="num">${card.card_number}</th><td>${card.campaign_name}</td>
        <td>${stateText(card)}</td><td class="num"><${Money} cents=${card.balance_cents} /></td>
      </tr>`)}</tbody>
    </table>
  </div>`;
}

function RecoveryCode({ answer }) {
  return html`<div class="recovery-code" role="status">
    <h3>${t('recovery.code_title', { card: answer.card_number })}</h3>
    <p class="code-card-code mono" data-recovery-code>${answer.code}</p>
    <${Qr} text=${answer.link} label=${t('recovery.code_qr')} />
    <${Notice} kind="warning">${t('recovery.code_once')}</${Notice}>
    <p>${t('recovery.code_how')}</p>
  </div>`;
}

function StartRecovery({ schoolId, allocations, onDone }) {
  const [allocation, setAllocation] = useState(String(allocations[0]?.id ?? ''));
  const [number, setNumber] = useState('');
  const [error, setError] = useState(null);
  const [answer, setAnswer] = useState(null);
  const act = useAction();
  const card = parseCount(number);
  async function start() {
    if (!card) {
      setError(t('recovery.card_number_error'));
      return;
    }
    setError(null);
    setAnswer(await act(`/schools/${schoolId}/allocations/${allocation}/cards/${card}/recovery`,
      { method: 'POST', csrf: true }));
    setNumber('');
    onDone();
  }
  return html`<section class="card recovery-start" aria-labelledby="recovery-start-title">
    <h2 id="recovery-start-title">${t('recovery.start_title')}</h2>
    <p class="meta">${t('recovery.start_lead')}</p>
    ${allocations.length > 1 ? html`<${SelectField} label=${t('recovery.allocation')} value=${allocation}
      onInput=${setAllocation}
      options=${allocations.map((a) => ({ value: String(a.id), label: `${a.campaign_name} (${a.id})` }))} />` : null}
    <${Field} label=${t('recovery.card_number')} inputmode="numeric" value=${number} error=${error}
      onInput=${(value) => { setNumber(value); setAnswer(null); }} />
    <${ConfirmAction} key=${answer?.code || 'start'} label=${t('recovery.start')} confirmLabel=${t('recovery.start_yes')} kind="danger"
      question=${t('recovery.start_confirm', { card: card ?? '?' })} onConfirm=${start} />
    ${answer ? html`<${RecoveryCode} answer=${answer} />` : null}
  </section>`;
}

export function SchoolVouchers({ me, id }) {
  const listed = useResource(`/schools/${id}/vouchers`);
  const allocations = useResource(`/schools/${id}/allocations`);
  const [shown, setShown] = useState('');
  const cards = (listed.data?.cards || []).filter((card) => !shown || card.status === shown);
  return html`<${OrgTabs} kind="school" id=${id} me=${me} current=${`/o/school/${id}/buoni`} />
  <section class="page school-vouchers">
    <${OrgHeading} me=${me} id=${id} kind="school" title=${t('recovery.title')} />
    <p class="meta">${t('recovery.lead')}</p>
    ${allocations.data?.length ? html`<${StartRecovery} schoolId=${id} allocations=${allocations.data}
      onDone=${listed.reload} />` : null}
    <${ErrorBox} error=${listed.error || allocations.error} onRetry=${listed.reload} />
    ${listed.loading && !listed.data ? html`<${Loading} />` : null}
    ${listed.data && !listed.data.cards.length ? html`<p>${t('recovery.none')}</p>` : null}
    ${listed.data?.cards.length ? html`
      <h2>${t('recovery.counts')}</h2>
      <${Counts} counts=${listed.data.counts} />
      <${SelectField} label=${t('recovery.filter')} value=${shown} onInput=${setShown}
        options=${[{ value: '', label: t('recovery.filter_all') },
          ...STATES.filter((s) => listed.data.counts[s]).map((s) => ({ value: s, label: t(`recovery.state_${s}`) }))]} />
      ${listed.data.truncated ? html`<p class="meta">${t('recovery.truncated')}</p>` : null}
      <${CardsTable} cards=${cards} />` : null}
  </section>`;
}
