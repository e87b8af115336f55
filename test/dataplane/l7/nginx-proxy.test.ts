/**
 * The nginx mode with real HTTP: real nginx runs the rendered configuration in its own prefix on
 * loopback ports; loopback echo servers stand in for pod endpoints. Expectations come from the Ingress
 * docs and the Gateway API spec, the same ones the Node proxy tests check.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KObject } from '../../../src/api/types.ts';
import { compileRouteTable } from '../../../src/model/l7/index.ts';
import { NginxProxy, type NginxProxyOptions } from '../../../src/dataplane/l7/index.ts';
import { gateway, gatewayClass, httpRoute, ingress, ingressClass, namespace, pathMatch, rule, service, view } from '../../model/l7/fixtures.ts';
import { closeAll, request, startEcho, type EchoServer } from './backends.ts';

/** Services whose single endpoint is 10.0.0.<i>:8080, mapped to loopback echo servers. */
async function withNginx(
  names: string[],
  objects: (svc: (ns: string, name: string) => KObject[]) => KObject[],
  body: (ctx: { proxy: NginxProxy; port: number; echo: Map<string, EchoServer>; log: string[] }) => Promise<void>,
  opts: Partial<NginxProxyOptions> & { frontPort?: number } = {},
): Promise<void> {
  const echo = new Map<string, EchoServer>();
  const byEndpoint = new Map<string, number>();
  const log: string[] = [];
  let proxy: NginxProxy | undefined;
  try {
    for (const [i, n] of names.entries()) {
      const e = await startEcho(n);
      echo.set(n, e);
      byEndpoint.set(`10.0.0.${i + 1}:8080`, e.port);
    }
    const svc = (ns: string, name: string): KObject[] => {
      const i = names.indexOf(name);
      return service(ns, name, i >= 0 ? { ips: [`10.0.0.${i + 1}`] } : { ready: 0 });
    };
    proxy = new NginxProxy({
      table: compileRouteTable(view(objects(svc))),
      listen: [{ host: '127.0.0.1', port: 0, frontPort: opts.frontPort ?? 80 }],
      accessLog: (l) => log.push(l),
      resolveEndpoint: (ep) => {
        const port = byEndpoint.get(ep);
        if (port === undefined) throw new Error(`unexpected endpoint ${ep}`);
        return { host: '127.0.0.1', port };
      },
      ...opts,
    });
    const [addr] = await proxy.start();
    await body({ proxy, port: addr.port, echo, log });
  } finally {
    await proxy?.close();
    await closeAll([...echo.values()].map((e) => e.server));
  }
}

const ingressObjects = (svc: (ns: string, name: string) => KObject[]): KObject[] => [
  namespace('default'), ingressClass('nginx'), ...svc('default', 'web'), ...svc('default', 'api'), ...svc('default', 'exact'), ...svc('default', 'def'), ...svc('default', 'down'),
  ingress('default', 'site', {
    defaultBackend: { service: 'def', port: 80 },
    rules: [{ host: 'foo.bar.com', paths: [{ path: '/', service: 'web' }, { path: '/api', service: 'api' }, { path: '/api', pathType: 'Exact', service: 'exact' }, { path: '/down', service: 'down' }] }],
  }),
];

