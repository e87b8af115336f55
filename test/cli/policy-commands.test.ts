/** reach / explain / matrix / diff end to end through the real executable (exit codes, -o json). */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { Sandbox } from './helpers.ts';

const CLUSTER = `apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: Namespace
metadata: {name: other}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop, labels: {app: web}}
spec:
  nodeName: node-1
  containers: [{name: c, image: nginx, ports: [{name: http, containerPort: 8080}]}]
status: {podIP: 10.244.1.10}
---
apiVersion: v1
kind: Pod
metadata: {name: db, namespace: shop, labels: {app: db}}
spec:
  nodeName: node-1
  containers: [{name: c, image: postgres, ports: [{name: pg, containerPort: 5432}]}]
status: {podIP: 10.244.1.11}
---
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: other, labels: {app: client}}
spec:
  nodeName: node-2
  containers: [{name: c, image: busybox}]
status: {podIP: 10.244.2.10}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db-from-web, namespace: shop}
spec:
  podSelector: {matchLabels: {app: db}}
  ingress:
  - from: [{podSelector: {matchLabels: {app: web}}}]
    ports: [{port: pg}]
`;

const DENY = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny, namespace: shop}
spec:
  podSelector: {}
  policyTypes: [Ingress]
`;

describe('policy commands', () => {
  const box = new Sandbox();
  after(() => box.remove());
  const cluster = box.file('cluster.yaml', CLUSTER);

  test('reach: exit 0 when allowed, with the deciding rule', () => {
    const r = box.run(['reach', '-f', cluster, '--from', 'shop/web', '--to', 'shop/db', '--port', '5432']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^shop\/web -> shop\/db 5432\/TCP: ALLOWED$/m);
    assert.match(r.stdout, /allowed by shop\/db-from-web spec\.ingress\[0\] \(from\[0\], ports\[0\] pg\/TCP\)/);
  });

  test('reach: exit 1 when denied; -o json carries both directions', () => {
    const r = box.run(['reach', '-f', cluster, '--from', 'other/client', '--to', '10.244.1.11', '--port', '5432', '-o', 'json']);
    assert.equal(r.code, 1, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.equal(j.allowed, false);
    assert.deepEqual(j.hops[0].decision.ingress.policies, ['shop/db-from-web']);
    assert.equal(j.hops[0].decision.egress.isolated, false);
  });

  test('reach: exit 2 on an unknown pod or a bad port', () => {
    assert.equal(box.run(['reach', '-f', cluster, '--from', 'shop/nope', '--to', 'shop/db', '--port', '1']).code, 2);
    assert.equal(box.run(['reach', '-f', cluster, '--from', 'shop/web', '--to', 'shop/db', '--port', '70000']).code, 2);
    assert.equal(box.run(['reach', '-f', cluster, '--from', 'shop/web', '--to', 'shop/db', '--port', '80', '--protocol', 'ICMP']).code, 2);
  });

  test('reach under flannel: allowed, and the answer says policies are not enforced', () => {
    const cfg = box.file('flannel.yaml', 'apiVersion: podnet/v1alpha1\nkind: ClusterConfig\ncni: flannel\n');
    const r = box.run(['reach', '-f', cluster, '--config', cfg, '--from', 'other/client', '--to', 'shop/db', '--port', '5432']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /flannel does not enforce NetworkPolicy: every flow is allowed regardless of policies/);
  });

  test('explain flow exits like reach; explain pod and policy describe the rules', () => {
    assert.equal(box.run(['explain', 'flow', '-f', cluster, '--from', 'other/client', '--to', 'shop/db', '--port', '5432']).code, 1);
    const pod = box.run(['explain', 'pod', 'shop/db', '-f', cluster, '-o', 'json']);
    assert.equal(pod.code, 0, pod.stderr);
    const j = JSON.parse(pod.stdout);
    assert.equal(j.ingress.isolated, true);
    assert.deepEqual(j.ingress.policies[0].rules[0].matchesPods, ['shop/web']);
    const pol = box.run(['explain', 'policy', 'shop/db-from-web', '-f', cluster]);
    assert.match(pol.stdout, /selects: pods matching \{app In \["db"\]\} in namespace shop: shop\/db/);
    assert.equal(box.run(['explain', 'policy', 'shop/missing', '-f', cluster]).code, 2);
  });

  test('matrix -o json: {ports, pods, allowed: {src: {dst: {port: bool}}}}', () => {
    const r = box.run(['matrix', '-f', cluster, '-n', 'shop', '-n', 'other', '--ports', '5432/TCP,8080', '-o', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.deepEqual(j.ports, ['5432/TCP', '8080/TCP']);
    assert.deepEqual(j.pods, ['other/client', 'shop/db', 'shop/web']);
    assert.deepEqual(j.allowed['shop/web']['shop/db'], { '5432/TCP': true, '8080/TCP': false });
    assert.deepEqual(j.allowed['other/client']['shop/db'], { '5432/TCP': false, '8080/TCP': false });
    assert.deepEqual(j.allowed['other/client']['shop/web'], { '5432/TCP': true, '8080/TCP': true });
  });

  test('diff --before/--after lists the flows a default-deny closes', () => {
    const afterFile = box.file('after.yaml', `${CLUSTER}---\n${DENY}`);
    const r = box.run(['diff', '--before', cluster, '--after', afterFile, '-n', 'shop', '-n', 'other', '--ports', '8080', '-o', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.deepEqual(j.opened, []);
    assert.deepEqual(j.closed.map((c: { from: string; to: string }) => `${c.from}>${c.to}`).sort(), ['other/client>shop/web', 'shop/db>shop/web', 'shop/web>shop/web']);
  });

  test('diff -f CHANGE compares with the persisted cluster', () => {
    assert.equal(box.run(['apply', '-f', cluster]).code, 0);
    const change = box.file('deny.yaml', DENY);
    const r = box.run(['diff', '-f', change, '-n', 'shop', '--ports', '8080']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /8080\/TCP: 0 opened, 2 closed/);
    assert.match(r.stdout, /- shop\/db -> shop\/web 8080\/TCP/);
  });

  test('an invalid policy is bad input (exit 2) with its field path', () => {
    const bad = box.file('bad.yaml', `${CLUSTER}---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: bad, namespace: shop}
spec:
  podSelector: {}
  ingress:
  - from: [{ipBlock: {cidr: 10.0.0.0/16, except: [10.1.0.0/24]}}]
`);
    const r = box.run(['reach', '-f', bad, '--from', 'shop/web', '--to', 'shop/db', '--port', '5432']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /spec\.ingress\[0\]\.from\[0\]\.ipBlock\.except\[0\]/);
  });
});
