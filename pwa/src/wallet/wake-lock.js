// Keeps the screen on while a code for the door is shown: a phone that dims and locks
// while the queue moves makes the student unlock it at the scanner. The browser drops
// the lock whenever the page is hidden, so it is asked again on coming back; released
// when the code goes away. Where the Screen Wake Lock API is missing nothing happens.
import { useEffect } from 'preact/hooks';

export function useScreenAwake(active = true) {
  useEffect(() => {
    if (!active || typeof navigator === 'undefined' || !navigator.wakeLock?.request) return undefined;
    let live = true;
    let sentinel = null;
    const acquire = async () => {
      if (!live || document.visibilityState !== 'visible' || (sentinel && !sentinel.released)) return;
      try {
        const lock = await navigator.wakeLock.request('screen');
        if (live) sentinel = lock;
        else lock.release().catch(() => {});
      } catch {
        // refused (battery saver, not visible yet): the screen may dim, nothing else breaks
      }
    };
    const onVisibility = () => {
      if (document.visibilityState === 'visible') acquire();
    };
    acquire();
    document.addEventListener('visibilitychange', onVisibility);
    return () => {
      live = false;
      document.removeEventListener('visibilitychange', onVisibility);
      sentinel?.release().catch(() => {});
      sentinel = null;
    };
  }, [active]);
}
