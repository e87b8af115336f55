/**
 * The L7 data plane: an HTTP/1.1 reverse proxy (node:http, bodies piped, keep-alive upstream Agent)
 * that executes the model's compiled route table — the same code decides in `podnet route`, in
 * `verify` and here, so there is no translation gap. TLS terminates by SNI with the certificate the
 * table names. The table can be swapped at any time (hot reload); requests in flight keep theirs.
 */
import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import {
  certificateForSNI, pickBackend, routeRequest,
  type FrontendSelector, type L7Request, type RouteDecision, type RouteTable,
} from '../../model/l7/index.ts';

export interface TLSMaterial {
  cert: string | Buffer;
  key: string | Buffer;
  /** When set, an SNI name it does not cover gets the default certificate (ingress-nginx's host check). */
  coversHost?: (name: string) => boolean;
}

export interface ListenSpec {
  host: string;
  port: number;
  /** The port requests count as arriving on (selects Gateway listeners); default: `port`. */
  frontPort?: number;
  /** Terminate TLS here (certificates by SNI from `certificates`). */
  tls?: boolean;
}

export interface L7ProxyOptions {
  table: RouteTable;
  listen: ListenSpec[];
  selector?: FrontendSelector;
  /** Certificates by Secret `namespace/name`; `default` is served when the table names none. */
  certificates?: ReadonlyMap<string, TLSMaterial>;
  defaultCertificate?: TLSMaterial;
  /** One line per request. */
  accessLog?: (line: string) => void;
  /** Entropy for weighted backends and mirror percentages (tests pin it). */
  random?: () => number;
  /** Where to connect for an endpoint `ip:port` (the real dataplane: itself; tests: loopback). */
  resolveEndpoint?: (endpoint: string) => { host: string; port: number };
  /** Upstream timeout in ms (default 30 s). */
  upstreamTimeoutMs?: number;
  /**
   * Asked for every plain-HTTP request once routed: a location to redirect to instead of serving
   * (ingress-nginx's ssl-redirect). `requestURI` is the request target as received.
   */
  httpsRedirect?: (req: L7Request, decision: RouteDecision, requestURI: string) => { location: string; statusCode: number } | undefined;
}

// RFC 9110 §7.6.1 connection-specific fields never cross a proxy.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

export function splitEndpoint(ep: string): { host: string; port: number } {
  const i = ep.lastIndexOf(':');
  const host = ep.slice(0, i);
  return { host: host.startsWith('[') ? host.slice(1, -1) : host, port: Number(ep.slice(i + 1)) };
}

export class L7Proxy {
  private table: RouteTable;
  private readonly servers: (http.Server | https.Server)[] = [];
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  private readonly roundRobin = new Map<string, number>();
  private readonly random: () => number;
  // Resolved once: the hot path reads fields, never option fallbacks.
  private readonly selector: FrontendSelector;
  private readonly resolveEndpoint: (endpoint: string) => { host: string; port: number };
  private readonly upstreamTimeoutMs: number;
  private certificates?: ReadonlyMap<string, TLSMaterial>;
  private defaultCertificate?: TLSMaterial;
  /** Secure contexts by Secret (`''`: the default certificate), dropped when the certificates change. */
  private contexts = new Map<string, tls.SecureContext>();

  constructor(private readonly opts: L7ProxyOptions) {
    this.table = opts.table;
    this.certificates = opts.certificates;
    this.defaultCertificate = opts.defaultCertificate;
    this.random = opts.random ?? Math.random;
    this.selector = opts.selector ?? {};
    this.resolveEndpoint = opts.resolveEndpoint ?? splitEndpoint;
    this.upstreamTimeoutMs = opts.upstreamTimeoutMs ?? 30000;
  }

  /** Swaps the route table (hot reload). */
  setTable(table: RouteTable): void {
    this.table = table;
  }

