// Pod IPs with host-local semantics per node range, status.podIP kept for imports, hostNetwork pods
// on the node IP, and pod status as the kubelet reports a running pod.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidInputError } from '../../src/api/errors.ts';
import type { Pod } from '../../src/api/types.ts';
import { Cluster, config, internalIP, podLines, podYAML } from './cluster-harness.ts';

const oneNode = (): Cluster => new Cluster(config({ nodes: ['node-1'] }));

describe('pod IPs (host-local per node range)', () => {
  it('the first pod on node-1 (podCIDR 10.244.0.0/24) gets 10.244.0.2, the next 10.244.0.3', () => {
    const c = new Cluster();
    c.apply(podYAML('a', { node: 'node-1' }) + podYAML('b', { node: 'node-1' }) + podYAML('c', { node: 'node-2' }));
    assert.deepEqual(podLines(c.pods()), ['a 10.244.0.2 node-1', 'b 10.244.0.3 node-1', 'c 10.244.1.2 node-2']);
  });

  it('lowest free address: a freed address is reused by the next pod', () => {
    const c = oneNode();
    c.apply(podYAML('a', { node: 'node-1' }) + podYAML('b', { node: 'node-1' }));
    c.delete('Pod/default/a');
    c.apply(podYAML('c', { node: 'node-1' }));
    assert.deepEqual(podLines(c.pods()), ['b 10.244.0.3 node-1', 'c 10.244.0.2 node-1']);
  });

  it('a /30 node range holds exactly one pod; the next stays ContainerCreating with a warning naming node and range', () => {
    const c = new Cluster(config({ podCIDR: '10.244.0.0/16', nodeCIDRMaskSize: 30, nodes: ['node-1'] }));
    // Fill the range before the CoreDNS pods (kube-system sorts after default).
    const r = c.apply(podYAML('a', { node: 'node-1' }) + podYAML('b', { node: 'node-1' }));
    const [a, b] = c.pods();
    assert.equal(a.status?.podIP, '10.244.0.2');
    assert.equal(b.status?.podIP, undefined);
    assert.equal(b.status?.phase, 'Pending');
    assert.ok(b.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'False'));
    assert.ok(r.warnings.some((w) => w.includes('default/b') && w.includes('node-1') && w.includes('10.244.0.0/30')));
  });

  it('a pod left without an IP gets one once an address is free', () => {
    const c = new Cluster(config({ podCIDR: '10.244.0.0/16', nodeCIDRMaskSize: 30, nodes: ['node-1'] }));
    c.apply(podYAML('a', { node: 'node-1' }) + podYAML('b', { node: 'node-1' }));
    c.delete('Pod/default/a');
    const b = c.get<Pod>('Pod', 'default', 'b')!;
    assert.equal(b.status?.podIP, '10.244.0.2');
    assert.equal(b.status?.phase, 'Running');
  });

  it('a hostNetwork pod gets the node InternalIP as podIP and hostIP, and takes no range address', () => {
    const c = new Cluster();
    c.apply(podYAML('h', { node: 'node-2', hostNetwork: true }) + podYAML('p', { node: 'node-2' }));
    const h = c.get<Pod>('Pod', 'default', 'h')!;
    assert.equal(h.status?.podIP, internalIP(c.node('node-2')));
    assert.equal(h.status?.hostIP, '172.18.0.3');
    assert.equal(c.get<Pod>('Pod', 'default', 'p')?.status?.podIP, '10.244.1.2');
  });

  it('a given status.podIP is kept and never handed to another pod', () => {
    const c = new Cluster();
    c.apply(podYAML('imported', { node: 'node-1', ip: '10.244.0.2' }) + podYAML('new', { node: 'node-1' }));
    assert.deepEqual(podLines(c.pods()), ['imported 10.244.0.2 node-1', 'new 10.244.0.3 node-1']);
  });

  it('two pods with the same IP: rejected with file, line and field; nothing applied', () => {
    const c = new Cluster();
    assert.throws(
      () => c.apply(podYAML('a', { node: 'node-1', ip: '10.244.0.9' }) + podYAML('b', { node: 'node-1', ip: '10.244.0.9' }), 'pods.yaml'),
      (e: unknown) => e instanceof InvalidInputError && e.errors.length === 1 && e.errors[0].file === 'pods.yaml'
        && e.errors[0].field === 'status.podIP' && e.errors[0].object === 'Pod default/b' && /already used by pod default\/a/.test(e.errors[0].reason),
    );
    assert.equal(c.store.revision, 0);
  });

  it('hostNetwork pods and finished pods may share IPs (completed pods keep their old podIP)', () => {
    const c = new Cluster();
    const done = podYAML('done', { node: 'node-1', ip: '10.244.0.5' }).replace('phase: Running', 'phase: Succeeded');
    c.apply(done + podYAML('live', { node: 'node-1', ip: '10.244.0.5' }) + podYAML('h1', { node: 'node-1', hostNetwork: true }) + podYAML('h2', { node: 'node-1', hostNetwork: true }));
    assert.equal(c.get<Pod>('Pod', 'default', 'live')?.status?.podIP, '10.244.0.5');
  });
});

describe('pod status', () => {
  it('a pod without status becomes Running and Ready, with hostIP(s), podIP(s) and running containers', () => {
    const c = new Cluster();
    c.apply(podYAML('a', { node: 'node-1' }));
    const s = c.pods()[0].status!;
    assert.equal(s.phase, 'Running');
    for (const t of ['PodScheduled', 'Initialized', 'ContainersReady', 'Ready']) {
      assert.ok(s.conditions?.some((x) => x.type === t && x.status === 'True'), `${t}=True`);
    }
    assert.deepEqual([s.hostIP, s.hostIPs, s.podIP, s.podIPs], ['172.18.0.2', [{ ip: '172.18.0.2' }], '10.244.0.2', [{ ip: '10.244.0.2' }]]);
    assert.deepEqual((s.containerStatuses as { name: string; ready: boolean }[]).map((x) => `${x.name} ${x.ready}`), ['main true']);
  });

  it('a given status keeps its phase and conditions (Ready False stays not ready) and gets an IP', () => {
    const c = new Cluster();
    c.apply(podYAML('a', { node: 'node-1', status: ['conditions: [{type: Ready, status: "False"}]'] }));
    const s = c.pods()[0].status!;
    assert.deepEqual(s.conditions, [{ type: 'Ready', status: 'False' }]);
    assert.equal(s.phase, 'Running');
    assert.equal(s.podIP, '10.244.0.2');
    assert.deepEqual((s.containerStatuses as { ready: boolean }[]).map((x) => x.ready), [false]);
  });

  it('a given Pending pod without IP stays Pending', () => {
    const c = new Cluster();
    c.apply(podYAML('a', { node: 'node-1', status: ['phase: Pending'] }));
    const s = c.pods()[0].status!;
    assert.deepEqual(s, { phase: 'Pending' });
  });
});
