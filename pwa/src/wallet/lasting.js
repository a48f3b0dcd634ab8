// Storage that lasts: a voucher lives in this browser's storage (its device key), so
// the wallet asks for storage that is not evicted, warns before a claim in a browser
// whose storage will not last (browser-check.js), and offers to install the app once
// the student has something worth keeping (after the first claim, never on a first visit).
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { t } from '../i18n.js';
import { Button, Notice } from '../ui/components.js';
import { currentStorageAdvice, inAppName } from './browser-check.js';

/**
 * Ask the browser not to evict this site's storage. Chromium grants it to installed or
 * much-used sites, Firefox may ask the user, Safari mostly ignores it; a refusal changes
 * nothing the student can act on, so it is not shown. Resolves to the answer (or false).
 */
export async function askForLastingStorage() {
  try {
    if (!navigator.storage?.persist) return false;
    if (await navigator.storage.persisted?.()) return true;
    return await navigator.storage.persist();
  } catch {
    return false;
  }
}

// --- Android/Chromium's install prompt ----------------------------------------------------

const DISMISSED_KEY = 'mentoring.install-dismissed'; // the only thing kept: "not now" was said
let deferredPrompt = null;
const promptListeners = new Set();

function setPrompt(event) {
  deferredPrompt = event;
  for (const listener of promptListeners) listener(event);
}

if (typeof window !== 'undefined') {
  // Keep the browser's own banner from showing on the first visit; offered later, by us.
  window.addEventListener('beforeinstallprompt', (event) => {
    event.preventDefault();
    setPrompt(event);
  });
  window.addEventListener('appinstalled', () => setPrompt(null));
}

function installDismissed() {
  try {
    return localStorage.getItem(DISMISSED_KEY) === '1';
  } catch {
    return false;
  }
}

function rememberDismissal() {
  try {
    localStorage.setItem(DISMISSED_KEY, '1');
  } catch {
    // storage blocked: asked again next visit, no harm
  }
}

/** "Install Mentoring": shown when the browser offers installing, `ready` (a voucher is kept), not dismissed. */
export function InstallOffer({ ready }) {
  // The module's prompt is read at each render (the event may come between this
  // component's first render and its effect); the listener only asks for a render.
  const [, setRenders] = useState(0);
  const [dismissed, setDismissed] = useState(installDismissed);
  useEffect(() => {
    const rerender = () => setRenders((n) => n + 1);
    promptListeners.add(rerender);
    return () => promptListeners.delete(rerender);
  }, []);
  const prompt = deferredPrompt;
  if (!ready || !prompt || dismissed) return null;
  const later = () => {
    rememberDismissal();
    setDismissed(true);
  };
  const install = async () => {
    setPrompt(null); // a prompt event can be used once
    try {
      await prompt.prompt();
      const choice = await prompt.userChoice;
      if (choice?.outcome !== 'accepted') later();
    } catch {
      later();
    }
  };
  return html`<aside class="install-offer card" aria-labelledby="install-offer-title">
    <h2 id="install-offer-title">${t('wallet2.install_title')}</h2>
    <p>${t('wallet2.install_text')}</p>
    <div class="actions">
      <${Button} onClick=${install}>${t('wallet2.install')}</${Button}>
      <${Button} kind="secondary" onClick=${later}>${t('wallet2.install_later')}</${Button}>
    </div>
  </aside>`;
}

// --- before claiming: where the voucher would be kept ---------------------------------------

function CopyLink() {
  const [state, setState] = useState(null);
  const link = typeof location === 'undefined' ? '' : location.href;
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(link);
      setState('copied');
    } catch {
      setState('failed');
    }
  };
  return html`<div class="copy-link">
    <${Button} kind="secondary" onClick=${copy}>${t('wallet2.copy_link')}</${Button}>
    <p class="copy-link-url"><span class="selectable">${link}</span></p>
    <p role="status" class="meta">${state === 'copied' ? t('wallet2.link_copied')
      : state === 'failed' ? t('wallet2.copy_failed') : ''}</p>
  </div>`;
}

/** The advice for this browser ({advice, app}), read once per page. */
export function useStorageAdvice() {
  const [advice] = useState(currentStorageAdvice);
  return advice;
}

/** What to do before claiming, when this browser's storage will not last; nothing otherwise. */
export function StorageAdvice({ advice }) {
  if (advice.advice === 'open_in_browser') {
    const app = inAppName(advice.app);
    return html`<div class="storage-advice" data-advice="open_in_browser">
      <${Notice} kind="warning">
        <strong>${t('wallet2.in_app_title')}</strong>
        <p>${app ? t('wallet2.in_app_named', { app }) : t('wallet2.in_app_unnamed')}</p>
        <p>${t('wallet2.in_app_how')}</p>
      </${Notice}>
      <${CopyLink} />
      <p class="meta">${t('wallet2.claim_here_anyway')}</p>
    </div>`;
  }
  if (advice.advice === 'add_to_home') {
    return html`<div class="storage-advice" data-advice="add_to_home">
      <${Notice} kind="info">
        <strong>${t('wallet2.ios_title')}</strong>
        <p>${t('wallet2.ios_text')}</p>
        <p>${t('wallet2.ios_how')}</p>
      </${Notice}>
      <p class="meta">${t('wallet2.claim_here_anyway')}</p>
    </div>`;
  }
  return null;
}
