// The controller pipeline as a whole: reconciling converged state changes nothing (level-triggered
// controllers are idempotent), the same input yields the same cluster (no clock, no randomness), and
// a dump of a real cluster keeps its identities.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KObject } from '../../src/api/types.ts';
import { Cluster, config, podYAML } from './cluster-harness.ts';

const WORKLOADS = [
  'apiVersion: apps/v1', 'kind: Deployment', 'metadata: {name: web, namespace: shop}',
  'spec: {replicas: 3, selector: {matchLabels: {app: web}}, template: {metadata: {labels: {app: web}}, spec: {containers: [{name: c, image: nginx, ports: [{containerPort: 80, protocol: TCP}]}]}}}',
  '---',
  'apiVersion: apps/v1', 'kind: StatefulSet', 'metadata: {name: db, namespace: shop}',
  'spec: {replicas: 2, serviceName: db, selector: {matchLabels: {app: db}}, template: {metadata: {labels: {app: db}}, spec: {containers: [{name: c, image: postgres}]}}}',
  '---',
  'apiVersion: apps/v1', 'kind: DaemonSet', 'metadata: {name: agent, namespace: kube-system}',
  'spec: {selector: {matchLabels: {app: agent}}, template: {metadata: {labels: {app: agent}}, spec: {hostNetwork: true, containers: [{name: c, image: agent}]}}}',
  '---',
  'apiVersion: v1', 'kind: Service', 'metadata: {name: web, namespace: shop}',
  'spec: {selector: {app: web}, ports: [{port: 80, targetPort: 80, protocol: TCP}]}',
  '---',
].join('\n') + '\n' + podYAML('pending', { extraSpec: ['nodeSelector: {disk: none}'] });

/** Objects without the Store's per-commit metadata (resourceVersion), for comparing two clusters. */
const snapshot = (c: Cluster): string[] =>
  c.store.list().map((o: KObject) => JSON.stringify({ ...o, metadata: { ...o.metadata, resourceVersion: undefined } })).sort();

describe('controller pipeline', () => {
  it('reconciling again after an apply changes nothing', () => {
    const c = new Cluster();
    c.apply(WORKLOADS);
    assert.deepEqual(c.reconcile(), []);
  });

  it('re-applying the same manifests changes nothing', () => {
    const c = new Cluster();
    c.apply(WORKLOADS);
    const r = c.apply(WORKLOADS);
    assert.deepEqual(r.events.map((e) => `${e.type} ${e.object.kind}/${e.object.metadata.name}`), []);
  });

  it('after a delete, reconciling again changes nothing', () => {
    const c = new Cluster();
    c.apply(WORKLOADS);
    c.delete('Deployment/shop/web', 'Node/node-2');
    assert.deepEqual(c.reconcile(), []);
  });

  it('the same input gives the same cluster: names, uids, nodes and IPs', () => {
    const a = new Cluster();
    const b = new Cluster();
    a.apply(WORKLOADS);
    b.apply(WORKLOADS);
    assert.deepEqual(snapshot(a), snapshot(b));
  });

  it('applying in two steps converges to the same pods as one step', () => {
    const once = new Cluster();
    once.apply(WORKLOADS);
    const twice = new Cluster();
    const [first, ...rest] = WORKLOADS.split('\n---\n');
    twice.apply(first);
    twice.apply(rest.join('\n---\n'));
    const names = (c: Cluster): string[] => c.list('Pod').map((p) => `${p.metadata.namespace}/${p.metadata.name}`);
    assert.deepEqual(names(twice), names(once));
  });

  it('a pods-only dump keeps every pod IP, node and host IP', () => {
    const c = new Cluster(config());
    const pods = [
      { name: 'a', node: 'kind-worker', ip: '10.244.1.3', host: '172.19.0.3' },
      { name: 'b', node: 'kind-worker', ip: '10.244.1.4', host: '172.19.0.3' },
      { name: 'c', node: 'kind-worker2', ip: '10.244.2.9', host: '172.19.0.4' },
    ];
    c.apply(pods.map((p) => podYAML(p.name, { node: p.node, status: ['phase: Running', `podIP: ${p.ip}`, `hostIP: ${p.host}`] })).join(''));
    assert.deepEqual(c.pods().map((p) => `${p.metadata.name} ${p.status?.podIP} ${p.spec.nodeName} ${p.status?.hostIP}`), pods.map((p) => `${p.name} ${p.ip} ${p.node} ${p.host}`));
    assert.deepEqual(c.reconcile(), []);
  });
});
