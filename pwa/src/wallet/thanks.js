// After a voucher was used, its page offers a few preset thanks to the sponsors (no
// free text: nothing a student writes can name them). One per voucher; the server
// says whether the voucher was used and which thanks was sent (server/thanks).
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { t } from '../i18n.js';
import { useOnline } from '../online.js';
import { Button, ErrorBox } from '../ui/components.js';
import { walletApi } from './device.js';

// The server's choices, in its order (thanks.api.CHOICES); labels are ours.
export const THANKS_CHOICES = ['grazie', 'scoperta', 'ci-torno', 'consiglio'];

export function ThanksButtons({ voucherId }) {
  const online = useOnline();
  const [state, setState] = useState({ used: false, choice: null, busy: null, error: null });
  useEffect(() => {
    if (!online) return undefined;
    let live = true;
    walletApi(`/wallet/vouchers/${voucherId}/thanks`).then(
      (found) => live && setState((s) => ({ ...s, used: found.used, choice: found.choice })),
      () => {}, // no buttons rather than an error: thanks are a nicety, the page is the voucher
    );
    return () => {
      live = false;
    };
  }, [voucherId, online]);
  async function send(choice) {
    setState((s) => ({ ...s, busy: choice, error: null }));
    try {
      const sent = await walletApi(`/wallet/vouchers/${voucherId}/thanks`, { method: 'POST', body: { choice } });
      setState((s) => ({ ...s, busy: null, choice: sent.choice }));
    } catch (error) {
      // Sent already (from another tab, or an answer lost on the way): ask what was sent.
      if (error?.code === 'thanks_already_sent') {
        const found = await walletApi(`/wallet/vouchers/${voucherId}/thanks`).catch(() => null);
        setState((s) => ({ ...s, busy: null, choice: found?.choice || choice }));
        return;
      }
      setState((s) => ({ ...s, busy: null, error }));
    }
  }
  if (state.choice) {
    return html`<p class="ok thanks-sent" role="status">${t('thanks.sent', { choice: t(`thanks.${state.choice}`) })}</p>`;
  }
  if (!state.used) return null;
  return html`<section class="thanks" aria-labelledby="thanks-title">
    <h2 id="thanks-title">${t('thanks.title')}</h2>
    <p class="meta">${t('thanks.lead')}</p>
    <div class="actions">
      ${THANKS_CHOICES.map((choice) => html`<${Button} key=${choice} kind="secondary" busy=${state.busy === choice}
        disabled=${Boolean(state.busy)} onClick=${() => send(choice)}>${t(`thanks.${choice}`)}</${Button}>`)}
    </div>
    <${ErrorBox} error=${state.error} />
  </section>`;
}
