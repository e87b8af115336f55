/**
 * What ingress-nginx does with TLS besides routing, for the controller pods `up` runs:
 * - Certificates: the Secret an Ingress `tls[]` entry names serves the SNI names the route table
 *   maps to it (model/l7 certificateForSNI), read from `tls.crt` / `tls.key` as the controller reads
 *   them. A Secret the model already rejects (missing, no keys, no PEM), a keypair that does not
 *   match, or a certificate that does not cover the name (ingress-nginx's VerifyHostname check) →
 *   the controller's default certificate.
 * - The default certificate: ingress-nginx generates a self-signed "Kubernetes Ingress Controller
 *   Fake Certificate" (O=Acme Co, SAN ingress.local) at start; `up` makes one per run in the
 *   kube-system state directory (`default-tls/`).
 * - ssl-redirect (lua_ingress.lua redirect_to_https): a plain-HTTP request whose host's server has
 *   a certificate (a rule host of an Ingress with a `tls` section, the Secret's own certificate or
 *   the default one) is answered 308 to `https://<host without port><request URI>` unless the
 *   location's Ingress says `nginx.ingress.kubernetes.io/ssl-redirect: "false"`;
 *   `force-ssl-redirect: "true"` redirects without a certificate too. The trailing slash of the
 *   request URI is dropped (unless `preserve-trailing-slash: "true"`), as ingress-nginx does.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { decodeBase64Text } from '../../api/base64.ts';
import { TLS_CERT_KEY, TLS_PRIVATE_KEY_KEY, type Ingress, type Secret } from '../../api/types.ts';
import type { ClusterView } from '../../cluster/view.ts';
import type { L7Request, RouteDecision, RouteTable } from '../../model/l7/index.ts';
import { compareCreationOrder, hostWithoutPort } from '../../model/l7/index.ts';
import { must } from '../run.ts';

export const FAKE_CERTIFICATE_SUBJECT = 'O=Acme Co, CN=Kubernetes Ingress Controller Fake Certificate';
const ANNOTATION = 'nginx.ingress.kubernetes.io/';
/** ingress-nginx's `http-redirect-code` default. */
export const SSL_REDIRECT_CODE = 308;

export interface CertificateFiles {
  cert: string;
  key: string;
}

const generating = new Map<string, Promise<CertificateFiles>>();

/**
 * The controller's default certificate in `<dir>/default-tls/` (generated once, reused by every
 * controller pod of the run). `up` and every node agent may ask at once: each generates into a
 * private directory and renames it into place, the first rename wins and the others use its pair,
 * so a reader never sees a certificate with another run's key.
 */
export function ensureFakeCertificate(dir: string): Promise<CertificateFiles> {
  let p = generating.get(dir);
  if (!p) {
    p = generateFakeCertificate(dir).finally(() => generating.delete(dir));
    generating.set(dir, p);
  }
  return p;
}

