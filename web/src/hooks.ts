/** Small React hooks: URL-hash state, the live revision (server-sent events), async data. */
import { useCallback, useEffect, useState, useSyncExternalStore } from 'react';
import { formatHash, parseHash, type UIState } from './lib/url-state.ts';

const subscribeHash = (cb: () => void): (() => void) => {
  window.addEventListener('hashchange', cb);
  return () => window.removeEventListener('hashchange', cb);
};

export function useHashState(): [UIState, (patch: Partial<UIState>, replace?: boolean) => void] {
  const hash = useSyncExternalStore(subscribeHash, () => window.location.hash);
  const state = parseHash(hash);
  const update = useCallback((patch: Partial<UIState>, replace = false) => {
    const next = formatHash({ ...parseHash(window.location.hash), ...patch });
    if (next === window.location.hash) return;
    if (replace) {
      history.replaceState(null, '', next);
      window.dispatchEvent(new HashChangeEvent('hashchange'));
    } else window.location.hash = next;
  }, []);
  return [state, update];
}

/** The cluster's revision, pushed by the server whenever it changes (here or by another process). */
export function useRevision(): number {
  const [rev, setRev] = useState(-1);
  useEffect(() => {
    const es = new EventSource('api/events');
    es.addEventListener('revision', (e) => setRev((JSON.parse((e as MessageEvent<string>).data) as { revision: number }).revision));
    return () => es.close();
  }, []);
  return rev;
}

export interface Async<T> {
  data?: T;
  error?: Error;
  loading: boolean;
}

/** Runs `load` whenever `deps` change; keeps the previous data while reloading (no flicker on live updates). */
export function useAsync<T>(load: () => Promise<T> | undefined, deps: readonly unknown[]): Async<T> {
  const [state, setState] = useState<Async<T>>({ loading: true });
  useEffect(() => {
    let live = true;
    const p = load();
    if (!p) {
      setState({ loading: false });
      return;
    }
    setState((s) => ({ ...s, loading: true }));
    p.then(
      (data) => live && setState({ data, loading: false }),
      (error: Error) => live && setState({ error, loading: false }),
    );
    return () => {
      live = false;
    };
  }, deps);
  return state;
}
