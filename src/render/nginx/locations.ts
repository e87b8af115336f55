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
import { prefixMatches } from '../../model/l7/index.ts';
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

/** The steps that can serve `path`, up to the first that surely does. */
export function alternativesFor(steps: readonly Step[], path: string): Step[] {
  const out: Step[] = [];
  for (const s of steps) {
    if (s.kind !== 'entry') {
      out.push(s);
      return out;
    }
    const p = s.entry.path;
    const matches = p.type === 'Exact' ? p.value === path : p.type === 'Prefix' ? prefixMatches(p.value, path) : true;
    if (!matches) continue;
    out.push(s);
    if (!isConditional(s.entry)) return out;
  }
  return out;
}

const sameSteps = (a: readonly Step[], b: readonly Step[]): boolean => a.length === b.length && a.every((s, i) => s === b[i]);

// A segment no route path contains (NUL is refused in paths), to stand for "anything below".
const BELOW = '\u0000';

export function regionsFor(steps: readonly Step[]): Region[] {
  const exact = new Set<string>();
  const prefixes = new Set<string>(['/']);
  for (const s of steps) {
    if (s.kind !== 'entry') continue;
    const p = s.entry.path;
    if (p.type === 'Exact') exact.add(p.value);
    else if (p.type === 'Prefix') {
      const t = trimTrailingSlash(p.value);
      if (t) {
        exact.add(t);
        prefixes.add(`${t}/`);
      }
    }
  }
  const prefixRegions = [...prefixes].sort().map((q): Region => ({ match: 'prefix', path: q, alternatives: alternativesFor(steps, `${q}${BELOW}`) }));
  const byPrefix = new Map(prefixRegions.map((r) => [r.path, r]));
  // nginx sends a path to its longest matching prefix location; an exact location that would do the
  // same thing is left out.
  const enclosing = (path: string): Region => {
    let best = '/';
    for (const q of prefixes) if (path.startsWith(q) && q.length > best.length) best = q;
    return byPrefix.get(best)!;
  };
  const exactRegions = [...exact].sort().flatMap((path): Region[] => {
    const alternatives = alternativesFor(steps, path);
    return sameSteps(alternatives, enclosing(path).alternatives) ? [] : [{ match: '=', path, alternatives }];
  });
  return [...exactRegions, ...prefixRegions];
}
