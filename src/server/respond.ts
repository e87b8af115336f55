/**
 * Writing responses: JSON (or YAML when asked) with the exact Content-Type, `Warning` headers in the
 * API server's `299 - "text"` form, and Status bodies for errors.
 */
import type { ServerResponse } from 'node:http';
import { stringify } from 'yaml';
import { StatusError, type Status } from './status.ts';

export interface SendOptions {
  contentType?: string;
  warnings?: readonly string[];
  yaml?: boolean;
  headers?: Record<string, string>;
}

function warningHeader(text: string): string {
  return `299 - ${JSON.stringify(text.replace(/[\r\n]+/g, ' '))}`;
}

/** Like the API server's warning recorder: each warning cut to 256 characters, 4 KiB in all, so a
 * cluster full of stuck pods cannot overflow a client's header limit. */
const MAX_WARNING = 256;
const MAX_WARNINGS_TOTAL = 4096;

export function warningHeaders(warnings: readonly string[]): string[] {
  const out: string[] = [];
  let total = 0;
  for (const w of new Set(warnings)) {
    const header = warningHeader(w.length > MAX_WARNING ? `${w.slice(0, MAX_WARNING - 3)}...` : w);
    if (total + header.length > MAX_WARNINGS_TOTAL) break;
    total += header.length;
    out.push(header);
  }
  return out;
}

export function sendJSON(res: ServerResponse, code: number, body: unknown, opts: SendOptions = {}): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const text = opts.yaml ? stringify(body, { lineWidth: 0 }) : typeof body === 'string' ? body : JSON.stringify(body);
  const headers: Record<string, string | string[]> = {
    'Content-Type': opts.yaml ? 'application/yaml' : (opts.contentType ?? 'application/json'),
    'Content-Length': String(Buffer.byteLength(text)),
    'Cache-Control': 'no-cache, private',
    ...(opts.headers ?? {}),
  };
  if (opts.warnings?.length) headers['Warning'] = warningHeaders(opts.warnings);
  res.writeHead(code, headers);
  res.end(text);
}

export function sendStatus(res: ServerResponse, err: StatusError): void {
  const status: Status = err.toStatus();
  sendJSON(res, err.code, status);
}

export function sendText(res: ServerResponse, code: number, text: string): void {
  res.writeHead(code, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': String(Buffer.byteLength(text)) });
  res.end(text);
}
