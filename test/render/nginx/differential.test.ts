/**
 * Differential test of the nginx mode's routing structure against the model, without nginx: a
 * test-side tracer applies nginx's documented selection rules to the rendered plan — server_name
 * (exact, then the longest `*.` wildcard, then regexes in order, then the default server), location
 * (`=` exact, else the longest character-wise prefix), then the first alternative whose conditions
 * hold — and the step it lands on must be the one `routeRequest` chooses, for every request of a
 * corpus crossing hosts, paths, methods, headers and query strings.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../../src/api/types.ts';
import { compileRouteTable, requestFromURL, routeRequest, type MatchEntry, type RouteTable, type StringMatch } from '../../../src/model/l7/index.ts';
import { planServers, regionsFor, type ServerPlan, type Step } from '../../../src/render/nginx/index.ts';
import { gateway, gatewayClass, httpRoute, ingress, ingressClass, namespace, pathMatch, rule, service, view, T0 } from '../../model/l7/fixtures.ts';

function selectServer(plans: ServerPlan[], host: string): ServerPlan {
  const exact = plans.find((p) => p.names.includes(host));
  if (exact) return exact;
  const wild = plans
    .flatMap((p) => p.names.filter((n) => n.startsWith('*.') && host.endsWith(n.slice(1))).map((n) => ({ p, n })))
    .sort((a, b) => b.n.length - a.n.length)[0];
  if (wild) return wild.p;
  for (const p of plans) for (const n of p.names) if (n.startsWith('~') && new RegExp(n.slice(1)).test(host)) return p;
  return plans.find((p) => p.isDefault)!;
}

function valueOk(m: StringMatch, v: string | undefined): boolean {
  return v !== undefined && (m.type === 'Exact' ? v === m.value : new RegExp(`^(?:${m.value})$`).test(v));
}

function conditionsHold(e: MatchEntry, path: string, method: string, headers: Record<string, string>, query: URLSearchParams): boolean {
  if (e.path.type === 'RegularExpression' && !new RegExp(`^(?:${e.path.value})$`).test(path)) return false;
  if (e.method !== undefined && e.method !== method) return false;
  if (!e.headers.every((h) => valueOk(h, headers[h.name]))) return false;
  return e.queryParams.every((q) => valueOk(q, query.get(q.name) ?? undefined));
}

function nginxStep(table: RouteTable, url: string, method: string, headerArgs: string[]): Step {
  const req = requestFromURL(url, method, headerArgs);
  const plans = planServers(table, {}, { scheme: req.scheme, frontPort: req.port });
  const host = req.host.replace(/:\d+$/, '').toLowerCase();
  const server = selectServer(plans, host);
  const regions = regionsFor(server.steps);
  const region = regions.find((r) => r.match === '=' && r.path === req.path)
    ?? regions.filter((r) => r.match === 'prefix' && req.path.startsWith(r.path)).sort((a, b) => b.path.length - a.path.length)[0];
  const query = new URLSearchParams(req.query);
  return region.alternatives.find((s) => s.kind !== 'entry' || conditionsHold(s.entry, req.path, req.method, req.headers, query))!;
}

const gwRef = (name: string) => [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name }];
const svcs = ['a', 'b', 'c', 'd', 'def'];
const objects: KObject[] = [
  namespace('ns'), ingressClass('nginx'), gatewayClass(),
  ...svcs.flatMap((s, i) => service('ns', s, { ips: [`10.0.0.${i + 1}`] })),
  ingress('ns', 'one', {
    defaultBackend: { service: 'def', port: 80 },
    rules: [
      { host: 'shop.example.com', paths: [{ path: '/', service: 'a' }, { path: '/api', service: 'b' }, { path: '/api', pathType: 'Exact', service: 'c' }, { path: '/api/v1/', service: 'd' }] },
      { host: '*.example.com', paths: [{ path: '/w', service: 'b' }] },
      { paths: [{ path: '/hostless', service: 'c' }] },
    ],
  }),
  ingress('ns', 'two', { created: '2025-01-01T00:00:00Z', rules: [{ host: 'shop.example.com', paths: [{ path: '/api', service: 'd' }, { path: '/x/y', pathType: 'Exact', service: 'd' }] }] }),
  gateway('ns', 'gw', [{ name: 'http', port: 8080 }, { name: 'narrow', port: 8080, hostname: '*.b.example.org' }]),
  httpRoute('ns', 'r1', {
    parentRefs: gwRef('gw'), hostnames: ['app.example.org', '*.example.org'],
    rules: [
      rule({ matches: [pathMatch('PathPrefix', '/m', { method: 'POST' }), pathMatch('PathPrefix', '/m', { headers: [{ type: 'Exact', name: 'x-v', value: '2' }] })], backends: [{ name: 'a' }] }),
      rule({ matches: [pathMatch('PathPrefix', '/m', { headers: [{ type: 'Exact', name: 'x-v', value: '2' }, { type: 'RegularExpression', name: 'x-w', value: 'w[0-9]' }] })], backends: [{ name: 'b' }] }),
      rule({ matches: [pathMatch('PathPrefix', '/m', { queryParams: [{ type: 'Exact', name: 'q', value: '1' }] })], backends: [{ name: 'c' }] }),
      rule({ matches: [pathMatch('RegularExpression', '/m/[0-9]+')], backends: [{ name: 'd' }] }),
      rule({ matches: [pathMatch('Exact', '/m/exact')], backends: [{ name: 'def' }] }),
      rule({ matches: [pathMatch('PathPrefix', '/m')], backends: [{ name: 'c' }] }),
    ],
  }, T0),
  httpRoute('ns', 'r2', { parentRefs: gwRef('gw'), hostnames: ['app.example.org'], rules: [rule({ matches: [pathMatch('PathPrefix', '/only-exact-host')], backends: [{ name: 'd' }] })] }, '2023-01-01T00:00:00Z'),
  httpRoute('ns', 'r3', { parentRefs: [{ ...gwRef('gw')[0], sectionName: 'narrow' }], rules: [rule({ matches: [pathMatch('PathPrefix', '/n')], backends: [{ name: 'b' }] })] }),
];

const HOSTS = ['shop.example.com', 'x.example.com', 'a.b.example.com', 'other.test', 'app.example.org', 'z.example.org', 'q.b.example.org', 'p.q.b.example.org', 'example.org'];
const PATHS = ['/', '/api', '/api/', '/apix', '/api/v1', '/api/v1/z', '/x/y', '/x/y/', '/w', '/w/1', '/hostless/q', '/m', '/m/', '/m/7', '/m/exact', '/m/x', '/mx', '/n', '/n/1', '/only-exact-host/a'];
const VARIANTS: { method: string; headers: string[]; query: string }[] = [
  { method: 'GET', headers: [], query: '' },
  { method: 'POST', headers: [], query: '' },
  { method: 'GET', headers: ['X-V: 2'], query: '' },
  { method: 'GET', headers: ['X-V: 2', 'X-W: w5'], query: '' },
  { method: 'GET', headers: [], query: '?q=1' },
  { method: 'GET', headers: ['X-V: 3'], query: '?q=2&q=1' },
];

describe('differential: nginx selection over the rendered plan ≡ routeRequest', () => {
  const table = compileRouteTable(view(objects));
  for (const port of [80, 8080]) {
    it(`every host × path × request variant on port ${port}`, () => {
      let checked = 0;
      for (const host of HOSTS) {
        for (const path of PATHS) {
          for (const v of VARIANTS) {
            const url = `http://${host}:${port}${path}${v.query}`;
            const d = routeRequest(table, requestFromURL(url, v.method, v.headers));
            const step = nginxStep(table, url, v.method, v.headers);
            const got = step.kind === 'entry' ? `${step.entry.id} @${step.entry.hostname ?? '*'}` : step.kind === 'default' ? `default ${step.def.ingress}` : '404';
            const want = d.matched ? `${d.matched.id} @${d.matched.hostname ?? '*'}` : d.defaultBackend ? `default ${d.defaultBackend}` : String(d.status);
            assert.equal(got, want, `${v.method} ${url} ${v.headers.join(',')}`);
            checked++;
          }
        }
      }
      assert.equal(checked, HOSTS.length * PATHS.length * VARIANTS.length);
    });
  }
});
