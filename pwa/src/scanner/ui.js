// The entrance scanner area (/s…), loaded on demand by the router: students never
// download it, nor its QR decoder.
//
//   /s           enrol this phone (first use), then scan
//   /s/registro  the local log of decisions, and this device
//
// Where things are: enrolment.js (key, enrolment, bundle), door.js (decide, sign,
// store), camera.js + decoder.js (frames to text), outbox.js + sync.js (sending the
// records), decide.js (the offline rules).
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { navigate } from '../router.js';
import { clearScanner, getScanner } from '../store.js';
import { Loading } from '../ui/components.js';
import { DoorView } from './door-view.js';
import { LogView } from './log-view.js';
import { Setup } from './setup.js';
import { applyScannerStyles } from './styles.js';
import { startScannerSync } from './sync.js';

export default function ScannerArea({ path }) {
  const [enrolment, setEnrolment] = useState(undefined); // undefined: reading; null: not enrolled

  useEffect(() => {
    applyScannerStyles();
    startScannerSync();
    getScanner().then((stored) => setEnrolment(stored?.scannerId ? stored : null));
  }, []);

  async function forget() {
    await clearScanner();
    setEnrolment(null);
    navigate('/s');
  }

  if (enrolment === undefined) return html`<${Loading} />`;
  if (path === '/s/registro') return html`<${LogView} enrolment=${enrolment} onForget=${forget} />`;
  if (!enrolment) return html`<${Setup} onEnrolled=${setEnrolment} />`;
  return html`<${DoorView} key=${enrolment.scannerId} enrolment=${enrolment} onEnrolment=${setEnrolment}
    onForget=${forget} />`;
}
