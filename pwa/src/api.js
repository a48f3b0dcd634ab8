// JSON over fetch to /api/v1. Every failure becomes an ApiError with a stable `code`:
// the server's problem+json code, `offline` when the network is unreachable.
import { recordServerTime } from './clock.js';

const BASE = '/api/v1';
const CSRF_KEY = 'mentoring.csrf';

export class ApiError extends Error {
  constructor({ status = 0, code, title = '', detail = '', field = null, params = {} }) {
    super(detail || title || code);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.title = title;
    this.detail = detail; // the server's words, for logs: the UI says errorMessage(error)
    this.field = field;
    this.params = params; // what the text of `error.<code>` is filled with
  }
}

// The CSRF token of a member session lives in memory and sessionStorage only: it
// dies with the tab, and the session cookie itself is HttpOnly.
let csrfToken = null;

export function setCsrfToken(token) {
  csrfToken = token || null;
  try {
    if (csrfToken) sessionStorage.setItem(CSRF_KEY, csrfToken);
    else sessionStorage.removeItem(CSRF_KEY);
  } catch {
    // storage blocked: memory only
  }
}

export function getCsrfToken() {
  if (csrfToken) return csrfToken;
  try {
    csrfToken = sessionStorage.getItem(CSRF_KEY);
  } catch {
    csrfToken = null;
  }
  return csrfToken;
}

function withQuery(path, query) {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    for (const one of Array.isArray(value) ? value : [value]) params.append(name, one);
  }
  const text = params.toString();
  return text ? `${path}${path.includes('?') ? '&' : '?'}${text}` : path;
}

/**
 * api('/catalogue', {query}) → parsed JSON (null for 204).
 * - `wallet`: the wallet's bearer token, sent as Authorization: Bearer.
 * - `csrf`: true (the stored token) or a token, sent as X-CSRF-Token on member writes.
 * - `idempotencyKey`: sent as Idempotency-Key (see createAction, which makes them).
 * - `clock`: measure the server's time from the answer (clock.js). Only for requests the
 *   service worker never answers from its cache (a cached answer tells an old time).
 */
export async function api(path, {
  method = 'GET', body, wallet, csrf, query, signal, idempotencyKey, clock = false,
} = {}) {
  const headers = { Accept: 'application/json, application/problem+json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (wallet) headers.Authorization = `Bearer ${wallet}`;
  const csrfValue = csrf === true ? getCsrfToken() : csrf;
  if (csrfValue) headers['X-CSRF-Token'] = csrfValue;
  if (idempotencyKey) headers['Idempotency-Key'] = idempotencyKeyHeader(idempotencyKey);
  let response;
  const sentMs = Date.now();
  try {
    response = await fetch(withQuery(BASE + path, query), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      signal,
    });
  } catch (error) {
    if (error?.name === 'AbortError') throw error;
    throw new ApiError({ status: 0, code: 'offline', title: 'Network unreachable', detail: '' });
  }
  if (clock) await recordServerTime(response, sentMs, Date.now());
  if (response.status === 204) return null;
  const type = response.headers.get('Content-Type') || '';
  const data = /json/.test(type) ? await response.json().catch(() => null) : null;
  if (response.ok) return data;
  if (data && typeof data.code === 'string') {
    const params = data.params && typeof data.params === 'object' && !Array.isArray(data.params) ? data.params : {};
    throw new ApiError({ status: response.status, code: data.code, title: data.title, detail: data.detail,
                         field: data.field ?? null, params: withRetryAfter(response, params) });
  }
  // Not our API answering (a proxy, a captive portal): say so with a status-derived code.
  throw new ApiError({ status: response.status, code: `http_${response.status}`, title: response.statusText,
                       params: withRetryAfter(response, {}) });
}

/** Seconds a Retry-After header asks to wait (delta-seconds or an HTTP date), or null. */
export function retryAfterSeconds(value, now = Date.now()) {
  const text = (value ?? '').trim();
  if (/^\d+$/.test(text)) return Number(text);
  const at = text ? Date.parse(text) : NaN;
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - now) / 1000));
}

// A 429 always says when to retry ("riprova tra 40 secondi"): the server's
// params.retry_after_seconds, else the Retry-After header (a proxy's), else a minute.
function withRetryAfter(response, params) {
  if (response.status !== 429 || typeof params.retry_after_seconds === 'number') return params;
  return { ...params, retry_after_seconds: retryAfterSeconds(response.headers.get('Retry-After')) ?? 60 };
}

/**
 * POST from the login pages (password, magic link, invitation), which work with or
 * without a session. While one is open in this browser the server wants its CSRF
 * token on every write, these too, and a tab opened from a mail has none yet: on
 * `csrf_failed`, fetch the open session's token (/auth/me) and try once more.
 */
export async function postFromLogin(path, body) {
  try {
    return await api(path, { method: 'POST', body, csrf: true });
  } catch (error) {
    if (error?.code !== 'csrf_failed') throw error;
    const me = await api('/auth/me');
    setCsrfToken(me?.csrf_token);
    return api(path, { method: 'POST', body, csrf: true });
  }
}

// --- Idempotency keys (server/idempotency/README.md) ---------------------------------------
// A POST that moves money carries an Idempotency-Key: the server answers a retry with the
// same key and body with the first answer instead of doing it again. So a key belongs to
// one user action (this top-up of 50 euro), not to one fetch: a retry after a timeout or
// an offline error, or a second tap, sends the same key again.

/** A new random key: a UUID (crypto.randomUUID needs a secure context; plain http on a LAN has
 * only getRandomValues). */
export function newIdempotencyKey() {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40; // version 4
  bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 4122 variant
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The header's value: the draft makes it a structured-field string (RFC 9651), in quotes. */
export function idempotencyKeyHeader(key) {
  if (!/^[\x20-\x7e]{1,255}$/.test(key)) throw new TypeError('an idempotency key is 1-255 printable ASCII characters');
  return `"${key.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/**
 * One user action: `act(path, options)` is `send(path, options)` (api by default) with an
 * Idempotency-Key that stays the same while the same request is tried again, and is new
 * once a request succeeded or the request changed (another amount is another action).
 * A failure keeps the key whatever it was: if the server did the work and the answer was
 * lost, the retry gets that answer; if it refused, it kept nothing and the retry runs anew.
 */
export function createAction(send = api, makeKey = newIdempotencyKey) {
  let current = null; // { key, request }
  return async function act(path, options = {}) {
    const request = JSON.stringify([options.method || 'GET', path, options.body ?? null]);
    if (!current || current.request !== request) current = { key: makeKey(), request };
    const mine = current;
    const answer = await send(path, { ...options, idempotencyKey: mine.key });
    if (current === mine) current = null; // done: the next tap is a new action
    return answer;
  };
}
