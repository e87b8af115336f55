/**
 * Deleting a pod a controller owns: the ReplicaSet (and DaemonSet) replaces it with a pod of a NEW
 * generated name (upstream draws a fresh random suffix), while a StatefulSet recreates the same name
 * as a new object (new uid), which is what `kubectl delete pod` waits to see.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Cluster } from './cluster-harness.ts';

const rs = `apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: cache}
spec:
  replicas: 2
  selector: {matchLabels: {app: cache}}
  template:
    metadata: {labels: {app: cache}}
    spec: {containers: [{name: c, image: redis}]}
`;
const sts = `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  replicas: 1
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: c, image: postgres}]}
`;

describe('deleting controller-owned pods', () => {
  it('a ReplicaSet pod is replaced by one with another name; the deleted name is gone', () => {
    const c = new Cluster();
    c.apply(rs);
    const before = c.pods().map((p) => p.metadata.name);
    assert.equal(before.length, 2);
    c.delete(`Pod/default/${before[0]}`);
    const after = c.pods().map((p) => p.metadata.name);
    assert.equal(after.length, 2);
    assert.ok(!after.includes(before[0]), `${before[0]} came back`);
    assert.ok(after.includes(before[1]));
  });

  it('a StatefulSet pod comes back under its name as a new object (new uid)', () => {
    const c = new Cluster();
    c.apply(sts);
    const old = c.get('Pod', 'default', 'db-0')!;
    c.delete('Pod/default/db-0');
    const again = c.get('Pod', 'default', 'db-0')!;
    assert.ok(again, 'db-0 recreated');
    assert.notEqual(again.metadata.uid, old.metadata.uid);
    assert.deepEqual(c.reconcile(), [], 'stable afterwards');
  });
});
