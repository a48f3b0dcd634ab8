// Form plumbing for the organisations' area: values, the server's field errors shown
// under the field they are about, and the few inputs components.js does not have.
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { t } from '../i18n.js';
import { Button, ErrorBox, errorMessage } from '../ui/components.js';

/**
 * useForm({name: ''}) → {values, set, errors, error, busy, submit}.
 * `submit(check, send)` returns an onSubmit handler: `check(values)` returns
 * {field: message} for what the phone can tell is wrong (nothing is sent then);
 * `send(values)` talks to the server. A problem+json with a `field` this form has
 * lands under that field; any other failure in the box at the end of the form.
 */
export function useForm(initial) {
  const [values, setValues] = useState(initial);
  const [errors, setErrors] = useState({});
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const set = (name) => (value) => setValues((previous) => ({ ...previous, [name]: value }));
  const submit = (check, send) => async (event) => {
    event?.preventDefault();
    const form = event?.currentTarget; // gone from the event once an await has passed
    const found = check ? check(values) : {};
    setErrors(found);
    setError(null);
    if (Object.keys(found).length) {
      focusFirstInvalid(form);
      return;
    }
    setBusy(true);
    try {
      await send(values);
    } catch (failure) {
      if (failure?.field && failure.field in values) {
        setErrors({ [failure.field]: errorMessage(failure) });
        focusFirstInvalid(form);
      } else {
        setError(failure);
      }
    } finally {
      setBusy(false);
    }
  };
  return { values, setValues, set, errors, error, busy, submit };
}

/** After the errors render, move focus to the first field marked invalid. */
function focusFirstInvalid(form) {
  if (!form?.querySelector) return;
  setTimeout(() => form.querySelector('[aria-invalid="true"]')?.focus(), 0);
}

/** "12,50", "12.5", "12" → cents; null when it is not an amount (negative, letters, 3 decimals). */
export function parseEuro(text) {
  const clean = String(text ?? '').trim().replace(/\s|€/g, '');
  const match = /^(\d{1,7})(?:[.,](\d{1,2}))?$/.exec(clean);
  if (!match) return null;
  return Number(match[1]) * 100 + Number((match[2] || '0').padEnd(2, '0'));
}

/** Cents → what a person types back into an amount field ("12,50" in Italian). */
export function euroText(cents, lang = 'it') {
  const text = (cents / 100).toFixed(2);
  return lang === 'it' ? text.replace('.', ',') : text;
}

/** A whole number from 1 up: null otherwise. */
export function parseCount(text) {
  const clean = String(text ?? '').trim();
  return /^\d{1,6}$/.test(clean) && Number(clean) > 0 ? Number(clean) : null;
}

/** The text for `key`, or `fallback` when no dictionary has it (e.g. a code the server added later). */
export function tOr(key, fallback, params) {
  const text = t(key, params);
  return text === key ? fallback : text;
}

/** Put `text` on the clipboard; throws when the browser refuses. */
async function copyText(text) {
  if (navigator.clipboard?.writeText) {
    await navigator.clipboard.writeText(text);
    return;
  }
  // No async clipboard (an old browser, or a page not in a secure context).
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.style.position = 'fixed';
  area.style.opacity = '0';
  document.body.append(area);
  area.select();
  const copied = document.execCommand('copy');
  area.remove();
  if (!copied) throw new Error('copy refused');
}

/** useCopy() → {state: 'idle'|'copied'|'failed', copy(text)}; the state goes back to idle after a moment. */
export function useCopy() {
  const [state, setState] = useState('idle');
  useEffect(() => {
    if (state === 'idle') return undefined;
    const timer = setTimeout(() => setState('idle'), 2500);
    return () => clearTimeout(timer);
  }, [state]);
  const copy = async (text) => {
    try {
      await copyText(text);
      setState('copied');
    } catch {
      setState('failed');
    }
  };
  return { state, copy };
}

let controlCounter = 0;
const nextId = (prefix) => `${prefix}-${(controlCounter += 1)}`;

function described(id, hint, error) {
  return [hint && `${id}-hint`, error && `${id}-error`].filter(Boolean).join(' ') || undefined;
}

function HintAndError({ id, hint, error }) {
  return html`${hint ? html`<p class="hint" id=${`${id}-hint`}>${hint}</p>` : null}
    ${error ? html`<p class="field-error" id=${`${id}-error`}>${error}</p>` : null}`;
}