  /**
   * Swaps the certificates (a Secret rotated): handshakes from now on get the new ones. The default
   * certificate of a listener is fixed when it starts; SNI-less handshakes keep it.
   */
  setCertificates(certificates: ReadonlyMap<string, TLSMaterial>, defaultCertificate?: TLSMaterial): void {
    this.certificates = certificates;
    if (defaultCertificate) this.defaultCertificate = defaultCertificate;
    this.contexts = new Map();
  }

  /** Starts every listener; resolves to the bound addresses (port 0 → an ephemeral port). */
  async start(): Promise<{ host: string; port: number; tls: boolean }[]> {
    const out: { host: string; port: number; tls: boolean }[] = [];
    for (const spec of this.opts.listen) {
      const server = spec.tls ? this.tlsServer(spec) : http.createServer();
      server.keepAliveTimeout = 5000;
      this.servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(spec.port, spec.host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      const a = server.address() as AddressInfo;
      // The port requests count as arriving on is fixed once bound (no getsockname per request).
      const port = spec.frontPort ?? a.port;
      server.on('request', (req, res) => this.handle(req, res, spec, port));
      out.push({ host: a.address, port: a.port, tls: Boolean(spec.tls) });
    }
    return out;
  }

  async close(): Promise<void> {
    this.agent.destroy();
    await Promise.all(this.servers.map((s) => new Promise<void>((resolve) => {
      s.close(() => resolve());
      s.closeAllConnections();
    })));
    this.servers.length = 0;
  }

  private contextFor(m: TLSMaterial | undefined, key: string): tls.SecureContext | undefined {
    if (!m) return undefined;
    let c = this.contexts.get(key);
    if (!c) this.contexts.set(key, (c = tls.createSecureContext({ cert: m.cert, key: m.key })));
    return c;
  }

  private tlsServer(spec: ListenSpec): https.Server {
    const def = this.defaultCertificate;
    return https.createServer({
      ...(def ? { cert: def.cert, key: def.key } : {}),
      SNICallback: (servername, cb) => {
        const port = spec.frontPort ?? spec.port;
        const secret = certificateForSNI(this.table, this.selector, servername, port);
        let material = secret ? this.certificates?.get(secret) : undefined;
        if (material?.coversHost && !material.coversHost(servername)) material = undefined;
        try {
          cb(null, this.contextFor(material, secret ?? '') ?? this.contextFor(this.defaultCertificate, ''));
        } catch (err) {
          cb(err instanceof Error ? err : new Error(String(err)), undefined);
        }
      },
    });
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse, spec: ListenSpec, port: number): void {
    const started = Date.now();
    const request = toL7Request(req, spec.tls ? 'https' : 'http', port);
    if (!request) return this.badRequest(req, res, started);
    const decision = routeRequest(this.table, request, this.selector);
    const toHTTPS = !spec.tls && this.opts.httpsRedirect ? this.opts.httpsRedirect(request, decision, req.url ?? '/') : undefined;
    if (toHTTPS) {
      req.resume();
      res.writeHead(toHTTPS.statusCode, { location: toHTTPS.location, 'content-length': '0' });
      res.end();
      this.log(req, request, decision, started, toHTTPS.statusCode, ` location=${toHTTPS.location} ssl-redirect`);
      return;
    }
    if (decision.outcome === 'redirect' && decision.redirect) {
      req.resume();
      res.writeHead(decision.redirect.statusCode, responseHeaders(decision, { location: decision.redirect.location, 'content-length': '0' }));
      res.end();
      this.log(req, request, decision, started, decision.redirect.statusCode, ` location=${decision.redirect.location}`);
      return;
    }
    if (decision.outcome === 'error') return this.fail(req, res, request, decision.status, decision, started);
    const backend = pickBackend(decision, this.random());
    if (!backend || backend.status !== 200 || !backend.endpoints.length) return this.fail(req, res, request, backend?.status ?? 500, decision, started, backend?.backend);
    const endpoint = this.nextEndpoint(backend.backend, backend.endpoints);
    const target = this.resolveEndpoint(endpoint);
    const up = decision.upstream!;
    const headers = upstreamHeaders(up.headers, up.host, req);
    const path = up.query ? `${up.path}?${up.query}` : up.path;
    // RFC 9112 §6.3: a request without Content-Length or Transfer-Encoding has no body — nothing to pipe.
    const bodyless = req.headers['transfer-encoding'] === undefined && (req.headers['content-length'] === undefined || req.headers['content-length'] === '0');

    for (const m of decision.mirrors) {
      if (m.status !== 200 || !m.endpoints.length || this.random() * 100 >= m.percent) continue;
      const mt = this.resolveEndpoint(this.nextEndpoint(m.backend, m.endpoints));
      const mirror = http.request({ host: mt.host, port: mt.port, method: req.method, path, headers, agent: this.agent });
      mirror.on('response', discardBody);
      mirror.on('error', ignore); // a mirror never affects the client
      if (bodyless) mirror.end();
      else req.pipe(mirror);
    }

    const upstream = http.request({ host: target.host, port: target.port, method: req.method, path, headers, agent: this.agent, timeout: this.upstreamTimeoutMs });
    upstream.on('response', (ur) => {
      const out: http.OutgoingHttpHeaders = {};
      const h = ur.headers;
      for (const k in h) if (!HOP_BY_HOP.has(k) && h[k] !== undefined) out[k] = h[k];
      res.writeHead(ur.statusCode ?? 502, responseHeaders(decision, out));
      ur.pipe(res);
      this.log(req, request, decision, started, ur.statusCode ?? 502, ` backend=${backend.backend} endpoint=${endpoint}`);
    });
    upstream.on('timeout', () => upstream.destroy(new Error('upstream timeout')));
    upstream.on('error', (err) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`502 Bad Gateway: ${endpoint}: ${err.message}\n`);
      this.log(req, request, decision, started, 502, ` backend=${backend.backend} endpoint=${endpoint} error=${JSON.stringify(err.message)}`);
    });
    if (bodyless) {
      upstream.end();
      req.resume();
    } else {
      req.pipe(upstream);
    }
  }

  /** A target no URL parser accepts: answered here rather than thrown out of the request handler. */
  private badRequest(req: http.IncomingMessage, res: http.ServerResponse, started: number): void {
    req.resume();
    const body = '400 Bad Request: InvalidRequestTarget\n';
    res.writeHead(400, { 'content-type': 'text/plain', 'content-length': String(body.length), connection: 'close' });
    res.end(body);
    this.opts.accessLog?.(`${new Date(started).toISOString()} ${req.socket.remoteAddress ?? '-'} "${req.method} ${req.headers.host ?? ''}${req.url}" 400 frontend=- route=- reason=InvalidRequestTarget ${Date.now() - started}ms`);
  }

  /** One access-log line; built only when someone reads it. */
  private log(req: http.IncomingMessage, request: L7Request, decision: RouteDecision, started: number, status: number, extra: string): void {
    const accessLog = this.opts.accessLog;
    if (!accessLog) return;
    accessLog(
      `${new Date(started).toISOString()} ${req.socket.remoteAddress ?? '-'} "${req.method} ${request.host}${req.url}" ${status} ` +
      `frontend=${decision.frontend || '-'}${decision.listener ? `/${decision.listener}` : ''} route=${decision.matched?.id ?? (decision.defaultBackend ? `defaultBackend ${decision.defaultBackend}` : '-')} ` +
      `reason=${decision.reason}${extra} ${Date.now() - started}ms`,
    );
  }

  private fail(req: http.IncomingMessage, res: http.ServerResponse, request: L7Request, status: number, d: RouteDecision, started: number, backend?: string): void {
    req.resume();
    const body = `${status} ${http.STATUS_CODES[status] ?? ''}: ${d.reason}\n`;
    res.writeHead(status, responseHeaders(d, { 'content-type': 'text/plain', 'content-length': String(Buffer.byteLength(body)) }));
    res.end(body);
    this.log(req, request, d, started, status, backend ? ` backend=${backend}` : '');
  }

  private nextEndpoint(key: string, endpoints: readonly string[]): string {
    const i = this.roundRobin.get(key) ?? 0;
    this.roundRobin.set(key, i + 1);
    return endpoints[i % endpoints.length];
  }
}

