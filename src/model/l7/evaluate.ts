/**
 * A request against the route table: which frontend, listener, host group and match entry serve it,
 * what the filters do to it, and where it may go. Pure: the weighted backend choice takes the caller's
 * entropy (`pickBackend`), so the model reports shares and the proxy draws.
 */
import { gatewayHostMatches, hostWithoutPort, ingressHostMatches, compareHostSpecificity, isWildcard } from './hostnames.ts';
import { groupsForHost, pathCandidates } from './host-index.ts';
import { mismatch, parseQuery } from './match.ts';
import { replacePrefix } from './paths.ts';
import { compareGatewayEntries, compareIngressEntries } from './precedence.ts';
import type {
  BackendTarget, DefaultBackend, GatewayFrontend, HeaderValue, HostGroup, IngressFrontend, L7Request, Listener, MatchEntry,
  RouteTable, TLSCertificate,
} from './types.ts';

export const WELL_KNOWN: Record<string, number> = { http: 80, https: 443 };

export interface FrontendSelector {
  via?: 'ingress' | 'gateway';
  /** `namespace/name` of one Gateway. */
  gateway?: string;
}

export interface BackendChoice {
  /** `namespace/service:port` as the reference wrote the port (number or name). */
  backend: string;
  /** `namespace/service` */
  service: string;
  /** The Service port number, when the reference resolved to one. */
  port?: number;
  weight: number;
  /** weight / sum of weights, 0..1 */
  share: number;
  /** 200 when the backend can take the request, else the status the proxy answers. */
  status: number;
  reason?: string;
  message?: string;
  endpoints: string[];
}

export interface UpstreamRequest {
  host: string;
  path: string;
  query: string;
  /** Lowercase names, after request filters. */
  headers: Record<string, string>;
}

export interface HeaderOps {
  set: HeaderValue[];
  add: HeaderValue[];
  remove: string[];
}

export interface RouteDecision {
  /** `ingress` or `gateway namespace/name`; empty when no frontend exists. */
  frontend: string;
  listener?: string;
  host: string;
  /** The host pattern of the chosen host group; `*` = rules without host. */
  hostPattern?: string;
  /**
   * The certificate the SNI name gets (`null`: the default certificate); `rejected` names the Secret
   * a tls entry for this host wanted when it could not serve (the reason the default was used).
   */
  tls?: { secret: string | null; rejected?: { secret: string; reason: string; message: string } };
  matched?: { id: string; kind: string; namespace: string; name: string; rule: number; match: number; path: string; hostname?: string };
  /** Set when an Ingress defaultBackend took the request. */
  defaultBackend?: string;
  outcome: 'forward' | 'redirect' | 'error';
  status: number;
  reason: string;
  message: string;
  backends: BackendChoice[];
  upstream?: UpstreamRequest;
  redirect?: { location: string; statusCode: number };
  mirrors: { backend: string; percent: number; endpoints: string[]; status: number }[];
  responseHeaders?: HeaderOps;
}

/** Routes a request; with no selector, the first frontend that does not answer 404 wins. */
export function routeRequest(table: RouteTable, req: L7Request, sel: FrontendSelector = {}): RouteDecision {
  const decisions = selectFrontends(table, sel).map((f) => (f.kind === 'ingress' ? routeIngress(f, req) : routeGateway(f, req)));
  if (!decisions.length) {
    const what = sel.gateway ? `gateway ${sel.gateway}` : sel.via ?? 'ingress or gateway';
    return { frontend: '', host: hostWithoutPort(req.host), outcome: 'error', status: 404, reason: 'NoFrontend', message: `no ${what} of this cluster's controllers`, backends: [], mirrors: [] };
  }
  return decisions.find((d) => d.status !== 404) ?? decisions[0];
}

export function selectFrontends(table: RouteTable, sel: FrontendSelector): (IngressFrontend | GatewayFrontend)[] {
  const out: (IngressFrontend | GatewayFrontend)[] = [];
  if (table.ingress && !sel.gateway && sel.via !== 'gateway') out.push(table.ingress);
  if (sel.via !== 'ingress') for (const g of table.gateways) if (!sel.gateway || `${g.namespace}/${g.name}` === sel.gateway) out.push(g);
  return out;
}