describe('nginx mode: Ingress', () => {
  it('pipes request bodies, forwards Host unchanged and adds X-Forwarded-For/-Proto', async () => {
    await withNginx(['web', 'api', 'exact', 'def'], ingressObjects, async ({ port }) => {
      const r = await request(port, '/api/upload', { host: 'foo.bar.com', method: 'POST', body: 'x'.repeat(100_000), headers: { 'content-type': 'text/plain' } });
      assert.equal(r.json?.backend, 'api');
      assert.equal(r.json?.body.length, 100_000);
      assert.equal(r.json?.method, 'POST');
      assert.equal(r.json?.headers.host, 'foo.bar.com');
      assert.equal(r.json?.headers['x-forwarded-for'], '127.0.0.1');
      assert.equal(r.json?.headers['x-forwarded-proto'], 'http');
    });
  });

  it('a backend with no ready endpoints answers 503; the access log names the matched rule', async () => {
    await withNginx(['web', 'api', 'exact', 'def'], ingressObjects, async ({ port, log }) => {
      assert.equal((await request(port, '/down', { host: 'foo.bar.com' })).status, 503);
      await request(port, '/api/x', { host: 'foo.bar.com' });
      for (let i = 0; i < 50 && log.length < 2; i++) await new Promise((r) => setTimeout(r, 50));
      assert.match(log.join('\n'), /"GET foo\.bar\.com\/down" 503 route="ingress Ingress default\/site rules\[0\]\.http\.paths\[3\]"/);
      assert.match(log.join('\n'), /"GET foo\.bar\.com\/api\/x" 200 route="ingress Ingress default\/site rules\[0\]\.http\.paths\[1\]"/);
    });
  });

  it('reloads a new route table with nginx -s reload, same master process', async () => {
    await withNginx(['web', 'api', 'exact', 'def'], ingressObjects, async ({ proxy, port }) => {
      const pid = proxy.pid;
      assert.equal((await request(port, '/', { host: 'foo.bar.com' })).json?.backend, 'web');
      const moved = [namespace('default'), ingressClass('nginx'), ...service('default', 'api', { ips: ['10.0.0.2'] }),
        ingress('default', 'site', { rules: [{ host: 'foo.bar.com', paths: [{ path: '/', service: 'api' }] }] })];
      await proxy.setTable(compileRouteTable(view(moved)));
      assert.equal(proxy.pid, pid);
      assert.equal((await request(port, '/', { host: 'foo.bar.com' })).json?.backend, 'api');
      assert.equal((await request(port, '/', { host: 'unknown.example' })).status, 404);
    });
  });

  it('stopping removes the nginx process and its prefix directory', async () => {
    let prefix = '';
    let pid = 0;
    await withNginx(['web', 'api', 'exact', 'def'], ingressObjects, async ({ proxy }) => {
      prefix = proxy.prefix;
      pid = proxy.pid!;
      assert.ok(existsSync(join(prefix, 'nginx.pid')));
      assert.equal(readFileSync(join(prefix, 'nginx.pid'), 'utf8').trim(), String(pid));
    });
    assert.equal(existsSync(prefix), false);
    assert.throws(() => process.kill(pid, 0), /ESRCH/);
  });
});

