// The service worker only wires events; what to cache and how lives in
// src/sw/strategies.js. build.mjs bundles the two into dist/service-worker.js and
// injects __MENTORING_BUILD__: {version, shell, lazy} (the cache version is a digest
// of every file served, so each build is a new worker the browser notices).
import { activate, handlerFor, precache } from './src/sw/strategies.js';

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
