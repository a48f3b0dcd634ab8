// The root component: top bar (name, connection badge, language switch), the update
// banner, and the page for the current route.
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { LANGUAGES, language, onLanguageChange, setLanguage, t } from './i18n.js';
import { useOnline } from './online.js';
import { Outlet } from './router.js';
import { applyUpdate, onUpdateReady } from './sw-bridge.js';
import { Link } from './ui/components.js';

function ConnectionBadge() {
  const online = useOnline();
  return html`<span class=${online ? 'badge badge-online' : 'badge badge-offline'} role="status"
      data-online=${online ? 'true' : 'false'}>
    ${online ? t('app.online') : t('app.offline')}
  </span>`;
}

function LanguageSwitch({ current }) {
  return html`<div class="lang-switch" role="group" aria-label=${t('app.language')}>
    ${LANGUAGES.map((lang) => html`<button type="button" key=${lang} class="lang" lang=${lang}
        aria-pressed=${lang === current ? 'true' : 'false'} onClick=${() => setLanguage(lang)}>
      ${lang.toUpperCase()}
    </button>`)}
  </div>`;
}

function UpdateBanner() {
  const [ready, setReady] = useState(false);
  const [applying, setApplying] = useState(false);
  useEffect(() => onUpdateReady(setReady), []);
  if (!ready) return null;
  return html`<div class="update-banner" role="alert">
    <span>${t('app.update_available')}</span>
    <button type="button" class="btn btn-small" disabled=${applying}
      onClick=${() => { setApplying(true); applyUpdate(); }}>${t('app.update_now')}</button>
  </div>`;
}

export function App() {
  const [lang, setLang] = useState(language());
  useEffect(() => onLanguageChange(setLang), []);
  // Keyed by language: a switch re-renders every page with the new strings.
  return html`<div class="app" key=${lang}>
    <header class="topbar">
      <${Link} href="/" class="brand">${t('app.name')}</${Link}>
      <div class="topbar-end">
        <${ConnectionBadge} />
        <${LanguageSwitch} current=${lang} />
      </div>
    </header>
    <${UpdateBanner} />
    <main id="main"><${Outlet} /></main>
  </div>`;
}
