/**
 * Host groups: match entries grouped by host pattern and indexed by path, so a lookup costs
 * O(host labels + path segments + entries on those nodes), not O(routes).
 */
import { isWildcard } from './hostnames.ts';
import { SegmentTrie } from './paths.ts';
import type { HostGroup, HostIndex, MatchEntry } from './types.ts';

export type EntryOrder = (a: MatchEntry, b: MatchEntry) => number;

export function newHostGroup(hostname: string | undefined): HostGroup {
  return { hostname, entries: [], exact: new Map(), prefix: new SegmentTrie(), regex: [] };
}

/** Groups entries by their `hostname` and builds each group's path index. */
export function buildHostIndex(entries: readonly MatchEntry[], order: EntryOrder): HostIndex {
  const index: HostIndex = { exact: new Map(), wildcard: new Map() };
  for (const e of entries) groupFor(index, e.hostname).entries.push(e);
  for (const g of allGroups(index)) indexGroup(g, order);
  return index;
}

/** The group for a host pattern, created on first use. */
export function groupFor(index: HostIndex, hostname: string | undefined): HostGroup {
  if (hostname === undefined) return (index.any ??= newHostGroup(undefined));
  const map = isWildcard(hostname) ? index.wildcard : index.exact;
  let g = map.get(hostname);
  if (!g) map.set(hostname, (g = newHostGroup(hostname)));
  return g;
}

export function indexGroup(g: HostGroup, order: EntryOrder): void {
  g.entries.sort(order);
  for (const e of g.entries) {
    if (e.path.type === 'Exact') {
      const list = g.exact.get(e.path.value);
      if (list) list.push(e);
      else g.exact.set(e.path.value, [e]);
    } else if (e.path.type === 'Prefix') g.prefix.insert(e.path.value, e);
    else g.regex.push(e);
  }
}

export function allGroups(index: HostIndex): HostGroup[] {
  return [...index.exact.values(), ...index.wildcard.values(), ...(index.any ? [index.any] : [])];
}

/**
 * Groups whose pattern covers `host`, most specific first. Ingress wildcards cover one label;
 * Gateway wildcards any number, the longest suffix first.
 */
export function groupsForHost(index: HostIndex, host: string, mode: 'ingress' | 'gateway'): HostGroup[] {
  const out: HostGroup[] = [];
  const exact = index.exact.get(host);
  if (exact) out.push(exact);
  let dot = host.indexOf('.');
  while (dot >= 0) {
    const g = index.wildcard.get(`*${host.slice(dot)}`);
    if (g && dot > 0) out.push(g);
    if (mode === 'ingress') break;
    dot = host.indexOf('.', dot + 1);
  }
  if (index.any) out.push(index.any);
  return out;
}

/** Entries of a group whose path may match (exact bucket, regexes, prefixes along the path), in order. */
export function pathCandidates(g: HostGroup, path: string, order: EntryOrder): MatchEntry[] {
  const out: MatchEntry[] = [...(g.exact.get(path) ?? []), ...g.regex];
  for (const list of g.prefix.walk(path)) out.push(...list);
  return out.sort(order);
}
