// The typed door code at the scanner: when the camera cannot read, the volunteer types
// the voucher number and the six digits under the student's QR (tokens/typed-code.js).
// Only the server can check the digits, so this needs a connection: offline the form
// says so and sends nothing (server/door/README.md, "Typed door codes").
//
// The request is a scanner record signed like any scan (scanned text
// "typed:<voucher>:<digits>"), sent to POST /scanners/<id>/typed-code and never queued
// in the outbox: an answer that does not arrive is asked again with the same record id,
// which the server counts once.
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { clockKnown, recordServerTime, serverNow } from '../clock.js';
import { t } from '../i18n.js';
import { useOnline } from '../online.js';
import { Button } from '../ui/components.js';
import { recordScan } from '../tokens/record.js';
import { parseTyped, typedRecordText } from '../tokens/typed-code.js';
import { unlockAudio } from './feedback.js';

const ATTEMPTS = 3; // the same record each time: a lost answer is not a second payment
const KNOWN_CODES = new Set([
  'wrong_typed_code', 'typed_code_locked', 'presentation_replayed', 'insufficient_balance', 'out_of_scope',
  'event_not_at_venue', 'revoked', 'expired', 'not_yet_valid', 'invalid_amount', 'scanner_retired',
  'outside_campaign_area',
]);

function refusal(code) {
  const message = KNOWN_CODES.has(code) ? t(`typed.${code}`) : t('typed.refused', { code });
  return { accepted: false, code, kind: 'voucher', messageIt: message, messageEn: message, source: 'typed' };
}

async function send(scannerId, record, fetchImpl) {
  const sentMs = Date.now();
  const response = await fetchImpl(`/api/v1/scanners/${scannerId}/typed-code`, {
    method: 'POST',
    credentials: 'omit',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json, application/problem+json' },
    body: JSON.stringify({ record }),
  });
  await recordServerTime(response, sentMs, Date.now());
  return { status: response.status, data: await response.json().catch(() => null) };
}

/**
 * Ask the server about a typed code. Resolves to a verdict for VerdictScreen:
 * {accepted, code, kind, amountCents, voucherId, messageIt, messageEn, recordId}.
 */
export async function checkTypedCode({ enrolment, voucherId, digits, eventId, amountCents,
  fetchImpl = (...args) => fetch(...args) }) {
  const nowMs = Date.now();
  const signed = await recordScan(enrolment.privateKey, {
    scannerId: enrolment.scannerId, scannedAt: Math.floor(serverNow(nowMs) / 1000),
    phoneAt: clockKnown() ? Math.floor(nowMs / 1000) : null, eventId: eventId || 0, amountCents,
    result: 'accepted', scannedText: typedRecordText(voucherId, digits),
  });
  let answer = null;
  for (let attempt = 0; attempt < ATTEMPTS && answer === null; attempt += 1) {
    try {
      answer = await send(enrolment.scannerId, signed.text, fetchImpl);
    } catch {
      // no answer: the same record again (the server counts it once)
    }
  }
  if (answer === null) return { ...refusal('offline'), messageIt: t('typed.failed'), messageEn: t('typed.failed') };
  const { status, data } = answer;
  if (status !== 200 || !data) return refusal(data?.code || `http_${status}`);
  if (data.outcome !== 'redeemed') return { ...refusal(data.code), recordId: signed.recordId, voucherId };
  const message = t('typed.ok');
  return { accepted: true, code: 'accepted', kind: 'voucher', amountCents: data.amount_cents, voucherId,
           recordId: signed.recordId, messageIt: message, messageEn: message, source: 'typed' };
}

/**
 * The form. `onVerdict(verdict)` shows the answer; `settings()` gives {eventId, amountCents}
 * as the door's controls stand (amountCents -1 when the typed price is not an amount).
 */
export function TypedCodeForm({ enrolment, event, settings, disabled, onVerdict }) {
  const online = useOnline();
  const [voucherText, setVoucherText] = useState('');
  const [codeText, setCodeText] = useState('');
  const [problem, setProblem] = useState(null);
  const [busy, setBusy] = useState(false);

  async function submit(submitEvent) {
    submitEvent.preventDefault();
    unlockAudio();
    const typed = parseTyped(voucherText, codeText);
    if (!typed) {
      setProblem(t('typed.invalid'));
      return;
    }
    if (!online) {
      setProblem(t('typed.offline'));
      return;
    }
    const { eventId, amountCents } = settings();
    const amount = amountCents ?? event?.price_cents;
    if (!Number.isInteger(amount) || amount <= 0) {
      setProblem(t('typed.invalid_amount'));
      return;
    }
    setProblem(null);
    setBusy(true);
    try {
      const verdict = await checkTypedCode({ enrolment, ...typed, eventId, amountCents: amount });
      if (verdict.accepted || verdict.code !== 'wrong_typed_code') setCodeText('');
      if (verdict.accepted) setVoucherText('');
      onVerdict(verdict);
    } finally {
      setBusy(false);
    }
  }

  return html`<section class="sc-typed" aria-labelledby="sc-typed-title">
    <h2 id="sc-typed-title" class="sc-typed-title">${t('typed.title')}</h2>
    <p class="hint" id="sc-typed-lead">${t('typed.lead')}</p>
    <form class="sc-typed-form" onSubmit=${submit} noValidate>
      <div class="field">
        <label for="sc-typed-voucher">${t('typed.voucher')}</label>
        <input id="sc-typed-voucher" inputmode="numeric" autocomplete="off" value=${voucherText}
          disabled=${disabled} onInput=${(e) => setVoucherText(e.currentTarget.value)} />
      </div>
      <div class="field">
        <label for="sc-typed-code">${t('typed.code')}</label>
        <input id="sc-typed-code" inputmode="numeric" autocomplete="one-time-code" maxlength="9" value=${codeText}
          disabled=${disabled} onInput=${(e) => setCodeText(e.currentTarget.value)} />
      </div>
      <${Button} type="submit" disabled=${disabled || busy}>${busy ? t('typed.checking') : t('typed.submit')}</${Button}>
    </form>
    ${!online ? html`<p class="hint sc-typed-offline" role="status">${t('typed.offline')}</p>` : null}
    ${problem ? html`<p class="sc-typed-problem" role="alert">${problem}</p>` : null}
  </section>`;
}
