// Whether the browser believes it is online, as a hook and as events. The wallet
// refreshes credentials and the scanner flushes its outbox when this turns true.
import { useEffect, useState } from 'preact/hooks';

export function isOnline() {
  return typeof navigator === 'undefined' || navigator.onLine !== false;
}

/** Call `listener(online)` on every change; returns the unsubscribe function. */
export function onConnectivityChange(listener) {
  const up = () => listener(true);
  const down = () => listener(false);
  window.addEventListener('online', up);
  window.addEventListener('offline', down);
  return () => {
    window.removeEventListener('online', up);
    window.removeEventListener('offline', down);
  };
}

export function useOnline() {
  const [online, setOnline] = useState(isOnline());
  useEffect(() => onConnectivityChange(setOnline), []);
  return online;
}
