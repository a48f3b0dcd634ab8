// The wallet's first page: the student's vouchers, and claiming a new one with the
// code from school (typed, or opened from the card's QR as /w/claim/<code>).
import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { formatDate, t } from '../i18n.js';
import { isOnline, useOnline } from '../online.js';
import { navigate } from '../router.js';
import { Button, ErrorBox, Field, Link, Loading, Notice } from '../ui/components.js';
import { parseCode } from './claim-code.js';
import { useWallet } from './data.js';
import { walletApi } from './device.js';
import { useAction } from '../action.js';
import { keepVoucher } from './sync.js';
import { InstallOffer, StorageAdvice, askForLastingStorage, useStorageAdvice } from './lasting.js';
import { Balance, sortVouchers, statusLabel } from './voucher-status.js';

export function sponsorsLine(voucher) {
  return voucher.sponsors?.length ? t('wallet.offered_by', { sponsor: voucher.sponsors.join(', ') }) : '';
}

function VoucherCard({ voucher, online }) {
  const label = statusLabel(voucher);
  return html`<li>
    <${Link} href=${`/w/buoni/${voucher.id}`} class="card voucher-card" data-voucher=${voucher.id}
      data-status=${voucher.status}>
      <span class="card-title">${voucher.campaign_name}</span>
      <${Balance} voucher=${voucher} online=${online} />
      <span class="sponsor">${sponsorsLine(voucher)}</span>
      <span class="meta">
        ${label ? html`<strong class="status-frozen">${label}</strong>`
          : t('wallet.valid_until', { date: formatDate(voucher.campaign_valid_until) })}
      </span>
    </${Link}>
  </li>`;
}

const CODE_ERRORS = { chars: 'claim.error_chars', length: 'claim.error_length', check: 'claim.error_check' };

/** Claim a code: checked on the phone first, then sent; on success, open the voucher. */
function useClaim() {
  const [state, setState] = useState({ busy: false, error: null, codeError: null });
  const act = useAction(walletApi);
  async function claim(text) {
    const parsed = parseCode(text);
    if (parsed.error) {
      setState({ busy: false, error: null, codeError: t(CODE_ERRORS[parsed.error]) });
      return;
    }
    if (!isOnline()) {
      setState({ busy: false, error: { code: 'offline' }, codeError: null });
      return;
    }
    setState({ busy: true, error: null, codeError: null });
    try {
      const voucher = await act('/wallet/claims', { method: 'POST', body: { code: parsed.code } });
      await keepVoucher(voucher);
      // Now there is something worth keeping: ask that this site's storage is not
      // evicted. Not awaited, and a refusal is not shown (see lasting.js).
      askForLastingStorage();
      // Replace: going back must not land on the claim link and try it again.
      navigate(`/w/buoni/${voucher.id}`, { replace: true });
    } catch (error) {
      setState({ busy: false, error, codeError: null });
    }
  }
  return [state, claim];
}

export function ClaimForm({ initialCode = '', autoSubmit = false }) {
  // A claim link opened where storage will not last (an app's own browser, iOS outside
  // the Home Screen) waits for the student, who reads the advice first.
  const advice = useStorageAdvice();
  const [code, setCode] = useState(initialCode);
  const [state, claim] = useClaim();
  const submitted = useRef(false);
  useEffect(() => {
    if (autoSubmit && initialCode && !submitted.current && isOnline() && !advice.advice) {
      submitted.current = true;
      claim(initialCode);
    }
  }, []);
  return html`<form class="form claim-form" onSubmit=${(event) => { event.preventDefault(); claim(code); }}>
    <${Field} label=${t('claim.code')} hint=${t('claim.hint')} value=${code} onInput=${setCode}
      error=${state.codeError} autocomplete="off" autocapitalize="characters" spellcheck=${false}
      name="code" inputmode="text" />
    <${ErrorBox} error=${state.error} />
    <${Button} type="submit" busy=${state.busy}>${t('claim.submit')}</${Button}>
  </form>`;
}

export function ClaimPage({ code }) {
  const online = useOnline();
  const advice = useStorageAdvice();
  return html`<section class="page narrow">
    <h1>${t('claim.title')}</h1>
    <${StorageAdvice} advice=${advice} />
    ${!online ? html`<${Notice} kind="warning">${t('claim.offline')}</${Notice}>` : null}
    <${ClaimForm} initialCode=${code || ''} autoSubmit=${Boolean(code)} />
  </section>`;
}

export function WalletHome() {
  const { vouchers, loaded } = useWallet();
  const online = useOnline();
  const advice = useStorageAdvice();
  if (!loaded) return html`<${Loading} />`;
  return html`<section class="page">
    <h1>${t('wallet.title')}</h1>
    ${vouchers.length
      ? html`<ul class="cards">${sortVouchers(vouchers).map((v) => html`<${VoucherCard} key=${v.id} voucher=${v}
          online=${online} />`)}</ul>`
      : html`<p class="lead">${t('wallet.empty')}</p>`}
    ${!vouchers.length ? html`<${StorageAdvice} advice=${advice} />` : null}
    <${InstallOffer} ready=${vouchers.length > 0 && !advice.advice} />
    <details class="claim-box" open=${!vouchers.length}>
      <summary>${t('claim.add')}</summary>
      <${ClaimForm} />
    </details>
  </section>`;
}