function notFound(base: Pick<RouteDecision, 'frontend' | 'host'> & Partial<RouteDecision>, reason: string, message: string): RouteDecision {
  return { ...base, outcome: 'error', status: 404, reason, message, backends: [], mirrors: [] };
}

function certificateEntry<T extends TLSCertificate>(certs: readonly T[], host: string, matches: (p: string, h: string) => boolean): T | undefined {
  const exact = certs.find((c) => c.hosts.includes(host));
  if (exact) return exact;
  const wild = certs.filter((c) => c.hosts.some((h) => isWildcard(h) && matches(h, host)));
  if (wild.length) return wild[0];
  return certs.find((c) => c.hosts.length === 0);
}

function certificateFor(certs: readonly TLSCertificate[], host: string, matches: (p: string, h: string) => boolean): string | null {
  return certificateEntry(certs, host, matches)?.secret ?? null;
}

/** The Ingress controller's certificate for `host`: the default one when the tls entry's Secret cannot serve. */
function ingressTLS(f: IngressFrontend, host: string): NonNullable<RouteDecision['tls']> {
  const entry = certificateEntry(f.tls, host, ingressHostMatches);
  if (!entry) return { secret: null };
  if (!entry.problem) return { secret: entry.secret };
  return { secret: null, rejected: { secret: entry.secret, reason: entry.problem.reason, message: `${entry.problem.message}: the default certificate is served` } };
}

export function routeIngress(f: IngressFrontend, req: L7Request): RouteDecision {
  const host = hostWithoutPort(req.host);
  const base = {
    frontend: 'ingress',
    host,
    // SNI picks the certificate; without one for this host the controller's default certificate is served.
    ...(req.scheme === 'https' ? { tls: ingressTLS(f, host) } : {}),
  };
  // The Ingress controller's entrypoints are the well-known ports (its Service maps others onto them).
  if (req.port !== WELL_KNOWN[req.scheme]) {
    return notFound(base, 'NoMatchingListener', `the Ingress controller serves ${req.scheme} on port ${WELL_KNOWN[req.scheme]}, not ${req.port}`);
  }
  const group = groupsForHost(f.hosts, host, 'ingress')[0];
  if (!group) {
    if (f.defaultBackend) return viaDefaultBackend(base, f.defaultBackend, req, 'no rule for this host');
    return notFound(base, 'NoMatchingHost', `no Ingress rule for host ${host} and no defaultBackend`);
  }
  const withHost = { ...base, hostPattern: group.hostname ?? '*' };
  const query = parseQuery(req.query);
  const entry = pathCandidates(group, req.path, compareIngressEntries).find((e) => mismatch(e, req, query) === undefined);
  if (entry) return applyEntry(withHost, entry, req, req.port);
  const def: DefaultBackend | undefined = group.defaultBackend ?? (group.hostname === undefined ? f.defaultBackend : undefined);
  if (def) return viaDefaultBackend(withHost, def, req, `no path of host ${group.hostname ?? '*'} matches ${req.path}`);
  return notFound(withHost, 'NoMatchingPath', `no path of host ${group.hostname ?? '*'} matches ${req.path} (no fallback to other hosts) and no defaultBackend`);
}

function viaDefaultBackend(base: Pick<RouteDecision, 'frontend' | 'host'> & Partial<RouteDecision>, def: DefaultBackend, req: L7Request, why: string): RouteDecision {
  const backends = choices([def.backend]);
  return {
    ...base,
    defaultBackend: def.ingress,
    ...forwardOutcome(backends, `${why}: defaultBackend of Ingress ${def.ingress}`),
    backends,
    upstream: { host: req.host, path: req.path, query: req.query, headers: { ...req.headers } },
    mirrors: [],
  };
}

/**
 * The certificate (Secret `namespace/name`) a TLS handshake for `serverName` on `port` gets: the SNI
 * picks it before any HTTP is read. `null` = the implementation's default certificate. An Ingress
 * tls entry whose cluster Secret cannot serve is still named (a proxy may hold its certificate from
 * elsewhere); without material for it the proxy serves the default certificate, as ingress-nginx does.
 */
