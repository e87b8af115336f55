/**
 * `http: {url, method?, headers?, via?, gateway?}` → `expect` with any of:
 *   backend: "ns/svc:port"                 the request is forwarded there (port by number or name)
 *   status: N                              200 = forwarded to a backend that can serve; 3xx/404/500/503
 *   location: URL                          the redirect Location (with status)
 *   path: "/x", requestHeaders: {k: v|null} what the backend receives (null = header absent)
 *   mirroredTo: "ns/svc:port" | [...]      RequestMirror targets
 *   weights: {"ns/svc:port": percent}, samples?, tolerance?   the traffic split (tolerance in points, default 5)
 * Answered by the L7 model (the route table the proxies execute); `compareHttpExpectation` also judges
 * what a live proxy was observed doing, so one expectation holds both to the same contract.
 */
import type { ClusterView } from '../../cluster/view.ts';
import { compileRouteTable, requestFromURL, RequestSyntaxError, routeRequest, type RouteDecision, type RouteTable } from '../l7/index.ts';
import { CheckArgumentError, type CheckKind, type CheckOutcome } from './check.ts';

const ARG_FIELDS = ['url', 'method', 'headers', 'via', 'gateway'];
const EXPECT_FIELDS = ['backend', 'status', 'location', 'path', 'requestHeaders', 'mirroredTo', 'weights', 'samples', 'tolerance'];

export interface HttpRequestArgs {
  url: string;
  method: string;
  headers: string[];
  via?: 'ingress' | 'gateway';
  gateway?: string;
}

export interface HttpExpectation {
  backend?: string;
  status?: number;
  location?: string;
  path?: string;
  requestHeaders?: Record<string, string | null>;
  mirroredTo?: string[];
  weights?: Record<string, number>;
  samples: number;
  tolerance: number;
}

/** What was observed for the request — from the model, or from a live proxy and its backends. */
export interface HttpObservation {
  status: number;
  /** Every name the serving backend answers to (`ns/svc:80`, `ns/svc:http`). */
  backend?: string[];
  location?: string;
  path?: string;
  requestHeaders?: Record<string, string>;
  mirroredTo: string[][];
  /** Percent of requests per backend (each backend under every alias). */
  weights?: { aliases: string[]; percent: number }[];
}

export function parseHttpArgs(args: unknown): HttpRequestArgs {
  if (args === null || typeof args !== 'object' || Array.isArray(args)) throw new CheckArgumentError('http', 'must be a mapping with url (and optional method, headers, via, gateway)');
  const a = args as Record<string, unknown>;
  for (const k of Object.keys(a)) if (!ARG_FIELDS.includes(k)) throw new CheckArgumentError(`http.${k}`, `unknown field (allowed: ${ARG_FIELDS.join(', ')})`);
  if (typeof a.url !== 'string') throw new CheckArgumentError('http.url', 'Required value: a URL such as http://foo.example.com/path');
  if (a.method !== undefined && typeof a.method !== 'string') throw new CheckArgumentError('http.method', 'must be an HTTP method such as GET');
  let headers: string[] = [];
  if (a.headers !== undefined) {
    if (a.headers === null || typeof a.headers !== 'object' || Array.isArray(a.headers) || !Object.values(a.headers).every((v) => typeof v === 'string')) {
      throw new CheckArgumentError('http.headers', 'must be a mapping of header name to string value');
    }
    headers = Object.entries(a.headers as Record<string, string>).map(([k, v]) => `${k}: ${v}`);
  }
  if (a.via !== undefined && a.via !== 'ingress' && a.via !== 'gateway') throw new CheckArgumentError('http.via', `Unsupported value: ${JSON.stringify(a.via)}: supported values: "ingress", "gateway"`);
  if (a.gateway !== undefined && (typeof a.gateway !== 'string' || !/^[^/\s]+\/[^/\s]+$/.test(a.gateway))) throw new CheckArgumentError('http.gateway', 'must be "namespace/name"');
  return { url: a.url, method: (a.method as string | undefined) ?? 'GET', headers, ...(a.via ? { via: a.via as 'ingress' | 'gateway' } : {}), ...(a.gateway ? { gateway: a.gateway as string } : {}) };
}

