// The typed door code under the wallet's QR (tokens/typed-code.js): the voucher number and
// six digits a door volunteer types when the camera cannot read. It follows the QR's
// step (the server's time, clock.js), so it rotates with the QR.
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { t } from '../i18n.js';
import { typedCode } from '../tokens/typed-code.js';

export function TypedDoorCode({ codeKey, voucherId, step }) {
  const [shown, setShown] = useState(null);
  useEffect(() => {
    let live = true;
    if (!codeKey || !Number.isInteger(step)) return undefined;
    typedCode(codeKey, step).then((code) => live && setShown({ code, step }), () => live && setShown(null));
    return () => {
      live = false;
    };
  }, [codeKey, step]);
  if (!codeKey || !shown) return null;
  const spaced = `${shown.code.slice(0, 3)} ${shown.code.slice(3)}`;
  return html`<p class="typed-door-code" data-door-code=${shown.code} data-voucher=${voucherId} data-step=${shown.step}>
    <span class="hint">${t('typed.wallet_label')}</span><br />
    <strong>${t('typed.wallet_voucher', { voucher: voucherId })}</strong> ·
    <strong class="door-code-digits">${t('typed.wallet_code', { code: spaced })}</strong>
  </p>`;
}
