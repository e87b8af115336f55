/**
 * L7 route-table benchmark (issue 6): compile 10,000 Ingress paths and 2,000 HTTPRoutes (goal < 1 s),
 * then show that matching costs O(path length), not O(routes): per-request time at full scale vs at
 * 1/10 scale in the same run (ratio ≈ 1 means independent of the number of routes).
 *
 *   node --import tsx bench/l7-routes.ts [--paths 10000] [--routes 2000] [--requests 200000]
 *
 * Proxy throughput (wrk against nginx, our Node proxy and an nginx mode) is not measured here: wrk and
 * nginx are not installed in this environment and the nginx mode does not exist yet.
 */
import { performance } from 'node:perf_hooks';
import type { KObject } from '../src/api/types.ts';
import { defaultClusterConfig } from '../src/cluster/config.ts';
import { ClusterView } from '../src/cluster/view.ts';
import { compileRouteTable, routeRequest, type L7Request } from '../src/model/l7/index.ts';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

/** Ingresses of 10 paths on 100 hosts; HTTPRoutes with 4 rules (header, method, prefix, exact) on 200 hostnames. */
export function cluster(paths: number, routes: number): KObject[] {
  const objs: KObject[] = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench', labels: { 'kubernetes.io/metadata.name': 'bench' } } },
    { apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'nginx' }, spec: { controller: 'k8s.io/ingress-nginx' } },
    { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: 'podnet' }, spec: { controllerName: 'podnet.dev/gateway-controller' } },
    { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'gw', namespace: 'bench' }, spec: { gatewayClassName: 'podnet', listeners: [{ name: 'http', port: 8080, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'Same' } } }] } },
  ];
  for (let s = 0; s < 50; s++) {
    objs.push({ apiVersion: 'v1', kind: 'Service', metadata: { name: `svc-${s}`, namespace: 'bench' }, spec: { clusterIP: `10.96.1.${s + 1}`, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] } });
    objs.push({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: `svc-${s}-x`, namespace: 'bench', labels: { 'kubernetes.io/service-name': `svc-${s}` } }, addressType: 'IPv4', endpoints: [{ addresses: [`10.244.1.${s + 1}`], conditions: { ready: true } }], ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] });
  }
  const perIngress = 10;
  for (let i = 0; i < paths / perIngress; i++) {
    objs.push({
      apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: `ing-${i}`, namespace: 'bench' },
      spec: { ingressClassName: 'nginx', rules: [{ host: `h${i % 100}.example.com`, http: { paths: Array.from({ length: perIngress }, (_, p) => ({ path: `/app${i}/p${p}`, pathType: p % 3 === 0 ? 'Exact' : 'Prefix', backend: { service: { name: `svc-${(i + p) % 50}`, port: { number: 80 } } } })) } }] },
    });
  }
  for (let r = 0; r < routes; r++) {
    const be = [{ name: `svc-${r % 50}`, port: 80, weight: 1 }];
    objs.push({
      apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: `route-${r}`, namespace: 'bench' },
      spec: {
        parentRefs: [{ name: 'gw' }], hostnames: [`r${r % 200}.example.com`],
        rules: [
          { matches: [{ path: { type: 'PathPrefix', value: `/api${r}` }, headers: [{ type: 'Exact', name: 'x-canary', value: 'yes' }] }], backendRefs: be },
          { matches: [{ path: { type: 'PathPrefix', value: `/api${r}` }, method: 'POST' }], backendRefs: be },
          { matches: [{ path: { type: 'PathPrefix', value: `/api${r}` } }], backendRefs: be },
          { matches: [{ path: { type: 'Exact', value: `/api${r}/health` } }], backendRefs: be },
        ],
      },
    });
  }
  return objs;
}

function requests(paths: number, routes: number, n: number): L7Request[] {
  const out: L7Request[] = [];
  for (let k = 0; k < n; k++) {
    if (k % 2 === 0) {
      const i = k % (paths / 10);
      const p = k % 10;
      out.push({ scheme: 'http', host: `h${i % 100}.example.com`, port: 80, path: p % 3 === 0 ? `/app${i}/p${p}` : `/app${i}/p${p}/deeper/path`, query: '', method: 'GET', headers: {} });
    } else {
      const r = k % routes;
      out.push({ scheme: 'http', host: `r${r % 200}.example.com`, port: 8080, path: `/api${r}/items/42`, query: 'a=1', method: 'GET', headers: { 'x-canary': k % 4 === 1 ? 'yes' : 'no' } });
    }
  }
  return out;
}

function measure(paths: number, routes: number, n: number): { compileMs: number; perRequestUs: number; objects: number } {
  const objs = cluster(paths, routes);
  const view = new ClusterView(objs, defaultClusterConfig());
  const t0 = performance.now();
  const table = compileRouteTable(view);
  const compileMs = performance.now() - t0;
  const reqs = requests(paths, routes, n);
  let served = 0;
  for (const r of reqs.slice(0, 2000)) if (routeRequest(table, r).status === 200) served++; // warm-up
  const t1 = performance.now();
  for (const r of reqs) if (routeRequest(table, r).status === 200) served++;
  const perRequestUs = ((performance.now() - t1) * 1000) / n;
  if (served < n) throw new Error(`only ${served} of ${n + 2000} requests were routed: the synthetic cluster is wrong`);
  return { compileMs, perRequestUs, objects: objs.length };
}

const paths = arg('paths', 10000);
const routes = arg('routes', 2000);
const n = arg('requests', 200000);
const small = measure(paths / 10, routes / 10, n);
const full = measure(paths, routes, n);
process.stdout.write(`route table: ${paths} Ingress paths + ${routes} HTTPRoutes (${routes * 4} rules), ${full.objects} objects\n`);
process.stdout.write(`  compile: ${full.compileMs.toFixed(0)} ms (goal < 1000 ms)   [1/10 scale: ${small.compileMs.toFixed(0)} ms]\n`);
process.stdout.write(`  match:   ${full.perRequestUs.toFixed(2)} µs/request   [1/10 scale: ${small.perRequestUs.toFixed(2)} µs; ratio ${(full.perRequestUs / small.perRequestUs).toFixed(2)} — ≈1 = independent of route count]\n`);
process.exitCode = full.compileMs < 1000 ? 0 : 1;
