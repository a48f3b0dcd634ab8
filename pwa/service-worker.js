// The service worker only wires events; what to cache and how lives in
// src/sw/strategies.js. build.mjs bundles the two into dist/service-worker.js and
// injects __MENTORING_BUILD__: {version, shell, lazy} (the cache version is a digest
// of every file served, so each build is a new worker the browser notices).
import { activate, handlerFor, precache } from './src/sw/strategies.js';
import { SYNC_TAG, flushOutbox } from './src/scanner/outbox.js';

/* global __MENTORING_BUILD__ */
const BUILD = __MENTORING_BUILD__;

self.addEventListener('install', (event) => {
  // No skipWaiting() here: a new version waits until the user accepts the update.
  event.waitUntil(precache(BUILD));
});

self.addEventListener('activate', (event) => {
  // clients.claim(): on a first install the open page becomes controlled at once (works
  // offline without a reload); on an update the page reloads on controllerchange anyway.
  event.waitUntil(activate(BUILD).then(() => self.clients.claim()));
});

self.addEventListener('message', (event) => {
  if (event.data === 'skip-waiting') self.skipWaiting();
});

self.addEventListener('fetch', (event) => {
  const handler = handlerFor(event.request, BUILD, self.location.origin);
  if (handler) event.respondWith(handler());
});

// Background Sync: the scanner asks for it after each decision; the browser fires it
// when connectivity returns, even with the app closed. A rejected flush makes the
// browser retry later; records stay in the outbox until the server answers for them.
self.addEventListener('sync', (event) => {
  if (event.tag !== SYNC_TAG) return;
  const tell = async (result) => {
    const pages = await self.clients.matchAll({ type: 'window' });
    for (const page of pages) page.postMessage({ type: 'scanner-outbox-synced', result });
  };
  // A failed flush may still have learnt something (a first batch's revocations).
  event.waitUntil(flushOutbox().then(tell, async (error) => {
    await tell({ learnt: error?.learnt ?? null });
    throw error;
  }));
});
