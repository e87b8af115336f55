/** Serves the built bundle: hashed assets cached for good, index.html never cached. */
import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

/** Sends `path` (URL path below the mount point) from `dir`; unknown paths get index.html (the app routes by hash). */
export async function serveStatic(dir: string, path: string, res: ServerResponse): Promise<void> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    res.writeHead(400, { 'Content-Type': 'text/plain' }).end('bad path\n');
    return;
  }
  const rel = normalize(decoded).replace(/^([/\\])+/, '');
  const file = rel === '' || rel === '.' ? 'index.html' : rel;
  const full = join(dir, file);
  if (!full.startsWith(dir + sep)) {
    res.writeHead(403, { 'Content-Type': 'text/plain' }).end('forbidden\n');
    return;
  }
  let body: Buffer;
  let served = file;
  try {
    body = await readFile(full);
  } catch {
    if (file.startsWith('assets/')) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
      return;
    }
    try {
      body = await readFile(join(dir, 'index.html'));
      served = 'index.html';
    } catch {
      res.writeHead(503, { 'Content-Type': 'text/plain' }).end('the web UI is not built (run podnet ui, which builds it)\n');
      return;
    }
  }
  res.writeHead(200, {
    'Content-Type': TYPES[extname(served)] ?? 'application/octet-stream',
    'Cache-Control': served.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(body);
}
