/**
 * One contract, two executors: every `http` expectation here must hold in the model (what `podnet
 * verify` answers) AND on the wire through the Node proxy (real requests, loopback backends that
 * report who they are and what they received).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../../src/api/types.ts';
import { compileRouteTable, requestFromURL, routeRequest } from '../../../src/model/l7/index.ts';
import { compareHttpExpectation, observeDecision, parseHttpArgs, parseHttpExpectation, type HttpObservation } from '../../../src/model/verify/http-check.ts';
import { L7Proxy, L7ProxyWorkers } from '../../../src/dataplane/l7/index.ts';
import { gateway, gatewayClass, httpRoute, ingress, ingressClass, namespace, pathMatch, rule, service, view } from '../../model/l7/fixtures.ts';
import { closeAll, request, startEcho, type EchoServer } from './backends.ts';

const NAMES = ['web', 'api', 'shadow'];
const objects: KObject[] = [
  namespace('shop'), ingressClass('nginx'), gatewayClass(),
  ...NAMES.flatMap((n, i) => service('shop', n, { ips: [`10.0.1.${i + 1}`] })),
  ingress('shop', 'site', { rules: [{ host: 'shop.example.com', paths: [{ path: '/', service: 'web' }, { path: '/api', service: 'api', port: 'http' }] }] }),
  gateway('shop', 'gw', [{ name: 'http', port: 8080 }]),
  httpRoute('shop', 'r', {
    parentRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'gw' }],
    hostnames: ['gw.example.com'],
    rules: [
      rule({ matches: [pathMatch('PathPrefix', '/old')], filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 301 } }] }),
      rule({ matches: [pathMatch('PathPrefix', '/v1')], filters: [
        { type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/' } } },
        { type: 'RequestHeaderModifier', requestHeaderModifier: { add: [{ name: 'X-Via', value: 'gw' }], remove: ['X-Secret'] } },
        { type: 'RequestMirror', requestMirror: { backendRef: { name: 'shadow', port: 80 } } },
      ], backends: [{ name: 'api' }] }),
      rule({ matches: [pathMatch('Exact', '/gone')], backends: [{ name: 'ghost' }] }),
      rule({ backends: [{ name: 'web', weight: 3 }, { name: 'api', weight: 1 }] }),
    ],
  }),
];

const CHECKS: { args: Record<string, unknown>; expect: Record<string, unknown> }[] = [
  { args: { url: 'http://shop.example.com/' }, expect: { backend: 'shop/web:80', status: 200 } },
  { args: { url: 'http://shop.example.com/api/items?id=3' }, expect: { backend: 'shop/api:http', path: '/api/items?id=3' } },
  { args: { url: 'http://elsewhere.example.com/' }, expect: { status: 404 } },
  { args: { url: 'http://gw.example.com:8080/old/x' }, expect: { status: 301, location: 'https://gw.example.com/old/x' } },
  { args: { url: 'http://gw.example.com:8080/v1/items', headers: { 'X-Secret': 's', 'X-Via': 'client' } }, expect: { backend: 'shop/api:80', path: '/items', requestHeaders: { 'x-via': 'client,gw', 'x-secret': null }, mirroredTo: 'shop/shadow:80' } },
  { args: { url: 'http://gw.example.com:8080/gone' }, expect: { status: 500 } },
  { args: { url: 'http://gw.example.com:8080/' }, expect: { weights: { 'shop/web:80': 75, 'shop/api:80': 25 }, samples: 400 } },
];

/** Runs every check in the model and through the proxy listening on `ports` (front port → bound port). */
async function runChecks(ports: Map<number, number>, echo: Map<string, EchoServer>): Promise<void> {
  const table = compileRouteTable(view(objects));
  const aliases = (name: string): string[] => [`shop/${name}:80`, `shop/${name}:http`];
  for (const c of CHECKS) {
    const args = parseHttpArgs(c.args);
    const exp = parseHttpExpectation(c.expect);
    const req = requestFromURL(args.url, args.method, args.headers);
    const model = compareHttpExpectation(exp, observeDecision(routeRequest(table, req)));
    assert.deepEqual(model.problems, [], `model: ${args.url}`);

    const port = ports.get(req.port)!;
    const target = `${req.path}${req.query ? `?${req.query}` : ''}`;
    const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => k !== 'host'));
    const mirrorBefore = echo.get('shadow')!.received.length;
    const samples = exp.weights ? exp.samples : 1;
    const counts = new Map<string, number>();
    let last;
    for (let i = 0; i < samples; i++) {
      last = await request(port, target, { host: req.host, method: req.method, headers });
      const who = last.json?.backend ?? `status ${last.status}`;
      counts.set(who, (counts.get(who) ?? 0) + 1);
    }
    for (let i = 0; i < 50 && exp.mirroredTo && echo.get('shadow')!.received.length === mirrorBefore; i++) await new Promise((r) => setTimeout(r, 10));
    const mirrored = echo.get('shadow')!.received.length > mirrorBefore;
    const observed: HttpObservation = {
      status: last!.status,
      ...(last!.json ? { backend: aliases(last!.json.backend), path: last!.json.url, requestHeaders: Object.fromEntries(Object.entries(last!.json.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v)])) } : {}),
      ...(typeof last!.headers.location === 'string' ? { location: last!.headers.location } : {}),
      mirroredTo: mirrored ? [aliases('shadow')] : [],
      weights: [...counts].filter(([who]) => !who.startsWith('status')).map(([who, n]) => ({ aliases: aliases(who), percent: (100 * n) / samples })),
    };
    const wire = compareHttpExpectation(exp, observed);
    assert.deepEqual(wire.problems, [], `proxy: ${args.url}`);
  }
}