export function certificateForSNI(table: RouteTable, sel: FrontendSelector, serverName: string, port: number): string | null {
  const host = hostWithoutPort(serverName);
  for (const f of selectFrontends(table, sel)) {
    if (f.kind === 'ingress') {
      const s = certificateFor(f.tls, host, ingressHostMatches);
      if (s) return s;
      continue;
    }
    const l = selectListener(f, { scheme: 'https', host, port, path: '/', query: '', method: 'GET', headers: {} });
    const s = l ? certificateFor(l.tls, host, gatewayHostMatches) : null;
    if (s) return s;
  }
  return null;
}

/** The most specific listener on the request's port and scheme whose hostname covers the host. */
export function selectListener(f: GatewayFrontend, req: L7Request): Listener | undefined {
  const host = hostWithoutPort(req.host);
  const protocol = req.scheme === 'https' ? 'HTTPS' : 'HTTP';
  return f.listeners
    .filter((l) => l.port === req.port && l.protocol === protocol && (!l.hostname || gatewayHostMatches(l.hostname, host)))
    .sort((a, b) => compareHostSpecificity(a.hostname, b.hostname))[0];
}

export function routeGateway(f: GatewayFrontend, req: L7Request): RouteDecision {
  const host = hostWithoutPort(req.host);
  const frontend = `gateway ${f.namespace}/${f.name}`;
  const listener = selectListener(f, req);
  if (!listener) {
    return notFound({ frontend, host }, 'NoMatchingListener', `no ${req.scheme === 'https' ? 'HTTPS' : 'HTTP'} listener on port ${req.port} covers host ${host}`);
  }
  const base = {
    frontend,
    host,
    listener: listener.name,
    ...(req.scheme === 'https' ? { tls: { secret: certificateFor(listener.tls, host, gatewayHostMatches) } } : {}),
  };
  const found = findGatewayEntry(listener, req);
  if (!found) return notFound(base, 'NoMatchingRoute', `no HTTPRoute rule attached to listener ${listener.name} matches`);
  return applyEntry({ ...base, hostPattern: found.group.hostname ?? '*' }, found.entry, req, listener.port);
}

/** Host groups most specific first; inside each, entries in precedence order; the first match wins. */
export function findGatewayEntry(listener: Listener, req: L7Request): { group: HostGroup; entry: MatchEntry } | undefined {
  const query = parseQuery(req.query);
  for (const group of groupsForHost(listener.hosts, hostWithoutPort(req.host), 'gateway')) {
    const entry = pathCandidates(group, req.path, compareGatewayEntries).find((e) => mismatch(e, req, query) === undefined);
    if (entry) return { group, entry };
  }
  return undefined;
}

function choices(targets: readonly BackendTarget[]): BackendChoice[] {
  const total = targets.reduce((s, t) => s + Math.max(0, t.weight), 0);
  return targets.map((t) => ({
    backend: t.key,
    service: `${t.namespace}/${t.service}`,
    ...(t.port !== undefined ? { port: t.port } : {}),
    weight: t.weight,
    share: total > 0 ? Math.max(0, t.weight) / total : 0,
    status: t.invalid ? t.invalid.status : 200,
    ...(t.invalid ? { reason: t.invalid.reason, message: t.invalid.message } : {}),
    endpoints: t.endpoints,
  }));
}

function forwardOutcome(backends: readonly BackendChoice[], message: string): Pick<RouteDecision, 'outcome' | 'status' | 'reason' | 'message'> {
  const live = backends.filter((b) => b.share > 0);
  if (!live.length) return { outcome: 'error', status: 500, reason: 'NoBackends', message: `${message}; no backend with a non-zero weight` };
  const statuses = new Set(live.map((b) => b.status));
  if (statuses.size === 1 && !statuses.has(200)) {
    return { outcome: 'error', status: live[0].status, reason: live[0].reason ?? 'BackendError', message: `${message}; ${live.map((b) => b.message).join('; ')}` };
  }
  return { outcome: 'forward', status: 200, reason: statuses.size === 1 ? 'Forward' : 'PartiallyInvalidBackends', message };
}

