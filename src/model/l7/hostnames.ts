/**
 * Host matching. Ingress and Gateway API disagree on wildcards: an Ingress `*.foo.com` covers exactly
 * one label, a Gateway API `*.foo.com` is a suffix match over one or more labels. Neither matches the
 * bare `foo.com`. The port in a Host header is never part of the match.
 */

/** `Host` header → lowercase hostname without port (IPv6 literals keep their brackets). */
export function hostWithoutPort(host: string): string {
  const h = host.trim().toLowerCase();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    return end >= 0 ? h.slice(0, end + 1) : h;
  }
  const colon = h.lastIndexOf(':');
  const bare = colon >= 0 ? h.slice(0, colon) : h;
  // A trailing dot names the same host (FQDN form).
  return bare.endsWith('.') ? bare.slice(0, -1) : bare;
}

export const isWildcard = (pattern: string): boolean => pattern.startsWith('*.');

/** Ingress rule host: exact, or `*.suffix` covering exactly one extra label. */
export function ingressHostMatches(pattern: string, host: string): boolean {
  if (!isWildcard(pattern)) return pattern === host;
  const suffix = pattern.slice(1); // ".foo.com"
  if (!host.endsWith(suffix)) return false;
  const label = host.slice(0, host.length - suffix.length);
  return label.length > 0 && !label.includes('.');
}

/** Gateway API hostname (listener or route): exact, or `*.suffix` over one or more labels. */
export function gatewayHostMatches(pattern: string, host: string): boolean {
  if (!isWildcard(pattern)) return pattern === host;
  const suffix = pattern.slice(1);
  return host.length > suffix.length && host.endsWith(suffix);
}

/**
 * The hostnames a route serves on a listener (Gateway API): listener unset → the route's own;
 * route unset → the listener's; both set → each overlapping pair gives the more specific side.
 * Returns `undefined` for "any host" and `[]` for "no overlap".
 */
export function intersectHostnames(listener: string | undefined, route: readonly string[]): string[] | undefined {
  if (!listener) return route.length ? [...route] : undefined;
  if (!route.length) return [listener];
  const out: string[] = [];
  for (const r of route) {
    if (r === listener) out.push(r);
    else if (gatewayHostMatches(listener, r)) out.push(r); // route narrower than the listener wildcard
    else if (gatewayHostMatches(r, listener)) out.push(listener); // listener narrower than the route wildcard
  }
  return [...new Set(out)];
}

/**
 * Orders hostname patterns from most to least specific: exact before wildcard, then longer first
 * (the spec's "characters in a matching non-wildcard hostname", then "characters in a matching hostname").
 */
export function compareHostSpecificity(a: string | undefined, b: string | undefined): number {
  if (a === b) return 0;
  if (a === undefined) return 1;
  if (b === undefined) return -1;
  const wa = isWildcard(a);
  const wb = isWildcard(b);
  if (wa !== wb) return wa ? 1 : -1;
  if (a.length !== b.length) return b.length - a.length;
  return a < b ? -1 : 1;
}
