/**
 * Precedence of match entries, as total orders (the first matching entry in order wins).
 *
 * Gateway API (HTTPRouteRule.matches): Exact path > (implementation-specific: RegularExpression) >
 * PathPrefix with most characters > has method > most header matches > most query matches > oldest
 * route (creationTimestamp) > `namespace/name` alphabetical > first rule, first match in the route.
 *
 * Ingress: longest rule path first; Exact over Prefix for equal paths; list order is irrelevant. When
 * Ingresses of one class repeat a host+path, the oldest Ingress wins (then `namespace/name`).
 */
import { trimTrailingSlash } from './paths.ts';
import type { MatchEntry, PathMatchType } from './types.ts';

const GATEWAY_PATH_RANK: Record<PathMatchType, number> = { Exact: 0, RegularExpression: 1, Prefix: 2 };

export function compareGatewayEntries(a: MatchEntry, b: MatchEntry): number {
  return (
    GATEWAY_PATH_RANK[a.path.type] - GATEWAY_PATH_RANK[b.path.type] ||
    b.path.value.length - a.path.value.length ||
    Number(b.method !== undefined) - Number(a.method !== undefined) ||
    b.headers.length - a.headers.length ||
    b.queryParams.length - a.queryParams.length ||
    compareAgeAndName(a, b) ||
    a.source.rule - b.source.rule ||
    a.source.match - b.source.match
  );
}

export function compareIngressEntries(a: MatchEntry, b: MatchEntry): number {
  return (
    ingressPathLength(b) - ingressPathLength(a) ||
    Number(a.path.type !== 'Exact') - Number(b.path.type !== 'Exact') ||
    compareAgeAndName(a, b) ||
    a.source.rule - b.source.rule ||
    a.source.match - b.source.match
  );
}

/** A Prefix's trailing slash carries no meaning, so `/foo/` is as long as `/foo`. */
function ingressPathLength(e: MatchEntry): number {
  return e.path.type === 'Exact' ? e.path.value.length : trimTrailingSlash(e.path.value).length;
}

/** What creation order is judged on: an object's metadata, or a match entry's source. */
export interface CreationOrderKey {
  creationTimestamp?: string;
  namespace?: string;
  name: string;
}

/**
 * Oldest first (objects without a timestamp last), then `namespace/name`: how Gateway API and
 * ingress controllers break ties between objects.
 */
export function compareCreationOrder(a: CreationOrderKey, b: CreationOrderKey): number {
  const ta = a.creationTimestamp;
  const tb = b.creationTimestamp;
  if (ta !== tb) {
    if (ta === undefined) return 1;
    if (tb === undefined) return -1;
    const d = Date.parse(ta) - Date.parse(tb);
    if (d) return d;
  }
  const na = `${a.namespace ?? ''}/${a.name}`;
  const nb = `${b.namespace ?? ''}/${b.name}`;
  return na < nb ? -1 : na > nb ? 1 : 0;
}

function compareAgeAndName(a: MatchEntry, b: MatchEntry): number {
  return compareCreationOrder(a.source, b.source);
}

/** The first criterion on which `winner` beat `loser` (for explanations). */
export function precedenceReason(winner: MatchEntry, loser: MatchEntry, mode: 'ingress' | 'gateway'): string {
  if (mode === 'ingress') {
    if (ingressPathLength(winner) !== ingressPathLength(loser)) return 'a longer path wins';
    if (winner.path.type !== loser.path.type) return 'Exact wins over Prefix for equal paths';
  } else {
    if (winner.path.type !== loser.path.type) return `${winner.path.type} path wins over ${loser.path.type}`;
    if (winner.path.value.length !== loser.path.value.length) return 'the path with more characters wins';
    if ((winner.method !== undefined) !== (loser.method !== undefined)) return 'a method match wins';
    if (winner.headers.length !== loser.headers.length) return 'more header matches win';
    if (winner.queryParams.length !== loser.queryParams.length) return 'more query param matches win';
  }
  if (winner.source.namespace !== loser.source.namespace || winner.source.name !== loser.source.name) {
    if (winner.source.creationTimestamp !== loser.source.creationTimestamp) return 'the older object wins';
    return 'alphabetical namespace/name wins';
  }
  return 'the first rule/match in the object wins';
}