export function parseHttpExpectation(expect: unknown): HttpExpectation {
  if (expect === null || typeof expect !== 'object' || Array.isArray(expect)) throw new CheckArgumentError('expect', 'must be a mapping with backend, status, location, path, requestHeaders, mirroredTo or weights');
  const e = expect as Record<string, unknown>;
  for (const k of Object.keys(e)) if (!EXPECT_FIELDS.includes(k)) throw new CheckArgumentError(`expect.${k}`, `unknown field (allowed: ${EXPECT_FIELDS.join(', ')})`);
  if (!EXPECT_FIELDS.filter((k) => k !== 'samples' && k !== 'tolerance').some((k) => e[k] !== undefined)) throw new CheckArgumentError('expect', 'Required value: at least one of backend, status, location, path, requestHeaders, mirroredTo, weights');
  const backendRef = (v: unknown, field: string): string => {
    if (typeof v !== 'string' || !/^[^/\s]+\/[^/:\s]+:[^:\s]+$/.test(v)) throw new CheckArgumentError(field, 'must be "namespace/service:port"');
    return v;
  };
  const out: HttpExpectation = { samples: 500, tolerance: 5 };
  if (e.backend !== undefined) out.backend = backendRef(e.backend, 'expect.backend');
  if (e.status !== undefined) {
    if (typeof e.status !== 'number' || !Number.isInteger(e.status) || e.status < 100 || e.status > 599) throw new CheckArgumentError('expect.status', 'must be an HTTP status code');
    out.status = e.status;
  }
  if (e.location !== undefined) {
    if (typeof e.location !== 'string') throw new CheckArgumentError('expect.location', 'must be a URL');
    out.location = e.location;
  }
  if (e.path !== undefined) {
    if (typeof e.path !== 'string' || !e.path.startsWith('/')) throw new CheckArgumentError('expect.path', 'must be a path starting with "/"');
    out.path = e.path;
  }
  if (e.requestHeaders !== undefined) {
    const rh = e.requestHeaders;
    if (rh === null || typeof rh !== 'object' || Array.isArray(rh) || !Object.values(rh).every((v) => v === null || typeof v === 'string')) {
      throw new CheckArgumentError('expect.requestHeaders', 'must map header names to a string value or null (absent)');
    }
    out.requestHeaders = Object.fromEntries(Object.entries(rh as Record<string, string | null>).map(([k, v]) => [k.toLowerCase(), v]));
  }
  if (e.mirroredTo !== undefined) {
    const list = Array.isArray(e.mirroredTo) ? e.mirroredTo : [e.mirroredTo];
    out.mirroredTo = list.map((v, i) => backendRef(v, `expect.mirroredTo[${i}]`));
  }
  if (e.weights !== undefined) {
    const w = e.weights;
    if (w === null || typeof w !== 'object' || Array.isArray(w)) throw new CheckArgumentError('expect.weights', 'must map "namespace/service:port" to a percentage');
    out.weights = {};
    for (const [k, v] of Object.entries(w)) {
      backendRef(k, `expect.weights[${JSON.stringify(k)}]`);
      if (typeof v !== 'number' || v < 0 || v > 100) throw new CheckArgumentError(`expect.weights[${JSON.stringify(k)}]`, 'must be a percentage between 0 and 100');
      out.weights[k] = v;
    }
  }
  if (e.samples !== undefined) {
    if (typeof e.samples !== 'number' || !Number.isInteger(e.samples) || e.samples < 1 || e.samples > 100000) throw new CheckArgumentError('expect.samples', 'must be an integer between 1 and 100000');
    out.samples = e.samples;
  }
  if (e.tolerance !== undefined) {
    if (typeof e.tolerance !== 'number' || e.tolerance < 0 || e.tolerance > 100) throw new CheckArgumentError('expect.tolerance', 'must be a number of percentage points between 0 and 100');
    out.tolerance = e.tolerance;
  }
  return out;
}

/** The names a backend answers to: as referenced, and with its port number. */
export function backendAliases(b: { backend: string; service: string; port?: number }): string[] {
  return [...new Set([b.backend, ...(b.port !== undefined ? [`${b.service}:${b.port}`] : [])])];
}

/** The model's observation of a routing decision. */
export function observeDecision(d: RouteDecision): HttpObservation {
  const live = d.backends.filter((b) => b.share > 0);
  return {
    status: d.status,
    ...(d.outcome === 'forward' && live.length === 1 ? { backend: backendAliases(live[0]) } : {}),
    ...(d.redirect ? { location: d.redirect.location } : {}),
    ...(d.outcome === 'forward' && d.upstream ? { path: d.upstream.query ? `${d.upstream.path}?${d.upstream.query}` : d.upstream.path, requestHeaders: d.upstream.headers } : {}),
    mirroredTo: d.mirrors.map((m) => [m.backend]),
    weights: d.backends.map((b) => ({ aliases: backendAliases(b), percent: b.share * 100 })),
  };
}

