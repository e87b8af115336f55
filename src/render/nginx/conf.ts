/**
 * renderNginx: the compiled route table as an nginx configuration (+ the njs module it needs), in the
 * ingress-nginx manner — one server block per host class (servers.ts), one location per path region
 * (locations.ts), upstream blocks holding the real endpoint addresses, `split_clients` for weights,
 * `mirror` for RequestMirror, `return` for redirects and for the 404/500/503 the model answers.
 * Pure: the caller supplies every path and the endpoint mapping.
 */
import type { BackendTarget, FrontendSelector, RouteTable } from '../../model/l7/index.ts';
import { actionFor, type Action, type HeaderBranch, type HeaderEdit, type PathPlan, type Share } from './actions.ts';
import { isConditional, regionsFor, type Region } from './locations.ts';
import { renderNjs, type NjsAlternative } from './njs.ts';
import { comment, encodePath, headerName, headerVariable, literal, regexEscape, template, UnrenderableValueError, value } from './quote.ts';
import { planServers, type ServerPlan, type Step } from './servers.ts';

export interface NginxListen {
  host: string;
  port: number;
  /** The port requests count as arriving on (selects Gateway listeners); default `port`. */
  frontPort?: number;
  tls?: boolean;
}

export interface NginxCertificateFiles {
  cert: string;
  key: string;
}

export interface NginxRenderOptions {
  listen: readonly NginxListen[];
  selector?: FrontendSelector;
  /** nginx's working directory: pid file and temp directories live here. */
  prefix: string;
  /** Where the njs module (`RenderedNginx.njs`) will be written; default `<prefix>/podnet.js`. */
  njsScript?: string;
  /** The dynamic module to load when njs is needed (Debian: libnginx-mod-http-js). */
  njsModule?: string;
  /** `stderr` (default) or a file. */
  errorLog?: string;
  /** Access log file (`/dev/stdout` works); off when unset. */
  accessLog?: string;
  /** Certificate files by Secret `namespace/name`. */
  certificates?: ReadonlyMap<string, NginxCertificateFiles>;
  defaultCertificate?: NginxCertificateFiles;
  /** Where nginx connects for an endpoint `ip:port` (default: the endpoint itself). */
  resolveEndpoint?: (endpoint: string) => string;
  workerProcesses?: number | 'auto';
  /** A unix socket answering GET / with `generation`, so a runner can see when a reload is live. */
  status?: { socket: string; generation: string };
}

export interface RenderedNginx {
  conf: string;
  /** The njs module, when some location needs it. */
  njs?: string;
  stats: { servers: number; locations: number; dynamicLocations: number; upstreams: number };
}

export const DEFAULT_NJS_MODULE = '/usr/lib/nginx/modules/ngx_http_js_module.so';