function toL7Request(req: http.IncomingMessage, scheme: 'http' | 'https', port: number): L7Request | undefined {
  const target = splitRequestTarget(req.url ?? '/');
  if (!target) return undefined;
  return { scheme, host: req.headers.host ?? '', port, path: target.path, query: target.query, method: req.method ?? 'GET', headers: requestHeaders(req.headers) };
}

/**
 * Request headers as the model reads them (lowercase names, repeated headers joined with `, `). Node
 * already joins repeats into one string for every header but Set-Cookie, so the parsed object is
 * used as is unless an array is present (the model copies before applying filters, never mutates it).
 */
function requestHeaders(h: http.IncomingHttpHeaders): Record<string, string> {
  for (const k in h) {
    if (typeof h[k] !== 'string') {
      const out: Record<string, string> = {};
      for (const [n, v] of Object.entries(h)) if (v !== undefined) out[n] = Array.isArray(v) ? v.join(', ') : v;
      return out;
    }
  }
  return h as Record<string, string>;
}

/**
 * Characters WHATWG URL parsing leaves unchanged in both the path and the query of an http URL
 * (no percent-encoding, no backslash conversion, no fragment): a target made only of these, starting
 * with a single `/` and without dot segments (`/.`, `%2e`), parses to itself.
 */
