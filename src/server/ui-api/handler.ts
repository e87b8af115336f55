/**
 * The UI's HTTP surface: `api/*` JSON endpoints answered by the models, `api/events` (server-sent
 * revision changes, for live views), and the static bundle. Mountable under any prefix, so
 * `podnet ui` serves it at `/` and `podnet serve` can mount it beside the Kubernetes API.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { UIError } from './api-types.ts';
import { lintResponse, traceResponse } from './debugging.ts';
import { applyText, editorInput, objectYAML, whatIf } from './editor.ts';
import { flowResponse, podDetails, policyDetails, selectPods } from './flow.ts';
import { matrixCSVText, matrixQuery, matrixResponse } from './matrix-response.ts';
import { RequestError } from './request-error.ts';
import { SnapshotCache, type Snapshot } from './snapshot.ts';
import type { ClusterSource } from './source.ts';
import { serveStatic } from './static-files.ts';
import { topology } from './topology.ts';
import { DIST_DIR } from './bundle.ts';

export interface UIHandlerOptions {
  source: ClusterSource;
  /** Built bundle directory (default web/dist). */
  distDir?: string;
  /** Path the UI is mounted at, ending in `/` (default `/`). */
  prefix?: string;
  /** How often live views check for a new revision. */
  pollMs?: number;
}

export interface RouteContext {
  snapshot: () => Snapshot;
  source: ClusterSource;
  params: URLSearchParams;
  body: unknown;
}

type Route = (ctx: RouteContext) => unknown;

const MAX_BODY = 4 * 1024 * 1024;

const GET: Record<string, Route> = {
  topology: (c) => topology(c.snapshot(), c.source),
  matrix: (c) => matrixResponse(c.snapshot(), matrixQuery(c.params)),
  flow: (c) => flowResponse(c.snapshot(), c.params),
  pod: (c) => podDetails(c.snapshot(), c.params),
  policy: (c) => policyDetails(c.snapshot(), c.params),
  select: (c) => selectPods(c.snapshot(), c.params),
  object: (c) => objectYAML(c.source, c.params),
  trace: (c) => traceResponse(c.snapshot(), c.params),
  lint: (c) => lintResponse(c.snapshot()),
};

const POST: Record<string, Route> = {
  whatif: (c) => whatIf(c.source, editorInput(c.body)),
  apply: (c) => applyText(c.source, editorInput(c.body)),
};

function sendJSON(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new RequestError(413, `request body over ${MAX_BODY} bytes`));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/**
 * A browser page on another site can send requests to a loopback server: writes must be JSON (which
 * needs a CORS preflight we never grant) and, when the browser names an Origin, come from this host.
 */
function checkWrite(req: IncomingMessage): void {
  if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) throw new RequestError(415, 'send the body as application/json');
  const origin = req.headers.origin;
  if (origin !== undefined) {
    let host: string;
    try {
      host = new URL(origin).host;
    } catch {
      host = '';
    }
    if (host !== req.headers.host) throw new RequestError(403, `cross-origin write from ${origin} refused`);
  }
}

export class UIHandler {
  private readonly cache: SnapshotCache;
  private readonly distDir: string;
  private readonly prefix: string;
  private readonly clients = new Set<ServerResponse>();
  private timer?: NodeJS.Timeout;
  private lastRevision = -1;

  constructor(private readonly options: UIHandlerOptions) {
    this.cache = new SnapshotCache(options.source);
    this.distDir = options.distDir ?? DIST_DIR;
    this.prefix = options.prefix ?? '/';
  }

  /** Handles the request if it is under the prefix; returns false otherwise. */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    const url = new URL(req.url ?? '/', 'http://ui.invalid');
    if (!url.pathname.startsWith(this.prefix)) {
      if (url.pathname === this.prefix.replace(/\/$/, '')) {
        res.writeHead(301, { Location: this.prefix }).end();
        return true;
      }
      return false;
    }
    const path = url.pathname.slice(this.prefix.length);
    if (path === 'api/events') this.events(req, res);
    else if (path.startsWith('api/')) void this.api(req, res, path.slice(4), url.searchParams);
    else if (req.method === 'GET' || req.method === 'HEAD') serveStatic(this.distDir, path, res).catch(() => res.destroy());
    else sendJSON(res, 405, { error: `${req.method} not allowed` });
    return true;
  }

  private async api(req: IncomingMessage, res: ServerResponse, name: string, params: URLSearchParams): Promise<void> {
    try {
      const ctx: RouteContext = { snapshot: () => this.cache.get(), source: this.options.source, params, body: undefined };
      if (name === 'matrix.csv' && req.method === 'GET') {
        const csv = matrixCSVText(ctx.snapshot(), matrixQuery(params));
        res.writeHead(200, { 'Content-Type': 'text/csv; charset=utf-8', 'Content-Disposition': 'attachment; filename="podnet-matrix.csv"', 'Cache-Control': 'no-store' });
        res.end(csv);
        return;
      }
      const table = req.method === 'POST' ? POST : req.method === 'GET' ? GET : undefined;
      const route = table && Object.hasOwn(table, name) ? table[name] : undefined;
      if (!route) throw new RequestError(404, `no endpoint ${req.method} api/${name}`);
      if (req.method === 'POST') {
        checkWrite(req);
        const text = await readBody(req);
        try {
          ctx.body = JSON.parse(text);
        } catch {
          throw new RequestError(400, 'body is not JSON');
        }
      }
      sendJSON(res, 200, route(ctx));
      if (req.method === 'POST') this.poll();
    } catch (err) {
      if (err instanceof RequestError) sendJSON(res, err.status, { error: err.message, errors: err.errors satisfies UIError[] });
      else sendJSON(res, 500, { error: err instanceof Error ? err.message : String(err) });
    }
  }

  /** Server-sent events: `revision` whenever the cluster changes (applies here or by another process). */
  private events(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
    res.write(`retry: 1000\nevent: revision\ndata: ${JSON.stringify({ revision: this.revision() })}\n\n`);
    this.clients.add(res);
    req.on('close', () => {
      this.clients.delete(res);
      if (!this.clients.size && this.timer) {
        clearInterval(this.timer);
        this.timer = undefined;
      }
    });
    this.timer ??= setInterval(() => this.poll(), this.options.pollMs ?? 500);
  }

  private revision(): number {
    try {
      return this.cache.get().revision;
    } catch {
      return -1;
    }
  }

  private poll(): void {
    const rev = this.revision();
    if (rev === this.lastRevision) return;
    this.lastRevision = rev;
    for (const c of this.clients) c.write(`event: revision\ndata: ${JSON.stringify({ revision: rev })}\n\n`);
  }

  /** Ends live connections (call before closing the HTTP server). */
  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    for (const c of this.clients) c.end();
    this.clients.clear();
  }
}
