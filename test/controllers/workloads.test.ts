// Workload controllers at their converged state: pkg/controller/deployment (ReplicaSet per template,
// pod-template-hash, old sets scaled to 0), replicaset (replicas, adoption, deletion order),
// statefulset (ordinal names, hostname/subdomain, identity labels), daemon (one pod per eligible node,
// added tolerations) and the garbage collector (owners gone → dependents gone).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Pod, ReplicaSet } from '../../src/api/types.ts';
import { Cluster, config, podYAML } from './cluster-harness.ts';

const deployment = (name: string, replicas: number, image = 'nginx', labels: Record<string, string> = { app: name }): string => [
  'apiVersion: apps/v1', 'kind: Deployment', `metadata: {name: ${name}, namespace: default}`,
  `spec: {replicas: ${replicas}, selector: {matchLabels: ${JSON.stringify({ app: name })}}, template: {metadata: {labels: ${JSON.stringify(labels)}}, spec: {containers: [{name: c, image: ${image}, ports: [{name: http, containerPort: 80, protocol: TCP}]}]}}}`,
].join('\n') + '\n---\n';

const replicaSet = (name: string, replicas: number, labels: Record<string, string> = { app: name }): string => [
  'apiVersion: apps/v1', 'kind: ReplicaSet', `metadata: {name: ${name}, namespace: default}`,
  `spec: {replicas: ${replicas}, selector: {matchLabels: ${JSON.stringify(labels)}}, template: {metadata: {labels: ${JSON.stringify(labels)}}, spec: {containers: [{name: c, image: nginx}]}}}`,
].join('\n') + '\n---\n';

const statefulSet = (name: string, replicas: number, serviceName = name, extra = ''): string => [
  'apiVersion: apps/v1', 'kind: StatefulSet', `metadata: {name: ${name}, namespace: default}`,
  `spec: {replicas: ${replicas}, serviceName: ${serviceName}, ${extra}selector: {matchLabels: {app: ${name}}}, template: {metadata: {labels: {app: ${name}}}, spec: {containers: [{name: c, image: nginx}]}}}`,
].join('\n') + '\n---\n';

const daemonSet = (name: string, specExtra = ''): string => [
  'apiVersion: apps/v1', 'kind: DaemonSet', `metadata: {name: ${name}, namespace: default}`,
  `spec: {selector: {matchLabels: {app: ${name}}}, template: {metadata: {labels: {app: ${name}}}, spec: {${specExtra}containers: [{name: c, image: agent}]}}}`,
].join('\n') + '\n---\n';

const taintedNode = (name: string, taint: string): string => ['apiVersion: v1', 'kind: Node', `metadata: {name: ${name}}`, `spec: {taints: [${taint}]}`].join('\n') + '\n---\n';
const plainNode = (name: string, labels = '{}'): string => ['apiVersion: v1', 'kind: Node', `metadata: {name: ${name}, labels: ${labels}}`].join('\n') + '\n---\n';

const owned = (c: Cluster, kind: string, owner: string, ns = 'default'): Pod[] =>
  c.pods(ns).filter((p) => p.metadata.ownerReferences?.some((r) => r.kind === kind && r.name === owner && r.controller));

