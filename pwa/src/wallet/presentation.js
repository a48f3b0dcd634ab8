// The rotating QR the student shows at the door. Made here, on the phone, offline:
// the stored credential plus the current 15-second time step, signed by the device
// key (tokens/present.js). A new code every step makes screenshots useless soon after.
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { t } from '../i18n.js';
import { getDevice } from '../store.js';
import { presentCredential } from '../tokens/index.js';
import { Progress } from '../ui/components.js';
import { Qr } from '../ui/qr.js';

const STEP_SECONDS = 15;

/** The wall clock in whole seconds, ticking once a second. */
function useSeconds() {
  const [seconds, setSeconds] = useState(() => Math.floor(Date.now() / 1000));
  useEffect(() => {
    let timer;
    const tick = () => {
      setSeconds(Math.floor(Date.now() / 1000));
      timer = setTimeout(tick, 1000 - (Date.now() % 1000)); // on the second, so the countdown is even
    };
    timer = setTimeout(tick, 1000 - (Date.now() % 1000));
    return () => clearTimeout(timer);
  }, []);
  return seconds;
}

export function PresentationQr({ credential, label }) {
  const seconds = useSeconds();
  const step = Math.floor(seconds / STEP_SECONDS);
  const [shown, setShown] = useState({ text: null, step: null, failed: false });

  useEffect(() => {
    let live = true;
    (async () => {
      try {
        const device = await getDevice();
        if (!device?.privateKey) throw new Error('no device key');
        const text = await presentCredential(credential, device.privateKey, { now: step * STEP_SECONDS });
        if (live) setShown({ text, step, failed: false });
      } catch (error) {
        console.error('presentation failed', error);
        if (live) setShown({ text: null, step, failed: true });
      }
    })();
    return () => {
      live = false;
    };
  }, [credential, step]);

  if (shown.failed) {
    return html`<div class="error-box" role="alert"><p>${t('wallet.qr_failed')}</p></div>`;
  }
  if (!shown.text) return html`<div class="qr-frame qr-pending" aria-busy="true"></div>`;
  const left = STEP_SECONDS - (seconds % STEP_SECONDS);
  return html`<figure class="presentation" data-step=${shown.step}>
    <div class="qr-frame"><${Qr} text=${shown.text} label=${label} /></div>
    <figcaption>
      <${Progress} value=${left / STEP_SECONDS} label=${t('wallet.qr_countdown', { seconds: left })} />
      <span class="countdown" aria-live="off">${t('wallet.qr_countdown', { seconds: left })}</span>
    </figcaption>
  </figure>`;
}
