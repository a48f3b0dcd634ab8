// The operator closes an overspend flag (POST /admin/vouchers/:id/decision): reactivate
// the voucher with a note (its balance moves to a fresh voucher in the same wallet: the
// frozen id stays on every scanner's revocation list), or keep it suspended for the
// school to start a recovery (server/recovery/README.md). Once decided, the card says so.
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { useActions } from '../action.js';
import { formatDateTime, t } from '../i18n.js';
import { ConfirmAction, TextArea } from './forms.js';

export function DecisionText({ decision }) {
  return html`<p class="meta flag-decision" data-decision=${decision.decision}>${t(`recovery.decided_${decision.decision}`,
    { at: formatDateTime(decision.decided_at), note: decision.note })}</p>`;
}

export function FlagDecision({ flag }) {
  const [decided, setDecided] = useState(flag.decision || null);
  const [note, setNote] = useState('');
  const [error, setError] = useState(null);
  const actionFor = useActions();
  if (flag.kind !== 'overspend' || !flag.voucher_id) return null;
  const state = flag.voucher_status ? html`<p class="meta">${t(`recovery.voucher_state_${flag.voucher_status}`)}</p>` : null;
  if (decided) return html`${state}<${DecisionText} decision=${decided} />`;
  if (flag.voucher_status !== 'frozen') return state;
  const decide = (decision) => async () => {
    if (!note.trim()) {
      setError(t('recovery.note_error'));
      return;
    }
    setError(null);
    setDecided(await actionFor(decision)(`/admin/vouchers/${flag.voucher_id}/decision`,
      { method: 'POST', csrf: true, body: { decision, note: note.trim() } }));
  };
  return html`<div class="flag-decide" role="group" aria-label=${t('recovery.decision_title')}>
    ${state}
    <${TextArea} label=${t('recovery.decision_note')} hint=${t('recovery.decision_note_hint')} value=${note}
      onInput=${setNote} error=${error} maxlength="500" />
    <div class="actions">
      <${ConfirmAction} label=${t('recovery.unfreeze')} confirmLabel=${t('recovery.unfreeze')}
        question=${t('recovery.unfreeze_confirm', { id: flag.voucher_id })} onConfirm=${decide('unfreeze')}
        name=${t('org.admin.voucher_n', { id: flag.voucher_id })} />
      <${ConfirmAction} label=${t('recovery.recover')} confirmLabel=${t('recovery.recover')} kind="danger"
        question=${t('recovery.recover_confirm', { id: flag.voucher_id })} onConfirm=${decide('recover')}
        name=${t('org.admin.voucher_n', { id: flag.voucher_id })} />
    </div>
  </div>`;
}
