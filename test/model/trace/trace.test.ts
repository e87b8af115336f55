import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Service } from '../../../src/api/types.ts';
import type { ClusterView } from '../../../src/cluster/view.ts';
import { trace, TraceInputError, type TraceResult } from '../../../src/model/trace/index.ts';
import { cluster, EXTERNAL_CLIENT, type ConfigPatch } from './fixture.ts';

const steps = (r: TraceResult): string[] => r.hops.map((h) => h.step);
const failed = (r: TraceResult) => r.hops[r.failedHop ?? -1];
const routeText = (r: TraceResult): string => r.hops.filter((h) => h.step === 'route').map((h) => `${h.where} ${h.detail}`).join('\n');
const svc = (v: ClusterView, name: string, ns = 'app'): Service => v.service(ns, name)!;
const nodeIP = (v: ClusterView, name: string): string => v.nodeInternalIP(v.node(name)!)!;

describe('trace across CNI modes (pod on node-1 → pod on node-2, TCP 8080)', () => {
  // Devices as each plugin names them: flannel.1 (flannel VXLAN), tunl0 (calico IPIP), vxlan.calico,
  // cilium_vxlan; routed modes put inner pod IPs on the wire; the bridge plugin has no cross-node routes.
  const cases: { name: string; cfg: ConfigPatch; verdict: string; device?: string; encapsulated: boolean }[] = [
    { name: 'bridge: no route to another node\'s pod CIDR', cfg: { cni: 'bridge' }, verdict: 'unreachable', encapsulated: false },
    { name: 'flannel VXLAN: through flannel.1', cfg: { cni: 'flannel' }, verdict: 'delivered', device: 'flannel.1', encapsulated: true },
    { name: 'flannel host-gw: a route via the peer node, no tunnel', cfg: { cni: 'flannel', cniOptions: { flannelBackend: 'host-gw' } }, verdict: 'delivered', encapsulated: false },
    { name: 'calico BGP: routed, no encapsulation', cfg: { cni: 'calico' }, verdict: 'delivered', encapsulated: false },
    { name: 'calico IPIP: through tunl0', cfg: { cni: 'calico', cniOptions: { calicoMode: 'ipip' } }, verdict: 'delivered', device: 'tunl0', encapsulated: true },
    { name: 'calico VXLAN: through vxlan.calico', cfg: { cni: 'calico', cniOptions: { calicoMode: 'vxlan' } }, verdict: 'delivered', device: 'vxlan.calico', encapsulated: true },
    { name: 'cilium: through cilium_vxlan', cfg: { cni: 'cilium' }, verdict: 'delivered', device: 'cilium_vxlan', encapsulated: true },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const v = cluster(c.cfg);
      const r = trace(v, { from: 'app/client', to: 'app/web-2', port: 8080 });
      assert.equal(r.verdict, c.verdict, JSON.stringify(r.hops, null, 1));
      if (c.verdict === 'unreachable') {
        assert.equal(failed(r).step, 'route');
        assert.match(r.fix ?? '', /same node|flannel, calico or cilium/);
        return;
      }
      const text = routeText(r);
      if (c.device) assert.match(text, new RegExp(c.device.replace('.', '\\.')));
      assert.equal(/; encapsulated:/.test(text), c.encapsulated, text);
      // The packet ends in the destination pod's eth0.
      assert.match(r.hops.filter((h) => h.step === 'route').at(-1)!.where, /pod app\/web-2 eth0/);
      assert.deepEqual(steps(r).slice(-2), ['ingress-policy', 'port']);
    });
  }

  test('same node on the bridge plugin: delivered through cni0', () => {
    const r = trace(cluster({ cni: 'bridge' }), { from: 'app/client', to: 'app/web-1', port: 8080 });
    assert.equal(r.verdict, 'delivered');
    assert.match(routeText(r), /cni0/);
  });
});

