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
  certificates?: Map<string, TLSMaterial>;
  defaultCertificate?: TLSMaterial;
  /** One line per request. */
  accessLog?: (line: string) => void;
  /** Entropy for weighted backends and mirror percentages (tests pin it). */
  random?: () => number;
  /** Where to connect for an endpoint `ip:port` (the real dataplane: itself; tests: loopback). */
  resolveEndpoint?: (endpoint: string) => { host: string; port: number };
  /** Upstream timeout in ms (default 30 s). */
  upstreamTimeoutMs?: number;
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

  constructor(private readonly opts: L7ProxyOptions) {
    this.table = opts.table;
    this.random = opts.random ?? Math.random;
  }

  /** Swaps the route table (hot reload). */
  setTable(table: RouteTable): void {
    this.table = table;
  }

  /** Starts every listener; resolves to the bound addresses (port 0 → an ephemeral port). */
  async start(): Promise<{ host: string; port: number; tls: boolean }[]> {
    const out: { host: string; port: number; tls: boolean }[] = [];
    for (const spec of this.opts.listen) {
      const server = spec.tls ? this.tlsServer(spec) : http.createServer();
      server.on('request', (req, res) => this.handle(req, res, spec, server));
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

  private tlsServer(spec: ListenSpec): https.Server {
    const contexts = new Map<string, tls.SecureContext>();
    const contextFor = (m: TLSMaterial | undefined, key: string): tls.SecureContext | undefined => {
      if (!m) return undefined;
      let c = contexts.get(key);
      if (!c) contexts.set(key, (c = tls.createSecureContext({ cert: m.cert, key: m.key })));
      return c;
    };
    const def = this.opts.defaultCertificate;
    return https.createServer({
      ...(def ? { cert: def.cert, key: def.key } : {}),
      SNICallback: (servername, cb) => {
        const port = spec.frontPort ?? spec.port;
        const secret = certificateForSNI(this.table, this.opts.selector ?? {}, servername, port);
        const material = secret ? this.opts.certificates?.get(secret) : undefined;
        cb(null, contextFor(material, secret ?? '') ?? contextFor(def, ''));
      },
    });
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse, spec: ListenSpec, server: http.Server | https.Server): void {
    const started = Date.now();
    const port = spec.frontPort ?? (server.address() as AddressInfo).port;
    const request = toL7Request(req, spec.tls ? 'https' : 'http', port);
    const decision = routeRequest(this.table, request, this.opts.selector ?? {});
    const log = (status: number, extra: string): void => {
      this.opts.accessLog?.(
        `${new Date(started).toISOString()} ${req.socket.remoteAddress ?? '-'} "${req.method} ${request.host}${req.url}" ${status} ` +
        `frontend=${decision.frontend || '-'}${decision.listener ? `/${decision.listener}` : ''} route=${decision.matched?.id ?? (decision.defaultBackend ? `defaultBackend ${decision.defaultBackend}` : '-')} ` +
        `reason=${decision.reason}${extra} ${Date.now() - started}ms`,
      );
    };
    if (decision.outcome === 'redirect' && decision.redirect) {
      req.resume();
      res.writeHead(decision.redirect.statusCode, responseHeaders(decision, { location: decision.redirect.location, 'content-length': '0' }));
      res.end();
      log(decision.redirect.statusCode, ` location=${decision.redirect.location}`);
      return;
    }
    if (decision.outcome === 'error') return this.fail(req, res, decision.status, decision, log);
    const backend = pickBackend(decision, this.random());
    if (!backend || backend.status !== 200 || !backend.endpoints.length) return this.fail(req, res, backend?.status ?? 500, decision, log, backend?.backend);
    const endpoint = this.nextEndpoint(backend.backend, backend.endpoints);
    const target = (this.opts.resolveEndpoint ?? splitEndpoint)(endpoint);
    const up = decision.upstream!;
    const headers = upstreamHeaders(up.headers, up.host, req);
    const path = up.query ? `${up.path}?${up.query}` : up.path;

    for (const m of decision.mirrors) {
      if (m.status !== 200 || !m.endpoints.length || this.random() * 100 >= m.percent) continue;
      const mt = (this.opts.resolveEndpoint ?? splitEndpoint)(this.nextEndpoint(m.backend, m.endpoints));
      const mirror = http.request({ host: mt.host, port: mt.port, method: req.method, path, headers, agent: this.agent });
      mirror.on('response', (r) => r.resume());
      mirror.on('error', () => undefined); // a mirror never affects the client
      req.pipe(mirror);
    }

    const upstream = http.request({ host: target.host, port: target.port, method: req.method, path, headers, agent: this.agent, timeout: this.opts.upstreamTimeoutMs ?? 30000 });
    upstream.on('response', (ur) => {
      const out: http.OutgoingHttpHeaders = {};
      for (const [k, v] of Object.entries(ur.headers)) if (!HOP_BY_HOP.has(k) && v !== undefined) out[k] = v;
      res.writeHead(ur.statusCode ?? 502, responseHeaders(decision, out));
      ur.pipe(res);
      log(ur.statusCode ?? 502, ` backend=${backend.backend} endpoint=${endpoint}`);
    });
    upstream.on('timeout', () => upstream.destroy(new Error('upstream timeout')));
    upstream.on('error', (err) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`502 Bad Gateway: ${endpoint}: ${err.message}\n`);
      log(502, ` backend=${backend.backend} endpoint=${endpoint} error=${JSON.stringify(err.message)}`);
    });
    req.pipe(upstream);
  }

  private fail(req: http.IncomingMessage, res: http.ServerResponse, status: number, d: RouteDecision, log: (s: number, e: string) => void, backend?: string): void {
    req.resume();
    const body = `${status} ${http.STATUS_CODES[status] ?? ''}: ${d.reason}\n`;
    res.writeHead(status, responseHeaders(d, { 'content-type': 'text/plain', 'content-length': String(Buffer.byteLength(body)) }));
    res.end(body);
    log(status, backend ? ` backend=${backend}` : '');
  }

  private nextEndpoint(key: string, endpoints: readonly string[]): string {
    const i = this.roundRobin.get(key) ?? 0;
    this.roundRobin.set(key, i + 1);
    return endpoints[i % endpoints.length];
  }
}

function toL7Request(req: http.IncomingMessage, scheme: 'http' | 'https', port: number): L7Request {
  const raw = req.url ?? '/';
  // Dot segments are resolved before matching, as URL() does for `podnet route`.
  const u = new URL(raw.startsWith('/') ? raw : `/${raw}`, 'http://proxy.invalid');
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
  return { scheme, host: headers.host ?? '', port, path: u.pathname, query: u.search.replace(/^\?/, ''), method: req.method ?? 'GET', headers };
}

function upstreamHeaders(headers: Record<string, string>, host: string, req: http.IncomingMessage): http.OutgoingHttpHeaders {
  const out: http.OutgoingHttpHeaders = {};
  const connectionListed = new Set((req.headers.connection ?? '').split(',').map((s) => s.trim().toLowerCase()));
  for (const [k, v] of Object.entries(headers)) if (!HOP_BY_HOP.has(k) && !connectionListed.has(k)) out[k] = v;
  out.host = host;
  const client = req.socket.remoteAddress ?? '';
  out['x-forwarded-for'] = headers['x-forwarded-for'] ? `${headers['x-forwarded-for']}, ${client}` : client;
  out['x-forwarded-proto'] = (req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http';
  return out;
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
