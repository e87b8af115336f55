/**
 * The Node L7 proxy with real HTTP: loopback backends stand in for pod endpoints, the proxy listens on
 * 127.0.0.1 ephemeral ports, and every expectation comes from the Ingress docs / Gateway API spec
 * (the same ones the model tests check), now observed on the wire.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KObject } from '../../../src/api/types.ts';
import { compileRouteTable } from '../../../src/model/l7/index.ts';
import { L7Proxy, type L7ProxyOptions } from '../../../src/dataplane/l7/index.ts';
import { gateway, gatewayClass, httpRoute, ingress, ingressClass, namespace, pathMatch, rule, service, view } from '../../model/l7/fixtures.ts';
import { closeAll, request, startEcho, type EchoServer } from './backends.ts';

/** Services whose single endpoint is 10.0.0.<i>:8080, mapped to loopback echo servers. */
async function withCluster(
  names: string[],
  objects: (svc: (ns: string, name: string) => KObject[]) => KObject[],
  body: (ctx: { proxy: L7Proxy; port: number; echo: Map<string, EchoServer>; log: string[] }) => Promise<void>,
  opts: Partial<L7ProxyOptions> & { frontPort?: number } = {},
): Promise<void> {
  const echo = new Map<string, EchoServer>();
  const byEndpoint = new Map<string, number>();
  const log: string[] = [];
  let proxy: L7Proxy | undefined;
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
    const table = compileRouteTable(view(objects(svc)));
    proxy = new L7Proxy({
      table,
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

describe('L7 proxy: Ingress', () => {
  const objects = (svc: (ns: string, name: string) => KObject[]): KObject[] => [
    namespace('default'), ingressClass('nginx'), ...svc('default', 'web'), ...svc('default', 'api'), ...svc('default', 'exact'), ...svc('default', 'def'), ...svc('default', 'down'),
    ingress('default', 'site', {
      defaultBackend: { service: 'def', port: 80 },
      rules: [
        { host: 'foo.bar.com', paths: [{ path: '/', service: 'web' }, { path: '/api', service: 'api' }, { path: '/api', pathType: 'Exact', service: 'exact' }, { path: '/down', service: 'down' }] },
        { host: 'strict.example', paths: [{ path: '/only', service: 'web' }] },
      ],
    }),
  ];
  it('routes by host and path exactly as the docs table says, over real HTTP', async () => {
    await withCluster(['web', 'api', 'exact', 'def'], objects, async ({ port }) => {
      const cases: [string, string, number, string | undefined][] = [
        ['foo.bar.com', '/', 200, 'web'],
        ['foo.bar.com', '/api', 200, 'exact'],
        ['foo.bar.com', '/api/', 200, 'api'],
        ['foo.bar.com', '/api/v1?x=1', 200, 'api'],
        ['foo.bar.com', '/apix', 200, 'web'],
        ['foo.bar.com:8080', '/api/v1', 200, 'api'],
        ['unknown.example', '/', 200, 'def'],
        ['strict.example', '/only/x', 200, 'web'],
        ['strict.example', '/elsewhere', 200, 'def'],
      ];
      for (const [host, path, status, backend] of cases) {
        const r = await request(port, path, { host });
        assert.equal(r.status, status, `${host}${path}: ${r.body}`);
        assert.equal(r.json?.backend, backend, `${host}${path}`);
        if (backend) assert.equal(r.json?.url, path, 'the path reaches the backend unchanged');
      }
    });
  });

  it('a backend with no ready endpoints answers 503', async () => {
    await withCluster(['web', 'api', 'exact', 'def'], objects, async ({ port }) => {
      assert.equal((await request(port, '/down', { host: 'foo.bar.com' })).status, 503);
    });
  });

  it('pipes request bodies and forwards the Host header unchanged with X-Forwarded-For', async () => {
    await withCluster(['web', 'api', 'exact', 'def'], objects, async ({ port }) => {
      const r = await request(port, '/api/upload', { host: 'foo.bar.com', method: 'POST', body: 'x'.repeat(100_000), headers: { 'content-type': 'text/plain' } });
      assert.equal(r.json?.body.length, 100_000);
      assert.equal(r.json?.method, 'POST');
      assert.equal(r.json?.headers.host, 'foo.bar.com');
      assert.equal(r.json?.headers['x-forwarded-for'], '127.0.0.1');
    });
  });

  it('a request target URL parsing rejects (`//`: empty authority) answers 400 and the proxy keeps serving', async () => {
    await withCluster(['web', 'api', 'exact', 'def'], objects, async ({ port, log }) => {
      const bad = await request(port, '//', { host: 'foo.bar.com' });
      assert.equal(bad.status, 400);
      assert.match(log.at(-1) ?? '', /"GET foo\.bar\.com\/\/" 400 .*reason=InvalidRequestTarget/);
      assert.equal((await request(port, '/api/x', { host: 'foo.bar.com' })).json?.backend, 'api');
    });
  });

  it('access logs name the matched route; the table hot-reloads', async () => {
    await withCluster(['web', 'api', 'exact', 'def'], objects, async ({ proxy, port, log }) => {
      await request(port, '/api/x', { host: 'foo.bar.com' });
      assert.match(log.at(-1) ?? '', /"GET foo\.bar\.com\/api\/x" 200 frontend=ingress route=Ingress default\/site rules\[0\]\.http\.paths\[1\]/);
      const moved = [namespace('default'), ingressClass('nginx'), ...service('default', 'api', { ips: ['10.0.0.2'] }),
        ingress('default', 'site', { rules: [{ host: 'foo.bar.com', paths: [{ path: '/', service: 'api' }] }] })];
      proxy.setTable(compileRouteTable(view(moved)));
      assert.equal((await request(port, '/', { host: 'foo.bar.com' })).json?.backend, 'api');
      assert.equal((await request(port, '/', { host: 'unknown.example' })).status, 404);
    });
  });
});

describe('L7 proxy: Gateway API', () => {
  const gw = (svc: (ns: string, name: string) => KObject[], rules: Record<string, unknown>[], extra: KObject[] = []): KObject[] => [
    namespace('infra'), gatewayClass(), gateway('infra', 'gw', [{ name: 'http', port: 80 }]),
    ...svc('infra', 'a'), ...svc('infra', 'b'), ...svc('infra', 'mirror'),
    httpRoute('infra', 'r', { parentRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'gw' }], rules }),
    ...extra,
  ];

  it('RequestHeaderModifier: the backend sees set/add/remove applied', async () => {
    const rules = [rule({ filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'X-Set', value: 'new' }], add: [{ name: 'X-Add', value: 'two' }], remove: ['X-Remove'] } }], backends: [{ name: 'a' }] })];
    await withCluster(['a', 'b', 'mirror'], (svc) => gw(svc, rules), async ({ port }) => {
      const r = await request(port, '/', { headers: { 'x-set': 'old', 'x-add': 'one', 'x-remove': 'bye' } });
      assert.equal(r.json?.headers['x-set'], 'new');
      assert.equal(r.json?.headers['x-add'], 'one,two');
      assert.equal(r.json?.headers['x-remove'], undefined);
    }, { frontPort: 80 });
  });

  it('ResponseHeaderModifier: the client sees set/add/remove applied to the backend response', async () => {
    const rules = [rule({ filters: [{ type: 'ResponseHeaderModifier', responseHeaderModifier: { set: [{ name: 'X-Backend', value: 'hidden' }], add: [{ name: 'X-Added', value: 'yes' }], remove: ['Content-Type'] } }], backends: [{ name: 'a' }] })];
    await withCluster(['a', 'b', 'mirror'], (svc) => gw(svc, rules), async ({ port }) => {
      const r = await request(port, '/');
      assert.equal(r.status, 200);
      assert.equal(r.headers['x-backend'], 'hidden');
      assert.equal(r.headers['x-added'], 'yes');
      assert.equal(r.headers['content-type'], undefined);
    }, { frontPort: 80 });
  });

  it('RequestRedirect answers with the Location the spec derives (listener port 80 omitted)', async () => {
    const rules = [rule({ matches: [pathMatch('PathPrefix', '/old')], filters: [{ type: 'RequestRedirect', requestRedirect: { hostname: 'example.org', statusCode: 301, path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/new' } } }] })];
    await withCluster(['a', 'b', 'mirror'], (svc) => gw(svc, rules), async ({ port }) => {
      const r = await request(port, '/old/page?q=1', { host: 'foo.com' });
      assert.equal(r.status, 301);
      assert.equal(r.headers.location, 'http://example.org/new/page?q=1');
      assert.equal((await request(port, '/other')).status, 404);
    }, { frontPort: 80 });
  });

  it('URLRewrite: the backend receives the rewritten host and path', async () => {
    const rules = [rule({ matches: [pathMatch('PathPrefix', '/prefix/one')], filters: [{ type: 'URLRewrite', urlRewrite: { hostname: 'internal.example', path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/one' } } }], backends: [{ name: 'a' }] })];
    await withCluster(['a', 'b', 'mirror'], (svc) => gw(svc, rules), async ({ port }) => {
      const r = await request(port, '/prefix/one/two?k=v');
      assert.equal(r.json?.url, '/one/two?k=v');
      assert.equal(r.json?.headers.host, 'internal.example');
    }, { frontPort: 80 });
  });

  it('weighted backendRefs split traffic within ±5 points over 500 requests (conformance method)', async () => {
    const rules = [rule({ backends: [{ name: 'a', weight: 70 }, { name: 'b', weight: 30 }] })];
    await withCluster(['a', 'b', 'mirror'], (svc) => gw(svc, rules), async ({ port }) => {
      const counts = new Map<string, number>();
      for (let i = 0; i < 500; i++) {
        const r = await request(port, `/?entropy=${i}`);
        counts.set(r.json?.backend ?? `status ${r.status}`, (counts.get(r.json?.backend ?? `status ${r.status}`) ?? 0) + 1);
      }
      assert.deepEqual([...counts.keys()].sort(), ['a', 'b']);
      assert.ok(Math.abs((counts.get('a') ?? 0) / 5 - 70) <= 5, `a got ${counts.get('a')}/500`);
    }, { frontPort: 80 });
  });

  it('the invalid share of backends answers 500; RequestMirror copies requests to the mirror', async () => {
    const rules = [rule({ filters: [{ type: 'RequestMirror', requestMirror: { backendRef: { name: 'mirror', port: 80 } } }], backends: [{ name: 'a', weight: 1 }, { name: 'ghost', weight: 1 }] })];
    let draws = 0;
    await withCluster(['a', 'b', 'mirror'], (svc) => gw(svc, rules), async ({ port, echo }) => {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await request(port, `/m${i}`)).status);
      assert.deepEqual(statuses, [200, 500, 200, 500]);
      // Mirrors are fire-and-forget: wait for them to land.
      // Forwarded requests (m0, m2) are mirrored; the 500s never reach a backend.
      for (let i = 0; i < 50 && echo.get('mirror')!.received.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
      assert.deepEqual(echo.get('mirror')!.received.map((e) => e.url).sort(), ['/m0', '/m2']);
      assert.deepEqual(echo.get('a')!.received.map((e) => e.url).sort(), ['/m0', '/m2']);
    }, { frontPort: 80, random: () => [0.1, 0.0, 0.9][draws++ % 3] }); // draws: backend (a), mirror, backend (ghost), …
  });

  it('listener port: a request counted on port 8080 finds no port-80 listener (404)', async () => {
    const rules = [rule({ backends: [{ name: 'a' }] })];
    await withCluster(['a', 'b', 'mirror'], (svc) => gw(svc, rules), async ({ port }) => {
      assert.equal((await request(port, '/')).status, 404);
    }, { frontPort: 8080 });
  });
});

describe('L7 proxy: TLS by SNI', () => {
  it('SNI picks the certificate from the Ingress tls section; the Host header routes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'podnet-l7-tls-'));
    try {
      const cert = (cn: string) => {
        execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', `/CN=${cn}`, '-keyout', join(dir, `${cn}.key`), '-out', join(dir, `${cn}.crt`)], { stdio: 'ignore' });
        return { cert: readFileSync(join(dir, `${cn}.crt`)), key: readFileSync(join(dir, `${cn}.key`)) };
      };
      const certificates = new Map([['default/foo-tls', cert('foo.bar.com')], ['default/wild-tls', cert('wild.bar.com')]]);
      const objects = (svc: (ns: string, name: string) => KObject[]): KObject[] => [
        namespace('default'), ingressClass('nginx'), ...svc('default', 'web'),
        ingress('default', 'tls', {
          tls: [{ hosts: ['foo.bar.com'], secretName: 'foo-tls' }, { hosts: ['*.bar.com'], secretName: 'wild-tls' }],
          rules: [{ host: 'foo.bar.com', paths: [{ path: '/', service: 'web' }] }, { host: '*.bar.com', paths: [{ path: '/', service: 'web' }] }],
        }),
      ];
      await withCluster(['web'], objects, async ({ port }) => {
        const a = await request(port, '/', { host: 'foo.bar.com', tls: { servername: 'foo.bar.com' } });
        assert.equal(a.peerCN, 'foo.bar.com');
        assert.equal(a.json?.backend, 'web');
        assert.equal(a.json?.headers['x-forwarded-proto'], 'https');
        const b = await request(port, '/', { host: 'x.bar.com', tls: { servername: 'x.bar.com' } });
        assert.equal(b.peerCN, 'wild.bar.com');
        const c = await request(port, '/', { host: 'nomatch.example', tls: { servername: 'nomatch.example' } });
        assert.equal(c.peerCN, 'default-cert');
        assert.equal(c.status, 404);
      }, { certificates, defaultCertificate: cert('default-cert'), listen: [{ host: '127.0.0.1', port: 0, frontPort: 443, tls: true }] });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('L7 proxy: certificates swapped while serving, host check, https redirect hook', () => {
  it('setCertificates: the next handshake gets the new certificate; a certificate that does not cover the SNI name yields the default one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'podnet-l7-rot-'));
    try {
      const cert = (file: string, cn: string) => {
        execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', `/CN=${cn}`, '-keyout', join(dir, `${file}.key`), '-out', join(dir, `${file}.crt`)], { stdio: 'ignore' });
        return { cert: readFileSync(join(dir, `${file}.crt`)), key: readFileSync(join(dir, `${file}.key`)) };
      };
      const v1 = cert('v1', 'foo.bar.com');
      const v2 = cert('v2', 'foo.bar.com');
      const objects = (svc: (ns: string, name: string) => KObject[]): KObject[] => [
        namespace('default'), ingressClass('nginx'), ...svc('default', 'web'),
        ingress('default', 'tls', { tls: [{ hosts: ['foo.bar.com'], secretName: 'foo-tls' }], rules: [{ host: 'foo.bar.com', paths: [{ path: '/', service: 'web' }] }] }),
      ];
      const fingerprint = (pem: Buffer): string => new X509Certificate(pem).fingerprint256;
      await withCluster(['web'], objects, async ({ proxy, port }) => {
        const a = await request(port, '/', { host: 'foo.bar.com', tls: { servername: 'foo.bar.com' } });
        assert.equal(a.peerFingerprint, fingerprint(v1.cert));
        proxy.setCertificates(new Map([['default/foo-tls', v2]]));
        const b = await request(port, '/', { host: 'foo.bar.com', tls: { servername: 'foo.bar.com' } });
        assert.equal(b.peerFingerprint, fingerprint(v2.cert), 'rotated');
        assert.equal(b.json?.backend, 'web');
        proxy.setCertificates(new Map([['default/foo-tls', { ...v2, coversHost: () => false }]]));
        const c = await request(port, '/', { host: 'foo.bar.com', tls: { servername: 'foo.bar.com' } });
        assert.equal(c.peerCN, 'default-cert', 'a certificate not naming the host: the default certificate');
      }, { certificates: new Map([['default/foo-tls', v1]]), defaultCertificate: cert('def', 'default-cert'), listen: [{ host: '127.0.0.1', port: 0, frontPort: 443, tls: true }] });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('httpsRedirect: asked with the routed decision and the raw target on plain HTTP; its answer replaces the forward', async () => {
    const objects = (svc: (ns: string, name: string) => KObject[]): KObject[] => [
      namespace('default'), ingressClass('nginx'), ...svc('default', 'web'),
      ingress('default', 'r', { rules: [{ host: 'foo.bar.com', paths: [{ path: '/', service: 'web' }] }] }),
    ];
    const asked: string[] = [];
    await withCluster(['web'], objects, async ({ port, echo }) => {
      const r = await request(port, '/a/?x=1', { host: 'foo.bar.com' });
      assert.equal(r.status, 308);
      assert.equal(r.headers.location, 'https://foo.bar.com/a/?x=1');
      assert.equal(echo.get('web')?.received.length, 0, 'not forwarded');
      const s = await request(port, '/keep', { host: 'foo.bar.com' });
      assert.equal(s.json?.backend, 'web');
    }, {
      httpsRedirect: (req, decision, uri) => {
        asked.push(`${req.scheme} ${decision.matched?.name} ${uri}`);
        return uri === '/keep' ? undefined : { location: `https://${req.host}${uri}`, statusCode: 308 };
      },
    });
    assert.deepEqual(asked, ['http r /a/?x=1', 'http r /keep']);
  });
});
