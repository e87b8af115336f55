/**
 * Shareable state in the URL hash: `#/matrix?ns=shop,data&port=80/TCP&from=shop/a&to=shop/b`.
 * Parsing never throws: unknown views fall back to the topology, unknown keys are ignored.
 */
export const VIEWS = ['topology', 'matrix', 'trace', 'editor', 'lint'] as const;
export type View = (typeof VIEWS)[number];

export interface UIState {
  view: View;
  /** Namespace filter (empty = all). */
  ns: string[];
  /** Label selector filter for the topology (kubectl `-l` syntax, evaluated server-side). */
  selector: string;
  /** Port of the matrix, `80/TCP`. */
  port: string;
  /** Selected flow (matrix cell) or trace endpoints. */
  from: string;
  to: string;
  /** Trace port (empty = the model picks the only port). */
  tport: string;
  protocol: string;
  /** Selected object in the topology: `pod:ns/name`, `policy:ns/name`, `service:ns/name`. */
  focus: string;
}

export const DEFAULT_STATE: UIState = { view: 'topology', ns: [], selector: '', port: '', from: '', to: '', tport: '', protocol: 'TCP', focus: '' };

const KEYS = ['ns', 'selector', 'port', 'from', 'to', 'tport', 'protocol', 'focus'] as const;

export function parseHash(hash: string): UIState {
  const text = hash.replace(/^#/, '');
  const q = text.indexOf('?');
  const path = (q < 0 ? text : text.slice(0, q)).replace(/^\/+|\/+$/g, '');
  const params = new URLSearchParams(q < 0 ? '' : text.slice(q + 1));
  const view = (VIEWS as readonly string[]).includes(path) ? (path as View) : 'topology';
  const state: UIState = { ...DEFAULT_STATE, view };
  for (const key of KEYS) {
    const v = params.get(key);
    if (v === null) continue;
    if (key === 'ns') state.ns = v.split(',').map((s) => s.trim()).filter(Boolean);
    else state[key] = v;
  }
  return state;
}

/** The hash for a state; default values are left out so links stay short. */
export function formatHash(state: UIState): string {
  const params = new URLSearchParams();
  for (const key of KEYS) {
    if (key === 'ns') {
      if (state.ns.length) params.set('ns', state.ns.join(','));
    } else if (state[key] !== DEFAULT_STATE[key]) params.set(key, state[key]);
  }
  const qs = params.toString().replace(/%2F/g, '/').replace(/%2C/g, ',').replace(/%3A/g, ':');
  return `#/${state.view}${qs ? `?${qs}` : ''}`;
}
