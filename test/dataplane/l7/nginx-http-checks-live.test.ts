/**
 * One contract, three executors: every `http` expectation here holds in the model (what `podnet
 * verify` answers), on the wire through the Node proxy, and on the wire through real nginx running
 * the rendered configuration (own prefix, loopback ports, killed in `finally`). Backends are loopback
 * echo servers reporting who they are and what they received.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../../src/api/types.ts';
import { compileRouteTable, requestFromURL, routeRequest, type RouteTable } from '../../../src/model/l7/index.ts';
import { compareHttpExpectation, observeDecision, parseHttpArgs, parseHttpExpectation, type HttpObservation } from '../../../src/model/verify/http-check.ts';
import { L7Proxy, NginxProxy } from '../../../src/dataplane/l7/index.ts';
import { gateway, gatewayClass, httpRoute, ingress, ingressClass, namespace, pathMatch, rule, service, view } from '../../model/l7/fixtures.ts';
import { closeAll, request, startEcho, type EchoServer } from './backends.ts';

const NAMES = ['web', 'api', 'shadow', 'exact', 'def'];
const ip = (name: string): string => `10.0.1.${NAMES.indexOf(name) + 1}`;
const svc = (name: string): KObject[] => service('shop', name, { ips: [ip(name)] });
const gwRef = [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'gw' }];

const objects: KObject[] = [
  namespace('shop'), ingressClass('nginx'), gatewayClass(),
  ...NAMES.flatMap(svc), ...service('shop', 'down', { ready: 0 }),
  ingress('shop', 'site', {
    defaultBackend: { service: 'def', port: 80 },
    rules: [
      { host: 'shop.example.com', paths: [{ path: '/', service: 'web' }, { path: '/api', service: 'api', port: 'http' }, { path: '/api', pathType: 'Exact', service: 'exact' }, { path: '/aaa/bbb/', service: 'api' }, { path: '/down', service: 'down' }] },
      { host: '*.wild.example.com', paths: [{ path: '/', service: 'api' }] },
      { host: 'strict.example.com', paths: [{ path: '/only', service: 'web' }] },
    ],
  }),
  gateway('shop', 'gw', [{ name: 'http', port: 8080 }]),
  httpRoute('shop', 'r', {
    parentRefs: gwRef,
    hostnames: ['gw.example.com'],
    rules: [
      rule({ matches: [pathMatch('PathPrefix', '/old')], filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 301 } }] }),
      rule({ matches: [pathMatch('PathPrefix', '/moved')], filters: [{ type: 'RequestRedirect', requestRedirect: { hostname: 'new.example.com', statusCode: 302, path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/fresh' } } }] }),
      rule({ matches: [pathMatch('PathPrefix', '/v1')], filters: [
        { type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/' } } },
        { type: 'RequestHeaderModifier', requestHeaderModifier: { add: [{ name: 'X-Via', value: 'gw' }], remove: ['X-Secret'], set: [{ name: 'X-Set', value: 'new' }] } },
        { type: 'RequestMirror', requestMirror: { backendRef: { name: 'shadow', port: 80 } } },
      ], backends: [{ name: 'api' }] }),
      rule({ matches: [pathMatch('PathPrefix', '/full')], filters: [{ type: 'URLRewrite', urlRewrite: { hostname: 'internal.example', path: { type: 'ReplaceFullPath', replaceFullPath: '/replaced' } } }], backends: [{ name: 'api' }] }),
      rule({ matches: [pathMatch('Exact', '/gone')], backends: [{ name: 'ghost' }] }),
      rule({ matches: [pathMatch('Exact', '/down')], backends: [{ name: 'down' }] }),
      rule({ matches: [pathMatch('PathPrefix', '/canary', { headers: [{ type: 'Exact', name: 'X-Canary', value: 'yes' }] })], backends: [{ name: 'exact' }] }),
      rule({ matches: [pathMatch('PathPrefix', '/canary', { method: 'POST' })], backends: [{ name: 'shadow' }] }),
      rule({ matches: [pathMatch('PathPrefix', '/canary', { queryParams: [{ type: 'Exact', name: 'v', value: 'two words' }] })], backends: [{ name: 'def' }] }),
      rule({ matches: [pathMatch('RegularExpression', '/re/[0-9]+')], backends: [{ name: 'def' }] }),
      rule({ matches: [pathMatch('PathPrefix', '/split')], backends: [{ name: 'web', weight: 1 }, { name: 'ghost', weight: 1 }] }),
      rule({ backends: [{ name: 'web', weight: 3 }, { name: 'api', weight: 1 }] }),
    ],
  }),
  httpRoute('shop', 'wild', { parentRefs: gwRef, hostnames: ['*.example.org'], rules: [rule({ backends: [{ name: 'exact' }] })] }),
];

/** From the Ingress docs' path table and the Gateway API spec (see docs/l7.md for the rules). */
const CHECKS: { args: Record<string, unknown>; expect: Record<string, unknown> }[] = [
  { args: { url: 'http://shop.example.com/' }, expect: { backend: 'shop/web:80', status: 200 } },
  { args: { url: 'http://shop.example.com/api/items?id=3' }, expect: { backend: 'shop/api:http', path: '/api/items?id=3' } },
  { args: { url: 'http://shop.example.com/api' }, expect: { backend: 'shop/exact:80' } },
  { args: { url: 'http://shop.example.com/api/' }, expect: { backend: 'shop/api:http' } },
  { args: { url: 'http://shop.example.com/apix' }, expect: { backend: 'shop/web:80' } },
  { args: { url: 'http://shop.example.com/aaa/bbb' }, expect: { backend: 'shop/api:80' } },
  { args: { url: 'http://shop.example.com/aaa/bbbxyz' }, expect: { backend: 'shop/web:80' } },
  { args: { url: 'http://SHOP.example.com:80/aaa/bbb/ccc' }, expect: { backend: 'shop/api:80' } },
  { args: { url: 'http://shop.example.com/down' }, expect: { status: 503 } },
  { args: { url: 'http://a.wild.example.com/x' }, expect: { backend: 'shop/api:80' } },
  { args: { url: 'http://a.b.wild.example.com/x' }, expect: { backend: 'shop/def:80' } },
  { args: { url: 'http://strict.example.com/elsewhere' }, expect: { backend: 'shop/def:80' } },
  { args: { url: 'http://elsewhere.example.com/' }, expect: { backend: 'shop/def:80' } },
  { args: { url: 'http://gw.example.com:8080/old/x?q=1' }, expect: { status: 301, location: 'https://gw.example.com/old/x?q=1' } },
  { args: { url: 'http://gw.example.com:8080/moved/deep/er' }, expect: { status: 302, location: 'http://new.example.com:8080/fresh/deep/er' } },
  { args: { url: 'http://gw.example.com:8080/v1/items', headers: { 'X-Secret': 's', 'X-Via': 'client', 'X-Set': 'old' } }, expect: { backend: 'shop/api:80', path: '/items', requestHeaders: { 'x-via': 'client,gw', 'x-secret': null, 'x-set': 'new' }, mirroredTo: 'shop/shadow:80' } },
  { args: { url: 'http://gw.example.com:8080/v1' }, expect: { backend: 'shop/api:80', path: '/', requestHeaders: { 'x-via': 'gw' } } },
  { args: { url: 'http://gw.example.com:8080/v1x' }, expect: { status: 200 } },
  { args: { url: 'http://gw.example.com:8080/full/a?k=v' }, expect: { backend: 'shop/api:80', path: '/replaced?k=v' } },
  { args: { url: 'http://gw.example.com:8080/gone' }, expect: { status: 500 } },
  { args: { url: 'http://gw.example.com:8080/down' }, expect: { status: 503 } },
  { args: { url: 'http://gw.example.com:8080/canary/x', headers: { 'x-canary': 'yes' } }, expect: { backend: 'shop/exact:80' } },
  { args: { url: 'http://gw.example.com:8080/canary/x', method: 'POST', headers: { 'x-canary': 'no' } }, expect: { backend: 'shop/shadow:80' } },
  { args: { url: 'http://gw.example.com:8080/canary?v=two+words' }, expect: { backend: 'shop/def:80' } },
  { args: { url: 'http://gw.example.com:8080/canary?V=two+words' }, expect: { weights: { 'shop/web:80': 75, 'shop/api:80': 25 }, samples: 200, tolerance: 10 } },
  { args: { url: 'http://gw.example.com:8080/re/42' }, expect: { backend: 'shop/def:80' } },
  { args: { url: 'http://gw.example.com:8080/re/4x' }, expect: { weights: { 'shop/web:80': 75, 'shop/api:80': 25 }, samples: 200, tolerance: 10 } },
  { args: { url: 'http://gw.example.com:8080/' }, expect: { weights: { 'shop/web:80': 75, 'shop/api:80': 25 }, samples: 500 } },
  { args: { url: 'http://a.b.example.org:8080/' }, expect: { backend: 'shop/exact:80' } },
  { args: { url: 'http://example.org:8080/' }, expect: { status: 404 } },
];

