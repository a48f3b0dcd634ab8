// One voucher: balance, sponsor, where it can be spent, and the code to show at the door.
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { formatDate, formatDateTime, t } from '../i18n.js';
import { useOnline } from '../online.js';
import { getVoucher } from '../store.js';
import { Link, Loading, Money, Notice } from '../ui/components.js';
import { categoryLabel, useCategories } from './categories.js';
import { sponsorsLine } from './home.js';
import { PresentationQr } from './presentation-lazy.js';
import { onWalletChange, refreshWallet } from './sync.js';
import { InstallOffer } from './lasting.js';
import { Balance, statusTexts } from './voucher-status.js';
import { ThanksButtons } from './thanks.js';

function useVoucher(id) {
  const [state, setState] = useState({ voucher: null, loaded: false });
  useEffect(() => {
    let live = true;
    const load = async () => {
      const voucher = await getVoucher(Number(id));
      if (live) setState({ voucher, loaded: true });
    };
    load();
    const unsubscribe = onWalletChange(load);
    return () => {
      live = false;
      unsubscribe();
    };
  }, [id]);
  return state;
}

function credentialExpired(voucher) {
  // valid_until is included, as the verifiers have it (docs/tokens.md)
  return voucher.credential_valid_until && new Date(voucher.credential_valid_until).getTime() < Date.now();
}

function DoorCode({ voucher }) {
  const online = useOnline();
  const why = statusTexts(voucher);
  if (why.length) {
    return html`<div class="notice notice-warning voucher-status" data-status=${voucher.status}>
      ${why.map((text) => html`<p>${text}</p>`)}
    </div>`;
  }
  if (!voucher.credential) {
    return html`<${Notice} kind="warning">${online ? t('wallet.no_credential') : t('wallet.no_credential_offline')}
    </${Notice}>`;
  }
  if (credentialExpired(voucher)) {
    return html`<${Notice} kind="warning">${t('wallet.credential_expired')}</${Notice}>`;
  }
  return html`<div class="door-code">
    <p class="door-hint">${t('wallet.show_at_door')}</p>
    <${PresentationQr} credential=${voucher.credential} label=${t('wallet.qr_label', { name: voucher.campaign_name })}
      voucherId=${voucher.id} doorCodeKey=${voucher.door_code_key} />
    <p class="meta">${t('wallet.offline_allowance_note')}</p>
  </div>`;
}

export function VoucherPage({ id }) {
  const { voucher, loaded } = useVoucher(id);
  const online = useOnline();
  const categories = useCategories();
  // Opening a voucher is a good moment to bring its balance and credential up to date.
  useEffect(() => {
    refreshWallet();
  }, [id]);
  if (!loaded) return html`<${Loading} />`;
  if (!voucher) {
    return html`<section class="page"><h1>${t('wallet.voucher_missing')}</h1>
      <p><${Link} href="/w">${t('wallet.back')}</${Link}></p></section>`;
  }
  return html`<section class="page voucher-page">
    <h1>${voucher.campaign_name}</h1>
    <${Balance} voucher=${voucher} online=${online} big />
    <p class="sponsor">${sponsorsLine(voucher)}</p>
    <${DoorCode} voucher=${voucher} />
    <dl class="facts">
      <dt>${t('wallet.face_value')}</dt><dd><${Money} cents=${voucher.face_value_cents} /></dd>
      <dt>${t('wallet.valid_until_label')}</dt><dd>${formatDate(voucher.campaign_valid_until)}</dd>
      ${voucher.categories?.length ? html`<dt>${t('wallet.categories')}</dt>
        <dd>${voucher.categories.map((slug) => categoryLabel(categories, slug)).join(', ')}</dd>` : null}
      ${voucher.credential_valid_until ? html`<dt>${t('wallet.credential_until')}</dt>
        <dd>${formatDateTime(voucher.credential_valid_until)}</dd>` : null}
    </dl>
    <${ThanksButtons} voucherId=${voucher.id} />
    <p><${Link} href="/w/catalogo" class="btn btn-secondary">${t('wallet.find_events')}</${Link}></p>
    <${InstallOffer} ready=${true} />
  </section>`;
}
