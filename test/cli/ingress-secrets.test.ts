// `podnet ingress serve` takes certificates from the cluster's Secrets when no --tls-secret file is
// given: the real executable over TLS with SNI, certificates made by openssl. A host whose Secret is
// missing gets the default certificate (ingress-nginx's behaviour); --tls-secret files still win.
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import tls from 'node:tls';
import type { KObject } from '../../src/api/types.ts';
import { clusterCertificates, parseTLSSecret, proxyCluster } from '../../src/cli/commands/ingress.ts';
import { UsageError } from '../../src/cli/output.ts';
import { defaultClusterConfig } from '../../src/cluster/config.ts';
import { compileRouteTable } from '../../src/model/l7/index.ts';
import { Sandbox } from './helpers.ts';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'podnet.js');

function makeCert(box: Sandbox, cn: string): { cert: string; key: string } {
  const cert = box.file(`${cn}.crt`, '');
  const key = box.file(`${cn}.key`, '');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', `/CN=${cn}`], { stdio: 'ignore' });
  return { cert, key };
}

const b64file = (path: string): string => readFileSync(path).toString('base64');

function manifest(shop: { cert: string; key: string }): string {
  return `apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: nginx}
spec: {controller: k8s.io/ingress-nginx}
---
apiVersion: v1
kind: Secret
metadata: {name: shop-tls, namespace: shop}
type: kubernetes.io/tls
data: {tls.crt: ${b64file(shop.cert)}, tls.key: ${b64file(shop.key)}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: site, namespace: shop}
spec:
  ingressClassName: nginx
  tls:
  - {hosts: [shop.example.com], secretName: shop-tls}
  - {hosts: [gone.example.com], secretName: gone-tls}
  - {hosts: [file.example.com], secretName: file-tls}
  rules:
  - {host: shop.example.com, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}}
`;
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** The subject CN of the certificate the server presents for `servername`. */
function presentedCN(port: number, servername: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port, servername, rejectUnauthorized: false }, () => {
      const cn = s.getPeerCertificate().subject?.CN;
      s.destroy();
      resolve(String(cn));
    });
    s.once('error', reject);
  });
}