async function generateFakeCertificate(dir: string): Promise<CertificateFiles> {
  const final = join(dir, 'default-tls');
  const files = { cert: join(final, 'tls.crt'), key: join(final, 'tls.key') };
  if (existsSync(files.cert) && existsSync(files.key)) return files;
  mkdirSync(dir, { recursive: true });
  const tmp = mkdtempSync(join(dir, '.default-tls-'));
  try {
    await must('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '365', '-keyout', join(tmp, 'tls.key'), '-out', join(tmp, 'tls.crt'),
      '-subj', '/O=Acme Co/CN=Kubernetes Ingress Controller Fake Certificate', '-addext', 'subjectAltName=DNS:ingress.local',
    ]);
    try {
      renameSync(tmp, final);
    } catch (err) {
      // Another process was first (rename onto a non-empty directory fails): use its pair.
      if (!existsSync(files.cert) || !existsSync(files.key)) throw err;
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return files;
}

export interface ServedCertificate {
  cert: string;
  key: string;
  /** X.509 host check of the leaf (SAN DNS names, else the subject CN). */
  coversHost: (name: string) => boolean;
}

/** Why a Secret's keypair cannot serve, or its material. */
export function secretKeypair(secret: Secret): ServedCertificate | { problem: string } {
  const key = `${secret.metadata.namespace}/${secret.metadata.name}`;
  const cert = decodeBase64Text(secret.data?.[TLS_CERT_KEY] ?? '');
  const pkey = decodeBase64Text(secret.data?.[TLS_PRIVATE_KEY_KEY] ?? '');
  if (!cert || !pkey) return { problem: `secret "${key}" contains no keypair (${TLS_CERT_KEY}, ${TLS_PRIVATE_KEY_KEY})` };
  try {
    const x509 = new X509Certificate(cert);
    if (!x509.checkPrivateKey(createPrivateKey(pkey))) return { problem: `secret "${key}": the private key does not match the certificate's public key` };
    return { cert, key: pkey, coversHost: (name) => x509.checkHost(name) !== undefined };
  } catch (err) {
    return { problem: `secret "${key}": ${err instanceof Error ? err.message : String(err)}` };
  }
}

/**
 * The certificates of the Ingress frontend's tls entries that can serve, by Secret `namespace/name`;
 * `problems` says why the others fall back to the default certificate.
 */
export function ingressCertificates(view: ClusterView, table: RouteTable): { certificates: Map<string, ServedCertificate>; problems: string[] } {
  const certificates = new Map<string, ServedCertificate>();
  const problems: string[] = [];
  // Several tls entries (hosts, Ingresses) may name one Secret: it is judged, and reported, once.
  const seen = new Set<string>();
  for (const entry of table.ingress?.tls ?? []) {
    if (seen.has(entry.secret)) continue;
    seen.add(entry.secret);
    if (entry.problem) {
      problems.push(`${entry.secret}: ${entry.problem.message}`);
      continue;
    }
    const [ns, name] = entry.secret.split('/');
    const secret = view.get<Secret>('Secret', ns, name);
    const got = secret ? secretKeypair(secret) : { problem: `Secret ${entry.secret} does not exist` };
    if ('problem' in got) problems.push(`${entry.secret}: ${got.problem}`);
    else certificates.set(entry.secret, got);
  }
  return { certificates, problems };
}

/** ingress-nginx's boolean annotations: strconv.ParseBool; anything else keeps the default. */
function boolAnnotation(ing: Ingress | undefined, name: string, def: boolean): boolean {
  const v = ing?.metadata.annotations?.[`${ANNOTATION}${name}`];
  if (v === undefined) return def;
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) return false;
  return def;
}

export interface SSLRedirectPolicy {
  /** Where a plain-HTTP request is redirected, or undefined when it is served. */
  redirect(req: L7Request, decision: RouteDecision, requestURI: string): { location: string; statusCode: number } | undefined;
  /** Per server host: whether its default location redirects (the nginx engine decides per host). */
  hosts: Map<string, { redirect: boolean; preserveTrailingSlash: boolean }>;
}

/**
 * The ssl-redirect decision of the Ingress controller (see the module doc). Servers are keyed by the
 * rule host as written (`*.foo.com` included); a request host finds its server exactly, else by
 * its one-label wildcard, as ingress-nginx's certificate lookup does.
 */
export function sslRedirectPolicy(view: ClusterView, table: RouteTable): SSLRedirectPolicy {
  const routed = new Set(table.ingress?.ingresses ?? []);
  const ingresses = view.ingresses.filter((i) => routed.has(`${i.metadata.namespace}/${i.metadata.name}`)).sort((a, b) => compareCreationOrder(a.metadata, b.metadata));
  const byKey = new Map(ingresses.map((i) => [`${i.metadata.namespace}/${i.metadata.name}`, i]));
  /** host → whether its server has a certificate, and the Ingress whose annotations its default location takes. */
  const servers = new Map<string, { tls: boolean; first: Ingress }>();
  for (const ing of ingresses) {
    for (const rule of ing.spec.rules ?? []) {
      if (!rule.host) continue; // the default server `_` never redirects by itself
      const s = servers.get(rule.host);
      if (!s) servers.set(rule.host, { tls: Boolean(ing.spec.tls?.length), first: ing });
      else if (ing.spec.tls?.length) s.tls = true;
    }
  }
  const serverOf = (host: string): { tls: boolean; first: Ingress } | undefined => {
    const exact = servers.get(host);
    if (exact) return exact;
    const dot = host.indexOf('.');
    return dot > 0 ? servers.get(`*${host.slice(dot)}`) : undefined;
  };
  const wants = (tls: boolean, ing: Ingress | undefined): boolean => boolAnnotation(ing, 'force-ssl-redirect', false) || (tls && boolAnnotation(ing, 'ssl-redirect', true));
  const hosts = new Map([...servers].map(([h, s]) => [h, { redirect: wants(s.tls, s.first), preserveTrailingSlash: boolAnnotation(s.first, 'preserve-trailing-slash', false) }]));
  return {
    hosts,
    redirect(req, decision, requestURI) {
      if (req.scheme !== 'http' || decision.frontend !== 'ingress') return undefined;
      const host = hostWithoutPort(req.host);
      const server = serverOf(host.toLowerCase());
      const ing = decision.matched?.kind === 'Ingress' ? byKey.get(`${decision.matched.namespace}/${decision.matched.name}`) : server?.first;
      if (!wants(server?.tls ?? false, ing)) return undefined;
      let uri = requestURI;
      if (!boolAnnotation(ing, 'preserve-trailing-slash', false) && uri.endsWith('/')) uri = uri.slice(0, -1);
      return { location: `https://${host}${uri}`, statusCode: SSL_REDIRECT_CODE };
    },
  };
}

