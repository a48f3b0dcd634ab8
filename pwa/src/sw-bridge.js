// The page's side of the service worker. Updates are never silent: a new worker
// waits until the user taps "Aggiorna"; then it is told to skip waiting and the page
// reloads once when it takes control (so it never runs old code against new caches).

let updateListener = () => {};
let waitingWorker = null;

/** `listener(true)` when an update is waiting for the user's consent. */
export function onUpdateReady(listener) {
  updateListener = listener;
  if (waitingWorker) listener(true);
}

function offer(worker) {
  waitingWorker = worker;
  updateListener(true);
}

export async function registerServiceWorker() {
  if (!('serviceWorker' in navigator)) return null;
  // The first worker of a fresh install claims the page (nothing to reload for);
  // any later change of controller is an update the user accepted: reload once.
  let controlled = Boolean(navigator.serviceWorker.controller);
  let reloading = false;
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    if (!controlled) {
      controlled = true;
      return;
    }
    if (reloading) return;
    reloading = true;
    window.location.reload();
  });
  let registration;
  try {
    registration = await navigator.serviceWorker.register('/service-worker.js', { scope: '/' });
  } catch (error) {
    console.warn('Service worker registration failed:', error);
    return null;
  }
  if (registration.waiting && navigator.serviceWorker.controller) offer(registration.waiting);
  registration.addEventListener('updatefound', () => {
    const worker = registration.installing;
    worker?.addEventListener('statechange', () => {
      if (worker.state === 'installed' && navigator.serviceWorker.controller) offer(worker);
    });
  });
  return registration;
}

/** The user said yes: activate the waiting worker (the reload follows on controllerchange). */
export function applyUpdate() {
  waitingWorker?.postMessage('skip-waiting');
}
