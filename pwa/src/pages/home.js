// Home: three big choices, one per kind of user.
import { html } from 'htm/preact';
import { t } from '../i18n.js';
import { Link } from '../ui/components.js';

// Line icons drawn inline: no icon font to download, and they look the same on every phone.
const ICONS = {
  wallet: 'M3 7h15a2 2 0 0 1 2 2v9a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2zM3 7l12-3v3M15 13h2',
  scanner: 'M3 8V5a2 2 0 0 1 2-2h3M16 3h3a2 2 0 0 1 2 2v3M21 16v3a2 2 0 0 1-2 2h-3M8 21H5a2 2 0 0 1-2-2v-3M7 12h10',
  org: 'M3 21h18M4 10h16M12 3l8 5H4zM6 10v8M10 10v8M14 10v8M18 10v8',
};

const CHOICES = [
  { href: '/w', title: 'home.wallet', text: 'home.wallet_text', icon: ICONS.wallet },
  { href: '/s', title: 'home.scanner', text: 'home.scanner_text', icon: ICONS.scanner },
  { href: '/o', title: 'home.org', text: 'home.org_text', icon: ICONS.org },
];

export function Home() {
  return html`<section class="page home">
    <h1>${t('home.title')}</h1>
    <p class="lead">${t('home.lead')}</p>
    <nav class="choices" aria-label=${t('home.choose')}>
      ${CHOICES.map((choice) => html`<${Link} key=${choice.href} href=${choice.href} class="choice">
        <svg class="choice-icon" viewBox="0 0 24 24" aria-hidden="true" fill="none" stroke="currentColor"
          stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round"><path d=${choice.icon} /></svg>
        <span class="choice-title">${t(choice.title)}</span>
        <span class="choice-text">${t(choice.text)}</span>
      </${Link}>`)}
    </nav>
  </section>`;
}
