/**
 * Loopback test backends for proxy tests: each answers with JSON describing what it received
 * (its name, method, path, headers, body), so tests see what the proxy forwarded.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';

export interface Echo {
  backend: string;
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface EchoServer {
  name: string;
  port: number;
  received: Echo[];
  server: http.Server;
}

export async function startEcho(name: string): Promise<EchoServer> {
  const received: Echo[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const echo: Echo = { backend: name, method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString() };
      received.push(echo);
      const body = JSON.stringify(echo);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'x-backend': name });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { name, port: (server.address() as AddressInfo).port, received, server };
}

export async function closeAll(servers: readonly { close(cb?: () => void): unknown; closeAllConnections?(): void }[]): Promise<void> {
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => {
    s.close(() => resolve());
    s.closeAllConnections?.();
  })));
}

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  json?: Echo;
  /** Common name of the certificate the proxy presented (TLS only). */
  peerCN?: string;
  /** Its SHA-256 fingerprint, as X509Certificate.fingerprint256 prints it. */
  peerFingerprint?: string;
}

/** One bounded request (2 s) to the proxy. */
export function request(port: number, path: string, opts: { host?: string; method?: string; headers?: Record<string, string>; body?: string; tls?: { servername: string; ca?: string }; } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const common = {
      host: '127.0.0.1',
      port,
      path,
      method: opts.method ?? 'GET',
      headers: { host: opts.host ?? 'example.com', ...(opts.headers ?? {}) },
      timeout: 2000,
      agent: false as const,
    };
    const req = opts.tls
      ? https.request({ ...common, servername: opts.tls.servername, rejectUnauthorized: false })
      : http.request(common);
    req.on('response', (res) => {
      const peer = opts.tls ? (res.socket as TLSSocket).getPeerCertificate() : undefined;
      const cn = peer?.subject?.CN;
      const peerCN = Array.isArray(cn) ? cn[0] : cn;
      const peerFingerprint = peer?.fingerprint256;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString();
        let json: Echo | undefined;
        try {
          json = res.headers['content-type'] === 'application/json' ? (JSON.parse(body) as Echo) : undefined;
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json, ...(peerCN ? { peerCN } : {}), ...(peerFingerprint ? { peerFingerprint } : {}) });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`request to :${port}${path} timed out`)));
    req.on('error', reject);
    req.end(opts.body);
  });
}