describe('trace --size: MTU on the path', () => {
  test('flannel VXLAN with the pod MTU left at the underlay\'s 1500: a 1500-byte packet fits the pod but not the tunnel', () => {
    const r = trace(cluster({ cni: 'flannel', cniOptions: { podMTU: 1500 } }), { from: 'app/client', to: 'app/web-2', port: 8080, size: 1500 });
    assert.equal(r.verdict, 'too-big');
    assert.equal(failed(r).step, 'mtu');
    assert.match(r.fix ?? '', /podMTU to 1450/);
  });
  test('the same packet between pods of one node never meets the tunnel', () => {
    const r = trace(cluster({ cni: 'flannel', cniOptions: { podMTU: 1500 } }), { from: 'app/client', to: 'app/web-1', port: 8080, size: 1500 });
    assert.equal(r.verdict, 'delivered');
  });
  test('a 1400-byte packet fits VXLAN\'s 1450', () => {
    const r = trace(cluster({ cni: 'flannel' }), { from: 'app/client', to: 'app/web-2', port: 8080, size: 1400 });
    assert.equal(r.verdict, 'delivered');
    assert.ok(r.hops.some((h) => h.step === 'mtu' && h.ok));
  });
  test('calico BGP carries 1500 bytes unencapsulated; IPIP (1480) does not', () => {
    assert.equal(trace(cluster({ cni: 'calico' }), { from: 'app/client', to: 'app/web-2', port: 8080, size: 1500 }).verdict, 'delivered');
    assert.equal(trace(cluster({ cni: 'calico', cniOptions: { calicoMode: 'ipip' } }), { from: 'app/client', to: 'app/web-2', port: 8080, size: 1500 }).verdict, 'too-big');
  });
});