const PLAIN_TARGET = /^\/(?!\/)[A-Za-z0-9\-._~!$&()*+,;=:@/%?]*$/;
const DOT_SEGMENT = /\/\.|%2e/i;

/**
 * Path and query of a request target; dot segments are resolved before matching, as URL() does for
 * `podnet route`. undefined: a target URL() rejects (e.g. `//` — an empty authority).
 */
export function splitRequestTarget(raw: string): { path: string; query: string } | undefined {
  if (PLAIN_TARGET.test(raw)) {
    const q = raw.indexOf('?');
    const path = q < 0 ? raw : raw.slice(0, q);
    if (!DOT_SEGMENT.test(path)) return { path, query: q < 0 ? '' : raw.slice(q + 1) };
  }
  let u: URL;
  try {
    u = new URL(raw.startsWith('/') ? raw : `/${raw}`, 'http://proxy.invalid');
  } catch {
    return undefined;
  }
  return { path: u.pathname, query: u.search.replace(/^\?/, '') };
}

function upstreamHeaders(headers: Record<string, string>, host: string, req: http.IncomingMessage): http.OutgoingHttpHeaders {
  const out: http.OutgoingHttpHeaders = {};
  const connection = req.headers.connection;
  // Fields the client's Connection header names are hop-by-hop too (RFC 9110 §7.6.1).
  const connectionListed = connection ? new Set(connection.split(',').map((s) => s.trim().toLowerCase())) : undefined;
  for (const k in headers) if (!HOP_BY_HOP.has(k) && !connectionListed?.has(k)) out[k] = headers[k];
  out.host = host;
  const client = req.socket.remoteAddress ?? '';
  out['x-forwarded-for'] = headers['x-forwarded-for'] ? `${headers['x-forwarded-for']}, ${client}` : client;
  out['x-forwarded-proto'] = (req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http';
  return out;
}

function discardBody(res: http.IncomingMessage): void {
  res.resume();
}

function ignore(): void {
  // deliberately empty
}

function responseHeaders(d: RouteDecision, base: http.OutgoingHttpHeaders): http.OutgoingHttpHeaders {
  const ops = d.responseHeaders;
  if (!ops) return base;
  // Only the named headers change; the rest (e.g. several Set-Cookie values) passes as it came.
  const out: http.OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(base)) out[k.toLowerCase()] = v;
  for (const h of ops.set) out[h.name] = h.value;
  for (const h of ops.add) {
    const cur = out[h.name];
    out[h.name] = cur === undefined ? h.value : `${Array.isArray(cur) ? cur.join(',') : String(cur)},${h.value}`;
  }
  for (const n of ops.remove) delete out[n];
  return out;
}
