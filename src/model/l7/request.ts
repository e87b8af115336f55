/**
 * Building an L7Request from what a user types: a URL, a method and `Name: value` headers.
 */
import type { L7Request } from './types.ts';

export class RequestSyntaxError extends Error {
  constructor(readonly field: string, message: string) {
    super(message);
    this.name = 'RequestSyntaxError';
  }
}

/** `http(s)://host[:port]/path?query`; headers as `Name: value` or `Name=value`. */
export function requestFromURL(url: string, method = 'GET', headerArgs: readonly string[] = []): L7Request {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new RequestSyntaxError('url', `invalid URL ${JSON.stringify(url)}: expected http(s)://host[:port]/path`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new RequestSyntaxError('url', `unsupported scheme ${u.protocol} (http or https)`);
  const scheme = u.protocol === 'https:' ? 'https' : 'http';
  const headers: Record<string, string> = {};
  for (const h of headerArgs) {
    const m = /^([^:=\s]+)\s*[:=]\s?(.*)$/.exec(h);
    if (!m) throw new RequestSyntaxError('header', `invalid header ${JSON.stringify(h)}: expected "Name: value"`);
    const name = m[1].toLowerCase();
    headers[name] = headers[name] !== undefined ? `${headers[name]}, ${m[2]}` : m[2];
  }
  const host = headers.host ?? u.host;
  headers.host = host;
  if (!/^[A-Z]+$/.test(method)) throw new RequestSyntaxError('method', `invalid method ${JSON.stringify(method)}: expected an upper-case HTTP method`);
  return {
    scheme,
    host,
    port: u.port ? Number(u.port) : scheme === 'https' ? 443 : 80,
    // URL() normalises dot segments, as proxies do before matching.
    path: u.pathname || '/',
    query: u.search.replace(/^\?/, ''),
    method,
    headers,
  };
}


