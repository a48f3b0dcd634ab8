// Home: three big choices, one per kind of user.
import { html } from 'htm/preact';
import { t } from '../i18n.js';
import { Link } from '../ui/components.js';

const CHOICES = [
  { href: '/w', title: 'home.wallet', text: 'home.wallet_text', icon: '🎟️' },
  { href: '/s', title: 'home.scanner', text: 'home.scanner_text', icon: '📷' },
  { href: '/o', title: 'home.org', text: 'home.org_text', icon: '🏛️' },
];

export function Home() {
  return html`<section class="page home">
    <h1>${t('home.title')}</h1>
    <p class="lead">${t('home.lead')}</p>
    <nav class="choices" aria-label=${t('home.choose')}>
      ${CHOICES.map((choice) => html`<${Link} key=${choice.href} href=${choice.href} class="choice">
        <span class="choice-icon" aria-hidden="true">${choice.icon}</span>
        <span class="choice-title">${t(choice.title)}</span>
        <span class="choice-text">${t(choice.text)}</span>
      </${Link}>`)}
    </nav>
  </section>`;
}
