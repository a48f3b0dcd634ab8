// Wallet screens and parts loaded on demand (import()), so the first load carries only
// the first screen, the claim form: on a weak signal every KB of it costs time
// (bench/first_load.py). esbuild puts each import() in its own chunk; build.mjs lists the
// chunks the shell imports this way in the service worker's required precache, so the
// whole wallet opens offline after the first visit.
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { t } from '../i18n.js';

/**
 * A component standing for `exportName` of the module `load()` imports. Until the module
 * arrives it draws `pending` (by default the usual loading line); once loaded, later
 * mounts draw the real component at once (no flash of the loading line on each visit).
 * A failed load (offline, never cached) offers a retry, as the router's lazy areas do.
 */
export function lazyComponent(load, exportName, pending = null) {
  let loading = null;
  let Loaded = null;
  const get = () => {
    loading ??= load().then((module) => {
      Loaded = module[exportName];
      return Loaded;
    }, (error) => {
      loading = null; // let "retry" try again
      throw error;
    });
    return loading;
  };
  function Lazy(props) {
    const [state, setState] = useState(Loaded ? 'ready' : 'loading');
    useEffect(() => {
      if (state !== 'loading') return undefined;
      let live = true;
      get().then(() => live && setState('ready'), (error) => {
        console.error(`load ${exportName}`, error);
        if (live) setState('failed');
      });
      return () => { live = false; };
    }, [state]);
    if (state === 'ready') return html`<${Loaded} ...${props} />`;
    if (state === 'failed') {
      return html`<div class="error-box" role="alert"><p>${t('area.load_failed')}</p>
        <button type="button" class="btn btn-secondary" onClick=${() => setState('loading')}>${t('common.retry')}</button>
      </div>`;
    }
    return pending ?? html`<p class="loading" role="status">${t('common.loading')}</p>`;
  }
  Lazy.displayName = `Lazy(${exportName})`;
  return Lazy;
}
