/**
 * ingress-nginx's TLS decisions for the controller pods, without root. Expectations from ingress-nginx:
 * - A server (rule host) has a certificate when an Ingress with a `tls` section has a rule for it —
 *   its Secret's, or the default certificate when no tls host names it or the Secret cannot serve
 *   (controller.go createServers); ssl-redirect needs that certificate, force-ssl-redirect does not
 *   (lua_ingress.lua redirect_to_https). Annotations are per location, i.e. per Ingress; a path miss
 *   uses the server's default location, which takes the first Ingress's annotations. Boolean
 *   annotation values parse as Go's strconv.ParseBool; anything else keeps the default.
 * - The redirect is `http-redirect-code` (308) to `https://<host without port><request URI>`, the
 *   URI's last `/` dropped unless `preserve-trailing-slash` (lua_ingress.lua rewrite).
 * - A request host finds its server exactly, else through the one-label wildcard `*.<rest>`.
 * - A Secret keypair is usable only when the key matches the certificate (tls.X509KeyPair); a
 *   certificate that does not name the host is replaced by the default one (VerifyHostname).
 * - The nginx engine's splices must be valid nginx configuration (`nginx -t`).
 * - The default certificate (docs "Default SSL Certificate"; internal/net/ssl GetFakeSSLCert): self
 *   signed, subject O=Acme Co, CN=Kubernetes Ingress Controller Fake Certificate, SAN ingress.local.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Secret } from '../../src/api/types.ts';
import { compileRouteTable, requestFromURL, routeRequest } from '../../src/model/l7/index.ts';
import { renderNginx } from '../../src/render/nginx/index.ts';
import { ensureFakeCertificate, ingressCertificates, nginxSSLRedirect, nginxVerifyHostname, secretKeypair, sslRedirectPolicy } from '../../src/dataplane/kube-system/ingress-tls.ts';
import { clusterView } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'podnet-ingtls-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const openssl = (...args: string[]): void => {
  execFileSync('openssl', args, { stdio: 'ignore' });
};
/** A self-signed certificate for `san` and its key. */
function selfSigned(name: string, san: string): { cert: string; key: string } {
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${san}`, '-addext', `subjectAltName=DNS:${san}`, '-keyout', join(dir, `${name}.key`), '-out', join(dir, `${name}.crt`));
  return { cert: readFileSync(join(dir, `${name}.crt`), 'utf8'), key: readFileSync(join(dir, `${name}.key`), 'utf8') };
}
const a = selfSigned('a', 'a.example');
const other = selfSigned('other', 'a.example');
const b64 = (s: string): string => Buffer.from(s).toString('base64');
const secretYAML = (name: string, cert: string, key: string): string => `
apiVersion: v1
kind: Secret
metadata: {name: ${name}, namespace: web}
type: kubernetes.io/tls
data: {tls.crt: ${b64(cert)}, tls.key: ${b64(key)}}`;

const ing = (name: string, ts: string, hosts: string[], extra: { tls?: string; annotations?: Record<string, string> } = {}): string => `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: ${name}
  namespace: web
  creationTimestamp: "${ts}"
  annotations: ${JSON.stringify(extra.annotations ?? {})}
spec:
  ingressClassName: nginx
  ${extra.tls ? `tls: ${extra.tls}` : ''}
  rules:
${hosts.map((h) => `  - host: "${h}"
    http: {paths: [{path: /${name}, pathType: Prefix, backend: {service: {name: svc, port: {number: 80}}}}]}`).join('\n')}`;

const CLUSTER = `
apiVersion: v1
kind: Namespace
metadata: {name: web}
---
apiVersion: v1
kind: Service
metadata: {name: svc, namespace: web}
spec: {ports: [{port: 80}]}
---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: nginx}
spec: {controller: k8s.io/ingress-nginx}
---${secretYAML('a-tls', a.cert, a.key)}
---${secretYAML('mismatch-tls', a.cert, other.key)}
---${ing('a', '2024-01-01T00:00:00Z', ['a.example'], { tls: '[{hosts: [a.example], secretName: a-tls}]' })}
---${ing('open', '2024-01-02T00:00:00Z', ['a.example', 'open.example'], { annotations: { 'nginx.ingress.kubernetes.io/ssl-redirect': 'false' } })}
---${ing('b', '2024-01-03T00:00:00Z', ['b.example', 'unlisted.example'], { tls: '[{hosts: [b.example], secretName: mismatch-tls}]' })}
---${ing('wild', '2024-01-04T00:00:00Z', ['*.w.example'], { tls: '[{hosts: ["*.w.example"], secretName: gone-tls}]', annotations: { 'nginx.ingress.kubernetes.io/preserve-trailing-slash': 'True' } })}
---${ing('forced', '2024-01-05T00:00:00Z', ['forced.example'], { annotations: { 'nginx.ingress.kubernetes.io/force-ssl-redirect': 'true' } })}
---${ing('wrong', '2024-01-07T00:00:00Z', ['wrong.example'], { tls: '[{hosts: [wrong.example], secretName: a-tls}]' })}
---${ing('b2', '2024-01-08T00:00:00Z', ['b2.example'], { tls: '[{hosts: [b2.example], secretName: mismatch-tls}]' })}
---${ing('badvalue', '2024-01-06T00:00:00Z', ['bad.example'], { tls: '[{secretName: a-tls}]', annotations: { 'nginx.ingress.kubernetes.io/ssl-redirect': 'nope' } })}
`;

const { view } = clusterView(CLUSTER);
const table = compileRouteTable(view);
const policy = sslRedirectPolicy(view, table);
const redirectOf = (url: string): string => {
  const req = requestFromURL(url);
  const target = url.replace(/^http:\/\/[^/]+/, '') || '/';
  const r = policy.redirect(req, routeRequest(table, req, { via: 'ingress' }), target);
  return r ? `${r.statusCode} ${r.location}` : 'served';
};

test('ssl-redirect: which plain-HTTP requests ingress-nginx answers with 308 to https', () => {
  const cases: [string, string, string][] = [
    ['a host with TLS: 308, the trailing slash dropped', 'http://a.example/a/', '308 https://a.example/a'],
    ['the root URI loses its slash too', 'http://a.example/', '308 https://a.example'],
    ['the query is kept; the port is not', 'http://a.example:8080/a?x=1', '308 https://a.example/a?x=1'],
    ['a location of an Ingress with ssl-redirect "false" on the same host is served', 'http://a.example/open', 'served'],
    ['a path miss takes the server default location: the first Ingress of the host (with TLS) redirects', 'http://a.example/nothing', '308 https://a.example/nothing'],
    ['a host without TLS anywhere is served', 'http://open.example/open', 'served'],
    ['a rule host not named in the tls hosts of its Ingress still gets the default certificate, so it redirects', 'http://unlisted.example/b', '308 https://unlisted.example/b'],
    ['a Secret whose keypair does not match: the default certificate, still a redirect', 'http://b.example/b', '308 https://b.example/b'],
    ['a one-label wildcard server: preserve-trailing-slash keeps the slash', 'http://x.w.example/wild/', '308 https://x.w.example/wild/'],
    ['two labels are not covered by *.w.example', 'http://x.y.w.example/wild/', 'served'],
    ['force-ssl-redirect without TLS', 'http://forced.example/forced', '308 https://forced.example/forced'],
    ['an unparsable annotation keeps the default (true)', 'http://bad.example/badvalue', '308 https://bad.example/badvalue'],
    ['a host no rule names', 'http://nowhere.example/', 'served'],
  ];
  for (const [rule, url, want] of cases) assert.equal(redirectOf(url), want, rule);
  const https = requestFromURL('https://a.example/a');
  assert.equal(policy.redirect(https, routeRequest(table, https, { via: 'ingress' }), '/a'), undefined, 'https is never redirected');
});

test('certificates: a matching keypair serves the names it covers; a mismatched key or a missing Secret falls back', () => {
  const { certificates, problems } = ingressCertificates(view, table);
  assert.deepEqual([...certificates.keys()], ['web/a-tls']);
  const served = certificates.get('web/a-tls');
  assert.ok(served?.coversHost('a.example'));
  assert.equal(served?.coversHost('b.example'), false, 'VerifyHostname: another name gets the default certificate');
  assert.equal(problems.length, 2, `one problem per Secret, also when two Ingresses name it:\n${problems.join('\n')}`);
  assert.match(problems.find((p) => p.startsWith('web/mismatch-tls')) ?? '', /private key does not match/);
  assert.match(problems.find((p) => p.startsWith('web/gone-tls')) ?? '', /does not exist/);
  const noKey = secretKeypair({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x', namespace: 'web' }, type: 'kubernetes.io/tls', data: { 'tls.crt': b64(a.cert) } } as Secret);
  assert.ok('problem' in noKey);
});

test('the nginx engine: the ssl-redirect splice is valid nginx configuration and only on the plain-HTTP listener', () => {
  const prefix = mkdtempSync(join(dir, 'nginx-'));
  const listen = [{ host: '127.0.0.1', port: 18080, frontPort: 80 }, { host: '127.0.0.1', port: 18443, frontPort: 443, tls: true }];
  const rendered = renderNginx(table, { listen, prefix, selector: { via: 'ingress' }, defaultCertificate: { cert: join(dir, 'a.crt'), key: join(dir, 'a.key') } });
  const conf = nginxSSLRedirect(rendered.conf, policy, [18080]);
  assert.match(conf, /map \$host \$podnet_ssl_redirect \{/);
  assert.match(conf, /^ {8}a\.example 1;$/m);
  assert.match(conf, /^ {8}open\.example 0;$/m);
  assert.match(conf, /^ {8}"~\^\[\^\.\]\+\\\.w\\\.example\$" 2;$/m);
  const servers = conf.split('\n    server {').slice(1);
  const plain = servers.filter((s) => s.includes(':18080'));
  const tls = servers.filter((s) => s.includes(':18443'));
  assert.ok(plain.length > 0 && tls.length > 0);
  for (const s of plain) assert.match(s, /return 308 https:\/\/\$host\$podnet_ssl_redirect_uri;/);
  for (const s of tls) assert.doesNotMatch(s, /podnet_ssl_redirect/);
  writeFileSync(join(prefix, 'nginx.conf'), conf);
  execFileSync('nginx', ['-t', '-q', '-p', prefix, '-c', join(prefix, 'nginx.conf'), '-e', 'stderr'], { stdio: 'pipe' });
});

test('the nginx engine: a server block whose certificate does not name its host gets the default certificate', () => {
  const prefix = mkdtempSync(join(dir, 'nginx-'));
  selfSigned('def', 'ingress.local');
  const files = { cert: join(dir, 'a.crt'), key: join(dir, 'a.key') };
  const defFiles = { cert: join(dir, 'def.crt'), key: join(dir, 'def.key') };
  const listen = [{ host: '127.0.0.1', port: 18443, frontPort: 443, tls: true }];
  const rendered = renderNginx(table, { listen, prefix, selector: { via: 'ingress' }, certificates: new Map([['web/a-tls', files]]), defaultCertificate: defFiles });
  const served = ingressCertificates(view, table).certificates.get('web/a-tls');
  assert.ok(served);
  const conf = nginxVerifyHostname(rendered.conf, new Map([[files.cert, served]]), defFiles);
  const block = (host: string): string => conf.split('\n    server {\n').find((b) => b.includes(`server_name "${host}";`)) ?? `(no block for ${host})`;
  assert.match(block('a.example'), /ssl_certificate ".*\/a\.crt";/);
  assert.match(block('wrong.example'), /ssl_certificate ".*\/def\.crt";/);
  assert.match(block('wrong.example'), /ssl_certificate_key ".*\/def\.key";/);
  writeFileSync(join(prefix, 'nginx.conf'), conf);
  execFileSync('nginx', ['-t', '-q', '-p', prefix, '-c', join(prefix, 'nginx.conf'), '-e', 'stderr'], { stdio: 'pipe' });
});

test('the default certificate: ingress-nginx\'s fake certificate, one pair per run even when asked concurrently', async () => {
  const ks = mkdtempSync(join(dir, 'ks-'));
  const got = await Promise.all([ensureFakeCertificate(ks), ensureFakeCertificate(ks), ensureFakeCertificate(ks)]);
  assert.deepEqual(new Set(got.map((f) => `${f.cert} ${f.key}`)).size, 1);
  const x = new X509Certificate(readFileSync(got[0].cert));
  assert.equal(x.subject, 'O=Acme Co\nCN=Kubernetes Ingress Controller Fake Certificate');
  assert.equal(x.issuer, x.subject, 'self-signed');
  assert.equal(x.subjectAltName, 'DNS:ingress.local');
  assert.ok(x.checkPrivateKey(createPrivateKey(readFileSync(got[0].key))));
  const again = await ensureFakeCertificate(ks);
  assert.equal(new X509Certificate(readFileSync(again.cert)).fingerprint256, x.fingerprint256, 'reused, not regenerated');
});
