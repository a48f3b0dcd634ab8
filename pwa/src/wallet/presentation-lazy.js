// The door QR (presentation.js), loaded when a voucher or ticket is first shown, not with
// the first screen: the QR encoder and the token code are about 40 KB of script a new
// student's first screen (the claim form) does not need (lazy.js says why that matters).
import { html } from 'htm/preact';
import { lazyComponent } from './lazy.js';

export const PresentationQr = lazyComponent(() => import('./presentation.js'), 'PresentationQr',
  html`<div class="qr-frame qr-pending" aria-busy="true"></div>`);
