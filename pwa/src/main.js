// Boot: render the app, register the service worker, start the wallet's background refresh.
import { render } from 'preact';
import { html } from 'htm/preact';
import { App } from './app.js';
import { interceptLinks } from './router.js';
import { registerServiceWorker } from './sw-bridge.js';
import { startWalletSync } from './wallet/sync.js';

const root = document.getElementById('app');
root.textContent = '';
interceptLinks(root);
render(html`<${App} />`, root);
registerServiceWorker();
startWalletSync();
