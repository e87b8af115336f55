// Nodes as kubelets register them (well-known labels kubernetes.io/hostname, os, arch; Ready
// condition), and the pod garbage collector's rule for pods bound to nodes that no longer exist.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Node } from '../../src/api/types.ts';
import { Cluster, config, podYAML } from './cluster-harness.ts';

const nodeNames = (c: Cluster): string[] => c.list<Node>('Node').map((n) => n.metadata.name);

describe('nodes controller', () => {
  it('without Node objects, ClusterConfig.nodes are created (default node-1, node-2)', () => {
    const c = new Cluster();
    c.apply('');
    assert.deepEqual(nodeNames(c), ['node-1', 'node-2']);
    assert.deepEqual(nodeNames((() => { const d = new Cluster(config({ nodes: ['a', 'b', 'c'] })); d.apply(''); return d; })()), ['a', 'b', 'c']);
  });

  it('created nodes carry the kubelet labels and a Ready=True condition, and no taints', () => {
    const c = new Cluster();
    c.apply('');
    const n = c.node('node-1');
    assert.deepEqual(n.metadata.labels, { 'kubernetes.io/arch': 'amd64', 'kubernetes.io/hostname': 'node-1', 'kubernetes.io/os': 'linux' });
    assert.deepEqual(n.status?.conditions?.map((x) => `${x.type}=${x.status}`), ['Ready=True']);
    assert.equal(n.spec?.taints, undefined);
  });

  it('given Node objects are the cluster: config nodes are not added; missing well-known labels are filled, given ones kept', () => {
    const c = new Cluster();
    c.apply('apiVersion: v1\nkind: Node\nmetadata:\n  name: worker\n  labels: {kubernetes.io/arch: arm64, disk: ssd}\nstatus:\n  conditions: [{type: Ready, status: "False"}]\n');
    assert.deepEqual(nodeNames(c), ['worker']);
    const n = c.node('worker');
    assert.deepEqual(n.metadata.labels, { 'kubernetes.io/arch': 'arm64', 'kubernetes.io/hostname': 'worker', 'kubernetes.io/os': 'linux', disk: 'ssd' });
    assert.deepEqual(n.status?.conditions?.map((x) => `${x.type}=${x.status}`), ['Ready=False']);
  });

  it('a pod naming an undeclared node creates that node', () => {
    const c = new Cluster();
    c.apply(podYAML('a', { node: 'node-7' }));
    assert.ok(nodeNames(c).includes('node-7'));
    assert.equal(c.pods()[0].spec.nodeName, 'node-7');
  });

  it("pods of a dump naming another cluster's nodes: those nodes are the cluster, config nodes are not added", () => {
    const c = new Cluster();
    c.apply(podYAML('a', { node: 'kind-worker', ip: '10.244.1.5' }) + podYAML('b', { node: 'kind-worker2', ip: '10.244.2.5' }));
    assert.deepEqual(nodeNames(c), ['kind-worker', 'kind-worker2']);
  });

  it('deleting a node deletes the pods bound to it (PodGC); their controller recreates them elsewhere', () => {
    const c = new Cluster();
    c.apply(podYAML('bare', { node: 'node-2' }) + [
      'apiVersion: apps/v1', 'kind: Deployment', 'metadata: {name: web}',
      'spec: {replicas: 2, selector: {matchLabels: {app: web}}, template: {metadata: {labels: {app: web}}, spec: {containers: [{name: c, image: nginx}]}}}',
    ].join('\n'));
    c.delete('Node/node-2');
    assert.deepEqual(nodeNames(c), ['node-1']);
    const pods = c.pods();
    assert.equal(pods.find((p) => p.metadata.name === 'bare'), undefined);
    assert.equal(pods.length, 2);
    assert.ok(pods.every((p) => p.spec.nodeName === 'node-1'));
  });
});

describe('nodes reconstructed from a dump', () => {
  const staticPod = (name: string, node: string): string => [
    'apiVersion: v1', 'kind: Pod',
    `metadata: {name: ${name}-${node}, namespace: kube-system, labels: {component: ${name}, tier: control-plane}, ownerReferences: [{apiVersion: v1, kind: Node, name: ${node}, uid: n-uid, controller: true}]}`,
    `spec: {nodeName: ${node}, hostNetwork: true, containers: [{name: ${name}, image: ${name}}]}`,
    'status: {phase: Running, podIP: 172.19.0.2, hostIP: 172.19.0.2}',
  ].join('\n') + '\n---\n';

  it("a node running kubeadm's control-plane pods gets the control-plane role label and NoSchedule taint", () => {
    const c = new Cluster();
    c.apply(staticPod('kube-apiserver', 'kind-control-plane') + staticPod('etcd', 'kind-control-plane') + podYAML('app', { node: 'kind-worker', ip: '10.244.1.2' }));
    const cp = c.node('kind-control-plane');
    assert.equal(cp.metadata.labels?.['node-role.kubernetes.io/control-plane'], '');
    assert.deepEqual(cp.spec?.taints, [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }]);
    assert.equal(c.node('kind-worker').spec?.taints, undefined);
    // Mirror pods are owned by their Node, a kind whose absence podnet never judges: they stay.
    assert.equal(c.pods('kube-system').filter((p) => p.metadata.labels?.tier === 'control-plane').length, 2);
  });

  it('a DaemonSet that does not tolerate the control-plane taint gets no pod there', () => {
    const c = new Cluster();
    c.apply(staticPod('kube-apiserver', 'kind-control-plane') + podYAML('app', { node: 'kind-worker', ip: '10.244.1.2' }) + [
      'apiVersion: apps/v1', 'kind: DaemonSet', 'metadata: {name: agent, namespace: default}',
      'spec: {selector: {matchLabels: {app: agent}}, template: {metadata: {labels: {app: agent}}, spec: {containers: [{name: c, image: agent}]}}}',
    ].join('\n'));
    assert.deepEqual(c.pods().filter((p) => p.metadata.labels?.app === 'agent').map((p) => p.spec.nodeName), ['kind-worker']);
  });
});
