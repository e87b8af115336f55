/**
 * The kube-system plan without root: which pods run the DNS server and the ingress proxy (and which
 * ports leave the test server for them), and the host link's address and routes. Expectations:
 * kubeadm's coredns Deployment declares 53/UDP+TCP, 9153, 8080, 8181; ingress-nginx's controller
 * serves HTTP on its `http` port and HTTPS on its `https` port (80 and 443 in its manifests); a LoadBalancer with externalTrafficPolicy Local is only served by
 * nodes with a local ready endpoint (kube-proxy's health check answers 503 elsewhere); interface
 * names are at most IFNAMSIZ-1 = 15 bytes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DataplaneNames, planTopology } from '../../src/dataplane/index.ts';
import { hostLinkName, planHostLink, planKubeSystem } from '../../src/dataplane/kube-system/index.ts';
import { clusterView } from './helpers.ts';

const CLUSTER = `
apiVersion: v1
kind: Node
metadata: {name: node-1}
spec: {podCIDR: 10.244.1.0/24}
status: {addresses: [{type: InternalIP, address: 172.31.50.11}]}
---
apiVersion: v1
kind: Node
metadata: {name: node-2}
spec: {podCIDR: 10.244.2.0/24}
status: {addresses: [{type: InternalIP, address: 172.31.50.254}]}
---
apiVersion: v1
kind: Pod
metadata:
  name: ctrl
  namespace: ingress-nginx
  labels: {app.kubernetes.io/name: ingress-nginx, app.kubernetes.io/component: controller, app: ctrl}
  annotations: {podnet.dev/l7-engine: nginx}
spec:
  nodeName: node-2
  containers: [{name: c, image: x, ports: [{name: http, containerPort: 8080}, {name: https, containerPort: 443}]}]
---
apiVersion: v1
kind: Service
metadata: {name: ctrl, namespace: ingress-nginx}
spec:
  type: LoadBalancer
  externalTrafficPolicy: Local
  selector: {app: ctrl}
  ports: [{name: http, port: 80, targetPort: http}]
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: default, labels: {app.kubernetes.io/name: ingress-nginx}}
spec:
  nodeName: node-1
  containers: [{name: c, image: x, ports: [{containerPort: 80}]}]
`;

const { view, config } = clusterView(CLUSTER, { nodeNetwork: '172.31.50.0/24', loadBalancerPool: '192.168.250.0/28' });
const names = new DataplaneNames('tplan');

test('coredns pods serve DNS on 53 (their other ports stay with the test server); controller pods run the proxy on their http port', () => {
  const { topology, plan } = planKubeSystem(planTopology(view, config, names), view);
  const coredns = topology.pods.filter((p) => p.namespace === 'kube-system' && p.name.startsWith('coredns-'));
  assert.equal(coredns.length, 2);
  assert.deepEqual(plan.dns.map((p) => p.name).sort(), coredns.map((p) => p.name).sort());
  for (const p of coredns) assert.deepEqual(p.ports, [{ port: 8080, protocol: 'TCP' }, { port: 8181, protocol: 'TCP' }, { port: 9153, protocol: 'TCP' }]);
  assert.deepEqual(plan.ingress.map((i) => [i.pod.name, i.httpPorts, i.httpsPorts, i.engine]), [['ctrl', [8080], [443], 'nginx']]);
  // Both entry points leave the test server for the proxy.
  assert.deepEqual(topology.pods.find((p) => p.name === 'ctrl')?.ports, []);
  // Only the name label: not a controller pod.
  assert.deepEqual(topology.pods.find((p) => p.name === 'web')?.ports, [{ port: 80, protocol: 'TCP' }]);
});

test('the host link: highest free nodeNetwork address, the pool over every node, a Local LB IP over nodes with local endpoints', () => {
  const top = planTopology(view, config, names);
  const plan = planHostLink(top, view);
  const lbIP = view.services.find((s) => s.metadata.name === 'ctrl')?.status?.loadBalancer?.ingress?.[0]?.ip;
  assert.ok(lbIP, 'the allocator gave the LoadBalancer an IP from the pool');
  assert.deepEqual(plan, {
    link: 'tplan-ul',
    address: '172.31.50.253', // .254 is node-2's InternalIP
    prefixLength: 24,
    nodeNetwork: '172.31.50.0/24',
    routes: [
      { dst: '192.168.250.0/28', via: ['172.31.50.11', '172.31.50.254'] },
      { dst: `${lbIP}/32`, via: ['172.31.50.254'] },
    ],
  });
});

test('host link names fit IFNAMSIZ and are derived from the prefix alone', () => {
  assert.equal(hostLinkName('pn'), 'pn-ul');
  assert.equal(hostLinkName('abcdefghijkl'), 'abcdefghijkl-ul');
  const long = hostLinkName('abcdefghijklmnop');
  assert.ok(long.length <= 15, long);
  assert.equal(long, hostLinkName('abcdefghijklmnop'));
  assert.notEqual(long, hostLinkName('abcdefghijklmnoq'));
});

test('ingress-nginx entry points: ports named http/https, else numbered 80/443; a port named for one scheme is never the other', () => {
  const { view: v, config: c } = clusterView(`${CLUSTER.split('---').slice(0, 2).join('---')}
---
apiVersion: v1
kind: Pod
metadata:
  name: odd
  namespace: ingress-nginx
  labels: {app.kubernetes.io/name: ingress-nginx, app.kubernetes.io/component: controller}
spec:
  nodeName: node-1
  containers:
  - name: c
    image: x
    ports: [{name: https, containerPort: 80}, {containerPort: 443}, {name: http, containerPort: 8080}, {name: metrics, containerPort: 10254}, {name: web, containerPort: 80, protocol: UDP}]
`, { nodeNetwork: '172.31.50.0/24' });
  const { topology, plan } = planKubeSystem(planTopology(v, c, names), v);
  assert.deepEqual(plan.ingress.map((i) => [i.httpPorts, i.httpsPorts]), [[[8080], [80, 443]]]);
  assert.deepEqual(topology.pods.find((p) => p.name === 'odd')?.ports, [{ port: 80, protocol: 'UDP' }, { port: 10254, protocol: 'TCP' }]);
});
