/**
 * reach through a Service when kube-proxy masquerades (masqueradeAll): the client's EGRESS policy
 * still judges the client pod (policy is enforced at the pod, before SNAT), while the backend's
 * INGRESS policy sees the node as the source.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeText, type DecodeResult } from '../../../src/api/decode.ts';
import type { InputError } from '../../../src/api/errors.ts';
import { defaultClusterConfig } from '../../../src/cluster/config.ts';
import { Store } from '../../../src/cluster/store.ts';
import { ClusterView } from '../../../src/cluster/view.ts';
import { applyObjects } from '../../../src/controllers/apply.ts';
import { reach } from '../../../src/model/policy/index.ts';

const base = `
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: app, labels: {role: client}}
spec: {nodeName: node-1, containers: [{name: c, image: x}]}
---
apiVersion: v1
kind: Pod
metadata: {name: server, namespace: app, labels: {role: server}}
spec: {nodeName: node-2, containers: [{name: c, image: x, ports: [{containerPort: 8080}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: server, namespace: app}
spec: {clusterIP: 10.96.50.50, selector: {role: server}, ports: [{port: 80, targetPort: 8080}]}
`;
const denyClientEgress = `---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: client-no-egress, namespace: app}
spec: {podSelector: {matchLabels: {role: client}}, policyTypes: [Egress]}
`;
const serverOnlyFromClient = `---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: server-from-client, namespace: app}
spec:
  podSelector: {matchLabels: {role: server}}
  ingress: [{from: [{podSelector: {matchLabels: {role: client}}}]}]
`;

function cluster(manifests: string): ClusterView {
  const decoded: DecodeResult = { objects: [], warnings: [] };
  const errors: InputError[] = [];
  decodeText(manifests, 'm.yaml', decoded, errors);
  assert.deepEqual(errors, []);
  const config = { ...defaultClusterConfig(), kubeProxy: { masqueradeAll: true } };
  const store = new Store();
  applyObjects(store, decoded.objects, config);
  return new ClusterView(store.list(), config);
}

describe('reach through a masqueraded Service', () => {
  it('no policies: allowed', () => {
    assert.equal(reach(cluster(base), { from: 'app/client', to: '10.96.50.50', port: 80 }).allowed, true);
  });

  it("the client's egress policy applies although the packet leaves the node SNATed", () => {
    const r = reach(cluster(base + denyClientEgress), { from: 'app/client', to: '10.96.50.50', port: 80 });
    assert.equal(r.allowed, false);
    assert.equal(r.hops[0].decision.egress.allowed, false);
  });

  it('the backend sees the node as the source: a pod-selector ingress rule does not match it', () => {
    const r = reach(cluster(base + serverOnlyFromClient), { from: 'app/client', to: '10.96.50.50', port: 80 });
    assert.equal(r.hops[0].decision.ingress.allowed, false);
    assert.ok(r.notes.some((n) => /sees node\/node-1 as the source/.test(n)), r.notes.join('\n'));
  });
});