const STATUS_TEXT: Record<number, string> = { 404: 'Not Found', 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable' };

class Builder {
  readonly http: string[] = [];
  private readonly upstreams = new Map<string, string>();
  readonly upstreamBlocks: string[] = [];
  readonly njs = new Map<number, NjsAlternative[]>();
  private readonly defined = new Map<string, string>();
  private counter = 0;
  locations = 0;

  constructor(private readonly opts: NginxRenderOptions) {}

  next(): number {
    return this.counter++;
  }

  upstream(b: BackendTarget): string {
    const resolve = this.opts.resolveEndpoint ?? ((ep: string) => ep);
    const servers = b.endpoints.map(resolve);
    const key = `${b.key} ${servers.join(',')}`;
    let name = this.upstreams.get(key);
    if (name) return name;
    name = `podnet_u${this.upstreams.size}`;
    this.upstreams.set(key, name);
    for (const s of servers) if (!/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d+$/.test(s)) throw new UnrenderableValueError('endpoint', s);
    this.upstreamBlocks.push([`upstream ${name} {`, `    ${comment(b.key)}`, ...servers.map((s) => `    server ${s};`), '    keepalive 32;', '}'].join('\n'));
    return name;
  }

  /** An http-level block defining `$podnet_<kind><n>`; identical blocks share one variable. */
  private define(kind: string, head: (v: string) => string, body: string[]): string {
    const key = `${kind}\n${head('')}\n${body.join('\n')}`;
    let v = this.defined.get(key);
    if (v) return v;
    v = `podnet_${kind}${this.defined.size}`;
    this.defined.set(key, v);
    this.http.push([`${head(v)} {`, ...body.map((l) => `    ${l}`), '}'].join('\n'));
    return v;
  }

  /** `map $source $podnet_<kind><n> { … }` → the variable name. */
  map(kind: string, source: string, lines: [string, string][]): string {
    return this.define(kind, (v) => `map ${source} $${v}`, lines.map(([k, val]) => `${k} ${val};`));
  }

  /** `split_clients` over `$request_id` (fresh per request); a negative percent stands for `*`. */
  split(kind: string, parts: { percent: number; value: string }[]): string {
    return this.define(kind, (v) => `split_clients "\${request_id}" $${v}`, parts.map((p) => `${p.percent < 0 ? '*' : `${p.percent.toFixed(2)}%`} ${literal(p.value)};`));
  }
}

function statusBody(status: number, reason: string): string {
  // `\n` inside a quoted token is nginx's own escape for a newline.
  return `${value(`${status} ${STATUS_TEXT[status] ?? ''}: ${reason}`, 'status text').slice(0, -1)}\\n"`;
}

function branchValue(b: HeaderBranch, variable: string | undefined): string {
  if (b.type === 'absent') return '""';
  if (b.type === 'const') return value(b.value, 'header value');
  return variable ? template([{ variable }, { text: b.suffix }], 'header value') : value(b.suffix.replace(/^,/, ''), 'header value');
}

/** The final value of an edited header: a constant, or a map over the original. */
function editedValue(b: Builder, e: HeaderEdit, prefix: 'http_' | 'upstream_http_'): string {
  if (JSON.stringify(e.present) === JSON.stringify(e.absent)) return branchValue(e.present, undefined);
  const source = headerVariable(prefix, e.name);
  // A name nginx exposes no variable for: the value the client sent cannot be read, so the
  // header is treated as absent there.
  if (!source) return branchValue(e.absent, undefined);
  const v = b.map('h', `$${source}`, [['""', branchValue(e.absent, undefined)], ['default', branchValue(e.present, source)]]);
  return `$${v}`;
}

const BASE_PROXY_HEADERS = [
  'proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
  'proxy_set_header X-Forwarded-Proto $scheme;',
  'proxy_set_header Connection "";',
];

/**
 * proxy_set_header lines of a location. Unedited requests inherit the http-level set; nginx drops
 * every inherited proxy_set_header once a location has one, so an edited location repeats them.
 */
function requestHeaderLines(b: Builder, edits: readonly HeaderEdit[], hostname: string | undefined): string[] {
  if (!edits.length && hostname === undefined) return [];
  return [
    `proxy_set_header Host ${hostname !== undefined ? value(hostname, 'hostname') : '$http_host'};`,
    ...BASE_PROXY_HEADERS,
    ...edits.map((e) => `proxy_set_header ${headerName(e.name)} ${editedValue(b, e, 'http_')};`),
  ];
}

function responseHeaderLines(b: Builder, edits: readonly HeaderEdit[], proxied: boolean): string[] {
  const out: string[] = [];
  for (const e of edits) {
    if (proxied) out.push(`proxy_hide_header ${headerName(e.name)};`);
    const v = proxied ? editedValue(b, e, 'upstream_http_') : branchValue(e.absent, undefined);
    if (v !== '""') out.push(`add_header ${headerName(e.name)} ${v} always;`);
  }
  return out;
}

/** The path (and query) nginx sends upstream or into a Location: `undefined` = the request's own. */
function pathValue(b: Builder, plan: PathPlan): { text: string; uri: string } | undefined {
  if (plan.type === 'keep') return undefined;
  if (plan.type === 'full') {
    const p = value(encodePath(plan.value), 'path').slice(1, -1);
    return { text: `${p}$is_args$args`, uri: `${p}$is_args$args` };
  }
  // ReplacePrefixMatch, element-wise: the matched prefix (trailing slash ignored) is replaced, the rest
  // ("" or "/…") kept; an empty result is "/". Computed on the raw request URI, as the model does.
  const matched = plan.matched.replace(/\/+$/, '');
  let repl = encodePath(plan.value.replace(/\/+$/, ''));
  if (repl !== '' && !repl.startsWith('/')) repl = `/${repl}`;
  const re = regexEscape(encodePath(matched));
  const v = b.map('uri', '$request_uri', [
    [literal(`~^${re}(?<podnet_q>\\?.*)?$`), template([{ text: repl || '/' }, { variable: 'podnet_q' }], 'path')],
    [literal(`~^${re}(?<podnet_r>/[^?]*)(?<podnet_q>\\?.*)?$`), template([{ text: repl }, { variable: 'podnet_r' }, { variable: 'podnet_q' }], 'path')],
    ['default', '$request_uri'],
  ]);
  return { text: `$${v}`, uri: `$${v}` };
}

function routeLine(action: Action, opts: NginxRenderOptions): string[] {
  return opts.accessLog ? [`set $podnet_route ${value(action.route, 'route')};`] : [];
}

interface ServerContext {
  scheme: string;
  mirrors: string[];
  /** Rendered actions by step: a step serving several regions is rendered (and its mirrors declared) once. */
  actions: Map<Step, string[]>;
}

function stepLines(b: Builder, step: Step, opts: NginxRenderOptions, server: ServerContext): string[] {
  let lines = server.actions.get(step);
  if (!lines) {
    try {
      lines = actionLines(b, actionFor(step, server.scheme), opts, server);
    } catch (err) {
      if (!(err instanceof UnrenderableValueError)) throw err;
      lines = [`return 500 ${statusBody(500, 'UnrenderableRule')};`];
    }
    server.actions.set(step, lines);
  }
  return lines;
}

function actionLines(b: Builder, action: Action, opts: NginxRenderOptions, server: ServerContext): string[] {
  const lines = routeLine(action, opts);
  if (action.kind === 'status') {
    return [...lines, ...responseHeaderLines(b, action.responseHeaders, false), `return ${action.status} ${statusBody(action.status, action.reason)};`];
  }
  if (action.kind === 'redirect') {
    const host = action.hostname !== undefined ? value(action.hostname, 'hostname').slice(1, -1) : '$host';
    const path = pathValue(b, action.path)?.text ?? '$podnet_path$is_args$args';
    const location = `"${action.scheme}://${host}${action.port !== undefined ? `:${action.port}` : ''}${path}"`;
    return [...lines, ...responseHeaderLines(b, action.responseHeaders, false), `return ${action.status} ${location};`];
  }
  const uri = pathValue(b, action.path)?.uri ?? '';
  const headers = requestHeaderLines(b, action.requestHeaders, action.hostname);
  for (const m of action.mirrors) {
    const name = `//podnet-mirror/${server.mirrors.length}`;
    const gate = m.percent < 100 ? b.split('mirror', [{ percent: m.percent, value: '1' }, { percent: -1, value: '' }]) : undefined;
    server.mirrors.push([
      `location = ${literal(name)} {`,
      '    internal;',
      ...(gate ? [`    if ($${gate} != "1") { return 204; }`] : []),
      ...headers.map((l) => `    ${l}`),
      `    proxy_pass http://${b.upstream(m.backend)}${uri || '$request_uri'};`,
      '}',
    ].join('\n'));
    lines.push(`mirror ${literal(name)};`);
  }
  lines.push(...headers, ...responseHeaderLines(b, action.responseHeaders, true));
  const live = action.shares;
  if (live.length === 1) return [...lines, `proxy_pass http://${b.upstream(live[0].backend!)}${uri};`];
  const target = (s: Share): string => (s.backend ? b.upstream(s.backend) : `podnet-status-${s.status}`);
  const parts = live.map((s, i) => ({ percent: i === live.length - 1 ? -1 : Math.floor(s.share * 10000) / 100, value: target(s) })).filter((p) => p.percent !== 0);
  const v = b.split('split', parts);
  const failures = new Map(live.filter((s) => !s.backend).map((s) => [s.status, s.reason]));
  for (const [status, reason] of failures) lines.push(`if ($${v} = "podnet-status-${status}") { return ${status} ${statusBody(status, reason)}; }`);
  return [...lines, `proxy_pass http://$${v}${uri};`];
}

function regionLines(b: Builder, region: Region, steps: readonly Step[], opts: NginxRenderOptions, server: ServerContext, named: Set<number>): string[] {
  if (region.alternatives.length === 1) return stepLines(b, region.alternatives[0], opts, server);
  const k = b.next();
  b.njs.set(k, region.alternatives.map((s) => {
    const i = steps.indexOf(s);
    named.add(i);
    const e = s.kind === 'entry' && isConditional(s.entry) ? s.entry : undefined;
    return {
      location: `@podnet_a${i}`,
      ...(e?.method !== undefined ? { method: e.method } : {}),
      ...(e?.path.type === 'RegularExpression' ? { path: e.path.value } : {}),
      headers: e?.headers ?? [],
      queryParams: e?.queryParams ?? [],
    };
  }));
  return [`set $podnet_loc ${k};`, 'error_page 418 = $podnet_pick;', 'return 418;'];
}

function block(head: string, lines: readonly string[], indent = '    '): string {
  return [`${indent}${head} {`, ...lines.map((l) => `${indent}    ${l}`), `${indent}}`].join('\n');
}

function renderServer(b: Builder, plan: ServerPlan, listen: NginxListen, opts: NginxRenderOptions): string {
  const scheme = listen.tls ? 'https' : 'http';
  const server: ServerContext = { scheme, mirrors: [], actions: new Map() };
  const host = listen.host.includes(':') && !listen.host.startsWith('[') ? `[${listen.host}]` : listen.host;
  const out: string[] = [`    ${comment(plan.isDefault ? `default server: hosts no rule names (computed for ${plan.representative})` : `hosts like ${plan.representative}`)}`];
  out.push(`    listen ${host}:${listen.port}${plan.isDefault ? ' default_server' : ''}${listen.tls ? ' ssl' : ''};`);
  out.push(`    server_name ${plan.names.length ? plan.names.map((n) => literal(n, 'hostname')).join(' ') : '""'};`);
  if (listen.tls) {
    const files = (plan.certificate ? opts.certificates?.get(plan.certificate) : undefined) ?? opts.defaultCertificate;
    if (files) out.push(`    ssl_certificate ${literal(files.cert, 'path')};`, `    ssl_certificate_key ${literal(files.key, 'path')};`);
    else out.push('    ssl_reject_handshake on;');
  }
  const named = new Set<number>();
  for (const region of regionsFor(plan.steps)) {
    b.locations++;
    const head = `location ${region.match === '=' ? '= ' : ''}${literal(region.path, 'path')}`;
    out.push(block(head, regionLines(b, region, plan.steps, opts, server, named)));
  }
  for (const i of [...named].sort((x, y) => x - y)) {
    out.push(block(`location @podnet_a${i}`, stepLines(b, plan.steps[i], opts, server)));
  }
  if (named.size) out.push(block('location @podnet_missing', [`return 500 ${statusBody(500, 'NoAlternative')};`]));
  out.push(...server.mirrors.map((m) => m.split('\n').map((l) => `    ${l}`).join('\n')));
  return ['server {', ...out, '}'].join('\n');
}

export function renderNginx(table: RouteTable, opts: NginxRenderOptions): RenderedNginx {
  const b = new Builder(opts);
  const servers: string[] = [];
  let serverCount = 0;
  for (const listen of opts.listen) {
    const socket = { scheme: listen.tls ? 'https' as const : 'http' as const, frontPort: listen.frontPort ?? listen.port };
    for (const plan of planServers(table, opts.selector ?? {}, socket)) {
      servers.push(renderServer(b, plan, listen, opts));
      serverCount++;
    }
  }
  const prefix = opts.prefix.replace(/\/+$/, '');
  const useNjs = b.njs.size > 0;
  const njsScript = opts.njsScript ?? `${prefix}/podnet.js`;
  const main = [
    '# Generated by podnet from the route table (render/nginx). Do not edit: it is rewritten on every change.',
    ...(useNjs ? [`load_module ${literal(opts.njsModule ?? DEFAULT_NJS_MODULE, 'path')};`] : []),
    `worker_processes ${opts.workerProcesses ?? 1};`,
    `pid ${literal(`${prefix}/nginx.pid`, 'path')};`,
    `error_log ${literal(opts.errorLog ?? 'stderr', 'path')} warn;`,
    'events {',
    '    worker_connections 4096;',
    '}',
  ];
  const http = [
    'default_type text/plain;',
    'server_tokens off;',
    ...(opts.accessLog
      ? [
        'log_format podnet \'$time_iso8601 $remote_addr "$request_method $host$request_uri" $status route="$podnet_route" upstream=$upstream_addr ${request_time}s\';',
        `access_log ${literal(opts.accessLog, 'path')} podnet;`,
      ]
      : ['access_log off;']),
    ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `${t}_temp_path ${literal(`${prefix}/${t}_temp`, 'path')};`),
    'client_max_body_size 0;',
    'server_names_hash_bucket_size 128;',
    'server_names_hash_max_size 65536;',
    'map_hash_bucket_size 128;',
    'variables_hash_max_size 4096;',
    'proxy_http_version 1.1;',
    'proxy_set_header Host $http_host;',
    ...BASE_PROXY_HEADERS,
    'proxy_read_timeout 30s;',
    'proxy_send_timeout 30s;',
    'geo $podnet_dollar { default "$"; }',
    'map $request_uri $podnet_path { "~^(?<podnet_p>[^?]*)" $podnet_p; }',
    ...(opts.accessLog ? ['map "" $podnet_route { default "-"; }'] : []),
    ...(useNjs ? [`js_import podnet from ${literal(njsScript, 'path')};`, 'js_set $podnet_pick podnet.pick;'] : []),
    ...b.http,
    ...b.upstreamBlocks,
    ...servers,
    ...(opts.status
      ? [`server {\n    listen ${literal(`unix:${opts.status.socket}`, 'path')};\n    access_log off;\n    location / { return 200 ${value(opts.status.generation)}; }\n}`]
      : []),
  ];
  const conf = [...main, 'http {', ...http.map((s) => s.split('\n').map((l) => (l ? `    ${l}` : l)).join('\n')), '}', ''].join('\n');
  return {
    conf,
    ...(useNjs ? { njs: renderNjs(b.njs) } : {}),
    stats: { servers: serverCount, locations: b.locations, dynamicLocations: b.njs.size, upstreams: b.upstreamBlocks.length },
  };
}