export function applyHeaderOps(headers: Record<string, string>, ops: { set: HeaderValue[]; add: HeaderValue[]; remove: string[] }): void {
  for (const h of ops.set) headers[h.name] = h.value;
  for (const h of ops.add) headers[h.name] = headers[h.name] !== undefined ? `${headers[h.name]},${h.value}` : h.value;
  for (const n of ops.remove) delete headers[n];
}

function applyEntry(base: Pick<RouteDecision, 'frontend' | 'host'> & Partial<RouteDecision>, entry: MatchEntry, req: L7Request, listenerPort: number): RouteDecision {
  const s = entry.source;
  const matched = { id: entry.id, kind: s.kind, namespace: s.namespace, name: s.name, rule: s.rule, match: s.match, path: `${entry.path.type} ${entry.path.value}`, ...(entry.hostname ? { hostname: entry.hostname } : {}) };
  const withMatch = { ...base, matched, mirrors: [] as RouteDecision['mirrors'] };
  if (entry.ruleError) return { ...withMatch, outcome: 'error', status: entry.ruleError.status, reason: entry.ruleError.reason, message: entry.ruleError.message, backends: [] };
  const upstream: UpstreamRequest = { host: req.host, path: req.path, query: req.query, headers: { ...req.headers } };
  let responseHeaders: HeaderOps | undefined;
  for (const f of entry.filters) {
    switch (f.type) {
      case 'RequestHeaderModifier':
        applyHeaderOps(upstream.headers, f);
        break;
      case 'ResponseHeaderModifier':
        responseHeaders = { set: [...(responseHeaders?.set ?? []), ...f.set], add: [...(responseHeaders?.add ?? []), ...f.add], remove: [...(responseHeaders?.remove ?? []), ...f.remove] };
        break;
      case 'URLRewrite':
        if (f.hostname !== undefined) upstream.host = f.hostname;
        if (f.path) upstream.path = f.path.type === 'ReplaceFullPath' ? f.path.value : replacePrefix(upstream.path, entry.path.value, f.path.value);
        break;
      case 'RequestMirror':
        withMatch.mirrors.push({ backend: f.backend.key, percent: f.percent, endpoints: f.backend.endpoints, status: f.backend.invalid ? f.backend.invalid.status : 200 });
        break;
      case 'RequestRedirect': {
        const scheme = f.scheme ?? req.scheme;
        const hostname = f.hostname ?? hostWithoutPort(req.host);
        const port = f.port ?? (f.scheme ? WELL_KNOWN[f.scheme] ?? listenerPort : listenerPort);
        const path = !f.path ? req.path : f.path.type === 'ReplaceFullPath' ? f.path.value : replacePrefix(req.path, entry.path.value, f.path.value);
        const showPort = WELL_KNOWN[scheme] !== port;
        const location = `${scheme}://${hostname}${showPort ? `:${port}` : ''}${path}${req.query ? `?${req.query}` : ''}`;
        return { ...withMatch, outcome: 'redirect', status: f.statusCode, reason: 'Redirect', message: `RequestRedirect to ${location}`, backends: [], redirect: { location, statusCode: f.statusCode }, ...(responseHeaders ? { responseHeaders } : {}) };
      }
      case 'Unsupported':
        return { ...withMatch, outcome: 'error', status: 500, reason: 'UnsupportedFilter', message: f.reason, backends: [] };
    }
  }
  const backends = choices(entry.backends);
  const outcome = entry.backends.length
    ? forwardOutcome(backends, `matched ${entry.id}`)
    : { outcome: 'error' as const, status: 500, reason: 'NoBackends', message: `matched ${entry.id}, which has no backendRefs` };
  return { ...withMatch, ...outcome, backends, upstream, ...(responseHeaders ? { responseHeaders } : {}) };
}

/** Draws a backend by weight with `r` in [0, 1) (the caller's entropy). */
export function pickBackend(d: RouteDecision, r: number): BackendChoice | undefined {
  let acc = 0;
  const live = d.backends.filter((b) => b.share > 0);
  for (const b of live) {
    acc += b.share;
    if (r < acc) return b;
  }
  return live[live.length - 1];
}
