// History-API routing. URLs are real paths (/w/catalogo), so a deep link such as a
// printed claim card's /w/claim/ABCD-EFGH-JKLM opens the right page: the server
// answers every extension-less path outside /api/ with the shell (server/http/pwa.py).
//
// Areas: / home, /w… the student wallet, /s… the entrance scanner and /o… the
// organisations' area (both loaded on demand: import() keeps them, and the scanner's
// QR decoder, out of the shell students download), /login member login, /invito#TOKEN
// joining an organisation by invitation, /sponsor/<slug> a sponsor's public page (these
// three loaded on demand too).
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { t } from './i18n.js';

const listeners = new Set();
// A page with work that would be lost (unsaved claim codes) asks before the app leaves
// it: {path, allow(to)} — allow() returns false to stay. See setLeaveGuard.
let leaveGuard = null;

function notify() {
  for (const listener of listeners) listener(currentPath());
}

function onPopState() {
  if (leaveGuard && currentPath() !== leaveGuard.path && !leaveGuard.allow(currentPath())) {
    history.pushState(null, '', leaveGuard.path); // back where the work is
    return;
  }
  notify();
}

if (typeof window !== 'undefined') window.addEventListener('popstate', onPopState);

/** While set, in-app navigation away from `path` first asks `allow(to)`. Returns the unset function. */
export function setLeaveGuard(path, allow) {
  const guard = { path, allow };
  leaveGuard = guard;
  return () => {
    if (leaveGuard === guard) leaveGuard = null;
  };
}

export function currentPath() {
  return location.pathname;
}

export function navigate(path, { replace = false } = {}) {
  if (path === currentPath() + location.search) return;
  if (leaveGuard && path.split('?')[0] !== leaveGuard.path && !leaveGuard.allow(path)) return;
  history[replace ? 'replaceState' : 'pushState'](null, '', path);
  notify();
  window.scrollTo(0, 0);
}

/** The current path, re-rendering the caller on every navigation. */
export function usePath() {
  const [path, setPath] = useState(currentPath());
  useEffect(() => {
    listeners.add(setPath);
    setPath(currentPath());
    return () => listeners.delete(setPath);
  }, []);
  return path;
}

/**
 * Match `path` against patterns like '/w/buoni/:id' or '/w/*' (`*` as the last part
 * matches the rest, possibly empty). Returns the params ({id: '3'}) or null.
 */
export function match(pattern, path) {
  const want = pattern.split('/').filter(Boolean);
  const have = path.split('/').filter(Boolean);
  const params = {};
  for (let i = 0; i < want.length; i += 1) {
    if (want[i] === '*') {
      params.rest = '/' + have.slice(i).map(decodeURIComponent).join('/');
      return params;
    }
    if (i >= have.length) return null;
    if (want[i].startsWith(':')) params[want[i].slice(1)] = decodeURIComponent(have[i]);
    else if (want[i] !== have[i]) return null;
  }
  return want.length === have.length ? params : null;
}

/** The first route whose pattern matches: {route, params} or null. Routes: [{path, view}]. */
export function resolve(routes, path) {
  for (const route of routes) {
    const params = match(route.path, path);
    if (params) return { route, params };
  }
  return null;
}

const lazyModules = new Map();

/** Load an area once; later visits reuse the module. */
function loadArea(name, load) {
  if (!lazyModules.has(name)) {
    lazyModules.set(name, load().catch((error) => {
      lazyModules.delete(name); // offline on first visit: let "retry" try again
      throw error;
    }));
  }
  return lazyModules.get(name);
}

/**
 * An area loaded on demand. Its module's default export is a Preact component,
 * rendered with {path, base}; `export default null` (an area not written yet, see
 * build.mjs) shows a placeholder.
 */
export function LazyArea({ name, load, path, base }) {
  const [state, setState] = useState({ status: 'loading' });
  useEffect(() => {
    let live = true;
    loadArea(name, load).then(
      (module) => live && setState({ status: 'ready', View: module.default }),
      () => live && setState({ status: 'failed' }),
    );
    return () => {
      live = false;
    };
  }, [name, state.attempt]);
  if (state.status === 'loading') {
    return html`<p class="loading" role="status">${t('common.loading')}</p>`;
  }
  if (state.status === 'failed') {
    return html`<section class="page">
      <div class="error-box" role="alert"><p>${t('area.load_failed')}</p>
        <button type="button" class="btn btn-secondary"
          onClick=${() => setState({ status: 'loading', attempt: Date.now() })}>${t('common.retry')}</button>
      </div>
    </section>`;
  }
  const { View } = state;
  if (!View) {
    return html`<section class="page">
      <h1>${t(`area.${name}`)}</h1>
      <p class="placeholder">${t('area.coming_soon')}</p>
    </section>`;
  }
  return html`<${View} path=${path} base=${base} />`;
}

/** Route links without a component (e.g. markup from an area): any same-origin <a> click. */
export function interceptLinks(root) {
  root.addEventListener('click', (event) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
    const anchor = event.target.closest?.('a[href]');
    if (!anchor || anchor.target || anchor.hasAttribute('download')) return;
    const url = new URL(anchor.href, location.href);
    if (url.origin !== location.origin || url.pathname.startsWith('/api/') || /\.[a-z0-9]+$/i.test(url.pathname)) {
      return;
    }
    event.preventDefault();
    navigate(url.pathname + url.search + url.hash);
  });
}

// --- the app's routes ------------------------------------------------------------------
// (Imports below are only used inside functions, so the cycle with pages that import
// navigate() from here is harmless.)
import { Home } from './pages/home.js';
import { Wallet } from './wallet/index.js';
import { lazyComponent } from './wallet/lazy.js';

// Pages students never open, loaded on demand, out of the shell the wallet downloads:
// members' login (with the mailed link), an invitation, a sponsor's public page. Each is
// reached by a link from outside (a mail, a sticker's QR): build.mjs preloads its files
// on such a deep link, as for the areas.
const Login = lazyComponent(() => import('./pages/login.js'), 'Login');
const Invitation = lazyComponent(() => import('./pages/invitation.js'), 'Invitation');
const PublicSponsor = lazyComponent(() => import('./pages/public-sponsor.js'), 'PublicSponsor');

export const ROUTES = [
  { path: '/', view: Home },
  { path: '/login', view: Login },
  { path: '/invito', view: Invitation },
  { path: '/sponsor/:slug', view: PublicSponsor }, // no login: the window sticker's QR
  { path: '/w/*', view: Wallet },
  { path: '/s/*', area: 'scanner', load: () => import('./scanner/ui.js') },
  { path: '/o/*', area: 'org', load: () => import('./org/index.js') },
];

function NotFound() {
  return html`<section class="page">
    <h1>${t('notfound.title')}</h1>
    <p><a href="/">${t('notfound.home')}</a></p>
  </section>`;
}

/** Renders the page for the current path. */
export function Outlet() {
  const path = usePath();
  const normalised = path.length > 1 ? path.replace(/\/+$/, '') : path;
  const found = resolve(ROUTES, normalised);
  if (!found) return html`<${NotFound} />`;
  const { route, params } = found;
  if (route.area) {
    const base = route.path.replace('/*', '');
    return html`<${LazyArea} key=${route.area} name=${route.area} load=${route.load} path=${normalised} base=${base} />`;
  }
  return html`<${route.view} path=${normalised} params=${params} />`;
}