interface Engine {
  ports: Map<number, number>;
  close(): Promise<void>;
}

async function startEngine(kind: 'node' | 'nginx', table: RouteTable, byEndpoint: Map<string, number>): Promise<Engine> {
  const resolveEndpoint = (ep: string): { host: string; port: number } => {
    const port = byEndpoint.get(ep);
    if (port === undefined) throw new Error(`unexpected endpoint ${ep}`);
    return { host: '127.0.0.1', port };
  };
  const ports = new Map<number, number>();
  if (kind === 'nginx') {
    const proxy = new NginxProxy({ table, listen: [{ host: '127.0.0.1', port: 0, frontPort: 80 }, { host: '127.0.0.1', port: 0, frontPort: 8080 }], resolveEndpoint });
    try {
      const bound = await proxy.start();
      ports.set(80, bound[0].port).set(8080, bound[1].port);
    } catch (err) {
      await proxy.close();
      throw err;
    }
    return { ports, close: () => proxy.close() };
  }
  const proxies: L7Proxy[] = [];
  for (const front of [80, 8080]) {
    const p = new L7Proxy({ table, listen: [{ host: '127.0.0.1', port: 0, frontPort: front }], resolveEndpoint });
    proxies.push(p);
    ports.set(front, (await p.start())[0].port);
  }
  return { ports, close: async () => { for (const p of proxies) await p.close(); } };
}

