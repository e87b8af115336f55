import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { KObject, Node, Pod } from '../../../src/api/types.ts';
import { defaultClusterConfig, type ClusterConfig } from '../../../src/cluster/config.ts';
import { ClusterView } from '../../../src/cluster/view.ts';
import { cniPath, cniProfile, hostVethName, type NetEndpoint } from '../../../src/model/cni/index.ts';

const node = (name: string, ip: string, cidr: string): Node => ({ apiVersion: 'v1', kind: 'Node', metadata: { name }, spec: { podCIDR: cidr }, status: { addresses: [{ type: 'InternalIP', address: ip }] } });
const pod = (name: string, nodeName: string, ip: string, hostNetwork = false): Pod => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'app' }, spec: { nodeName, hostNetwork, containers: [{ name: 'c' }] }, status: { podIP: ip } });

type ConfigPatch = Partial<Omit<ClusterConfig, 'cniOptions'>> & { cniOptions?: Partial<ClusterConfig['cniOptions']> };

function cluster(cfg: ConfigPatch): ClusterView {
  const base = defaultClusterConfig();
  const config = { ...base, ...cfg, cniOptions: { ...base.cniOptions, ...(cfg.cniOptions ?? {}) } };
  const objects: KObject[] = [
    node('node-1', '172.18.0.2', '10.244.0.0/24'),
    node('node-2', '172.18.0.3', '10.244.1.0/24'),
    pod('a', 'node-1', '10.244.0.2'),
    pod('b', 'node-1', '10.244.0.3'),
    pod('c', 'node-2', '10.244.1.2'),
    pod('h', 'node-2', '172.18.0.3', true),
  ];
  return new ClusterView(objects, config);
}

const ep = (view: ClusterView, name: string): NetEndpoint => {
  const p = view.pod('app', name)!;
  return { kind: 'pod', pod: p, ip: p.status!.podIP! };
};

describe('CNI profiles', () => {
  test('overheads and MTUs per mode (underlay 1500)', () => {
    const mtu = (cfg: ConfigPatch) => cniProfile(cluster(cfg).config).podMTU;
    assert.equal(mtu({ cni: 'flannel' }), 1450, 'flannel VXLAN: 50 bytes of outer Ethernet/IP/UDP/VXLAN');
    assert.equal(mtu({ cni: 'flannel', cniOptions: { flannelBackend: 'host-gw' } }), 1500);
    assert.equal(mtu({ cni: 'calico' }), 1500, 'calico BGP: no encapsulation');
    assert.equal(mtu({ cni: 'calico', cniOptions: { calicoMode: 'ipip' } }), 1480, 'IPIP adds a 20-byte IP header');
    assert.equal(mtu({ cni: 'calico', cniOptions: { calicoMode: 'vxlan' } }), 1450);
    assert.equal(mtu({ cni: 'calico', mtu: 9000, cniOptions: { calicoMode: 'ipip' } }), 8980);
  });

  test('flannel VXLAN uses VNI 1 on UDP 8472 (flannel.1); calico VXLAN VNI 4096 on 4789', () => {
    assert.deepEqual(cniProfile(cluster({ cni: 'flannel' }).config).encapsulation, { kind: 'vxlan', device: 'flannel.1', vni: 1, udpPort: 8472, overhead: 50 });
    assert.deepEqual(cniProfile(cluster({ cni: 'calico', cniOptions: { calicoMode: 'vxlan' } }).config).encapsulation, { kind: 'vxlan', device: 'vxlan.calico', vni: 4096, udpPort: 4789, overhead: 50 });
  });

  test('only calico and cilium enforce policy', () => {
    for (const [cni, enforces] of [['bridge', false], ['flannel', false], ['calico', true], ['cilium', true]] as const) {
      assert.equal(cniProfile(cluster({ cni }).config).enforcesPolicy, enforces, cni);
    }
  });

  test('host veth names fit IFNAMSIZ and are stable per pod', () => {
    const p = cniProfile(cluster({ cni: 'calico' }).config);
    const name = hostVethName(p, 'app', 'a');
    assert.match(name, /^cali[0-9a-f]{11}$/);
    assert.equal(hostVethName(p, 'app', 'a'), name);
    assert.notEqual(hostVethName(p, 'app', 'b'), name);
    assert.match(hostVethName(cniProfile(cluster({ cni: 'flannel' }).config), 'app', 'a'), /^veth[0-9a-f]{8}$/);
  });
});