describe('trace through Services (kube-proxy)', () => {
  test('ClusterIP: DNAT to a ready endpoint on the targetPort, client IP kept', () => {
    const v = cluster();
    const r = trace(v, { from: 'app/client', to: svc(v, 'web').spec.clusterIP!, port: 80 });
    assert.equal(r.verdict, 'delivered');
    const kp = r.hops.find((h) => h.step === 'kube-proxy')!;
    assert.match(kp.detail, /KUBE-SERVICES → KUBE-SVC-/);
    assert.match(kp.detail, /no SNAT/);
    assert.match(r.hops.at(-1)!.detail, /8080\/TCP/);
  });

  test('ClusterIP without endpoints: rejected, and the fix names the selector that matches no pod', () => {
    const v = cluster();
    const r = trace(v, { from: 'app/client', to: svc(v, 'empty').spec.clusterIP!, port: 80 });
    assert.equal(r.verdict, 'rejected');
    assert.equal(failed(r).step, 'kube-proxy');
    assert.match(r.fix ?? '', /app=nothing/);
  });

  test('a port the ClusterIP does not serve: iptables lets it route away (dropped), nftables rejects', () => {
    const ip = (v: ClusterView) => svc(v, 'web').spec.clusterIP!;
    const it = cluster();
    assert.equal(trace(it, { from: 'app/client', to: ip(it), port: 81 }).verdict, 'dropped');
    const nft = cluster({ proxyMode: 'nftables' });
    assert.equal(trace(nft, { from: 'app/client', to: ip(nft), port: 81 }).verdict, 'rejected');
  });

  test('nftables mode names its own chains', () => {
    const v = cluster({ proxyMode: 'nftables' });
    const r = trace(v, { from: 'app/client', to: svc(v, 'web').spec.clusterIP!, port: 80 });
    assert.match(r.hops.find((h) => h.step === 'kube-proxy')!.detail, /service-[A-Z0-9]{8}-app\/web\/tcp\/http/);
  });

  test('NodePort from outside, externalTrafficPolicy Cluster: any endpoint, source masqueraded', () => {
    const v = cluster();
    const r = trace(v, { from: EXTERNAL_CLIENT, to: nodeIP(v, 'node-1'), port: 30080 });
    assert.equal(r.verdict, 'delivered');
    assert.match(r.hops.find((h) => h.step === 'kube-proxy')!.detail, /masqueraded/);
    assert.match(r.hops.find((h) => h.step === 'service')!.detail, /NodePort/);
  });

  test('NodePort with externalTrafficPolicy Local on a node without a local endpoint: dropped', () => {
    const v = cluster();
    const r = trace(v, { from: EXTERNAL_CLIENT, to: nodeIP(v, 'node-1'), port: 30082 });
    assert.equal(r.verdict, 'dropped');
    assert.match(r.fix ?? '', /externalTrafficPolicy: Cluster/);
    // The node that runs the endpoint delivers, keeping the client IP.
    const ok = trace(v, { from: EXTERNAL_CLIENT, to: nodeIP(v, 'node-2'), port: 30082 });
    assert.equal(ok.hops.find((h) => h.step === 'kube-proxy')?.ok, true);
    assert.match(ok.hops.find((h) => h.step === 'kube-proxy')!.detail, /no SNAT/);
  });

  test('LoadBalancer IP with externalTrafficPolicy Local: local endpoints only, client IP preserved', () => {
    const v = cluster();
    const lbIP = svc(v, 'web-lb').status!.loadBalancer!.ingress![0].ip!;
    const r = trace(v, { from: EXTERNAL_CLIENT, to: lbIP, port: 80 });
    assert.equal(r.verdict, 'delivered');
    const kp = r.hops.find((h) => h.step === 'kube-proxy')!;
    assert.match(kp.detail, /local endpoints only/);
    assert.match(kp.detail, /no SNAT/);
  });

  test('internalTrafficPolicy Local without a local endpoint: dropped', () => {
    const v = cluster({}, `apiVersion: v1
kind: Pod
metadata: {name: itp-backend, namespace: app, labels: {app: lonely-nowhere-but-node-2}}
spec:
  nodeName: node-2
  containers: [{name: c, image: nginx, ports: [{containerPort: 80}]}]
`);
    const r = trace(v, { from: 'app/client', to: svc(v, 'web-itp').spec.clusterIP!, port: 80 });
    assert.equal(r.verdict, 'dropped');
    assert.match(r.reason ?? '', /internalTrafficPolicy Local/);
  });

  test('headless Service by name: DNS returns pod IPs, no kube-proxy hop', () => {
    const r = trace(cluster(), { from: 'app/client', to: 'web-headless', port: 8080 });
    assert.equal(r.verdict, 'delivered');
    assert.ok(!steps(r).includes('kube-proxy'));
  });

  test('ExternalName: a CNAME to the outside name, then out of the cluster with SNAT at the node', () => {
    const r = trace(cluster(), { from: 'app/client', to: 'search', port: 443 });
    assert.equal(r.verdict, 'delivered');
    assert.ok(r.hops.some((h) => h.step === 'dns' && /CNAME search\.example\.com/.test(h.detail)));
    assert.ok(r.notes.some((n) => /source NAT 10\.244\.0\.2 → 172\.18\.0\.2/.test(n)));
  });

  test('an unallocated address in the service CIDR: dropped', () => {
    const r = trace(cluster(), { from: 'app/client', to: '10.96.200.200', port: 80 });
    assert.equal(r.verdict, 'dropped');
  });
});

describe('trace and NetworkPolicy', () => {
  const denyIngress = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny, namespace: app}
spec:
  podSelector: {matchLabels: {app: web}}
  policyTypes: [Ingress]
`;
  test('ingress isolated without a rule: denied at the destination, fix admits the client on the backend port', () => {
    const v = cluster({}, denyIngress);
    const r = trace(v, { from: 'app/client', to: 'web', port: 80 });
    assert.equal(r.verdict, 'denied');
    assert.equal(failed(r).step, 'ingress-policy');
    assert.match(r.fix ?? '', /ingress: \[\{from: \[\{podSelector: \{matchLabels: \{role: client\}\}\}\], ports: \[\{protocol: TCP, port: 8080\}\]\}\]/);
  });
  test('flannel ignores NetworkPolicy: delivered, with a warning on the hop', () => {
    const r = trace(cluster({ cni: 'flannel' }, denyIngress), { from: 'app/client', to: 'web', port: 80 });
    assert.equal(r.verdict, 'delivered');
    assert.match(r.hops.find((h) => h.step === 'ingress-policy')!.warning ?? '', /does not enforce/);
  });
  test('egress default-deny without DNS: the name does not resolve, and the fix allows UDP and TCP 53', () => {
    const v = cluster({}, `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny, namespace: app}