describe('Deployment → ReplicaSet', () => {
  it('creates one ReplicaSet <deployment>-<pod-template-hash> with the hash in labels, selector and template, owned by the Deployment', () => {
    const c = new Cluster();
    c.apply(deployment('web', 3));
    const sets = c.list<ReplicaSet>('ReplicaSet', 'default');
    assert.equal(sets.length, 1);
    const rs = sets[0];
    const hash = rs.metadata.labels?.['pod-template-hash'];
    assert.match(hash ?? '', /^[456789bcdf]{1,10}$/);
    assert.equal(rs.metadata.name, `web-${hash}`);
    assert.equal(rs.spec.selector.matchLabels?.['pod-template-hash'], hash);
    assert.equal(rs.spec.template.metadata?.labels?.['pod-template-hash'], hash);
    assert.equal(rs.spec.replicas, 3);
    const ref = rs.metadata.ownerReferences?.[0];
    assert.deepEqual([ref?.kind, ref?.name, ref?.controller], ['Deployment', 'web', true]);
    assert.equal(ref?.uid, c.get('Deployment', 'default', 'web')?.metadata.uid, 'the owner reference names the stored Deployment');
  });

  it('ReplicaSet → pods <rs>-<5 characters> with the template labels (incl. pod-template-hash) and a controller reference', () => {
    const c = new Cluster();
    c.apply(deployment('web', 3));
    const rs = c.list<ReplicaSet>('ReplicaSet', 'default')[0];
    const pods = c.pods();
    assert.equal(pods.length, 3);
    for (const p of pods) {
      assert.match(p.metadata.name, new RegExp(`^${rs.metadata.name}-[bcdfghjklmnpqrstvwxz2456789]{5}$`));
      assert.deepEqual(p.metadata.labels, { app: 'web', 'pod-template-hash': rs.metadata.labels?.['pod-template-hash'] });
      assert.equal(p.metadata.ownerReferences?.[0].name, rs.metadata.name);
      assert.equal(p.metadata.ownerReferences?.[0].uid, rs.metadata.uid);
      assert.equal(p.spec.containers[0].image, 'nginx');
    }
  });

  it('a template change makes a new ReplicaSet; the old one is scaled to 0 and its pods go', () => {
    const c = new Cluster();
    c.apply(deployment('web', 2, 'nginx:1'));
    const first = c.list<ReplicaSet>('ReplicaSet', 'default')[0].metadata.name;
    c.apply(deployment('web', 2, 'nginx:2'));
    const sets = c.list<ReplicaSet>('ReplicaSet', 'default');
    assert.equal(sets.length, 2);
    assert.equal(sets.find((s) => s.metadata.name === first)?.spec.replicas, 0);
    const next = sets.find((s) => s.metadata.name !== first)!;
    assert.equal(next.spec.replicas, 2);
    assert.ok(c.pods().every((p) => p.metadata.name.startsWith(`${next.metadata.name}-`) && p.spec.containers[0].image === 'nginx:2'));
    assert.equal(next.metadata.annotations?.['deployment.kubernetes.io/revision'], '2');
  });

  it('rolling back to an earlier template reuses its ReplicaSet', () => {
    const c = new Cluster();
    c.apply(deployment('web', 1, 'nginx:1'));
    const first = c.list<ReplicaSet>('ReplicaSet', 'default')[0].metadata.name;
    c.apply(deployment('web', 1, 'nginx:2'));
    c.apply(deployment('web', 1, 'nginx:1'));
    const sets = c.list<ReplicaSet>('ReplicaSet', 'default');
    assert.equal(sets.length, 2);
    assert.equal(sets.find((s) => s.metadata.name === first)?.spec.replicas, 1);
  });

  it('scaling the Deployment scales its ReplicaSet; scale-down removes the highest names first', () => {
    const c = new Cluster();
    c.apply(deployment('web', 4));
    const names = c.pods().map((p) => p.metadata.name).sort();
    c.apply(deployment('web', 2));
    assert.deepEqual(c.pods().map((p) => p.metadata.name).sort(), names.slice(0, 2));
    assert.equal(c.list<ReplicaSet>('ReplicaSet', 'default')[0].spec.replicas, 2);
  });

  it('deleting a Deployment removes its ReplicaSet and pods (garbage collection)', () => {
    const c = new Cluster();
    c.apply(deployment('web', 2) + podYAML('bare'));
    c.delete('Deployment/default/web');
    assert.deepEqual(c.list('ReplicaSet', 'default'), []);
    assert.deepEqual(c.pods().map((p) => p.metadata.name), ['bare']);
  });

  it("a dump's ReplicaSet and pods owned by the Deployment in the same dump are adopted, not recreated", () => {
    const c = new Cluster();
    const dump = [
      'apiVersion: apps/v1', 'kind: Deployment', 'metadata: {name: api, namespace: default, uid: d-uid}',
      'spec: {replicas: 1, selector: {matchLabels: {app: api}}, template: {metadata: {labels: {app: api}}, spec: {containers: [{name: c, image: nginx}]}}}',
      '---',
      'apiVersion: apps/v1', 'kind: ReplicaSet',
      'metadata: {name: api-7c5ddbdf54, namespace: default, uid: rs-uid, labels: {app: api, pod-template-hash: 7c5ddbdf54}, ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: api, uid: d-uid, controller: true}]}',
      'spec: {replicas: 1, selector: {matchLabels: {app: api, pod-template-hash: 7c5ddbdf54}}, template: {metadata: {labels: {app: api, pod-template-hash: 7c5ddbdf54}}, spec: {containers: [{name: c, image: nginx}]}}}',
      '---',
      'apiVersion: v1', 'kind: Pod',
      'metadata: {name: api-7c5ddbdf54-x2x9k, namespace: default, labels: {app: api, pod-template-hash: 7c5ddbdf54}, ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: api-7c5ddbdf54, uid: rs-uid, controller: true}]}',
      'spec: {nodeName: kind-worker, containers: [{name: c, image: nginx}]}',
      'status: {phase: Running, podIP: 10.244.1.17, hostIP: 172.18.0.3}',
    ].join('\n');
    c.apply(dump);
    assert.deepEqual(c.list<ReplicaSet>('ReplicaSet', 'default').map((r) => r.metadata.name), ['api-7c5ddbdf54']);
    assert.deepEqual(c.pods().map((p) => `${p.metadata.name} ${p.status?.podIP}`), ['api-7c5ddbdf54-x2x9k 10.244.1.17']);
  });
});

