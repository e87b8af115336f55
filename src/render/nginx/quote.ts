/**
 * Turning route-table strings into nginx configuration tokens. Route tables carry user input (paths,
 * header values, hostnames); nothing is ever spliced into the config unquoted (the ingress-nginx
 * snippet CVEs). Every string becomes one double-quoted token; `$` in value contexts (where nginx
 * interpolates variables) becomes `${podnet_dollar}`, a variable holding a literal dollar sign.
 */

/** A control character cannot be represented safely in a header, path or config token. */
// eslint-disable-next-line no-control-regex -- control characters are exactly what is refused here
export const UNSAFE_CHARS = /[\u0000-\u001f\u007f]/;

export class UnrenderableValueError extends Error {
  constructor(readonly what: string, readonly value: string) {
    super(`${what} ${JSON.stringify(value)} contains control characters and cannot be rendered`);
    this.name = 'UnrenderableValueError';
  }
}

function quoteRaw(s: string, what: string): string {
  if (UNSAFE_CHARS.test(s)) throw new UnrenderableValueError(what, s);
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** A literal where nginx does not interpolate variables (location paths, server_name, regexes). */
export function literal(s: string, what = 'value'): string {
  return quoteRaw(s, what);
}

/** A literal in a context that interpolates variables (proxy_set_header, return, map values, …). */
export function value(s: string, what = 'value'): string {
  return quoteRaw(s.replace(/\$/g, '${podnet_dollar}'), what);
}

/** A value made of literal text and nginx variable references (`vars` are trusted names). */
export function template(parts: readonly ({ text: string } | { variable: string })[], what = 'value'): string {
  const s = parts.map((p) => ('variable' in p ? `\${${p.variable}}` : p.text.replace(/\$/g, '${podnet_dollar}'))).join('');
  return quoteRaw(s, what);
}

/** PCRE-escapes a string so that it matches itself. */
export function regexEscape(s: string): string {
  return s.replace(/[\\^$.|?*+()[\]{}]/g, (c) => `\\${c}`);
}

/** `$http_<name>` / `$upstream_http_<name>` exist only for names made of letters, digits and `-`. */
export function headerVariable(prefix: 'http_' | 'upstream_http_', name: string): string | undefined {
  return /^[A-Za-z0-9-]+$/.test(name) ? `${prefix}${name.toLowerCase().replace(/-/g, '_')}` : undefined;
}

/** A header name as a directive argument (names are RFC 9110 tokens; anything else is refused). */
export function headerName(name: string): string {
  if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(name)) throw new UnrenderableValueError('header name', name);
  return literal(name, 'header name');
}

/** Characters a request-target path may carry unencoded (RFC 3986 pchar + `/`); the rest is %-encoded. */
export function encodePath(path: string): string {
  return Array.from(new TextEncoder().encode(path), (b) => {
    const c = String.fromCharCode(b);
    return b < 0x80 && /[-A-Za-z0-9/._~!$&'()*+,;=:@%]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }).join('');
}

/** A `#` comment line: anything that could end the line or confuse a reader is dropped. */
export function comment(text: string): string {
  return `# ${text.replace(new RegExp(UNSAFE_CHARS.source, 'g'), ' ')}`;
}
