// The verdict: the whole screen green or red, readable at arm's length, with the reason
// in plain words (decide.js verdictMessages) and the amount taken. It goes away on a
// tap, on Enter/Escape, or by itself after a few seconds (refusals stay longer: the
// staff have something to explain).
import { html } from 'htm/preact';
import { useEffect, useRef } from 'preact/hooks';
import { formatMoney, language, t } from '../i18n.js';

export const SHOW_MS = { accepted: 3000, refused: 6000 };

function message(verdict) {
  if (verdict.code === 'save_failed') return t('scanner.save_failed');
  return language() === 'en' ? verdict.messageEn : verdict.messageIt;
}

export function VerdictScreen({ verdict, onDismiss, showMs }) {
  const button = useRef(null);
  useEffect(() => {
    button.current?.focus();
    const timer = setTimeout(onDismiss, showMs ?? (verdict.accepted ? SHOW_MS.accepted : SHOW_MS.refused));
    const onKey = (event) => {
      if (event.key === 'Escape') onDismiss();
    };
    document.addEventListener('keydown', onKey);
    return () => {
      clearTimeout(timer);
      document.removeEventListener('keydown', onKey);
    };
  }, [verdict]);
  const { accepted } = verdict;
  const paid = accepted && verdict.kind === 'voucher';
  return html`<div class="sc-verdict" role="alert" data-verdict=${accepted ? 'accepted' : 'refused'}
      data-code=${verdict.code} onClick=${onDismiss}>
    <span class="sc-verdict-mark" aria-hidden="true">${accepted ? '✓' : '✕'}</span>
    <p class="sc-verdict-title">${accepted ? t('scanner.verdict_ok') : t('scanner.verdict_no')}</p>
    ${paid ? html`<span class="sc-verdict-amount">${formatMoney(verdict.amountCents)}</span>` : null}
    <p class="sc-verdict-message">${message(verdict)}</p>
    ${paid && Number.isInteger(verdict.remainingCents)
      ? html`<p class="sc-verdict-note">${t('scanner.remaining', { amount: formatMoney(verdict.remainingCents) })}</p>`
      : null}
    <button type="button" ref=${button} class="btn btn-link sc-verdict-dismiss" style=${{ color: '#fff' }}
      onClick=${(event) => { event.stopPropagation(); onDismiss(); }}>${t('scanner.dismiss')}</button>
  </div>`;
}
