/**
 * Service allocators against upstream rules: KEP-3070 ClusterIP bands (pkg/registry/core/service/
 * ipallocator), KEP-3668 NodePort bands (portallocator), initNodePorts' sharing of one nodePort by
 * ports differing only in protocol, healthCheckNodePort for LoadBalancer + externalTrafficPolicy
 * Local, dropTypeDependentFields, and LoadBalancer ingress from a pool.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InvalidInputError } from '../../src/api/errors.ts';
import type { Service } from '../../src/api/types.ts';
import { defaultClusterConfig } from '../../src/cluster/config.ts';
import { Store } from '../../src/cluster/store.ts';
import { applyObjects } from '../../src/controllers/apply.ts';
import { clusterIPStaticBand, nodePortStaticBand } from '../../src/controllers/band-allocator.ts';
import { reconcileServiceAllocation } from '../../src/controllers/service-allocation.ts';
import { context, ipBetween, manifests, service, yaml } from './fixtures.ts';

const svcOf = (ctx: ReturnType<typeof context>, name: string, ns = 'default'): Service => ctx.objects.get<Service>('Service', ns, name)!;

function allocate(services: Service[], config: Parameters<typeof context>[1] = {}): ReturnType<typeof context> {
  const ctx = context(services, config);
  reconcileServiceAllocation(ctx);
  return ctx;
}

describe('ClusterIP static band size (KEP-3070: min(max(16, size/16), 256))', () => {
  const cases: [string, bigint, bigint][] = [
    ['/28 (16 addresses): no static band', 16n, 0n],
    ['/27 (32 addresses): at least 16', 32n, 16n],
    ['/24: 256/16 = 16', 256n, 16n],
    ['/22: 1024/16 = 64', 1024n, 64n],
    ['/20: 4096/16 = 256', 4096n, 256n],
    ['/12 (kubeadm default): capped at 256', 1n << 20n, 256n],
    ['IPv6 /64: capped at 256', 1n << 64n, 256n],
  ];
  for (const [name, size, want] of cases) test(name, () => assert.equal(clusterIPStaticBand(size), want));
});

describe('NodePort static band size (KEP-3668: min(max(16, size/32), 128))', () => {
  const cases: [string, number, number][] = [
    ['16 ports: no static band', 16, 0],
    ['100 ports: at least 16', 100, 16],
    ['30000-32767 (2768 ports): 86, i.e. 30000-30085', 2768, 86],
    ['10000 ports: capped at 128', 10000, 128],
  ];
  for (const [name, size, want] of cases) test(name, () => assert.equal(nodePortStaticBand(size), want));
});

describe('ClusterIP allocation', () => {
  test('dynamic allocation in a /12 lands in the upper band (from 10.96.1.1), never network or broadcast', () => {
    const services = Array.from({ length: 60 }, (_, i) => service(`s${i}`, { selector: { app: `s${i}` }, ports: [{ port: 80 }] }));
    const ctx = allocate(services);
    const ips = services.map((s) => svcOf(ctx, s.metadata.name).spec.clusterIP!);
    for (const ip of ips) assert.ok(ipBetween(ip, '10.96.1.1', '10.111.255.254'), `${ip} is not in the dynamic band`);
    assert.equal(new Set(ips).size, ips.length, 'allocations are unique');
  });

  test('when the upper band is full, allocation falls back to the static band', () => {
    // /27: 30 usable addresses, static band 16 (10.96.0.1-10.96.0.16), upper band 10.96.0.17-10.96.0.30 (14).
    const services = Array.from({ length: 15 }, (_, i) => service(`s${String(i).padStart(2, '0')}`, { ports: [{ port: 80 }] }));
    const ctx = allocate(services, { serviceCIDR: '10.96.0.0/27' });
    const ips = services.map((s) => svcOf(ctx, s.metadata.name).spec.clusterIP!);
    const upper = ips.filter((ip) => ipBetween(ip, '10.96.0.17', '10.96.0.30'));
    const lower = ips.filter((ip) => ipBetween(ip, '10.96.0.2', '10.96.0.16'));
    assert.equal(upper.length, 14, `upper band filled first: ${ips.join(' ')}`);
    assert.equal(lower.length, 1);
    assert.equal(new Set(ips).size, 15);
  });

  test('the first address is left for default/kubernetes; a full range is an error', () => {
    // /29: 6 usable addresses 10.96.0.1-10.96.0.6, no static band.
    const services = Array.from({ length: 6 }, (_, i) => service(`s${i}`, { ports: [{ port: 80 }] }));
    const ctx = allocate(services, { serviceCIDR: '10.96.0.0/29' });
    const ips = services.map((s) => svcOf(ctx, s.metadata.name).spec.clusterIP).filter(Boolean);
    assert.equal(ips.length, 5);
    assert.ok(!ips.includes('10.96.0.1'));
    assert.equal(ctx.errors.length, 1);
    assert.match(ctx.errors[0].reason, /range is full/);
    const k = allocate([service('kubernetes', { ports: [{ name: 'https', port: 443, targetPort: 6443 }] })], { serviceCIDR: '10.96.0.0/29' });
    assert.equal(svcOf(k, 'kubernetes').spec.clusterIP, '10.96.0.1');
  });

  test('IPv6 single-stack service CIDR: upper band too, family IPv6', () => {
    // fd00:10:96::/112: 65536 addresses, static band 256 → dynamic from fd00:10:96::101.
    const ctx = allocate(Array.from({ length: 20 }, (_, i) => service(`v6-${i}`, { ports: [{ port: 80 }] })), { serviceCIDR: 'fd00:10:96::/112' });
    for (let i = 0; i < 20; i++) {
      const spec = svcOf(ctx, `v6-${i}`).spec;
      const low = Number.parseInt(spec.clusterIP!.split(':').pop()!, 16);
      assert.ok(spec.clusterIP!.startsWith('fd00:10:96::') && low >= 0x101, spec.clusterIP);
      assert.deepEqual(spec.ipFamilies, ['IPv6']);
    }
  });

  test("a Service's allocation does not depend on which other Services exist", () => {
    const alone = allocate([service('b', { ports: [{ port: 80 }] })]);
    const withOthers = allocate([service('a', { ports: [{ port: 80 }] }), service('b', { ports: [{ port: 80 }] }), service('c', { ports: [{ port: 80 }] })]);
    assert.equal(svcOf(withOthers, 'b').spec.clusterIP, svcOf(alone, 'b').spec.clusterIP);
  });

  test('explicit clusterIP honoured, clusterIPs/ipFamilies/ipFamilyPolicy filled in', () => {
    const ctx = allocate([service('dns', { clusterIP: '10.96.0.10', ports: [{ port: 53, protocol: 'UDP' }] })]);
    const spec = svcOf(ctx, 'dns').spec;
    assert.equal(spec.clusterIP, '10.96.0.10');
    assert.deepEqual(spec.clusterIPs, ['10.96.0.10']);
    assert.deepEqual(spec.ipFamilies, ['IPv4']);
    assert.equal(spec.ipFamilyPolicy, 'SingleStack');
  });

  test('headless stays None; ExternalName gets no ClusterIP', () => {
    const ctx = allocate([
      service('headless', { clusterIP: 'None', selector: { app: 'db' } }),
      service('ext', { type: 'ExternalName', externalName: 'example.com' }),
    ]);
    assert.equal(svcOf(ctx, 'headless').spec.clusterIP, 'None');
    assert.deepEqual(svcOf(ctx, 'headless').spec.clusterIPs, ['None']);
    assert.deepEqual(svcOf(ctx, 'headless').spec.ipFamilies, ['IPv4']);
    assert.equal(svcOf(ctx, 'ext').spec.clusterIP, undefined);
    assert.equal(svcOf(ctx, 'ext').spec.clusterIPs, undefined);
  });

  test('an allocated IP is kept when the Service is allocated again (idempotent, same objects)', () => {
    const ctx = allocate([service('web', { type: 'NodePort', ports: [{ port: 80 }] })]);
    const first = svcOf(ctx, 'web');
    reconcileServiceAllocation(ctx);
    assert.equal(svcOf(ctx, 'web'), first, 'the second run leaves the very same object');
  });
});

describe('NodePort allocation', () => {
  test('dynamic nodePorts prefer 30086-32767 over the static band 30000-30085', () => {
    const services = Array.from({ length: 40 }, (_, i) => service(`np${i}`, { type: 'NodePort', ports: [{ port: 80 }] }));
    const ctx = allocate(services);
    const ports = services.map((s) => svcOf(ctx, s.metadata.name).spec.ports![0].nodePort!);
    for (const p of ports) assert.ok(p >= 30086 && p <= 32767, `${p} not in the dynamic band`);
    assert.equal(new Set(ports).size, 40);
  });

  test('a full upper band falls back to the static band', () => {
    // 100 ports 31000-31099: static band 16 (31000-31015), upper 31016-31099 (84).
    const services = Array.from({ length: 85 }, (_, i) => service(`np${String(i).padStart(2, '0')}`, { type: 'NodePort', ports: [{ port: 80 }] }));
    const ctx = allocate(services, { nodePortRange: { base: 31000, size: 100 } });
    const ports = services.map((s) => svcOf(ctx, s.metadata.name).spec.ports![0].nodePort!);
    assert.equal(ports.filter((p) => p >= 31016).length, 84);
    assert.equal(ports.filter((p) => p < 31016 && p >= 31000).length, 1);
  });

  test('explicit nodePort honoured; ports differing only in protocol share one nodePort', () => {
    const ctx = allocate([
      service('dns', { type: 'NodePort', ports: [{ name: 'dns', port: 53, protocol: 'UDP', nodePort: 30053 }, { name: 'dns-tcp', port: 53, protocol: 'TCP', nodePort: 30053 }] }),
      service('dns2', { type: 'NodePort', ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }] }),
    ]);
    assert.deepEqual(ctx.errors, []);
    assert.deepEqual(svcOf(ctx, 'dns').spec.ports!.map((p) => p.nodePort), [30053, 30053]);
    const [u, t] = svcOf(ctx, 'dns2').spec.ports!.map((p) => p.nodePort);
    assert.equal(u, t, 'initNodePorts gives the same Service port one nodePort');
  });

  test('one explicit nodePort on two different Service ports is already allocated', () => {
    const ctx = allocate([service('x', { type: 'NodePort', ports: [{ name: 'a', port: 80, nodePort: 30080 }, { name: 'b', port: 81, protocol: 'UDP', nodePort: 30080 }] })]);
    assert.equal(ctx.errors.length, 1);
    assert.equal(ctx.errors[0].field, 'spec.ports[1].nodePort');
    assert.match(ctx.errors[0].reason, /provided port is already allocated/);
  });

  test('LoadBalancer with allocateLoadBalancerNodePorts: false gets no nodePorts', () => {
    const ctx = allocate([service('lb', { type: 'LoadBalancer', allocateLoadBalancerNodePorts: false, ports: [{ port: 80 }] })]);
    assert.equal(svcOf(ctx, 'lb').spec.ports![0].nodePort, undefined);
  });

  test('changing type to ClusterIP releases nodePorts and healthCheckNodePort', () => {
    const ctx = allocate([service('web', { type: 'ClusterIP', clusterIP: '10.96.5.5', healthCheckNodePort: 30500, ports: [{ port: 80, nodePort: 30080 }] })]);
    assert.equal(svcOf(ctx, 'web').spec.ports![0].nodePort, undefined);
    assert.equal(svcOf(ctx, 'web').spec.healthCheckNodePort, undefined);
  });

  test('healthCheckNodePort: allocated for LoadBalancer + externalTrafficPolicy Local only, distinct from nodePorts', () => {
    const ctx = allocate([
      service('local', { type: 'LoadBalancer', externalTrafficPolicy: 'Local', ports: [{ port: 80 }] }),
      service('cluster', { type: 'LoadBalancer', externalTrafficPolicy: 'Cluster', ports: [{ port: 80 }] }),
      service('np', { type: 'NodePort', externalTrafficPolicy: 'Local', ports: [{ port: 80 }] }),
      service('given', { type: 'LoadBalancer', externalTrafficPolicy: 'Local', healthCheckNodePort: 30999, ports: [{ port: 80 }] }),
    ]);
    const hc = svcOf(ctx, 'local').spec.healthCheckNodePort!;
    assert.ok(hc >= 30000 && hc <= 32767);
    assert.notEqual(hc, svcOf(ctx, 'local').spec.ports![0].nodePort);
    assert.equal(svcOf(ctx, 'cluster').spec.healthCheckNodePort, undefined);
    assert.equal(svcOf(ctx, 'np').spec.healthCheckNodePort, undefined);
    assert.equal(svcOf(ctx, 'given').spec.healthCheckNodePort, 30999);
  });
});

describe('conflicts reject the apply with file:line and field path', () => {
  const twoServices = yaml(
    'apiVersion: v1', //           1
    'kind: Service', //            2
    'metadata:', //                3
    '  name: first', //            4
    'spec:', //                    5
    '  clusterIP: 10.96.100.1', // 6
    '  type: NodePort', //         7
    '  ports:', //                 8
    '  - port: 80', //             9
    '    nodePort: 30080', //      10
    '---',
    'apiVersion: v1', //           12
    'kind: Service', //            13
    'metadata:', //                14
    '  name: second', //           15
    'spec:', //                    16
    '  clusterIP: 10.96.100.1', // 17
    '  type: NodePort', //         18
    '  ports:', //                 19
    '  - port: 80', //             20
    '    nodePort: 30080', //      21
  );

  test('the later Service of one apply gets both errors; nothing is stored', () => {
    const store = new Store();
    assert.throws(
      () => applyObjects(store, manifests(twoServices, 'svc.yaml'), defaultClusterConfig()),
      (err: unknown) => {
        assert.ok(err instanceof InvalidInputError);
        const mine = err.errors.filter((e) => e.object === 'Service default/second');
        const ip = mine.find((e) => e.field === 'spec.clusterIP');
        const port = mine.find((e) => e.field === 'spec.ports[0].nodePort');
        assert.ok(ip && port, JSON.stringify(err.errors));
        assert.equal(ip.file, 'svc.yaml');
        assert.equal(ip.line, 17);
        assert.match(ip.reason, /provided IP is already allocated/);
        assert.equal(port.line, 21);
        assert.match(port.reason, /provided port is already allocated/);
        assert.ok(!err.errors.some((e) => e.object === 'Service default/first'));
        return true;
      },
    );
    assert.equal(store.list().filter((o) => o.kind === 'Service' && ['first', 'second'].includes(o.metadata.name)).length, 0);
  });

  test('a stored Service keeps its IP; a new Service asking for it is rejected', () => {
    const store = new Store();
    const first = twoServices.split('---')[0];
    applyObjects(store, manifests(first, 'a.yaml'), defaultClusterConfig());
    const second = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: second\nspec:\n  clusterIP: 10.96.100.1\n  ports:\n  - port: 80\n';
    assert.throws(() => applyObjects(store, manifests(second, 'b.yaml'), defaultClusterConfig()), (err: unknown) => {
      assert.ok(err instanceof InvalidInputError);
      const e = err.errors.find((x) => x.field === 'spec.clusterIP');
      assert.equal(e?.file, 'b.yaml');
      assert.equal(e?.line, 6);
      return true;
    });
  });

  test('applying the same Services twice changes nothing the second time', () => {
    const store = new Store();
    const text = yaml(
      'apiVersion: v1', 'kind: Service', 'metadata: {name: web}', 'spec:', '  type: LoadBalancer', '  externalTrafficPolicy: Local',
      '  selector: {app: web}', '  ports:', '  - {name: http, port: 80, targetPort: 8080}',
    );
    const config = { ...defaultClusterConfig(), loadBalancerPool: '172.18.255.200/29' };
    applyObjects(store, manifests(text), config);
    const web = store.list().find((o) => o.kind === 'Service' && o.metadata.name === 'web') as Service;
    assert.ok(web.spec.clusterIP && web.spec.ports![0].nodePort && web.spec.healthCheckNodePort);
    const again = applyObjects(store, manifests(text), config);
    assert.deepEqual(again.events.map((e) => `${e.type} ${e.object.kind}/${e.object.metadata.name}`), []);
  });
});

describe('LoadBalancer ingress from loadBalancerPool', () => {
  const pool = { loadBalancerPool: '172.18.255.200/29' };

  test('lowest free pool address (not the network address), ipMode VIP; loadBalancerIP honoured', () => {
    const ctx = allocate([
      service('a', { type: 'LoadBalancer', ports: [{ port: 80 }] }),
      service('b', { type: 'LoadBalancer', ports: [{ port: 80 }] }),
      service('c', { type: 'LoadBalancer', loadBalancerIP: '172.18.255.205', ports: [{ port: 80 }] }),
    ], pool);
    assert.deepEqual(svcOf(ctx, 'a').status?.loadBalancer?.ingress, [{ ip: '172.18.255.201', ipMode: 'VIP' }]);
    assert.deepEqual(svcOf(ctx, 'b').status?.loadBalancer?.ingress, [{ ip: '172.18.255.202', ipMode: 'VIP' }]);
    assert.deepEqual(svcOf(ctx, 'c').status?.loadBalancer?.ingress, [{ ip: '172.18.255.205', ipMode: 'VIP' }]);
  });

  test('a given status is kept and its IP not handed out again', () => {
    const given = service('given', { type: 'LoadBalancer', ports: [{ port: 80 }] });
    given.status = { loadBalancer: { ingress: [{ ip: '172.18.255.201', ipMode: 'VIP' }] } };
    const ctx = allocate([given, service('new', { type: 'LoadBalancer', ports: [{ port: 80 }] })], pool);
    assert.deepEqual(svcOf(ctx, 'given').status?.loadBalancer?.ingress, [{ ip: '172.18.255.201', ipMode: 'VIP' }]);
    assert.deepEqual(svcOf(ctx, 'new').status?.loadBalancer?.ingress, [{ ip: '172.18.255.202', ipMode: 'VIP' }]);
  });

  test('no pool: EXTERNAL-IP stays pending, with a warning for the applied Service', () => {
    const store = new Store();
    const r = applyObjects(store, manifests('apiVersion: v1\nkind: Service\nmetadata: {name: lb}\nspec:\n  type: LoadBalancer\n  ports: [{port: 80}]\n'), defaultClusterConfig());
    const lb = store.list().find((o) => o.kind === 'Service' && o.metadata.name === 'lb') as Service;
    assert.equal(lb.status?.loadBalancer?.ingress, undefined);
    assert.ok(r.warnings.some((w) => w.includes('Service default/lb') && w.includes('<pending>')), r.warnings.join('\n'));
  });

  test('a loadBalancerClass Service belongs to another controller', () => {
    const ctx = allocate([service('other', { type: 'LoadBalancer', loadBalancerClass: 'example.com/lb', ports: [{ port: 80 }] })], pool);
    assert.equal(svcOf(ctx, 'other').status?.loadBalancer?.ingress, undefined);
  });

  test('a Service that is no longer a LoadBalancer loses its ingress', () => {
    const was = service('was', { type: 'ClusterIP', ports: [{ port: 80 }] });
    was.status = { loadBalancer: { ingress: [{ ip: '172.18.255.201', ipMode: 'VIP' }] } };
    const ctx = allocate([was], pool);
    assert.deepEqual(svcOf(ctx, 'was').status, { loadBalancer: {} });
  });
});