describe('garbage collection', () => {
  const dumpPod = (name: string, owner: string, ip: string): string => [
    'apiVersion: v1', 'kind: Pod',
    `metadata: {name: ${name}, namespace: default, labels: {app: api}, ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: ${owner}, uid: u1, controller: true}]}`,
    `spec: {nodeName: node-1, containers: [{name: c, image: nginx}]}`,
    `status: {phase: Running, podIP: ${ip}}`,
  ].join('\n') + '\n---\n';

  it('pods of a pods-only dump whose ReplicaSet is not applied are kept as orphans, with a warning', () => {
    const c = new Cluster();
    const r = c.apply(dumpPod('api-1', 'api-7c5ddbdf54', '10.244.0.7'));
    const p = c.get<Pod>('Pod', 'default', 'api-1')!;
    assert.equal(p.status?.podIP, '10.244.0.7');
    assert.equal(p.metadata.ownerReferences, undefined);
    assert.ok(r.warnings.some((w) => w.includes('Pod default/api-1') && w.includes('ReplicaSet api-7c5ddbdf54')));
    assert.deepEqual(c.reconcile(), [], 'an orphan is stable');
  });

  it('a ReplicaSet applied later adopts such orphans instead of creating new pods', () => {
    const c = new Cluster();
    c.apply(dumpPod('api-1', 'api-7c5ddbdf54', '10.244.0.7'));
    c.apply(replicaSet('api', 1));
    assert.deepEqual(c.pods().map((p) => `${p.metadata.name} ${p.metadata.ownerReferences?.[0]?.name}`), ['api-1 api']);
  });

  it('a stored pod whose ReplicaSet is deleted is deleted; pods owned by kinds podnet does not run (Job) stay', () => {
    const c = new Cluster();
    c.apply(replicaSet('cache', 1) + dumpPod('job-pod', 'x', '10.244.0.9').replace('kind: ReplicaSet, name: x', 'kind: Job, name: x'));
    c.delete('ReplicaSet/default/cache');
    assert.deepEqual(c.pods().map((p) => p.metadata.name), ['job-pod']);
  });
});

describe('ReplicaSet', () => {
  it('adopts an orphan pod matching its selector and counts it', () => {
    const c = new Cluster();
    c.apply(podYAML('orphan', { labels: { app: 'cache' } }) + replicaSet('cache', 2));
    const pods = c.pods();
    assert.equal(pods.length, 2);
    const orphan = pods.find((p) => p.metadata.name === 'orphan')!;
    assert.deepEqual(orphan.metadata.ownerReferences?.map((r) => `${r.kind}/${r.name}`), ['ReplicaSet/cache']);
  });

  it('scale-down deletes unscheduled and not-ready pods before running ones', () => {
    const c = new Cluster();
    c.apply(replicaSet('cache', 3));
    const pods = c.pods();
    // Make the lowest-named pod not ready: it must be the one removed, not the highest name.
    const victim = [...pods].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))[0];
    const notReady = { ...victim, status: { ...victim.status, conditions: [{ type: 'Ready', status: 'False' as const }] } };
    c.store.commit({ puts: [notReady] });
    c.apply(replicaSet('cache', 2));
    assert.ok(!c.pods().some((p) => p.metadata.name === victim.metadata.name));
    assert.equal(c.pods().length, 2);
  });
});

