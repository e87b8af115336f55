// Workload status fields as `kubectl get deploy,rs,sts,ds` reads them (apps/v1 DeploymentStatus,
// ReplicaSetStatus, StatefulSetStatus, DaemonSetStatus), counted from the pods each workload controls.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KObject } from '../../src/api/types.ts';
import { defaultClusterConfig } from '../../src/cluster/config.ts';
import { ObjectSet } from '../../src/cluster/object-set.ts';
import type { ReconcileContext } from '../../src/controllers/context.ts';
import { reconcileWorkloadStatus } from '../../src/controllers/workload-status.ts';
import { Cluster } from './cluster-harness.ts';

function withStatus(c: Cluster): { ctx: ReconcileContext; get: (kind: string, ns: string, name: string) => Record<string, unknown> } {
  const ctx: ReconcileContext = { objects: new ObjectSet(c.store.list()), config: defaultClusterConfig(), sources: new Map(), errors: [], warnings: [] };
  reconcileWorkloadStatus(ctx);
  return { ctx, get: (kind, ns, name) => (ctx.objects.get<KObject>(kind, ns, name)?.status ?? {}) as Record<string, unknown> };
}

const MANIFESTS = [
  'apiVersion: apps/v1', 'kind: Deployment', 'metadata: {name: web, namespace: default}',
  'spec: {replicas: 3, selector: {matchLabels: {app: web}}, template: {metadata: {labels: {app: web}}, spec: {containers: [{name: c, image: nginx}]}}}',
  '---',
  'apiVersion: apps/v1', 'kind: StatefulSet', 'metadata: {name: db, namespace: default}',
  'spec: {replicas: 2, serviceName: db, selector: {matchLabels: {app: db}}, template: {metadata: {labels: {app: db}}, spec: {containers: [{name: c, image: pg}]}}}',
  '---',
  'apiVersion: apps/v1', 'kind: DaemonSet', 'metadata: {name: agent, namespace: default}',
  'spec: {selector: {matchLabels: {app: agent}}, template: {metadata: {labels: {app: agent}}, spec: {nodeSelector: {role: edge}, containers: [{name: c, image: agent}]}}}',
  '---',
  'apiVersion: v1', 'kind: Node', 'metadata: {name: a, labels: {role: edge}}', '---',
  'apiVersion: v1', 'kind: Node', 'metadata: {name: b}',
].join('\n');

describe('workload status', () => {
  it('Deployment and its ReplicaSet: 3/3 ready, updated and available', () => {
    const c = new Cluster();
    c.apply(MANIFESTS);
    const { get, ctx } = withStatus(c);
    const rs = ctx.objects.list('ReplicaSet', 'default')[0];
    // calculateStatus: observedGeneration, and the conditions of a complete rollout (Available first:
    // SetDeploymentCondition re-appends Progressing when its reason changes).
    assert.deepEqual(get('Deployment', 'default', 'web'), {
      replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3, observedGeneration: 1,
      conditions: [
        { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' },
        { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: `ReplicaSet "${rs.metadata.name}" has successfully progressed.` },
      ],
    });
    assert.deepEqual(get('ReplicaSet', 'default', rs.metadata.name), { replicas: 3, fullyLabeledReplicas: 3, readyReplicas: 3, availableReplicas: 3, observedGeneration: 1 });
  });

  it('StatefulSet: replicas, ready, current/updated and revisions', () => {
    const c = new Cluster();
    c.apply(MANIFESTS);
    const s = withStatus(c).get('StatefulSet', 'default', 'db');
    assert.equal(s.replicas, 2);
    assert.equal(s.readyReplicas, 2);
    assert.equal(s.currentReplicas, 2);
    assert.equal(s.availableReplicas, 2);
    assert.match(String(s.updateRevision), /^db-/);
  });

  it('DaemonSet: desired = eligible nodes, all scheduled and ready', () => {
    const c = new Cluster();
    c.apply(MANIFESTS);
    assert.deepEqual(withStatus(c).get('DaemonSet', 'default', 'agent'), {
      currentNumberScheduled: 1, numberMisscheduled: 0, desiredNumberScheduled: 1, numberReady: 1, updatedNumberScheduled: 1, numberAvailable: 1, observedGeneration: 1,
    });
  });

  it('a not-ready pod shows in readyReplicas and unavailableReplicas', () => {
    const c = new Cluster();
    c.apply(MANIFESTS);
    const pod = c.pods().find((p) => p.metadata.name.startsWith('web-'))!;
    c.store.commit({ puts: [{ ...pod, status: { ...pod.status, conditions: [{ type: 'Ready', status: 'False' }] } }] });
    const { get, ctx } = withStatus(c);
    const rs = ctx.objects.list('ReplicaSet', 'default')[0];
    // 3 replicas, default RollingUpdate: maxUnavailable floor(25% of 3) = 0, so 2 available is not the
    // minimum; the rollout is not complete, so Progressing says ReplicaSetUpdated.
    assert.deepEqual(get('Deployment', 'default', 'web'), {
      replicas: 3, updatedReplicas: 3, readyReplicas: 2, availableReplicas: 2, unavailableReplicas: 1, observedGeneration: 1,
      conditions: [
        { type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.' },
        { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', message: `ReplicaSet "${rs.metadata.name}" is progressing.` },
      ],
    });
  });

  it('is idempotent', () => {
    const c = new Cluster();
    c.apply(MANIFESTS);
    const { ctx } = withStatus(c);
    const before = [...ctx.objects.values()];
    reconcileWorkloadStatus(ctx);
    const after = [...ctx.objects.values()];
    assert.ok(before.every((o, i) => o === after[i]));
  });
});