/** Judges an observation against an expectation; `problems` is empty when it holds. */
export function compareHttpExpectation(e: HttpExpectation, o: HttpObservation): { problems: string[]; actual: Record<string, unknown> } {
  const problems: string[] = [];
  const actual: Record<string, unknown> = { status: o.status };
  if (e.backend !== undefined) {
    actual.backend = o.backend?.[0] ?? null;
    if (!o.backend?.includes(e.backend)) problems.push(`forwarded to ${o.backend?.[0] ?? 'no single backend'}, not ${e.backend}`);
  }
  if (e.status !== undefined && o.status !== e.status) problems.push(`status ${o.status}, not ${e.status}`);
  if (e.location !== undefined) {
    actual.location = o.location ?? null;
    if (o.location !== e.location) problems.push(`Location ${o.location ?? '(none)'}, not ${e.location}`);
  }
  if (e.path !== undefined) {
    actual.path = o.path ?? null;
    const got = o.path === undefined ? undefined : e.path.includes('?') ? o.path : o.path.split('?')[0];
    if (got !== e.path) problems.push(`backend receives path ${o.path ?? '(not forwarded)'}, not ${e.path}`);
  }
  if (e.requestHeaders !== undefined) {
    const seen: Record<string, string | null> = {};
    for (const [k, v] of Object.entries(e.requestHeaders)) {
      const got = o.requestHeaders?.[k] ?? null;
      seen[k] = got;
      if (got !== v) problems.push(`backend receives ${k}: ${got === null ? '(absent)' : JSON.stringify(got)}, not ${v === null ? '(absent)' : JSON.stringify(v)}`);
    }
    actual.requestHeaders = seen;
  }
  if (e.mirroredTo !== undefined) {
    actual.mirroredTo = o.mirroredTo.map((m) => m[0]);
    const missing = e.mirroredTo.filter((x) => !o.mirroredTo.some((m) => m.includes(x)));
    if (missing.length || o.mirroredTo.length !== e.mirroredTo.length) problems.push(`mirrored to [${o.mirroredTo.map((m) => m[0]).join(', ')}], not [${e.mirroredTo.join(', ')}]`);
  }
  if (e.weights !== undefined) {
    const got: Record<string, number> = {};
    for (const w of o.weights ?? []) got[w.aliases[0]] = Math.round(w.percent * 100) / 100;
    actual.weights = got;
    for (const [k, want] of Object.entries(e.weights)) {
      const w = o.weights?.find((x) => x.aliases.includes(k));
      const pct = w?.percent ?? 0;
      if (Math.abs(pct - want) > e.tolerance) problems.push(`${k} gets ${pct.toFixed(1)}%, expected ${want}% ± ${e.tolerance}`);
    }
    // A backend the expectation does not list must not take traffic.
    for (const w of o.weights ?? []) {
      if (w.percent > e.tolerance && !w.aliases.some((a) => a in (e.weights ?? {}))) problems.push(`unlisted backend ${w.aliases[0]} gets ${w.percent.toFixed(1)}%`);
    }
  }
  return { problems, actual };
}

const tables = new WeakMap<ClusterView, RouteTable>();

export function routeTableOf(view: ClusterView): RouteTable {
  let t = tables.get(view);
  if (!t) tables.set(view, (t = compileRouteTable(view)));
  return t;
}

export const httpCheck: CheckKind = {
  evaluate(view: ClusterView, args: unknown, expect: unknown): CheckOutcome {
    const a = parseHttpArgs(args);
    const e = parseHttpExpectation(expect);
    let request;
    try {
      request = requestFromURL(a.url, a.method, a.headers);
    } catch (err) {
      if (err instanceof RequestSyntaxError) throw new CheckArgumentError(`http.${err.field === 'header' ? 'headers' : err.field}`, err.message);
      throw err;
    }
    const d = routeRequest(routeTableOf(view), request, { ...(a.via ? { via: a.via } : {}), ...(a.gateway ? { gateway: a.gateway } : {}) });
    const { problems, actual } = compareHttpExpectation(e, observeDecision(d));
    const { samples: _s, tolerance: _t, ...expected } = e;
    const how = `${a.method} ${a.url} → ${d.status} via ${d.frontend || 'no frontend'}${d.matched ? ` (${d.matched.id})` : ''}: ${d.message}`;
    return { passed: problems.length === 0, expected, actual, message: problems.length ? `${problems.join('; ')} — ${how}` : how };
  },
};
