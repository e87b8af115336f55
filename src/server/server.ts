/**
 * The API server: one Store (the same state the CLI reads), plain node:http or https, bearer-token
 * authentication, and the dispatch of every request to discovery, OpenAPI or the resource handlers.
 * Every error leaves as a Status; nothing a client sends can crash the process.
 */
import { timingSafeEqual } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { objectKey } from '../api/kinds.ts';
import type { Pod } from '../api/types.ts';
import type { ClusterConfig } from '../cluster/config.ts';
import type { Store } from '../cluster/store.ts';
import { aggregatedContentType, aggregatedDiscovery, apiGroupDoc, apiGroupList, apiResourceList, apiVersions, versionInfo } from './discovery.ts';
import { EventRecorder } from './events.ts';
import { EXEC_PROTOCOLS, runExecSession, type ExecRequest, type PodRuntime } from './exec.ts';
import { containerOf, dataplaneDown, handleResource, type ApiContext } from './handlers.ts';
import { ManagedFieldsTable } from './managed-fields-table.ts';
import { negotiate } from './media.ts';
import { openapiGroupVersion, openapiIndex, openapiV2 } from './openapi.ts';
import { PORT_FORWARD_PROTOCOL, PORT_FORWARD_WS_PROTOCOL, servePortForward } from './portforward.ts';
import type { ServedResource } from './resources.ts';
import { sendJSON, sendStatus, sendText } from './respond.ts';
import { route, RouteError, type Route } from './router.ts';
import { SpdySession } from './spdy/index.ts';
import { internalError, notFound, StatusError, unauthorized } from './status.ts';
import { acceptWebSocket, chooseProtocol, handshakeProblem, isWebSocketUpgrade } from './websocket.ts';
import { ObjectWriter } from './writes.ts';

export interface ApiServerOptions {
  store: Store;
  /** The cluster config controllers run with (read per request: a reconfigured cluster applies at once). */
  config: () => ClusterConfig;
  /** Required bearer token; undefined = no authentication (tests, or a deliberate `--no-auth`). */
  token?: string;
  /** TLS key and certificate (PEM); undefined = plain HTTP. */
  tls?: { key: string; cert: string };
  /** Runs exec/logs/port-forward in pods: a runtime, or a function asked per request (undefined while the dataplane is down). */
  runtime?: PodRuntime | (() => PodRuntime | undefined);
  /** Where field managers persist; undefined = memory. */
  managedFieldsFile?: string;
  bookmarkIntervalMs?: number;
  /** One line per request (method, path, code, ms); undefined = silent. */
  log?: (line: string) => void;
  /**
   * Another handler mounted beside the API (the web UI under /ui/): it answers what it recognises
   * (returning true) before API routing and authentication.
   */
  mount?: { handle(req: IncomingMessage, res: ServerResponse): boolean };
  now?: () => Date;
}

/** Paths anyone may read, as the API server's system:public-info-viewer role allows. */
const PUBLIC = new Set(['version', 'health']);

export class ApiServer {
  private readonly http: Server;
  private readonly ctx: ApiContext;
  private readonly cleanups = new Set<() => void>();
  private readonly token: Buffer | undefined;
  private serverAddress = '127.0.0.1:6443';