describe('StatefulSet', () => {
  it('pods web-0 … web-N-1 with hostname = name, subdomain = serviceName, identity labels', () => {
    const c = new Cluster();
    c.apply(statefulSet('web', 2, 'nginx'));
    const pods = owned(c, 'StatefulSet', 'web');
    assert.deepEqual(pods.map((p) => `${p.metadata.name} ${p.spec.hostname} ${p.spec.subdomain}`), ['web-0 web-0 nginx', 'web-1 web-1 nginx']);
    assert.equal(pods[1].metadata.labels?.['statefulset.kubernetes.io/pod-name'], 'web-1');
    assert.equal(pods[1].metadata.labels?.['apps.kubernetes.io/pod-index'], '1');
    assert.match(pods[1].metadata.labels?.['controller-revision-hash'] ?? '', /^web-[456789bcdf]+$/);
  });

  it('scale-down removes the highest ordinals; pods that stay keep their IPs', () => {
    const c = new Cluster();
    c.apply(statefulSet('web', 3));
    const ip0 = c.get<Pod>('Pod', 'default', 'web-0')?.status?.podIP;
    c.apply(statefulSet('web', 1));
    assert.deepEqual(owned(c, 'StatefulSet', 'web').map((p) => p.metadata.name), ['web-0']);
    assert.equal(c.get<Pod>('Pod', 'default', 'web-0')?.status?.podIP, ip0);
  });

  it('spec.ordinals.start shifts the ordinals', () => {
    const c = new Cluster();
    c.apply(statefulSet('web', 2, 'web', 'ordinals: {start: 5}, '));
    assert.deepEqual(owned(c, 'StatefulSet', 'web').map((p) => p.metadata.name), ['web-5', 'web-6']);
  });

  it('a template change recreates the pods with the new template under the same names', () => {
    const c = new Cluster();
    c.apply(statefulSet('web', 2));
    c.apply(statefulSet('web', 2).replace('image: nginx', 'image: nginx:2'));
    const pods = owned(c, 'StatefulSet', 'web');
    assert.deepEqual(pods.map((p) => `${p.metadata.name} ${p.spec.containers[0].image}`), ['web-0 nginx:2', 'web-1 nginx:2']);
  });
});

describe('DaemonSet', () => {
  it('one pod per node, named <ds>-<5 characters>, bound to it', () => {
    const c = new Cluster();
    c.apply(daemonSet('agent'));
    const pods = owned(c, 'DaemonSet', 'agent');
    assert.deepEqual(pods.map((p) => p.spec.nodeName).sort(), ['node-1', 'node-2']);
    for (const p of pods) assert.match(p.metadata.name, /^agent-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  });

  it('skips a node with an untolerated NoSchedule taint; runs there once tolerated', () => {
    const c = new Cluster();
    const nodes = plainNode('n1') + taintedNode('cp', '{key: node-role.kubernetes.io/control-plane, effect: NoSchedule}');
    c.apply(nodes + daemonSet('agent'));
    assert.deepEqual(owned(c, 'DaemonSet', 'agent').map((p) => p.spec.nodeName), ['n1']);
    c.apply(nodes + daemonSet('agent', 'tolerations: [{key: node-role.kubernetes.io/control-plane, operator: Exists, effect: NoSchedule}], '));
    assert.deepEqual(owned(c, 'DaemonSet', 'agent').map((p) => p.spec.nodeName).sort(), ['cp', 'n1']);
  });

  it('PreferNoSchedule taints do not keep daemons off; cordoned (unschedulable) nodes still run them', () => {
    const c = new Cluster();
    c.apply(taintedNode('soft', '{key: x, effect: PreferNoSchedule}') + ['apiVersion: v1', 'kind: Node', 'metadata: {name: cordoned}', 'spec: {unschedulable: true}'].join('\n') + '\n---\n' + daemonSet('agent'));
    assert.deepEqual(owned(c, 'DaemonSet', 'agent').map((p) => p.spec.nodeName).sort(), ['cordoned', 'soft']);
  });

  it('nodeSelector limits the nodes', () => {
    const c = new Cluster();
    c.apply(plainNode('a', '{disk: ssd}') + plainNode('b') + daemonSet('agent', 'nodeSelector: {disk: ssd}, '));
    assert.deepEqual(owned(c, 'DaemonSet', 'agent').map((p) => p.spec.nodeName), ['a']);
  });

  it('daemon pods carry the controller-added tolerations and a metadata.name node affinity', () => {
    const c = new Cluster();
    c.apply(daemonSet('agent', 'hostNetwork: true, '));
    const p = owned(c, 'DaemonSet', 'agent')[0];
    const keys = (p.spec.tolerations ?? []).map((t) => `${t.key}:${t.effect}`);
    for (const k of ['node.kubernetes.io/not-ready:NoExecute', 'node.kubernetes.io/unreachable:NoExecute', 'node.kubernetes.io/unschedulable:NoSchedule', 'node.kubernetes.io/network-unavailable:NoSchedule']) {
      assert.ok(keys.includes(k), `${k} in ${keys.join(', ')}`);
    }
    assert.deepEqual(
      (p.spec.affinity as { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: unknown } }).nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution,
      { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [p.spec.nodeName] }] }] },
    );
  });

  it('a new node gets a daemon pod; a removed node loses it', () => {
    const c = new Cluster(config({ nodes: ['n1'] }));
    c.apply(daemonSet('agent'));
    c.apply(plainNode('n2'));
    assert.deepEqual(owned(c, 'DaemonSet', 'agent').map((p) => p.spec.nodeName).sort(), ['n1', 'n2']);
    c.delete('Node/n1');
    assert.deepEqual(owned(c, 'DaemonSet', 'agent').map((p) => p.spec.nodeName), ['n2']);
  });
});
