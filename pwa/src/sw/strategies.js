// Caching strategies of the service worker, as small named functions.
//
//   app shell (precached at install)        cache-first
//   navigations (/w/…, /s, …)               the cached shell page; network if not cached
//   hashed assets, icons, the zxing wasm    cache-first, cached on first fetch
//   API: catalogue, categories, issuer keys network-first, cached copy when offline
//   the rest of /api/                       network-only (not intercepted: private data stays out of caches)
//   non-GET, other origins                  not intercepted

const PREFIX = 'mentoring-';
// The API cache survives app updates: the offline catalogue should not vanish because
// the code changed. Bump its version only if cached answers become unreadable.
export const API_CACHE = `${PREFIX}api-v1`;
const CACHED_API = [/^\/api\/v1\/catalogue(\/\d+)?$/, /^\/api\/v1\/categories$/, /^\/api\/v1\/issuer-keys$/];
const IMMUTABLE = /^\/(assets|icons|wasm)\//;

export function cacheNames(build) {
  return {
    shell: `${PREFIX}shell-${build.version}`,
    lazy: `${PREFIX}lazy-${build.version}`,
    runtime: `${PREFIX}runtime-${build.version}`,
    api: API_CACHE,
  };
}

/** Install: the shell must all be cached (or the install fails and the old worker stays);
 * the lazy areas (scanner, organisations) are best effort. */
export async function precache(build) {
  const names = cacheNames(build);
  const shell = await caches.open(names.shell);
  // cache: 'reload' skips the HTTP cache, so the shell page matches this build.
  await shell.addAll(build.shell.map((url) => new Request(url, { cache: 'reload' })));
  const lazyUrls = Object.values(build.lazy).flat();
  if (lazyUrls.length) {
    const lazy = await caches.open(names.lazy);
    await lazy.addAll(lazyUrls).catch((error) => console.warn('lazy precache incomplete', error));
  }
}

/** Activate: delete every cache of ours that this version does not use. */
export async function activate(build) {
  const keep = new Set(Object.values(cacheNames(build)));
  const names = await caches.keys();
  await Promise.all(names.filter((name) => name.startsWith(PREFIX) && !keep.has(name))
    .map((name) => caches.delete(name)));
}

function isNavigation(request, url) {
  return request.mode === 'navigate' && !url.pathname.startsWith('/api/') && !/\.[a-z0-9]+$/i.test(url.pathname);
}

/** The shell page for any in-app URL: the router draws the rest, online or not. */
export async function shellPage(request, build) {
  const cached = await caches.match('/', { cacheName: cacheNames(build).shell });
  if (cached) return cached;
  return fetch(request);
}

/** Precached or previously fetched; otherwise fetch and keep (immutable files only). */
export async function cacheFirst(request, build) {
  const cached = await caches.match(request);
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok && IMMUTABLE.test(new URL(request.url).pathname)) {
    const runtime = await caches.open(cacheNames(build).runtime);
    await runtime.put(request, response.clone());
  }
  return response;
}

/** Fresh when the network answers; the last good copy when it does not. */
export async function networkFirst(request) {
  try {
    const response = await fetch(request);
    if (response.ok && !/no-store|private/.test(response.headers.get('Cache-Control') || '')) {
      const cache = await caches.open(API_CACHE);
      await cache.put(request, response.clone());
    }
    return response;
  } catch (error) {
    const cached = await caches.match(request, { cacheName: API_CACHE });
    if (cached) return cached;
    throw error;
  }
}

/** The strategy for a request as a thunk, or null to let the browser handle it. */
export function handlerFor(request, build, origin) {
  if (request.method !== 'GET') return null;
  const url = new URL(request.url);
  if (url.origin !== origin) return null;
  if (isNavigation(request, url)) return () => shellPage(request, build);
  if (url.pathname.startsWith('/api/')) {
    return CACHED_API.some((pattern) => pattern.test(url.pathname)) ? () => networkFirst(request) : null;
  }
  if (url.pathname === '/service-worker.js') return null;
  return () => cacheFirst(request, build);
}