describe('CNI path', () => {
  test('same node: through the bridge, never encapsulated', () => {
    const v = cluster({ cni: 'flannel' });
    const r = cniPath(v, cniProfile(v.config), ep(v, 'a'), ep(v, 'b'));
    assert.ok(r.reachable);
    assert.equal(r.encapsulated, false);
    assert.ok(r.hops.some((h) => h.device === 'cni0'));
    assert.ok(!r.hops.some((h) => h.device === 'flannel.1'));
  });

  test('cross node on flannel VXLAN: via flannel.1 with onlink route to the peer subnet, encapsulated', () => {
    const v = cluster({ cni: 'flannel' });
    const r = cniPath(v, cniProfile(v.config), ep(v, 'a'), ep(v, 'c'));
    assert.ok(r.reachable);
    assert.ok(r.encapsulated);
    assert.equal(r.pathMTU, 1450);
    const enc = r.hops.find((h) => h.device === 'flannel.1' && h.where === 'node node-1')!;
    assert.match(enc.detail, /route 10\.244\.1\.0\/24 via 10\.244\.1\.0 dev flannel\.1 onlink/);
    assert.match(enc.detail, /VNI 1, outer UDP 172\.18\.0\.2 → 172\.18\.0\.3:8472/);
  });

  test('cross node on calico BGP: plain route via the peer node IP, no encapsulation', () => {
    const v = cluster({ cni: 'calico' });
    const r = cniPath(v, cniProfile(v.config), ep(v, 'a'), ep(v, 'c'));
    assert.ok(r.reachable && !r.encapsulated);
    assert.ok(r.hops.some((h) => /route 10\.244\.1\.0\/24 via 172\.18\.0\.3 dev eth0 proto bird/.test(h.detail)));
    assert.ok(r.hops.some((h) => h.detail === 'route 10.244.1.2/32 dev ' + hostVethName(cniProfile(v.config), 'app', 'c') + ' scope link'));
  });

  test('calico IPIP crosses through tunl0', () => {
    const v = cluster({ cni: 'calico', cniOptions: { calicoMode: 'ipip' } });
    const r = cniPath(v, cniProfile(v.config), ep(v, 'a'), ep(v, 'c'));
    assert.ok(r.encapsulated);
    assert.equal(r.pathMTU, 1480);
    assert.ok(r.hops.some((h) => h.device === 'tunl0' && /IP-in-IP/.test(h.detail)));
  });

  test('plain bridge: pods on other nodes are unreachable', () => {
    const v = cluster({ cni: 'bridge' });
    const r = cniPath(v, cniProfile(v.config), ep(v, 'a'), ep(v, 'c'));
    assert.equal(r.reachable, false);
    assert.match(r.reason!, /no route to 10\.244\.1\.0\/24/);
  });

  test('egress to outside the cluster is masqueraded to the node IP', () => {
    const v = cluster({ cni: 'calico' });
    const r = cniPath(v, cniProfile(v.config), ep(v, 'a'), { kind: 'external', ip: '93.184.216.34' });
    assert.deepEqual(r.snat, { from: '10.244.0.2', to: '172.18.0.2', where: 'node node-1' });
  });

  test('hostNetwork destination is the node itself', () => {
    const v = cluster({ cni: 'calico' });
    const r = cniPath(v, cniProfile(v.config), ep(v, 'a'), ep(v, 'h'));
    assert.ok(r.reachable);
    assert.equal(r.encapsulated, false);
    assert.match(r.hops.at(-1)!.detail, /node's network namespace \(172\.18\.0\.3\)/);
  });

  test('MTU: pod MTU set to the underlay on VXLAN → large cross-node packets are dropped, small ones pass', () => {
    const v = cluster({ cni: 'flannel', cniOptions: { podMTU: 1500 } });
    const p = cniProfile(v.config);
    assert.equal(cniPath(v, p, ep(v, 'a'), ep(v, 'c'), 1400).mtuProblem, undefined);
    assert.match(cniPath(v, p, ep(v, 'a'), ep(v, 'c'), 1480).mtuProblem!, /fits the pod MTU 1500 but not the VXLAN tunnel \(1450/);
    assert.equal(cniPath(v, p, ep(v, 'a'), ep(v, 'b'), 1480).mtuProblem, undefined, 'same node: no tunnel');
    assert.match(cniPath(v, p, ep(v, 'a'), ep(v, 'c'), 1600).mtuProblem!, /exceeds the sender's interface MTU 1500/);
  });
});
