/**
 * EndpointSlice controller against k8s.io/endpointslice (utils.go podToEndpoint/getEndpointPorts,
 * reconciler.go placement, trafficdist) and util/controller_utils.go (ShouldPodBeInEndpoints,
 * ShouldSetHostname): eligibility, conditions, named ports, grouping, 100 per slice, labels, owner,
 * hints, placeholder, user slices, garbage, and stability of names.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { EndpointSlice, Pod, Service } from '../../src/api/types.ts';
import { defaultClusterConfig } from '../../src/cluster/config.ts';
import { Store } from '../../src/cluster/store.ts';
import { applyObjects, deleteObjects } from '../../src/controllers/apply.ts';
import { reconcileEndpointSlices } from '../../src/controllers/endpointslices.ts';
import { context, manifests, node, pod, service, yaml } from './fixtures.ts';

const web = (over: Partial<Service['spec']> = {}, meta: Partial<Service['metadata']> = {}): Service =>
  service('web', { clusterIP: '10.96.10.10', ipFamilies: ['IPv4'], selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }], ...over }, meta);

const nodes = [node('node-1', '172.18.0.2', 'zone-a'), node('node-2', '172.18.0.3', 'zone-b')];

function run(objects: Parameters<typeof context>[0]): ReturnType<typeof context> {
  const ctx = context(objects);
  reconcileEndpointSlices(ctx);
  return ctx;
}

function slicesOf(ctx: ReturnType<typeof context>, svc = 'web'): EndpointSlice[] {
  return ctx.objects.list<EndpointSlice>('EndpointSlice').filter((s) => s.metadata.labels?.['kubernetes.io/service-name'] === svc);
}

const endpointsByPod = (slices: EndpointSlice[]): Map<string, NonNullable<EndpointSlice['endpoints']>[number]> =>
  new Map(slices.flatMap((s) => (s.endpoints ?? []).map((e) => [e.targetRef!.name!, e] as const)));

describe('slice shape', () => {
  test('labels, owner reference, generated name, address type, ports and endpoint fields', () => {
    const ctx = run([web({}, { labels: { team: 'a' }, uid: 'svc-uid' }), ...nodes, pod('web-1', { ip: '10.244.1.10', uid: 'pod-uid-1' }), pod('web-2', { ip: '10.244.2.10', node: 'node-2' })]);
    const [slice, ...rest] = slicesOf(ctx);
    assert.equal(rest.length, 0);
    assert.match(slice.metadata.name, /^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    assert.equal(slice.metadata.generateName, 'web-');
    assert.deepEqual(slice.metadata.labels, {
      'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io',
      'kubernetes.io/service-name': 'web',
      team: 'a',
    });
    assert.deepEqual(slice.metadata.ownerReferences, [{ apiVersion: 'v1', kind: 'Service', name: 'web', uid: 'svc-uid', controller: true, blockOwnerDeletion: true }]);
    assert.equal(slice.addressType, 'IPv4');
    assert.deepEqual(slice.ports, [{ name: 'http', protocol: 'TCP', port: 8080 }]);
    assert.deepEqual(slice.endpoints, [
      {
        addresses: ['10.244.1.10'],
        conditions: { ready: true, serving: true, terminating: false },
        targetRef: { kind: 'Pod', namespace: 'default', name: 'web-1', uid: 'pod-uid-1' },
        nodeName: 'node-1',
        zone: 'zone-a',
      },
      {
        addresses: ['10.244.2.10'],
        conditions: { ready: true, serving: true, terminating: false },
        targetRef: { kind: 'Pod', namespace: 'default', name: 'web-2' },
        nodeName: 'node-2',
        zone: 'zone-b',
      },
    ]);
  });

  test('headless Service: slices carry service.kubernetes.io/headless', () => {
    const ctx = run([web({ clusterIP: 'None' }), ...nodes, pod('web-1')]);
    assert.equal(slicesOf(ctx)[0].metadata.labels?.['service.kubernetes.io/headless'], '');
  });

  test('a Service without matching pods gets one placeholder slice (no endpoints, no ports)', () => {
    const ctx = run([web(), ...nodes]);
    const slices = slicesOf(ctx);
    assert.equal(slices.length, 1);
    assert.equal(slices[0].endpoints, null);
    assert.equal(slices[0].ports, null);
  });
});

describe('eligibility (ShouldPodBeInEndpoints with terminating pods included)', () => {
  const cases: [string, Pod, boolean][] = [
    ['running pod with an IP', pod('p', { ip: '10.244.1.2' }), true],
    ['pod without an IP yet', pod('p', { ip: '' }), false],
    ['Succeeded pod', pod('p', { phase: 'Succeeded' }), false],
    ['Failed pod', pod('p', { phase: 'Failed' }), false],
    ['Pending pod with an IP (not ready)', pod('p', { phase: 'Pending', ready: false }), true],
    ['terminating pod', pod('p', { terminating: true }), true],
    ['pod of another namespace', pod('p', { namespace: 'other' }), false],
    ['pod not matching the selector', pod('p', { labels: { app: 'db' } }), false],
    ['pod on a Node that does not exist', pod('p', { node: 'node-9' }), false],
  ];
  for (const [name, p, included] of cases) {
    test(`${name} → ${included ? 'an endpoint' : 'no endpoint'}`, () => {
      const ctx = run([web(), ...nodes, p]);
      assert.equal(endpointsByPod(slicesOf(ctx)).has('p'), included);
    });
  }

  test('pod on a missing Node is kept when the Service publishes not-ready addresses', () => {
    const ctx = run([web({ publishNotReadyAddresses: true }), ...nodes, pod('p', { node: 'node-9' })]);
    assert.ok(endpointsByPod(slicesOf(ctx)).has('p'));
  });
});

describe('conditions: serving = Ready, terminating = deletionTimestamp, ready = publishNotReadyAddresses || (serving && !terminating)', () => {
  const cases: [string, { ready: boolean; terminating?: boolean }, boolean, [boolean, boolean, boolean]][] = [
    ['ready pod', { ready: true }, false, [true, true, false]],
    ['unready pod', { ready: false }, false, [false, false, false]],
    ['terminating pod still passing readiness', { ready: true, terminating: true }, false, [false, true, true]],
    ['terminating unready pod', { ready: false, terminating: true }, false, [false, false, true]],
    ['unready pod, publishNotReadyAddresses', { ready: false }, true, [true, false, false]],
    ['terminating pod, publishNotReadyAddresses', { ready: true, terminating: true }, true, [true, true, true]],
  ];
  for (const [name, p, publish, [ready, serving, terminating]] of cases) {
    test(name, () => {
      const ctx = run([web({ publishNotReadyAddresses: publish }), ...nodes, pod('p', p)]);
      assert.deepEqual(endpointsByPod(slicesOf(ctx)).get('p')?.conditions, { ready, serving, terminating });
    });
  }
});

describe('ports', () => {
  test('a named targetPort resolves per pod; different resolutions land in different slices', () => {
    const ctx = run([
      web(), ...nodes,
      pod('a', { ip: '10.244.1.2', ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }] }),
      pod('b', { ip: '10.244.1.3', ports: [{ name: 'http', containerPort: 9090, protocol: 'TCP' }] }),
    ]);
    const byPort = new Map(slicesOf(ctx).map((s) => [s.ports?.[0]?.port, (s.endpoints ?? []).map((e) => e.targetRef?.name)]));
    assert.deepEqual(Object.fromEntries(byPort), { 8080: ['a'], 9090: ['b'] });
  });

  test('name AND protocol must match: a UDP Service port does not resolve to a TCP container port', () => {
    const dns = service('dns', {
      clusterIP: '10.96.0.10', selector: { app: 'dns' },
      ports: [{ name: 'dns', port: 53, targetPort: 'dns', protocol: 'UDP' }, { name: 'dns-tcp', port: 53, targetPort: 'dns-tcp', protocol: 'TCP' }],
    });
    const ctx = run([dns, ...nodes,
      pod('full', { labels: { app: 'dns' }, ip: '10.244.1.2', ports: [{ name: 'dns', containerPort: 53, protocol: 'UDP' }, { name: 'dns-tcp', containerPort: 53, protocol: 'TCP' }] }),
      pod('tcp-only', { labels: { app: 'dns' }, ip: '10.244.1.3', ports: [{ name: 'dns', containerPort: 53, protocol: 'TCP' }, { name: 'dns-tcp', containerPort: 53, protocol: 'TCP' }] }),
    ]);
    const slices = slicesOf(ctx, 'dns');
    const portsOf = (podName: string): string[] => {
      const s = slices.find((x) => (x.endpoints ?? []).some((e) => e.targetRef?.name === podName))!;
      return (s.ports ?? []).map((p) => `${p.name}/${p.protocol}/${p.port}`).sort();
    };
    assert.deepEqual(portsOf('full'), ['dns-tcp/TCP/53', 'dns/UDP/53']);
    assert.deepEqual(portsOf('tcp-only'), ['dns-tcp/TCP/53']);
  });

  test('a numeric targetPort is used as is, without any containerPort', () => {
    const ctx = run([web({ ports: [{ port: 80, targetPort: 7777, protocol: 'TCP' }] }), ...nodes, pod('a', { ports: [] })]);
    assert.deepEqual(slicesOf(ctx)[0].ports, [{ name: '', protocol: 'TCP', port: 7777 }]);
  });
});

describe('hostname, hostNetwork, zone hints', () => {
  test('hostname only when spec.hostname is set and spec.subdomain names the Service', () => {
    const ctx = run([web(), ...nodes,
      pod('match', { ip: '10.244.1.2', hostname: 'web-0', subdomain: 'web' }),
      pod('other-subdomain', { ip: '10.244.1.3', hostname: 'web-1', subdomain: 'api' }),
      pod('no-hostname', { ip: '10.244.1.4', subdomain: 'web' }),
    ]);
    const eps = endpointsByPod(slicesOf(ctx));
    assert.equal(eps.get('match')?.hostname, 'web-0');
    assert.equal(eps.get('other-subdomain')?.hostname, undefined);
    assert.equal(eps.get('no-hostname')?.hostname, undefined);
  });

  test('a hostNetwork pod is reached at its IP, the node IP', () => {
    const ctx = run([web(), ...nodes, pod('hostnet', { ip: '172.18.0.2', hostNetwork: true })]);
    assert.deepEqual(endpointsByPod(slicesOf(ctx)).get('hostnet')?.addresses, ['172.18.0.2']);
  });

  const hinted: [string, Partial<Service['spec']>, Partial<Service['metadata']>][] = [
    ['trafficDistribution: PreferClose', { trafficDistribution: 'PreferClose' }, {}],
    ['annotation service.kubernetes.io/topology-mode: Auto', {}, { annotations: { 'service.kubernetes.io/topology-mode': 'Auto' } }],
  ];
  for (const [name, spec, meta] of hinted) {
    test(`${name}: ready endpoints hint their own zone; unready ones get no hint`, () => {
      const ctx = run([web(spec, meta), ...nodes, pod('a', { ip: '10.244.1.2' }), pod('b', { ip: '10.244.2.2', node: 'node-2' }), pod('c', { ip: '10.244.1.3', ready: false })]);
      const eps = endpointsByPod(slicesOf(ctx));
      assert.deepEqual(eps.get('a')?.hints, { forZones: [{ name: 'zone-a' }] });
      assert.deepEqual(eps.get('b')?.hints, { forZones: [{ name: 'zone-b' }] });
      assert.equal(eps.get('c')?.hints, undefined);
    });
  }

  test('without trafficDistribution there are no hints', () => {
    const ctx = run([web(), ...nodes, pod('a')]);
    assert.equal(endpointsByPod(slicesOf(ctx)).get('a')?.hints, undefined);
  });
});

describe('slicing and stability', () => {
  const many = (n: number): Pod[] =>
    Array.from({ length: n }, (_, i) => pod(`web-${String(i).padStart(3, '0')}`, { ip: `10.244.${1 + Math.floor(i / 200)}.${(i % 200) + 2}` }));

  test('250 endpoints → 3 slices of at most 100 (--max-endpoints-per-slice)', () => {
    const ctx = run([web(), ...nodes, ...many(250)]);
    const sizes = slicesOf(ctx).map((s) => (s.endpoints ?? []).length).sort((a, b) => b - a);
    assert.deepEqual(sizes, [100, 100, 50]);
  });

  test('reconciling again changes nothing (the very same objects stay)', () => {
    const ctx = run([web(), ...nodes, ...many(120)]);
    const before = slicesOf(ctx);
    const ep = ctx.objects.get('Endpoints', 'default', 'web');
    reconcileEndpointSlices(ctx);
    const after = slicesOf(ctx);
    assert.equal(after.length, before.length);
    after.forEach((s, i) => assert.equal(s, before[i]));
    assert.equal(ctx.objects.get('Endpoints', 'default', 'web'), ep);
  });

  test('adding a pod keeps the slice name; removing all pods leaves the placeholder under the same name', () => {
    const ctx = run([web(), ...nodes, pod('a', { ip: '10.244.1.2' })]);
    const [first] = slicesOf(ctx);
    ctx.objects.put(pod('b', { ip: '10.244.1.3' }));
    reconcileEndpointSlices(ctx);
    const [second, ...none] = slicesOf(ctx);
    assert.equal(none.length, 0);
    assert.equal(second.metadata.name, first.metadata.name);
    assert.deepEqual((second.endpoints ?? []).map((e) => e.targetRef?.name), ['a', 'b']);
    ctx.objects.delete('Pod/default/a');
    ctx.objects.delete('Pod/default/b');
    reconcileEndpointSlices(ctx);
    const [third, ...none2] = slicesOf(ctx);
    assert.equal(none2.length, 0);
    assert.equal(third.metadata.name, first.metadata.name);
    assert.equal(third.endpoints, null);
  });

  test('a slice imported from a dump is recomputed in place: its name stays, stale endpoints go, IPs are the pods\'', () => {
    const imported: EndpointSlice = {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        name: 'web-x7k2p', namespace: 'default', generateName: 'web-', uid: 'slice-uid',
        labels: { 'kubernetes.io/service-name': 'web', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' },
        ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: 'web', uid: 'svc-uid', controller: true, blockOwnerDeletion: true }],
      },
      addressType: 'IPv4',
      ports: [{ name: 'http', protocol: 'TCP', port: 8080 }],
      endpoints: [
        { addresses: ['10.244.1.10'], conditions: { ready: true, serving: true, terminating: false }, targetRef: { kind: 'Pod', namespace: 'default', name: 'web-1', uid: 'p1' }, nodeName: 'node-1', zone: 'zone-a' },
        { addresses: ['10.244.9.9'], conditions: { ready: true, serving: true, terminating: false }, targetRef: { kind: 'Pod', namespace: 'default', name: 'gone', uid: 'p9' }, nodeName: 'node-1' },
      ],
    };
    const ctx = run([web({}, { uid: 'svc-uid' }), ...nodes, pod('web-1', { ip: '10.244.1.10', uid: 'p1' }), imported]);
    const slices = slicesOf(ctx);
    assert.deepEqual(slices.map((s) => s.metadata.name), ['web-x7k2p']);
    assert.deepEqual(slices[0].endpoints?.map((e) => e.addresses[0]), ['10.244.1.10']);
  });

  test('an imported slice identical to the computed one is kept as the same object', () => {
    const first = run([web({}, { uid: 'svc-uid' }), ...nodes, pod('web-1', { ip: '10.244.1.10', uid: 'p1' })]);
    const [computed] = slicesOf(first);
    const imported = structuredClone(computed);
    imported.metadata = { ...imported.metadata, uid: 'from-dump', resourceVersion: '123' };
    const ctx = run([web({}, { uid: 'svc-uid' }), ...nodes, pod('web-1', { ip: '10.244.1.10', uid: 'p1' }), imported]);
    assert.equal(slicesOf(ctx)[0], ctx.objects.get('EndpointSlice', 'default', imported.metadata.name));
    assert.equal(ctx.objects.get('EndpointSlice', 'default', imported.metadata.name), imported);
  });

  test('slices owned by an earlier incarnation of the Service (other uid) are replaced', () => {
    const stale: EndpointSlice = {
      apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
      metadata: {
        name: 'web-old11', namespace: 'default',
        labels: { 'kubernetes.io/service-name': 'web', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' },
        ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: 'web', uid: 'old-uid', controller: true }],
      },
      addressType: 'IPv4', ports: [{ name: 'http', protocol: 'TCP', port: 8080 }],
      endpoints: [{ addresses: ['10.244.1.10'], conditions: { ready: true } }],
    };
    const ctx = run([web({}, { uid: 'new-uid' }), ...nodes, pod('web-1', { ip: '10.244.1.10' }), stale]);
    const slices = slicesOf(ctx);
    assert.equal(slices.length, 1);
    assert.notEqual(slices[0].metadata.name, 'web-old11');
    assert.equal(slices[0].metadata.ownerReferences?.[0].uid, 'new-uid');
  });
});

describe('Services the controller does not manage', () => {
  const userSlice: EndpointSlice = {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
    metadata: { name: 'ext-1', namespace: 'default', labels: { 'kubernetes.io/service-name': 'ext' } },
    addressType: 'IPv4', ports: [{ name: '', protocol: 'TCP', port: 5432 }],
    endpoints: [{ addresses: ['192.0.2.10'], conditions: { ready: true } }],
  };

  test('selectorless Service: user slices are left alone, no controller slices, no Endpoints', () => {
    const ctx = run([service('ext', { clusterIP: '10.96.20.20', ports: [{ port: 5432 }] }), userSlice, ...nodes]);
    assert.deepEqual(slicesOf(ctx, 'ext'), [userSlice]);
    assert.equal(slicesOf(ctx, 'ext')[0], userSlice);
    assert.equal(ctx.objects.get('Endpoints', 'default', 'ext'), undefined);
  });

  test('ExternalName Service: no slices even with a selector', () => {
    const ctx = run([service('ext', { type: 'ExternalName', externalName: 'db.example.com', selector: { app: 'web' } }), ...nodes, pod('a')]);
    assert.deepEqual(slicesOf(ctx, 'ext'), []);
  });

  test('deleting a Service deletes its slices and its Endpoints', () => {
    const store = new Store();
    const text = yaml(
      'apiVersion: v1', 'kind: Service', 'metadata: {name: web}', 'spec:', '  selector: {app: web}', '  ports: [{name: http, port: 80, targetPort: 8080}]',
    );
    applyObjects(store, manifests(text), defaultClusterConfig());
    assert.ok(store.list().some((o) => o.kind === 'EndpointSlice' && o.metadata.labels?.['kubernetes.io/service-name'] === 'web'));
    assert.ok(store.get('Endpoints/default/web'));
    deleteObjects(store, ['Service/default/web'], defaultClusterConfig());
    assert.ok(!store.list().some((o) => o.kind === 'EndpointSlice' && o.metadata.labels?.['kubernetes.io/service-name'] === 'web'));
    assert.equal(store.get('Endpoints/default/web'), undefined);
  });
});

describe('through apply', () => {
  const text = yaml(
    'apiVersion: v1', 'kind: Node', 'metadata: {name: node-1, labels: {topology.kubernetes.io/zone: zone-a}}',
    'status: {addresses: [{type: InternalIP, address: 172.18.0.2}]}',
    '---',
    'apiVersion: v1', 'kind: Service', 'metadata: {name: web}', 'spec:', '  selector: {app: web}', '  ports: [{name: http, port: 80, targetPort: http}]',
    '---',
    'apiVersion: v1', 'kind: Pod', 'metadata: {name: web-1, labels: {app: web}}',
    'spec: {nodeName: node-1, containers: [{name: c, image: nginx, ports: [{name: http, containerPort: 8080}]}]}',
    'status: {phase: Running, podIP: 10.244.1.10, podIPs: [{ip: 10.244.1.10}], conditions: [{type: Ready, status: "True"}]}',
  );

  test('apply twice: the second apply produces no events', () => {
    const store = new Store();
    const first = applyObjects(store, manifests(text), defaultClusterConfig());
    assert.ok(first.events.some((e) => e.object.kind === 'EndpointSlice'));
    const again = applyObjects(store, manifests(text), defaultClusterConfig());
    assert.deepEqual(again.events.map((e) => `${e.type} ${e.object.kind}/${e.object.metadata.name}`), []);
  });

  test('the slice references the stored Service and pod uids', () => {
    const store = new Store();
    applyObjects(store, manifests(text), defaultClusterConfig());
    applyObjects(store, [], defaultClusterConfig());
    const svc = store.get('Service/default/web')!;
    const p = store.get('Pod/default/web-1')!;
    const slice = store.list().find((o) => o.kind === 'EndpointSlice' && o.metadata.labels?.['kubernetes.io/service-name'] === 'web') as EndpointSlice;
    assert.equal(slice.metadata.ownerReferences?.[0].uid, svc.metadata.uid);
    assert.equal(slice.endpoints?.[0].targetRef?.uid, p.metadata.uid);
    assert.deepEqual(slice.endpoints?.[0].addresses, ['10.244.1.10']);
  });
});