async function echoServers(): Promise<{ echo: Map<string, EchoServer>; byEndpoint: Map<string, number> }> {
  const echo = new Map<string, EchoServer>();
  const byEndpoint = new Map<string, number>();
  for (const [i, n] of NAMES.entries()) {
    const e = await startEcho(n);
    echo.set(n, e);
    byEndpoint.set(`10.0.1.${i + 1}:8080`, e.port);
  }
  return { echo, byEndpoint };
}

describe('http expectations: model and Node proxy agree', () => {
  it('every check passes in the model and over real HTTP', async () => {
    const table = compileRouteTable(view(objects));
    const { echo, byEndpoint } = await echoServers();
    const proxies: L7Proxy[] = [];
    try {
      const ports = new Map<number, number>();
      for (const front of [80, 8080]) {
        const p = new L7Proxy({ table, listen: [{ host: '127.0.0.1', port: 0, frontPort: front }], resolveEndpoint: (ep) => ({ host: '127.0.0.1', port: byEndpoint.get(ep)! }) });
        proxies.push(p);
        ports.set(front, (await p.start())[0].port);
      }
      await runChecks(ports, echo);
    } finally {
      for (const p of proxies) await p.close();
      await closeAll([...echo.values()].map((e) => e.server));
    }
  });

  it('the same checks pass through the proxy in 2 worker processes (requests alternate between them)', async () => {
    const { echo, byEndpoint } = await echoServers();
    const pool = new L7ProxyWorkers({
      workers: 2,
      cluster: { objects, config: view(objects).config },
      listen: [{ host: '127.0.0.1', port: 0, frontPort: 80 }, { host: '127.0.0.1', port: 0, frontPort: 8080 }],
      endpoints: new Map([...byEndpoint].map(([ep, port]) => [ep, { host: '127.0.0.1', port }])),
    });
    try {
      const [http80, http8080] = await pool.start();
      await runChecks(new Map([[80, http80.port], [8080, http8080.port]]), echo);
    } finally {
      await pool.close();
      await closeAll([...echo.values()].map((e) => e.server));
    }
  });
});