for (const engine of ['node', 'nginx'] as const) {
  describe(`http expectations: model and the ${engine} proxy agree`, () => {
    it('every check passes in the model and over real HTTP', async () => {
      const table = compileRouteTable(view(objects));
      const echo = new Map<string, EchoServer>();
      let proxy: Engine | undefined;
      try {
        const byEndpoint = new Map<string, number>();
        for (const n of NAMES) {
          const e = await startEcho(n);
          echo.set(n, e);
          byEndpoint.set(`${ip(n)}:8080`, e.port);
        }
        proxy = await startEngine(engine, table, byEndpoint);
        const ports = proxy.ports;
        const aliases = (name: string): string[] => [`shop/${name}:80`, `shop/${name}:http`];
        for (const c of CHECKS) {
          const args = parseHttpArgs(c.args);
          const exp = parseHttpExpectation(c.expect);
          const req = requestFromURL(args.url, args.method, args.headers);
          const model = compareHttpExpectation(exp, observeDecision(routeRequest(table, req)));
          assert.deepEqual(model.problems, [], `model: ${args.method} ${args.url}`);

          const observe = async (): Promise<HttpObservation> => {
            const target = `${req.path}${req.query ? `?${req.query}` : ''}`;
            const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => k !== 'host'));
            const mirrorBefore = echo.get('shadow')!.received.length;
            const samples = exp.weights ? exp.samples : 1;
            const counts = new Map<string, number>();
            let last;
            for (let i = 0; i < samples; i++) {
              last = await request(ports.get(req.port)!, target, { host: req.host, method: req.method, headers });
              const who = last.json?.backend ?? `status ${last.status}`;
              counts.set(who, (counts.get(who) ?? 0) + 1);
            }
            for (let i = 0; i < 100 && exp.mirroredTo && echo.get('shadow')!.received.length === mirrorBefore; i++) await new Promise((r) => setTimeout(r, 10));
            const mirrored = echo.get('shadow')!.received.length > mirrorBefore;
            const observed: HttpObservation = {
              status: last!.status,
              ...(last!.json ? { backend: aliases(last!.json.backend), path: last!.json.url, requestHeaders: Object.fromEntries(Object.entries(last!.json.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v)])) } : {}),
              ...(typeof last!.headers.location === 'string' ? { location: last!.headers.location } : {}),
              mirroredTo: mirrored && exp.mirroredTo ? [aliases('shadow')] : [],
              weights: [...counts].filter(([who]) => !who.startsWith('status')).map(([who, n]) => ({ aliases: aliases(who), percent: (100 * n) / samples })),
            };
            return observed;
          };
          // The conformance method for weights: a sample may fall outside the tolerance by chance,
          // so a split is retried (up to 3 samples) before it counts as wrong.
          let wire = compareHttpExpectation(exp, await observe());
          for (let retry = 0; retry < 2 && exp.weights && wire.problems.length; retry++) wire = compareHttpExpectation(exp, await observe());
          assert.deepEqual(wire.problems, [], `${engine}: ${args.method} ${args.url}`);
        }
      } finally {
        await proxy?.close();
        await closeAll([...echo.values()].map((e) => e.server));
      }
    });
  });
}
