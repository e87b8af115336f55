/**
 * Does one match entry accept a request? Path, method, headers and query parameters (all ANDed). The
 * answer says which condition failed, so explanations and evaluation share one implementation.
 */
import { prefixMatches } from './paths.ts';
import type { L7Request, MatchEntry, StringMatch } from './types.ts';

const regexCache = new Map<string, RegExp | null>();

/** Full-match regex (implementation-specific in both APIs; anchored like Envoy's). Invalid → null. */
export function fullRegex(pattern: string): RegExp | null {
  let re = regexCache.get(pattern);
  if (re === undefined) {
    try {
      re = new RegExp(`^(?:${pattern})$`);
    } catch {
      re = null;
    }
    regexCache.set(pattern, re);
  }
  return re;
}

export function pathMatches(entry: MatchEntry, path: string): boolean {
  switch (entry.path.type) {
    case 'Exact':
      return path === entry.path.value;
    case 'Prefix':
      return prefixMatches(entry.path.value, path);
    case 'RegularExpression':
      return fullRegex(entry.path.value)?.test(path) ?? false;
  }
}

function valueMatches(m: StringMatch, value: string | undefined): boolean {
  if (value === undefined) return false;
  return m.type === 'Exact' ? value === m.value : (fullRegex(m.value)?.test(value) ?? false);
}

/** First value of each query parameter (repeated parameters: the first one counts). */
export function parseQuery(query: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of new URLSearchParams(query)) if (!out.has(k)) out.set(k, v);
  return out;
}

/** `undefined` when the entry matches, else the first failing condition. */
export function mismatch(entry: MatchEntry, req: L7Request, query: Map<string, string>): string | undefined {
  if (!pathMatches(entry, req.path)) return `path ${req.path} does not match ${entry.path.type} ${entry.path.value}`;
  if (entry.method !== undefined && entry.method !== req.method) return `method ${req.method} is not ${entry.method}`;
  for (const h of entry.headers) {
    const v = req.headers[h.name];
    if (!valueMatches(h, v)) return v === undefined ? `header ${h.name} is absent` : `header ${h.name}: ${JSON.stringify(v)} does not match ${h.type} ${JSON.stringify(h.value)}`;
  }
  for (const q of entry.queryParams) {
    const v = query.get(q.name);
    if (!valueMatches(q, v)) return v === undefined ? `query parameter ${q.name} is absent` : `query parameter ${q.name}=${JSON.stringify(v)} does not match ${q.type} ${JSON.stringify(q.value)}`;
  }
  return undefined;
}
