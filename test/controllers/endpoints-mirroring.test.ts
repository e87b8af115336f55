/**
 * EndpointSlice mirroring against pkg/controller/endpointslicemirroring: which Endpoints are mirrored
 * (selectorless Service, no skip-mirror label), the slice's labels/owner/annotations, ready=false for
 * notReadyAddresses, one slice per port set and address family, cleanup.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { EndpointSlice, Endpoints } from '../../src/api/types.ts';
import { reconcileEndpointSlices } from '../../src/controllers/endpointslices.ts';
import { context, service } from './fixtures.ts';

const selectorless = service('db', { clusterIP: '10.96.30.30', ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }] });

function userEndpoints(extra: Partial<Endpoints['metadata']> = {}, subsets: Endpoints['subsets'] = undefined): Endpoints {
  return {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: 'db', namespace: 'default', uid: 'ep-uid', labels: { tier: 'db' }, annotations: { note: 'external', 'kubectl.kubernetes.io/last-applied-configuration': '{}' }, ...extra },
    subsets: subsets ?? [{
      addresses: [{ ip: '192.0.2.10' }, { ip: '192.0.2.11', hostname: 'db-1' }],
      notReadyAddresses: [{ ip: '192.0.2.12' }],
      ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }],
    }],
  };
}

function mirrored(objects: Parameters<typeof context>[0]): { ctx: ReturnType<typeof context>; slices: EndpointSlice[] } {
  const ctx = context(objects);
  reconcileEndpointSlices(ctx);
  const slices = ctx.objects.list<EndpointSlice>('EndpointSlice').filter((s) => s.metadata.labels?.['endpointslice.kubernetes.io/managed-by'] === 'endpointslicemirroring-controller.k8s.io');
  return { ctx, slices };
}

describe('mirroring user Endpoints of a selectorless Service', () => {
  test('one slice: labels, owner reference to the Endpoints, annotations, notReady → ready: false', () => {
    const { ctx, slices } = mirrored([selectorless, userEndpoints()]);
    assert.equal(slices.length, 1);
    const s = slices[0];
    assert.match(s.metadata.name, /^db-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    assert.deepEqual(s.metadata.labels, {
      'endpointslice.kubernetes.io/managed-by': 'endpointslicemirroring-controller.k8s.io',
      'kubernetes.io/service-name': 'db',
      tier: 'db',
    });
    assert.deepEqual(s.metadata.annotations, { note: 'external' });
    assert.deepEqual(s.metadata.ownerReferences, [{ apiVersion: 'v1', kind: 'Endpoints', name: 'db', uid: 'ep-uid', controller: true, blockOwnerDeletion: true }]);
    assert.equal(s.addressType, 'IPv4');
    assert.deepEqual(s.ports, [{ name: 'pg', port: 5432, protocol: 'TCP' }]);
    assert.deepEqual(s.endpoints, [
      { addresses: ['192.0.2.10'], conditions: { ready: true } },
      { addresses: ['192.0.2.11'], conditions: { ready: true }, hostname: 'db-1' },
      { addresses: ['192.0.2.12'], conditions: { ready: false } },
    ]);
    // The user's Endpoints object is theirs: not rewritten.
    assert.deepEqual(ctx.objects.get<Endpoints>('Endpoints', 'default', 'db')?.subsets, userEndpoints().subsets);
  });

  test('reconciling again keeps the same slice object', () => {
    const { ctx, slices } = mirrored([selectorless, userEndpoints()]);
    reconcileEndpointSlices(ctx);
    assert.equal(ctx.objects.get('EndpointSlice', 'default', slices[0].metadata.name), slices[0]);
  });

  test('subsets with different ports and address families → one slice each', () => {
    const { slices } = mirrored([selectorless, userEndpoints({}, [
      { addresses: [{ ip: '192.0.2.10' }, { ip: '2001:db8::10' }], ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }] },
      { addresses: [{ ip: '192.0.2.20' }], ports: [{ name: 'pg', port: 6432, protocol: 'TCP' }] },
    ])]);
    const shape = slices.map((s) => `${s.addressType} ${s.ports?.[0].port} ${(s.endpoints ?? []).map((e) => e.addresses[0]).join(',')}`).sort();
    assert.deepEqual(shape, ['IPv4 5432 192.0.2.10', 'IPv4 6432 192.0.2.20', 'IPv6 5432 2001:db8::10']);
  });

  test('at most 1000 addresses per subset are mirrored', () => {
    const addresses = Array.from({ length: 1200 }, (_, i) => ({ ip: `10.1.${Math.floor(i / 250)}.${i % 250}` }));
    const { slices } = mirrored([selectorless, userEndpoints({}, [{ addresses, ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }] }])]);
    assert.equal(slices.reduce((n, s) => n + (s.endpoints ?? []).length, 0), 1000);
  });
});

describe('not mirrored', () => {
  const cases: [string, Parameters<typeof context>[0]][] = [
    ['Endpoints labelled endpointslice.kubernetes.io/skip-mirror: "true"', [selectorless, userEndpoints({ labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } })]],
    ['Endpoints of a Service with a selector (the endpoints controller owns them)', [service('db', { clusterIP: '10.96.30.30', selector: { app: 'db' }, ports: [{ port: 5432 }] }), userEndpoints()]],
    ['a leader-election record', [selectorless, userEndpoints({ annotations: { 'control-plane.alpha.kubernetes.io/leader': '{}' } })]],
  ];
  for (const [name, objects] of cases) test(name, () => assert.equal(mirrored(objects).slices.length, 0));

  test('deleting the Endpoints deletes the mirrored slices', () => {
    const { ctx, slices } = mirrored([selectorless, userEndpoints()]);
    assert.equal(slices.length, 1);
    ctx.objects.delete('Endpoints/default/db');
    reconcileEndpointSlices(ctx);
    assert.equal(ctx.objects.get('EndpointSlice', 'default', slices[0].metadata.name), undefined);
  });

  test('a Service that gains a selector loses its mirrored slices', () => {
    const { ctx, slices } = mirrored([selectorless, userEndpoints()]);
    ctx.objects.put(service('db', { clusterIP: '10.96.30.30', selector: { app: 'db' }, ports: [{ name: 'pg', port: 5432 }] }));
    reconcileEndpointSlices(ctx);
    assert.equal(ctx.objects.get('EndpointSlice', 'default', slices[0].metadata.name), undefined);
  });
});
