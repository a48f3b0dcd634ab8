// One user action, one Idempotency-Key, kept across renders. The rules live in
// createAction (api.js), free of Preact so node tests can run them.
import { useState } from 'preact/hooks';
import { api, createAction } from './api.js';

/** `act(path, options)`: `send` (api by default) carrying this form's current action key. */
export function useAction(send = api) {
  const [act] = useState(() => createAction(send));
  return act;
}

/** One action per item of a list (a confirm button on each top-up): `actionFor(id)(path, options)`. */
export function useActions(send = api) {
  const [actions] = useState(() => new Map());
  return (id) => {
    if (!actions.has(id)) actions.set(id, createAction(send));
    return actions.get(id);
  };
}