/** A labelled <select>; options: [{value, label}]. */
export function SelectField({ label, hint, error, value, onInput, options, id, ...rest }) {
  const [fieldId] = useState(() => id || nextId('select'));
  return html`<div class="field">
    <label for=${fieldId}>${label}</label>
    <select id=${fieldId} value=${value} aria-invalid=${error ? 'true' : undefined}
      aria-describedby=${described(fieldId, hint, error)} onChange=${(e) => onInput(e.currentTarget.value)} ...${rest}>
      ${options.map((option) => html`<option key=${option.value} value=${option.value}>${option.label}</option>`)}
    </select>
    <${HintAndError} id=${fieldId} hint=${hint} error=${error} />
  </div>`;
}

export function TextArea({ label, hint, error, value, onInput, id, ...rest }) {
  const [fieldId] = useState(() => id || nextId('text'));
  return html`<div class="field">
    <label for=${fieldId}>${label}</label>
    <textarea id=${fieldId} value=${value} rows="3" aria-invalid=${error ? 'true' : undefined}
      aria-describedby=${described(fieldId, hint, error)} onInput=${(e) => onInput(e.currentTarget.value)}
      ...${rest}></textarea>
    <${HintAndError} id=${fieldId} hint=${hint} error=${error} />
  </div>`;
}

/** A group of checkboxes (several answers) or radios (one): value is an array or a string. */
export function Choices({ legend, hint, error, value, onInput, options, multiple = false, name }) {
  const [groupId] = useState(() => nextId('choices'));
  const checked = (option) => (multiple ? value.includes(option) : value === option);
  const toggle = (option) => {
    if (!multiple) return onInput(option);
    return onInput(value.includes(option) ? value.filter((v) => v !== option) : [...value, option]);
  };
  return html`<fieldset class="choices-group" aria-describedby=${described(groupId, hint, error)}>
    <legend>${legend}</legend>
    <div class="choice-options">
      ${options.map((option) => html`<label key=${option.value} class="radio">
        <input type=${multiple ? 'checkbox' : 'radio'} name=${name || groupId} value=${option.value}
          checked=${checked(option.value)} aria-invalid=${error ? 'true' : undefined}
          onChange=${() => toggle(option.value)} />
        ${option.label}
      </label>`)}
    </div>
    <${HintAndError} id=${groupId} hint=${hint} error=${error} />
  </fieldset>`;
}

/**
 * useResource(path) → {data, error, loading, reload}: one GET, again when `path`
 * changes or reload() is called. `path` null waits.
 */
export function useResource(path, options) {
  const [state, setState] = useState({ data: null, error: null, loading: Boolean(path) });
  const [round, setRound] = useState(0);
  useEffect(() => {
    if (!path) return undefined;
    let live = true;
    setState((previous) => ({ ...previous, loading: true, error: null }));
    api(path, options).then(
      (data) => live && setState({ data, error: null, loading: false }),
      (error) => live && setState({ data: null, error, loading: false }),
    );
    return () => {
      live = false;
    };
  }, [path, round]);
  return { ...state, reload: () => setRound((n) => n + 1) };
}

/** A protected report figure: the number, or "fewer than 5 students" when suppressed. */
export function Cell({ cell, value, minCell, format = (n) => String(n) }) {
  if (!cell) return null;
  if (cell.suppressed) {
    return html`<span class="suppressed">${t('org.suppressed', { count: minCell })}</span>`;
  }
  const figure = value === undefined ? cell.count : value;
  return html`<span>${figure === null || figure === undefined ? '—' : format(figure)}</span>`;
}

/** A button that asks once more before doing something that cannot be undone. */
export function ConfirmAction({ label, confirmLabel, question, kind = 'primary', onConfirm, name }) {
  const [asking, setAsking] = useState(false);
  const [state, setState] = useState({ busy: false, error: null });
  async function go() {
    setState({ busy: true, error: null });
    try {
      await onConfirm();
    } catch (error) {
      setState({ busy: false, error });
    }
  }
  if (!asking) {
    return html`<${Button} kind=${kind === 'danger' ? 'secondary' : kind} onClick=${() => setAsking(true)}
      aria-label=${name ? `${label}: ${name}` : undefined}>${label}</${Button}>`;
  }
  return html`<div class="confirm" role="group" aria-label=${name ? `${label}: ${name}` : label}>
    <p>${question}</p>
    <div class="actions">
      <${Button} kind=${kind} busy=${state.busy} onClick=${go}>${confirmLabel}</${Button}>
      <${Button} kind="secondary" onClick=${() => setAsking(false)}>${t('org.back')}</${Button}>
    </div>
    <${ErrorBox} error=${state.error} />
  </div>`;
}