async function waitForListening(child: ChildProcess, stderr: () => string, ms = 30000): Promise<void> {
  const end = Date.now() + ms;
  while (!/serving https:/.test(stderr())) {
    if (child.exitCode !== null) throw new Error(`ingress serve exited: ${stderr()}`);
    if (Date.now() > end) throw new Error(`ingress serve did not start: ${stderr()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('ingress serve: certificates from the cluster\'s Secrets', () => {
  const box = new Sandbox();
  let shop: { cert: string; key: string };
  let fallback: { cert: string; key: string };
  let file: { cert: string; key: string };
  before(() => {
    shop = makeCert(box, 'shop.example.com');
    fallback = makeCert(box, 'podnet-default');
    file = makeCert(box, 'file.example.com');
  });
  after(() => box.remove());

  test('clusterCertificates: usable Secrets the table names, decoded; missing ones and file-given ones left out', () => {
    const objects = [
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'shop-tls', namespace: 'shop' }, type: 'kubernetes.io/tls', data: { 'tls.crt': b64file(shop.cert), 'tls.key': b64file(shop.key) } },
      { apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'nginx' }, spec: { controller: 'k8s.io/ingress-nginx' } },
      { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'site', namespace: 'shop' }, spec: { ingressClassName: 'nginx', tls: [{ hosts: ['shop.example.com'], secretName: 'shop-tls' }, { hosts: ['gone.example.com'], secretName: 'gone-tls' }, { hosts: ['file.example.com'], secretName: 'file-tls' }] } },
    ] as KObject[];
    const files = new Map([['shop/file-tls', { cert: readFileSync(file.cert), key: readFileSync(file.key) }]]);
    const loaded = { store: { list: () => objects }, config: defaultClusterConfig() } as unknown as Parameters<typeof proxyCluster>[0];
    const cluster = proxyCluster(loaded, files);
    // The file stands for Secret shop/file-tls, so the model finds it usable.
    const table = compileRouteTable(cluster.view);
    assert.deepEqual(table.ingress?.tls.map((t) => [t.secret, t.problem?.reason]), [['shop/shop-tls', undefined], ['shop/gone-tls', 'NotFound'], ['shop/file-tls', undefined]]);
    const certs = clusterCertificates(table, cluster.view, files);
    assert.deepEqual([...certs.keys()], ['shop/shop-tls']);
    assert.equal(certs.get('shop/shop-tls')!.cert.toString(), readFileSync(shop.cert, 'utf8'));
  });

  for (const [label, engineArgs] of [['--workers 1', ['--workers', '1']], ['--workers 2', ['--workers', '2']], ['--engine nginx', ['--engine', 'nginx']]] as const) {
    const workers = label.replace(/\W+/g, '-');
    test(`${label}: SNI gets the cluster Secret's certificate, a missing Secret the default one, --tls-secret files win`, async () => {
      const port = await freePort();
      const f = box.file(`site-${workers}.yaml`, manifest(shop));
      const child = spawn(process.execPath, [BIN, 'ingress', 'serve', '-f', f, '--tls-listen', `127.0.0.1:${port}`, '--default-cert', `${fallback.cert},${fallback.key}`, '--tls-secret', `shop/file-tls=${file.cert},${file.key}`, ...engineArgs], {
        env: { ...process.env, PODNET_HOME: join(box.dir, `state-${workers}`), NO_COLOR: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      try {
        await waitForListening(child, () => stderr);
        assert.equal(await presentedCN(port, 'shop.example.com'), 'shop.example.com');
        assert.equal(await presentedCN(port, 'gone.example.com'), 'podnet-default');
        assert.equal(await presentedCN(port, 'file.example.com'), 'file.example.com');
        assert.equal(await presentedCN(port, 'other.example.com'), 'podnet-default');
      } finally {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
    });
  }

  test('--tls-listen with neither files, a default certificate nor a usable cluster Secret is a usage error', () => {
    const f = box.file('none.yaml', manifest(shop).replace(/---\napiVersion: v1\nkind: Secret[\s\S]*?---\n/, '---\n'));
    const r = box.run(['ingress', 'serve', '-f', f, '--tls-listen', '127.0.0.1:0']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--tls-listen needs --tls-secret, --default-cert or a usable certificate Secret/);
  });
});

// A Secret reference is namespace/name (both non-empty, no further slash), as `kubectl get secret -n NS NAME` names it.
describe('--tls-secret ns/name=CERT,KEY', () => {
  test('parses the Secret and the two paths', () => {
    assert.deepEqual(parseTLSSecret('shop/shop-tls=a.pem,b.pem'), { secret: 'shop/shop-tls', cert: 'a.pem', key: 'b.pem' });
  });
  for (const bad of ['shop-tls=a.pem,b.pem', '/shop-tls=a.pem,b.pem', 'shop/=a.pem,b.pem', 'a/b/c=a.pem,b.pem', 'shop/shop-tls', 'shop/shop-tls=a.pem']) {
    test(`${JSON.stringify(bad)} is a usage error`, () => {
      assert.throws(() => parseTLSSecret(bad), UsageError);
    });
  }
});

// ingress-nginx serves its default certificate for a host whose tls Secret is missing; `podnet route`
// says which Secret was wanted and why it could not serve, not that the host has no tls entry.
describe('podnet route: the TLS line', () => {
  const box = new Sandbox();
  after(() => box.remove());
  const site = (secret: string): string => box.file(`route-${secret}.yaml`, [
    'apiVersion: networking.k8s.io/v1', 'kind: IngressClass', 'metadata: {name: nginx, annotations: {ingressclass.kubernetes.io/is-default-class: "true"}}', 'spec: {controller: k8s.io/ingress-nginx}', '---',
    'apiVersion: networking.k8s.io/v1', 'kind: Ingress', 'metadata: {name: shop, namespace: default}', 'spec:',
    `  tls: [{hosts: [shop.example.com], secretName: ${secret}}]`,
    '  rules: [{host: shop.example.com, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}}]', '',
  ].join('\n'));
  test('a tls entry whose Secret is missing: the reason and the default certificate', () => {
    const r = box.run(['route', '-f', site('gone'), '--url', 'https://shop.example.com/']);
    assert.match(r.stdout, /^TLS: +NotFound: Secret default\/gone does not exist: the default certificate is served$/m);
  });
  test('a host no tls entry covers: the default certificate', () => {
    const r = box.run(['route', '-f', site('gone'), '--url', 'https://other.example.com/']);
    assert.match(r.stdout, /^TLS: +no tls entry for this host: default certificate$/m);
  });
});
