// Small shared pieces of UI. Every area builds on these, so keep their props stable.
import { html } from 'htm/preact';
import { errorSentence, formatMoney, t } from '../i18n.js';
import { navigate } from '../router.js';

export function Button({ type = 'button', kind = 'primary', busy = false, disabled = false, onClick, children,
                         ...rest }) {
  return html`<button type=${type} class="btn btn-${kind}" disabled=${disabled || busy} aria-busy=${busy || undefined}
      onClick=${onClick} ...${rest}>
    ${busy ? html`<${Spinner} small />` : null}${children}
  </button>`;
}

/** A link that routes inside the app (history API) instead of reloading the page. */
export function Link({ href, class: className, children, ...rest }) {
  const onClick = (event) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
    event.preventDefault();
    navigate(href);
  };
  return html`<a href=${href} class=${className} onClick=${onClick} ...${rest}>${children}</a>`;
}

let fieldCounter = 0;

/** A labelled input; `error` shows under it and is tied to it for screen readers. */
export function Field({ label, hint, error, id, value, onInput, type = 'text', ...rest }) {
  const fieldId = id || `field-${(fieldCounter += 1)}`;
  const described = [hint && `${fieldId}-hint`, error && `${fieldId}-error`].filter(Boolean).join(' ') || undefined;
  return html`<div class="field">
    <label for=${fieldId}>${label}</label>
    <input id=${fieldId} type=${type} value=${value} aria-invalid=${error ? 'true' : undefined}
      aria-describedby=${described} onInput=${(event) => onInput?.(event.currentTarget.value)} ...${rest} />
    ${hint ? html`<p class="hint" id=${`${fieldId}-hint`}>${hint}</p>` : null}
    ${error ? html`<p class="field-error" id=${`${fieldId}-error`}>${error}</p>` : null}
  </div>`;
}

export function Money({ cents, class: className = 'money' }) {
  return html`<span class=${className}>${formatMoney(cents)}</span>`;
}

/** A plain-language sentence for an ApiError (or any error): `error.<code>` in the UI's
 * language, filled with the problem's params. The server's `detail` is for API clients
 * and logs, never shown: an unknown code gets a sentence for its kind of failure. */
export function errorMessage(error) {
  if (!error) return '';
  return errorSentence(error);
}

export function ErrorBox({ error, onRetry }) {
  if (!error) return null;
  return html`<div class="error-box" role="alert">
    <p>${errorMessage(error)}</p>
    ${onRetry ? html`<${Button} kind="secondary" onClick=${onRetry}>${t('common.retry')}</${Button}>` : null}
  </div>`;
}

export function Spinner({ small = false, label }) {
  return html`<span class=${small ? 'spinner spinner-small' : 'spinner'} role=${label ? 'status' : undefined}
      aria-label=${label}></span>`;
}

export function Loading() {
  return html`<p class="loading"><${Spinner} /> ${t('common.loading')}</p>`;
}

/** A thin progress bar, 0..1 (e.g. the seconds left before a QR rotates). */
export function Progress({ value, label }) {
  return html`<div class="progress" role="progressbar" aria-label=${label} aria-valuemin="0" aria-valuemax="100"
      aria-valuenow=${Math.round(value * 100)}>
    <div class="progress-bar" style=${{ width: `${Math.max(0, Math.min(1, value)) * 100}%` }}></div>
  </div>`;
}

export function Notice({ kind = 'info', children }) {
  return html`<div class=${`notice notice-${kind}`} role=${kind === 'warning' ? 'alert' : 'status'}>${children}</div>`;
}
