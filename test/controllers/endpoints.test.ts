/**
 * Legacy v1 Endpoints against pkg/controller/endpoint (syncService, addEndpointSubset,
 * truncateEndpoints), pkg/api/v1/endpoints RepackSubsets, and the API server's own endpoints for
 * default/kubernetes (pkg/controlplane/reconcilers + endpointsadapter).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { EndpointSlice, Endpoints, Service } from '../../src/api/types.ts';
import { reconcileEndpointSlices } from '../../src/controllers/endpointslices.ts';
import { truncateSubsets } from '../../src/controllers/legacy-endpoints.ts';
import { context, node, pod, service } from './fixtures.ts';

const web = (over: Partial<Service['spec']> = {}, meta: Partial<Service['metadata']> = {}): Service =>
  service('web', { clusterIP: '10.96.10.10', ipFamilies: ['IPv4'], selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }], ...over }, meta);
const nodes = [node('node-1', '172.18.0.2'), node('node-2', '172.18.0.3')];

function endpointsOf(objects: Parameters<typeof context>[0], name = 'web'): Endpoints | undefined {
  const ctx = context(objects);
  reconcileEndpointSlices(ctx);
  return ctx.objects.get<Endpoints>('Endpoints', 'default', name);
}

describe('Endpoints of a selector Service', () => {
  test('ready pods in addresses, unready in notReadyAddresses, ports named as the Service ports', () => {
    const ep = endpointsOf([web({}, { labels: { app: 'web' } }), ...nodes,
      pod('a', { ip: '10.244.1.3', uid: 'ua' }), pod('b', { ip: '10.244.1.2', node: 'node-2' }), pod('c', { ip: '10.244.1.4', ready: false })]);
    assert.deepEqual(ep?.metadata.labels, { app: 'web' });
    assert.deepEqual(ep?.subsets, [{
      addresses: [
        { ip: '10.244.1.2', nodeName: 'node-2', targetRef: { kind: 'Pod', namespace: 'default', name: 'b' } },
        { ip: '10.244.1.3', nodeName: 'node-1', targetRef: { kind: 'Pod', namespace: 'default', name: 'a', uid: 'ua' } },
      ],
      notReadyAddresses: [{ ip: '10.244.1.4', nodeName: 'node-1', targetRef: { kind: 'Pod', namespace: 'default', name: 'c' } }],
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    }]);
  });

  test('terminating pods are left out unless the Service publishes not-ready addresses (then they are ready)', () => {
    const plain = endpointsOf([web(), ...nodes, pod('t', { terminating: true })]);
    assert.equal(plain?.subsets, undefined);
    const published = endpointsOf([web({ publishNotReadyAddresses: true }), ...nodes, pod('t', { terminating: true, ready: false })]);
    assert.deepEqual(published?.subsets?.[0].addresses?.map((a) => a.ip), ['10.244.1.10']);
  });

  test('pods resolving a named port differently are repacked into separate subsets', () => {
    const ep = endpointsOf([web(), ...nodes,
      pod('a', { ip: '10.244.1.2', ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }] }),
      pod('b', { ip: '10.244.1.3', ports: [{ name: 'http', containerPort: 9090, protocol: 'TCP' }] })]);
    const bySubset = (ep?.subsets ?? []).map((s) => `${s.ports?.[0].port}:${(s.addresses ?? []).map((a) => a.ip).join(',')}`).sort();
    assert.deepEqual(bySubset, ['8080:10.244.1.2', '9090:10.244.1.3']);
  });

  test('hostname follows the same rule as slices (hostname + subdomain naming the Service)', () => {
    const ep = endpointsOf([web(), ...nodes, pod('a', { hostname: 'web-0', subdomain: 'web' })]);
    assert.equal(ep?.subsets?.[0].addresses?.[0].hostname, 'web-0');
  });

  test('headless Service: label service.kubernetes.io/headless; without ports, a subset without ports', () => {
    const ep = endpointsOf([web({ clusterIP: 'None', ports: undefined }), ...nodes, pod('a')]);
    assert.equal(ep?.metadata.labels?.['service.kubernetes.io/headless'], '');
    assert.deepEqual(ep?.subsets, [{ addresses: [{ ip: '10.244.1.10', nodeName: 'node-1', targetRef: { kind: 'Pod', namespace: 'default', name: 'a' } }] }]);
  });

  test('more than 1000 addresses: truncated to 1000 with endpoints.kubernetes.io/over-capacity: truncated', () => {
    const pods = Array.from({ length: 1005 }, (_, i) => pod(`p${i}`, { ip: `10.244.${Math.floor(i / 250)}.${(i % 250) + 2}` }));
    const ep = endpointsOf([web(), ...nodes, ...pods]);
    const total = (ep?.subsets ?? []).reduce((n, s) => n + (s.addresses?.length ?? 0) + (s.notReadyAddresses?.length ?? 0), 0);
    assert.equal(total, 1000);
    assert.equal(ep?.metadata.annotations?.['endpoints.kubernetes.io/over-capacity'], 'truncated');
  });

  test('at 1000 addresses nothing is truncated and the annotation is removed', () => {
    const pods = Array.from({ length: 1000 }, (_, i) => pod(`p${i}`, { ip: `10.244.${Math.floor(i / 250)}.${(i % 250) + 2}` }));
    const prev: Endpoints = { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'web', namespace: 'default', annotations: { 'endpoints.kubernetes.io/over-capacity': 'truncated' } } };
    const ep = endpointsOf([web(), ...nodes, ...pods, prev]);
    assert.equal(ep?.subsets?.[0].addresses?.length, 1000);
    assert.equal(ep?.metadata.annotations, undefined);
  });
});

describe('truncateEndpoints proportions', () => {
  const addrs = (n: number, base: number): { ip: string }[] => Array.from({ length: n }, (_, i) => ({ ip: `10.0.${base}.${i}` }));
  test('ready addresses are kept before not-ready ones', () => {
    const subsets = [{ addresses: addrs(900, 1), notReadyAddresses: addrs(200, 2) }];
    assert.equal(truncateSubsets(subsets), true);
    assert.equal(subsets[0].addresses.length, 900);
    assert.equal(subsets[0].notReadyAddresses.length, 100);
  });
  test('over 1000 ready: each subset keeps its share rounded up, not-ready all dropped', () => {
    const subsets: { addresses?: { ip: string }[]; notReadyAddresses?: { ip: string }[] }[] = [
      { addresses: addrs(1500, 1) }, { addresses: addrs(500, 2), notReadyAddresses: addrs(10, 3) },
    ];
    truncateSubsets(subsets);
    assert.equal(subsets[0].addresses?.length, 750);
    assert.equal(subsets[1].addresses?.length, 250);
    assert.equal(subsets[1].notReadyAddresses, undefined);
  });
});

describe('the kubernetes Service (the API server endpoint reconciler)', () => {
  const kubernetes = service('kubernetes', { clusterIP: '10.96.0.1', ports: [{ name: 'https', port: 443, targetPort: 6443, protocol: 'TCP' }] });

  test('Endpoints and EndpointSlice "kubernetes" list the first node on 6443/https', () => {
    const ctx = context([kubernetes, ...nodes]);
    reconcileEndpointSlices(ctx);
    const ep = ctx.objects.get<Endpoints>('Endpoints', 'default', 'kubernetes');
    assert.deepEqual(ep?.metadata.labels, { 'endpointslice.kubernetes.io/skip-mirror': 'true' });
    assert.deepEqual(ep?.subsets, [{ addresses: [{ ip: '172.18.0.2' }], ports: [{ name: 'https', port: 6443, protocol: 'TCP' }] }]);
    const slice = ctx.objects.get<EndpointSlice>('EndpointSlice', 'default', 'kubernetes');
    assert.deepEqual(slice?.metadata.labels, { 'kubernetes.io/service-name': 'kubernetes' });
    assert.equal(slice?.addressType, 'IPv4');
    assert.deepEqual(slice?.endpoints, [{ addresses: ['172.18.0.2'], conditions: { ready: true } }]);
    assert.deepEqual(slice?.ports, [{ name: 'https', protocol: 'TCP', port: 6443 }]);
    // Not mirrored: the Endpoints carries skip-mirror.
    assert.equal(ctx.objects.list<EndpointSlice>('EndpointSlice').filter((s) => s.metadata.labels?.['kubernetes.io/service-name'] === 'kubernetes').length, 1);
  });

  test('control-plane nodes are the API server when labelled', () => {
    const ctx = context([kubernetes, node('a-worker', '172.18.0.5'), node('cp', '172.18.0.9', undefined, { 'node-role.kubernetes.io/control-plane': '' })]);
    reconcileEndpointSlices(ctx);
    assert.deepEqual(ctx.objects.get<Endpoints>('Endpoints', 'default', 'kubernetes')?.subsets?.[0].addresses, [{ ip: '172.18.0.9' }]);
  });
});
