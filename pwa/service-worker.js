// Minimal app-shell worker. A later issue replaces it with the built one.

const VERSION = 'v1';
const SHELL_CACHE = `mentoring-shell-${VERSION}`;
const API_CACHE = `mentoring-api-${VERSION}`;
const SHELL = [
  '/',
  '/app.js',
  '/styles.css',
  '/manifest.webmanifest',
  '/icons/icon-192.png',
  '/icons/icon-512.png',
];

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(SHELL_CACHE).then((cache) => cache.addAll(SHELL)));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(deleteOldCaches());
});

self.addEventListener('fetch', (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin) return;
  event.respondWith(url.pathname.startsWith('/api/') ? networkFirst(request) : cacheFirst(request));
});

async function deleteOldCaches() {
  const current = new Set([SHELL_CACHE, API_CACHE]);
  const names = await caches.keys();
  await Promise.all(names.filter((name) => !current.has(name)).map((name) => caches.delete(name)));
}

async function cacheFirst(request) {
  const cached = await caches.match(request);
  return cached || fetch(request);
}

async function networkFirst(request) {
  try {
    const response = await fetch(request);
    // Answers marked no-store (health, anything private) must not outlive the request.
    if (response.ok && !/no-store/.test(response.headers.get('Cache-Control') || '')) {
      const cache = await caches.open(API_CACHE);
      await cache.put(request, response.clone());
    }
    return response;
  } catch (error) {
    const cached = await caches.match(request);
    if (cached) return cached;
    throw error;
  }
}
