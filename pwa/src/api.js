// JSON over fetch to /api/v1. Every failure becomes an ApiError with a stable `code`:
// the server's problem+json code, `offline` when the network is unreachable.
const BASE = '/api/v1';
const CSRF_KEY = 'mentoring.csrf';

export class ApiError extends Error {
  constructor({ status = 0, code, title = '', detail = '', field = null }) {
    super(detail || title || code);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.title = title;
    this.detail = detail;
    this.field = field;
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
 */
export async function api(path, { method = 'GET', body, wallet, csrf, query, signal } = {}) {
  const headers = { Accept: 'application/json, application/problem+json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (wallet) headers.Authorization = `Bearer ${wallet}`;
  const csrfValue = csrf === true ? getCsrfToken() : csrf;
  if (csrfValue) headers['X-CSRF-Token'] = csrfValue;
  let response;
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
  if (response.status === 204) return null;
  const type = response.headers.get('Content-Type') || '';
  const data = /json/.test(type) ? await response.json().catch(() => null) : null;
  if (response.ok) return data;
  if (data && typeof data.code === 'string') {
    throw new ApiError({ status: response.status, code: data.code, title: data.title, detail: data.detail,
                         field: data.field ?? null });
  }
  // Not our API answering (a proxy, a captive portal): say so with a status-derived code.
  throw new ApiError({ status: response.status, code: `http_${response.status}`, title: response.statusText });
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