const SAFE_HOST = /^(\*\.)?[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/;

/**
 * ssl-redirect for the nginx engine, spliced into the rendered nginx.conf: a `map` from `$host` to
 * the redirect (1: drop the URI's trailing slash, 2: keep it), and in every server block of the
 * plain-HTTP listen sockets a `return 308` before any location runs. nginx cannot tell which
 * Ingress a location came from here, so the decision is per host (the oldest Ingress's annotations);
 * an Ingress `*.foo.com` covers exactly one label (a regex, not nginx's multi-label wildcard).
 */
export function nginxSSLRedirect(conf: string, policy: SSLRedirectPolicy, httpPorts: readonly number[]): string {
  const entries: string[] = [];
  const wildcards: string[] = [];
  for (const [host, h] of [...policy.hosts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (!SAFE_HOST.test(host)) continue;
    const v = h.redirect ? (h.preserveTrailingSlash ? 2 : 1) : 0;
    if (host.startsWith('*.')) {
      if (v) wildcards.push(`"~^[^.]+${host.slice(1).replace(/\./g, '\\.')}$" ${v};`);
    } else {
      entries.push(`${host} ${v};`);
    }
  }
  if (![...entries, ...wildcards].some((e) => !e.endsWith(' 0;'))) return conf;
  const maps = [
    '    map $host $podnet_ssl_redirect {',
    '        default 0;',
    ...[...entries, ...wildcards].map((e) => `        ${e}`),
    '    }',
    '    map $request_uri $podnet_ssl_redirect_uri {',
    '        "~^(?<podnet_u>.*)/$" $podnet_u;',
    '        default $request_uri;',
    '    }',
  ];
  const ret = [
    '        if ($podnet_ssl_redirect = 1) { return 308 https://$host$podnet_ssl_redirect_uri; }',
    '        if ($podnet_ssl_redirect = 2) { return 308 https://$host$request_uri; }',
  ];
  const lines = conf.split('\n');
  const out: string[] = [];
  let inHTTPServer = false;
  let mapped = false;
  for (const line of lines) {
    // After the http block's hash size directives, which must precede every map.
    if (!mapped && line === '    server {') {
      out.push(...maps);
      mapped = true;
    }
    out.push(line);
    const listen = /^ {8}listen \S+:(\d+)( default_server)?( ssl)?;$/.exec(line);
    if (listen) inHTTPServer = !listen[3] && httpPorts.includes(Number(listen[1]));
    else if (inHTTPServer && /^ {8}server_name .*;$/.test(line)) {
      out.push(...ret);
      inHTTPServer = false;
    }
  }
  return out.join('\n');
}

/**
 * ingress-nginx's VerifyHostname for the nginx engine: nginx picks a certificate per server block,
 * and each exact host has its own block, so a block whose exact names the block's certificate does
 * not cover is switched to the default certificate. Blocks with wildcard or regex names keep theirs.
 * `served` maps certificate file paths to what the certificate covers.
 */
export function nginxVerifyHostname(conf: string, served: ReadonlyMap<string, ServedCertificate>, def: CertificateFiles): string {
  const quoted = (s: string): string => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  const unquote = (s: string): string => (s.startsWith('"') ? s.slice(1, -1).replace(/\\(.)/g, '$1') : s);
  const blocks = conf.split('\n    server {\n');
  return blocks.map((block, i) => {
    if (i === 0) return block;
    const names = /^ {8}server_name (.*);$/m.exec(block)?.[1].match(/"(?:[^"\\]|\\.)*"|\S+/g)?.map(unquote) ?? [];
    const cert = /^ {8}ssl_certificate ("(?:[^"\\]|\\.)*"|\S+);$/m.exec(block)?.[1];
    const c = cert ? served.get(unquote(cert)) : undefined;
    if (!c || !names.length || names.some((n) => n === '' || n.startsWith('*') || n.startsWith('~') || n.startsWith('.'))) return block;
    if (names.every((n) => c.coversHost(n))) return block;
    return block
      .replace(/^( {8}ssl_certificate )("(?:[^"\\]|\\.)*"|\S+);$/m, (_, head: string) => `${head}${quoted(def.cert)};`)
      .replace(/^( {8}ssl_certificate_key )("(?:[^"\\]|\\.)*"|\S+);$/m, (_, head: string) => `${head}${quoted(def.key)};`);
  }).join('\n    server {\n');
}