describe('nginx mode: Gateway API', () => {
  const gw = (svc: (ns: string, name: string) => KObject[], rules: Record<string, unknown>[]): KObject[] => [
    namespace('infra'), gatewayClass(), gateway('infra', 'gw', [{ name: 'http', port: 80 }]),
    ...svc('infra', 'a'), ...svc('infra', 'b'), ...svc('infra', 'mirror'),
    httpRoute('infra', 'r', { parentRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'gw' }], rules }),
  ];

  it('ResponseHeaderModifier: the client sees set/add/remove applied to the backend response', async () => {
    const rules = [rule({ filters: [{ type: 'ResponseHeaderModifier', responseHeaderModifier: { set: [{ name: 'X-Backend', value: 'hidden' }], add: [{ name: 'X-Added', value: 'yes' }], remove: ['Content-Type'] } }], backends: [{ name: 'a' }] })];
    await withNginx(['a', 'b', 'mirror'], (svc) => gw(svc, rules), async ({ port }) => {
      const r = await request(port, '/');
      assert.equal(r.status, 200);
      assert.equal(r.headers['x-backend'], 'hidden');
      assert.equal(r.headers['x-added'], 'yes');
      assert.equal(r.headers['content-type'], undefined);
    });
  });

  it('URLRewrite: the backend receives the rewritten host and path', async () => {
    const rules = [rule({ matches: [pathMatch('PathPrefix', '/prefix/one')], filters: [{ type: 'URLRewrite', urlRewrite: { hostname: 'internal.example', path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/one' } } }], backends: [{ name: 'a' }] })];
    await withNginx(['a', 'b', 'mirror'], (svc) => gw(svc, rules), async ({ port }) => {
      const r = await request(port, '/prefix/one/two?k=v');
      assert.equal(r.json?.url, '/one/two?k=v');
      assert.equal(r.json?.headers.host, 'internal.example');
      assert.equal((await request(port, '/prefix/onex')).status, 404, 'PathPrefix is element-wise');
    });
  });

  it('weighted backendRefs split traffic within ±5 points over 500 requests (conformance method)', async () => {
    const rules = [rule({ backends: [{ name: 'a', weight: 70 }, { name: 'b', weight: 30 }] })];
    await withNginx(['a', 'b', 'mirror'], (svc) => gw(svc, rules), async ({ port }) => {
      const counts = new Map<string, number>();
      for (let i = 0; i < 500; i++) {
        const r = await request(port, `/?entropy=${i}`);
        counts.set(r.json?.backend ?? `status ${r.status}`, (counts.get(r.json?.backend ?? `status ${r.status}`) ?? 0) + 1);
      }
      assert.deepEqual([...counts.keys()].sort(), ['a', 'b']);
      assert.ok(Math.abs((counts.get('a') ?? 0) / 5 - 70) <= 5, `a got ${counts.get('a')}/500`);
    });
  });

  it('the invalid share of backends answers 500 and is never mirrored; forwarded requests are', async () => {
    const rules = [rule({ filters: [{ type: 'RequestMirror', requestMirror: { backendRef: { name: 'mirror', port: 80 } } }], backends: [{ name: 'a', weight: 1 }, { name: 'ghost', weight: 1 }] })];
    await withNginx(['a', 'b', 'mirror'], (svc) => gw(svc, rules), async ({ port, echo }) => {
      const statuses = new Map<number, number>();
      for (let i = 0; i < 200; i++) {
        const s = (await request(port, `/m${i}`)).status;
        statuses.set(s, (statuses.get(s) ?? 0) + 1);
      }
      assert.deepEqual([...statuses.keys()].sort(), [200, 500]);
      assert.ok(Math.abs(statuses.get(200)! - 100) <= 25, `200: ${statuses.get(200)}/200`);
      for (let i = 0; i < 100 && echo.get('mirror')!.received.length < statuses.get(200)!; i++) await new Promise((r) => setTimeout(r, 10));
      assert.deepEqual(echo.get('mirror')!.received.map((e) => e.url).sort(), echo.get('a')!.received.map((e) => e.url).sort());
    });
  });

  it('a header match decided by njs still forwards the request body and keeps the URI', async () => {
    const rules = [
      rule({ matches: [pathMatch('PathPrefix', '/up', { headers: [{ type: 'Exact', name: 'X-Canary', value: 'yes' }] })], backends: [{ name: 'b' }] }),
      rule({ backends: [{ name: 'a' }] }),
    ];
    await withNginx(['a', 'b', 'mirror'], (svc) => gw(svc, rules), async ({ port }) => {
      const body = 'y'.repeat(200_000);
      const canary = await request(port, '/up/load?x=1', { method: 'POST', body, headers: { 'x-canary': 'yes', 'content-type': 'text/plain' } });
      assert.equal(canary.json?.backend, 'b');
      assert.equal(canary.json?.url, '/up/load?x=1');
      assert.equal(canary.json?.body.length, body.length);
      const plain = await request(port, '/up/load', { method: 'POST', body, headers: { 'x-canary': 'no' } });
      assert.equal(plain.json?.backend, 'a');
      assert.equal(plain.json?.body.length, body.length);
    });
  });

  it('listener port: a socket counted as port 8080 finds no port-80 listener (404)', async () => {
    const rules = [rule({ backends: [{ name: 'a' }] })];
    await withNginx(['a', 'b', 'mirror'], (svc) => gw(svc, rules), async ({ port }) => {
      assert.equal((await request(port, '/')).status, 404);
    }, { frontPort: 8080 });
  });
});

describe('nginx mode: TLS by SNI', () => {
  it('SNI picks the certificate from the Ingress tls section; the Host header routes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'podnet-nginx-tls-'));
    try {
      const cert = (cn: string): { cert: string; key: string } => {
        execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', `/CN=${cn}`, '-keyout', join(dir, `${cn}.key`), '-out', join(dir, `${cn}.crt`)], { stdio: 'ignore' });
        return { cert: join(dir, `${cn}.crt`), key: join(dir, `${cn}.key`) };
      };
      const certificates = new Map([['default/foo-tls', cert('foo.bar.com')], ['default/wild-tls', cert('wild.bar.com')]]);
      const objects = (svc: (ns: string, name: string) => KObject[]): KObject[] => [
        namespace('default'), ingressClass('nginx'), ...svc('default', 'web'),
        ingress('default', 'tls', {
          tls: [{ hosts: ['foo.bar.com'], secretName: 'foo-tls' }, { hosts: ['*.bar.com'], secretName: 'wild-tls' }],
          rules: [{ host: 'foo.bar.com', paths: [{ path: '/', service: 'web' }] }, { host: '*.bar.com', paths: [{ path: '/', service: 'web' }] }],
        }),
      ];
      await withNginx(['web'], objects, async ({ port }) => {
        const a = await request(port, '/', { host: 'foo.bar.com', tls: { servername: 'foo.bar.com' } });
        assert.equal(a.peerCN, 'foo.bar.com');
        assert.equal(a.json?.backend, 'web');
        assert.equal(a.json?.headers['x-forwarded-proto'], 'https');
        const b = await request(port, '/', { host: 'x.bar.com', tls: { servername: 'x.bar.com' } });
        assert.equal(b.peerCN, 'wild.bar.com');
        // An Ingress wildcard covers exactly one label: a.b.bar.com gets the default certificate and no route.
        const c = await request(port, '/', { host: 'a.b.bar.com', tls: { servername: 'a.b.bar.com' } });
        assert.equal(c.peerCN, 'default-cert');
        assert.equal(c.status, 404);
      }, { certificates, defaultCertificate: cert('default-cert'), listen: [{ host: '127.0.0.1', port: 0, frontPort: 443, tls: true }] });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
