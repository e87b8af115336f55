/**
 * Path regions of one server block → nginx locations.
 *
 * Element-wise prefixes do not fit nginx's character-wise prefix locations directly: a Prefix `/foo`
 * becomes `location = /foo` plus `location /foo/`, so `/foobar` never falls under it. With one such
 * pair per path the table names (and `location /`), nginx's longest-prefix choice lands every request
 * in a region where the same entries match the path, so the winner is known when rendering — unless an
 * entry before it also tests the method, headers, query or a regular expression: then the region keeps
 * the ordered alternatives and njs picks at request time.
 */
import type { MatchEntry } from '../../model/l7/index.ts';
import type { Step } from './servers.ts';

export interface Region {
  /** `=` exact location or a (character-wise) prefix location ending in `/`. */
  match: '=' | 'prefix';
  path: string;
  /** In order; the last one matches unconditionally. */
  alternatives: Step[];
}

export function isConditional(e: MatchEntry): boolean {
  return e.path.type === 'RegularExpression' || e.method !== undefined || e.headers.length > 0 || e.queryParams.length > 0;
}

function trimTrailingSlash(p: string): string {
  return p.replace(/\/+$/, '');
}

const sameSteps = (a: readonly Step[], b: readonly Step[]): boolean => a.length === b.length && a.every((s, i) => s === b[i]);

// A segment no route path contains (NUL is refused in paths), to stand for "anything below".
const BELOW = '\u0000';

/** The prefixes of `path` at segment boundaries (`/a/b` → '', '/a', '/a/b'). */
function boundaryPrefixes(path: string): string[] {
  const out = [''];
  for (let i = path.indexOf('/', 1); i >= 0; i = path.indexOf('/', i + 1)) out.push(path.slice(0, i));
  const t = trimTrailingSlash(path);
  if (t && t !== out[out.length - 1]) out.push(t);
  return out;
}

/**
 * The regions of a program. Candidates come from indexes (exact values, trimmed prefixes, entries
 * that always need a look), so a host with thousands of paths renders in O(paths × path length).
 */
export function regionsFor(steps: readonly Step[]): Region[] {
  const order = new Map(steps.map((s, i) => [s, i]));
  const exactIndex = new Map<string, Step[]>();
  const prefixIndex = new Map<string, Step[]>();
  const always: Step[] = [];
  const push = (m: Map<string, Step[]>, k: string, s: Step): void => {
    const l = m.get(k);
    if (l) l.push(s);
    else m.set(k, [s]);
  };
  for (const s of steps) {
    if (s.kind !== 'entry') {
      always.push(s);
      continue;
    }
    const p = s.entry.path;
    if (p.type === 'Exact') push(exactIndex, p.value, s);
    else if (p.type === 'Prefix') push(prefixIndex, trimTrailingSlash(p.value), s);
    else always.push(s);
  }
  const alternatives = (path: string): Step[] => {
    const found = [...(exactIndex.get(path) ?? []), ...always];
    for (const q of boundaryPrefixes(path)) found.push(...(prefixIndex.get(q) ?? []));
    found.sort((a, b) => order.get(a)! - order.get(b)!);
    const out: Step[] = [];
    for (const s of found) {
      out.push(s);
      if (s.kind !== 'entry' || !isConditional(s.entry)) break;
    }
    return out;
  };
  const prefixes = new Set(['/', ...[...prefixIndex.keys()].filter((t) => t !== '').map((t) => `${t}/`)]);
  const exact = new Set([...exactIndex.keys(), ...[...prefixIndex.keys()].filter((t) => t !== '')]);
  const prefixRegions = [...prefixes].sort().map((q): Region => ({ match: 'prefix', path: q, alternatives: alternatives(`${q}${BELOW}`) }));
  const byPrefix = new Map(prefixRegions.map((r) => [r.path, r]));
  // nginx sends a path to its longest matching prefix location; an exact location that would do the
  // same thing is left out.
  const enclosing = (path: string): Region => {
    for (let i = path.lastIndexOf('/'); i >= 0; i = path.lastIndexOf('/', i - 1)) {
      const r = byPrefix.get(path.slice(0, i + 1));
      if (r) return r;
      if (i === 0) break;
    }
    return byPrefix.get('/')!;
  };
  const exactRegions = [...exact].sort().flatMap((path): Region[] => {
    const alts = alternatives(path);
    return sameSteps(alts, enclosing(path).alternatives) ? [] : [{ match: '=', path, alternatives: alts }];
  });
  return [...exactRegions, ...prefixRegions];
}