  constructor(private readonly options: ApiServerOptions) {
    const managed = new ManagedFieldsTable(options.managedFieldsFile);
    const events = new EventRecorder(options.store, options.now);
    this.ctx = {
      store: options.store,
      writer: new ObjectWriter(options.store, options.config, managed, options.now),
      managed,
      events,
      runtime: typeof options.runtime === 'function' ? options.runtime : () => options.runtime as PodRuntime | undefined,
      bookmarkIntervalMs: options.bookmarkIntervalMs ?? 15_000,
      track: (fn) => {
        this.cleanups.add(fn);
        return () => this.cleanups.delete(fn);
      },
    };
    this.token = options.token ? Buffer.from(options.token) : undefined;
    const handler = (req: IncomingMessage, res: ServerResponse): void => void this.handle(req, res);
    this.http = options.tls ? createHttpsServer({ key: options.tls.key, cert: options.tls.cert }, handler) : createHttpServer(handler);
    this.http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(req, socket, head));
    this.http.on('clientError', (_err, socket: Duplex) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    });
    this.http.keepAliveTimeout = 30_000;
  }

  /** Listens; resolves with the bound address (port 0 = an ephemeral port). */
  listen(port: number, host = '127.0.0.1'): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(port, host, () => {
        this.http.off('error', reject);
        const addr = this.http.address() as AddressInfo;
        this.serverAddress = `${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`;
        resolve(addr);
      });
    });
  }

  get url(): string {
    return `${this.options.tls ? 'https' : 'http'}://${this.serverAddress}`;
  }

  /** Ends open watches and streams, stops listening, flushes field managers. */
  close(): Promise<void> {
    for (const fn of [...this.cleanups]) fn();
    this.cleanups.clear();
    this.ctx.events.close();
    this.ctx.managed.flush();
    return new Promise((resolve) => {
      this.http.close(() => resolve());
      this.http.closeAllConnections();
    });
  }

  private authorized(req: IncomingMessage): boolean {
    if (!this.token) return true;
    const header = req.headers.authorization ?? '';
    const m = /^Bearer\s+(.+)$/i.exec(header);
    if (!m) return false;
    const given = Buffer.from(m[1].trim());
    return given.length === this.token.length && timingSafeEqual(given, this.token);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = Date.now();
    const url = new URL(req.url ?? '/', 'http://localhost');
    try {
      if (this.options.mount?.handle(req, res)) return;
      let r: Route | undefined;
      try {
        r = route(url.pathname);
      } catch (err) {
        if (err instanceof RouteError) throw new StatusError(404, 'NotFound', err.message);
        throw err;
      }
      if (!r) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
      if (!PUBLIC.has(r.type) && !this.authorized(req)) throw unauthorized();
      await this.dispatch(req, res, url, r);
    } catch (err) {
      const status = err instanceof StatusError ? err : internalError(err);
      if (!(err instanceof StatusError)) this.options.log?.(`internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      if (res.headersSent) res.end();
      else sendStatus(res, status);
    } finally {
      if (this.options.log) {
        const done = (): void => this.options.log?.(`${req.method} ${req.url} ${res.statusCode} ${Date.now() - started}ms`);
        if (res.writableFinished) done();
        else res.once('finish', done);
      }
    }
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse, url: URL, r: Route): Promise<void> {
    const method = req.method ?? 'GET';
    if (r.type !== 'resource' && method !== 'GET' && method !== 'HEAD') throw new StatusError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
    switch (r.type) {
      case 'version':
        return sendJSON(res, 200, versionInfo());
      case 'health':
        return sendText(res, 200, 'ok');
      case 'api':
      case 'apis': {
        const rep = negotiate(req.headers.accept, { discovery: true });
        if (rep.as === 'APIGroupDiscoveryList') {
          return sendJSON(res, 200, aggregatedDiscovery(r.type === 'api', rep.version), { contentType: aggregatedContentType(rep.version) });
        }
        return sendJSON(res, 200, r.type === 'api' ? apiVersions(this.serverAddress) : apiGroupList());
      }
      case 'group': {
        const doc = apiGroupDoc(r.group);
        if (!doc) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
        return sendJSON(res, 200, doc);
      }
      case 'resourceList': {
        const doc = apiResourceList(r.group, r.version);
        if (!doc) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
        return sendJSON(res, 200, doc);
      }
      case 'openapiIndex':
        return sendJSON(res, 200, openapiIndex());
      case 'openapiGroupVersion': {
        const doc = openapiGroupVersion(r.group, r.version);
        if (!doc) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
        const immutable = url.searchParams.get('hash') === doc.hash;
        return sendJSON(res, 200, doc.body, {
          headers: { ETag: `"${doc.hash}"`, ...(immutable ? { 'Cache-Control': 'public, immutable' } : {}) },
        });
      }
      case 'openapiV2': {
        const doc = openapiV2((req.headers.accept ?? '').includes('protobuf'));
        res.writeHead(200, { 'Content-Type': doc.contentType, 'Content-Length': String(doc.body.length) });
        res.end(doc.body);
        return;
      }
      case 'resource':
        if (r.resource.kind === 'Pod' && r.subresource === 'portforward') {
          throw new StatusError(400, 'BadRequest', `Upgrade request required: portforward needs a SPDY/3.1 connection (Upgrade: SPDY/3.1, or a WebSocket with subprotocol ${PORT_FORWARD_WS_PROTOCOL})`);
        }
        return handleResource({ req, res, query: url.searchParams, route: r, api: this.ctx });
    }
  }

  /** Upgrades: pods/exec and pods/attach (WebSocket), pods/portforward (SPDY/3.1, plain or in a WebSocket). */
  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const fail = (err: StatusError): void => {
      const body = JSON.stringify(err.toStatus());
      socket.end(`HTTP/1.1 ${err.code} ${err.reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    };
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      let r: Route | undefined;
      try {
        r = route(url.pathname);
      } catch {
        r = undefined;
      }
      if (!this.authorized(req)) return fail(unauthorized());
      if (r?.type === 'resource' && r.resource.kind === 'Pod' && r.name && r.namespace && r.subresource === 'portforward') {
        return this.portForward(req, socket, head, r.resource, r.namespace, r.name, fail);
      }
      if (!r || r.type !== 'resource' || r.resource.kind !== 'Pod' || !r.name || !r.namespace || (r.subresource !== 'exec' && r.subresource !== 'attach')) {
        return fail(new StatusError(400, 'BadRequest', 'only pods/exec, pods/attach and pods/portforward accept upgrades'));
      }
      if (!isWebSocketUpgrade(req)) return fail(new StatusError(400, 'BadRequest', `unsupported upgrade ${String(req.headers.upgrade)}: use WebSocket (${EXEC_PROTOCOLS[0]})`));
      const problem = handshakeProblem(req);
      if (problem) return fail(new StatusError(400, 'BadRequest', problem));
      const protocol = chooseProtocol(req.headers['sec-websocket-protocol'] as string | undefined, EXEC_PROTOCOLS);
      if (!protocol) return fail(new StatusError(400, 'BadRequest', `unsupported streaming protocol ${JSON.stringify(req.headers['sec-websocket-protocol'] ?? '')}: supported: ${EXEC_PROTOCOLS.join(', ')}`));
      const pod = this.ctx.store.get(objectKey('Pod', r.namespace, r.name)) as Pod | undefined;
      if (!pod) return fail(notFound(r.resource, r.name));
      const q = url.searchParams;
      const container = containerOf(pod, q.get('container'));
      const command = q.getAll('command');
      if (r.subresource === 'exec' && !command.length) return fail(new StatusError(400, 'BadRequest', 'you must specify at least 1 command'));
      const flag = (k: string): boolean => q.get(k) === 'true' || q.get(k) === '1';
      const execReq: ExecRequest = { pod, container, command, stdin: flag('stdin'), stdout: flag('stdout'), stderr: flag('stderr'), tty: flag('tty') };
      const conn = acceptWebSocket(req, socket, head, protocol);
      const stop = this.ctx.track(() => conn.close(1001, 'server shutting down'));
      conn.on('close', stop);
      void runExecSession(conn, execReq, this.ctx.runtime(), dataplaneDown(pod, r.subresource === 'exec' ? 'exec' : 'attach').toStatus());
    } catch (err) {
      fail(err instanceof StatusError ? err : internalError(err));
    }
  }

  /**
   * pods/portforward: a SPDY/3.1 session in a WebSocket (`SPDY/3.1+portforward.k8s.io`) or after
   * `Upgrade: SPDY/3.1` with `X-Stream-Protocol-Version: portforward.k8s.io`. Without a runtime the
   * upgrade is refused with a Status (kubectl prints it after "error upgrading connection").
   */
  private portForward(req: IncomingMessage, socket: Duplex, head: Buffer, resource: ServedResource, namespace: string, name: string, fail: (err: StatusError) => void): void {
    const websocket = isWebSocketUpgrade(req);
    const spdy = (req.headers.upgrade ?? '').toLowerCase() === 'spdy/3.1';
    if (!websocket && !spdy) {
      return fail(new StatusError(400, 'BadRequest', `unsupported upgrade ${JSON.stringify(req.headers.upgrade ?? '')}: port-forward needs Upgrade: SPDY/3.1 or a WebSocket with subprotocol ${PORT_FORWARD_WS_PROTOCOL}`));
    }
    if (websocket) {
      const problem = handshakeProblem(req);
      if (problem) return fail(new StatusError(400, 'BadRequest', problem));
      if (!chooseProtocol(req.headers['sec-websocket-protocol'] as string | undefined, [PORT_FORWARD_WS_PROTOCOL])) {
        return fail(new StatusError(400, 'BadRequest', `unsupported streaming protocol ${JSON.stringify(req.headers['sec-websocket-protocol'] ?? '')}: supported: ${PORT_FORWARD_WS_PROTOCOL}`));
      }
    } else {
      const offered = String(req.headers['x-stream-protocol-version'] ?? '').split(',').map((p) => p.trim());
      if (!offered.includes(PORT_FORWARD_PROTOCOL)) {
        return fail(new StatusError(403, 'Forbidden', `unable to upgrade: unable to negotiate protocol: client supports ${JSON.stringify(offered.filter(Boolean))}, server supports ["${PORT_FORWARD_PROTOCOL}"]`));
      }
    }
    const pod = this.ctx.store.get(objectKey('Pod', namespace, name)) as Pod | undefined;
    if (!pod) return fail(notFound(resource, name));
    const runtime = this.ctx.runtime();
    if (!runtime) return fail(dataplaneDown(pod, 'forward ports'));
    const forwarder = runtime.portForward?.bind(runtime);
    if (!forwarder) return fail(new StatusError(503, 'ServiceUnavailable', `podnet: cannot port-forward to pod ${namespace}/${name}: this pod runtime does not forward ports`));

    let session: SpdySession;
    let end: () => void;
    if (websocket) {
      const conn = acceptWebSocket(req, socket, head, PORT_FORWARD_WS_PROTOCOL);
      // flow: the tunnel's frames travel on this socket, so its buffer is the session's backpressure.
      session = new SpdySession({ write: (data) => conn.send(data), end: () => conn.close(1000), flow: socket });
      conn.on('message', (data: Buffer, binary: boolean) => (binary ? session.receive(data) : conn.close(1003, 'SPDY travels in binary messages')));
      conn.on('close', () => session.transportClosed());
      end = () => conn.close(1001, 'server shutting down');
    } else {
      socket.write(['HTTP/1.1 101 Switching Protocols', 'Connection: Upgrade', 'Upgrade: SPDY/3.1', `X-Stream-Protocol-Version: ${PORT_FORWARD_PROTOCOL}`, '', ''].join('\r\n'));
      session = new SpdySession({ write: (data) => socket.writable && socket.write(data), end: () => socket.end(), flow: socket });
      socket.on('data', (chunk: Buffer) => session.receive(chunk));
      socket.on('close', () => session.transportClosed());
      socket.on('error', () => session.transportClosed());
      if (head.length) session.receive(head);
      end = () => socket.destroy();
    }
    const stop = this.ctx.track(() => {
      session.close();
      end();
    });
    session.on('close', stop);
    servePortForward(session, pod, forwarder, this.options.log);
  }
}