spec:
  podSelector: {}
  policyTypes: [Egress]
`);
    const r = trace(v, { from: 'app/client', to: 'web', port: 80 });
    assert.equal(r.verdict, 'unresolved');
    assert.equal(failed(r).step, 'dns');
    assert.match(r.fix ?? '', /protocol: UDP, port: 53\}, \{protocol: TCP, port: 53/);
    // By IP the same pod still fails, now at its own egress.
    const byIP = trace(v, { from: 'app/client', to: svc(v, 'web').spec.clusterIP!, port: 80 });
    assert.equal(byIP.verdict, 'denied');
    assert.equal(failed(byIP).step, 'egress-policy');
  });
});

describe('trace and DNS', () => {
  test('a short name from another namespace does not resolve; the fix names the qualified one', () => {
    const r = trace(cluster(), { from: 'other/lonely', to: 'web', port: 80 });
    assert.equal(r.verdict, 'unresolved');
    // ndots:5 walk: three search domains, then the name as is: four NXDOMAINs.
    assert.equal(r.hops.filter((h) => h.step === 'dns' && /NXDOMAIN/.test(h.detail)).length, 4);
    assert.match(r.fix ?? '', /web\.app/);
  });
  test('ndots:5: web.app.svc.cluster.local (4 dots) walks the three search domains before itself; with a trailing dot it is asked once', () => {
    const v = cluster();
    const r = trace(v, { from: 'other/lonely', to: 'web.app.svc.cluster.local', port: 80 });
    assert.equal(r.verdict, 'delivered');
    const queries = r.hops.filter((h) => h.step === 'dns' && / A → /.test(h.detail));
    assert.equal(queries.length, 4);
    assert.match(queries[3].detail, /^web\.app\.svc\.cluster\.local\. A → 10\./);
    const dotted = trace(v, { from: 'other/lonely', to: 'web.app.svc.cluster.local.', port: 80 });
    assert.equal(dotted.hops.filter((h) => h.step === 'dns' && / A → /.test(h.detail)).length, 1);
  });
  test('dnsConfig ndots:1 and web.app: glibc falls back to the search list, musl asks the name only as is (no search)', () => {
    const v = cluster({}, `apiVersion: v1
kind: Pod
metadata: {name: alpine, namespace: other}
spec:
  nodeName: node-1
  dnsConfig: {options: [{name: ndots, value: "1"}]}
  containers: [{name: c, image: alpine}]
`);
    const glibc = trace(v, { from: 'other/alpine', to: 'web.app', port: 80 });
    assert.equal(glibc.verdict, 'delivered');
    const asked = glibc.hops.filter((h) => h.step === 'dns' && / A → /.test(h.detail)).map((h) => h.detail.split(' ')[0]);
    assert.deepEqual(asked, ['web.app.', 'web.app.other.svc.cluster.local.', 'web.app.svc.cluster.local.']);
    const musl = trace(v, { from: 'other/alpine', to: 'web.app', port: 80, libc: 'musl' });
    assert.equal(musl.verdict, 'unresolved');
  });
});

describe('trace from a hostNetwork pod', () => {
  test('dnsPolicy ClusterFirst on the host network means the node\'s resolver: Service names do not resolve', () => {
    const agent = (policy: string) => `apiVersion: v1
kind: Pod
metadata: {name: agent, namespace: app}
spec:
  nodeName: node-1
  hostNetwork: true
  dnsPolicy: ${policy}
  containers: [{name: c, image: agent}]
