// The rotating QR the student shows at the door. Made here, on the phone, offline:
// the stored credential plus the current 15-second time step, signed by the device
// key (tokens/present.js). A new code every step makes screenshots useless soon after.
// The step is counted on the server's time as this phone last measured it (clock.js),
// not on the phone's own clock, which may be minutes off: the scanner judges the step
// on the server's time too.
import { html } from 'htm/preact';
import { useLayoutEffect, useState } from 'preact/hooks';
import { loadClock, serverNow } from '../clock.js';
import { t } from '../i18n.js';
import { getDevice } from '../store.js';
import { presentCredential } from '../tokens/index.js';
import { Progress } from '../ui/components.js';
import { TypedDoorCode } from '../ui/typed-door-code.js';
import { Qr } from '../ui/qr.js';
import { useScreenAwake } from './wake-lock.js';

const STEP_SECONDS = 15;

const nowSeconds = () => Math.floor(serverNow() / 1000);

export function PresentationQr({ credential, label, voucherId, doorCodeKey }) {
  const [seconds, setSeconds] = useState(nowSeconds);
  const [shown, setShown] = useState({ text: null, step: null, failed: false });
  useScreenAwake(); // while this code is on screen (wake-lock.js)

  // One timer, on the second: the countdown ticks, and a new step signs a new code.
  // The signing starts in the timer itself rather than in an effect of the new step:
  // effects wait for the next animation frame, which a hidden or throttled page may
  // not get for a while; the QR must change on time. (Layout effect for the same
  // reason: the first code appears right after the first render.)
  useLayoutEffect(() => {
    let live = true;
    let timer;
    let wanted = null;
    const present = async (step) => {
      wanted = step;
      try {
        const device = await getDevice();
        if (!device?.privateKey) throw new Error('no device key');
        const text = await presentCredential(credential, device.privateKey, { now: step * STEP_SECONDS });
        if (live && wanted === step) setShown({ text, step, failed: false });
      } catch (error) {
        console.error('presentation failed', error);
        if (live && wanted === step) setShown({ text: null, step, failed: true });
      }
    };
    const tick = () => {
      const now = nowSeconds();
      setSeconds(now);
      const step = Math.floor(now / STEP_SECONDS);
      if (step !== wanted) present(step);
      timer = setTimeout(tick, 1000 - (serverNow() % 1000));
    };
    // The first code waits for the stored offset (a read of IndexedDB): one signed on the
    // phone's own clock could be refused at the door.
    loadClock().then(() => {
      if (live) tick();
    });
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [credential]);

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
      <${TypedDoorCode} codeKey=${doorCodeKey} voucherId=${voucherId} step=${shown.step} />
    </figcaption>
  </figure>`;
}