`;
    const bad = trace(cluster({}, agent('ClusterFirst')), { from: 'app/agent', to: 'web', port: 80 });
    assert.equal(bad.verdict, 'unresolved');
    assert.match(bad.fix ?? '', /ClusterFirstWithHostNet/);
    const good = trace(cluster({}, agent('ClusterFirstWithHostNet')), { from: 'app/agent', to: 'web', port: 80 });
    assert.equal(good.verdict, 'delivered');
  });
});

describe('trace to a URL through the Ingress', () => {
  const ingress = `apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: nginx}
spec: {controller: k8s.io/ingress-nginx}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: app}
spec:
  ingressClassName: nginx
  rules:
    - host: shop.example.com
      http:
        paths:
          - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
`;
  test('a matching host and path: proxied to an endpoint of the backend Service', () => {
    const r = trace(cluster({}, ingress), { from: EXTERNAL_CLIENT, to: 'http://shop.example.com/cart' });
    assert.equal(r.verdict, 'delivered', JSON.stringify(r.hops, null, 1));
    assert.equal(r.port, 80);
    assert.match(r.hops.find((h) => h.step === 'ingress-route')!.detail, /Service app\/web/);
    assert.match(r.hops.at(-1)!.detail, /8080\/TCP/);
  });
  test('the proxy runs on a node: a backend admitting only pods denies it from another node (its own node is always allowed)', () => {
    const onlyClient = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web-from-client, namespace: app}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress: [{from: [{podSelector: {matchLabels: {role: client}}}]}]
`;
    const r = trace(cluster({}, `${ingress}---\n${onlyClient}`), { from: EXTERNAL_CLIENT, to: 'http://shop.example.com/' });
    assert.equal(r.verdict, 'denied');
    assert.match(failed(r).where, /app\/web-2/);
    assert.match(r.fix ?? '', /ipBlock: \{cidr: 172\.18\.0\.2\/32\}/);
    assert.ok(r.notes.some((n) => /1 of 2 backends deny/.test(n)));
  });
  test('an unknown host: not routed (404), with a fix', () => {
    const r = trace(cluster({}, ingress), { from: EXTERNAL_CLIENT, to: 'http://other.example.com/' });
    assert.equal(r.verdict, 'not-routed');
    assert.match(r.reason ?? '', /404/);
    assert.ok(r.fix);
  });
});

describe('trace input', () => {
  test('sources: a pod IP, a node, a workload', () => {
    const v = cluster();
    assert.equal(trace(v, { from: '10.244.0.2', to: 'app/web-1', port: 8080 }).hops[0].where, 'pod app/client');
    assert.equal(trace(v, { from: 'node/node-2', to: 'app/web-1', port: 8080 }).verdict, 'delivered');
  });
  test('the port defaults to the only declared one; several ports need --port', () => {
    const v = cluster();
    assert.equal(trace(v, { from: 'app/client', to: 'app/web-2' }).port, 8080);
    assert.throws(() => trace(v, { from: 'app/client', to: 'app/client' }), TraceInputError);
  });
  test('bad references are input errors', () => {
    const v = cluster();
    assert.throws(() => trace(v, { from: 'app/missing', to: 'web' }), TraceInputError);
    assert.throws(() => trace(v, { from: 'app/client', to: 'bad name!' }), TraceInputError);
    assert.throws(() => trace(v, { from: svc(v, 'web').spec.clusterIP!, to: 'web' }), TraceInputError);
  });
  test('JSON shape: verdict and hops of step, where, detail, ok', () => {
    const r = JSON.parse(JSON.stringify(trace(cluster(), { from: 'app/client', to: 'web' }))) as Record<string, unknown>;
    assert.equal(r.verdict, 'delivered');
    for (const h of r.hops as Record<string, unknown>[]) {
      assert.equal(typeof h.step, 'string');
      assert.equal(typeof h.where, 'string');
      assert.equal(typeof h.detail, 'string');
      assert.equal(typeof h.ok, 'boolean');
    }
  });
});
