/**
 * The topology plan: names, addresses, MACs and MTUs the kernel gets, checked against the model
 * (model/cni profile and hostVethName, pod IPAM) and the flannel/calico facts in
 * shared/notes/dataplane-linux.md (VXLAN VNI 1 on UDP 8472 with MTU underlay − 50, host-gw routes
 * via the peer's node IP, onlink routes via the peer VTEP).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cniProfile, hostVethName } from '../../src/model/cni/index.ts';
import { crossNodeMethod, DataplaneNames, planTopology, PrefixError, TopologyError, dataplanePrefix } from '../../src/dataplane/index.ts';
import { peerRouteLines } from '../../src/dataplane/crossnode.ts';
import { nodeConfList, podAttachment } from '../../src/dataplane/cni/conflist.ts';
import { clusterView, TWO_NODE_CLUSTER } from './helpers.ts';
import type { ClusterConfig } from '../../src/cluster/config.ts';

const names = new DataplaneNames('pn');
const flannelVXLAN: Partial<ClusterConfig> = { cni: 'flannel', cniOptions: { flannelBackend: 'vxlan', calicoMode: 'bgp', kubeProxyReplacement: false } };
const flannelHostGW: Partial<ClusterConfig> = { cni: 'flannel', cniOptions: { flannelBackend: 'host-gw', calicoMode: 'bgp', kubeProxyReplacement: false } };

test('every namespace carries the prefix; down finds them by it', () => {
  const { view, config } = clusterView(TWO_NODE_CLUSTER, flannelVXLAN);
  const top = planTopology(view, config, names);
  const all = [top.underlay.netns, ...top.nodes.map((n) => n.netns), ...top.pods.map((p) => p.netns)];
  for (const ns of all) assert.ok(names.owns(ns), ns);
  assert.equal(new Set(all).size, all.length, 'namespace names are unique');
  assert.ok(!new DataplaneNames('pnx').owns('pn-ul'));
  assert.ok(!names.owns('pnx-ul'), 'a longer prefix is not ours');
});

test('prefix: letters and digits only, so one prefix never matches another run\'s namespaces', () => {
  for (const bad of ['pn-x', 'PN', '1pn', '', 'a'.repeat(17)]) assert.throws(() => dataplanePrefix({ PODNET_PREFIX: bad }), PrefixError, bad);
  assert.equal(dataplanePrefix({}), 'pn');
  assert.equal(dataplanePrefix({ PODNET_PREFIX: 'ci7' }), 'ci7');
});

test('pod namespace names stay below NAME_MAX for the longest pod names', () => {
  const ns = names.pod('n'.repeat(63), 'p'.repeat(253));
  assert.ok(ns.length <= 200 && names.owns(ns));
  assert.notEqual(ns, names.pod('n'.repeat(63), `${'p'.repeat(252)}q`));
});

test('nodes: InternalIP on eth0 in the node network, pod CIDR gateway .1, fixed bridge MAC', () => {
  const { view, config } = clusterView(TWO_NODE_CLUSTER, flannelVXLAN);
  const top = planTopology(view, config, names);
  assert.deepEqual(top.underlay, { netns: 'pn-ul', bridge: 'br-ul', ip: '172.18.0.1', prefix: 16 });
  const [n1, n2] = top.nodes;
  assert.deepEqual([n1.name, n1.internalIP, n1.underlayPrefix, n1.podCIDR, n1.gateway], ['node-1', '172.18.0.11', 16, '10.244.1.0/24', '10.244.1.1']);
  assert.equal(n1.bridgeMAC, '0a:58:0a:f4:01:01');
  assert.equal(n2.bridgeMAC, '0a:58:0a:f4:02:01');
});

test('pods: IPs from the model\'s pod IPAM (gateway .1, lowest free from .2), host veth names from model/cni', () => {
  const { view, config } = clusterView(TWO_NODE_CLUSTER, flannelVXLAN);
  const top = planTopology(view, config, names);
  const profile = cniProfile(config);
  for (const p of top.pods) {
    const pod = view.pod(p.namespace, p.name);
    assert.equal(p.ip, pod?.status?.podIP, `${p.name} keeps the model's IP`);
    assert.equal(p.hostVeth, hostVethName(profile, p.namespace, p.name));
    assert.ok((p.hostVeth as string).length <= 15, 'IFNAMSIZ');
  }
  const onNode1 = top.pods.filter((p) => p.node === 'node-1').map((p) => p.ip).sort();
  assert.equal(onNode1[0], '10.244.1.2', 'first pod address after the gateway');
  const webA = top.pods.find((p) => p.name === 'web-a');
  assert.deepEqual(webA?.ports, [{ port: 80, protocol: 'TCP' }, { port: 5353, protocol: 'UDP' }]);
});

test('MTU per mode: VXLAN pods at underlay − 50, host-gw and BGP at the underlay MTU', () => {
  const cases: [Partial<ClusterConfig>, number, string][] = [
    [flannelVXLAN, 1450, 'vxlan'],
    [flannelHostGW, 1500, 'host-gw'],
    [{ cni: 'calico' }, 1500, 'bgp'],
    [{ cni: 'bridge' }, 1500, 'none'],
    [{ cni: 'calico', cniOptions: { flannelBackend: 'vxlan', calicoMode: 'vxlan', kubeProxyReplacement: false } }, 1450, 'vxlan'],
    [{ cni: 'cilium' }, 1450, 'vxlan'],
  ];
  for (const [overrides, mtu, method] of cases) {
    const { view, config } = clusterView(TWO_NODE_CLUSTER, overrides);
    const top = planTopology(view, config, names);
    assert.equal(top.profile.podMTU, mtu, top.profile.mode);
    assert.equal(crossNodeMethod(top.profile), method, top.profile.mode);
    const conf = nodeConfList(top.profile, top.nodes[0], '/ipam');
    assert.equal(conf.plugins[0].mtu, mtu);
  }
});

test('flannel VXLAN: flannel.1, VNI 1, UDP 8472, VTEP address = pod CIDR network address; FDB + neighbour + onlink route per peer', () => {
  const { view, config } = clusterView(TWO_NODE_CLUSTER, flannelVXLAN);
  const top = planTopology(view, config, names);
  const [n1, n2] = top.nodes;
  assert.deepEqual({ ...n2.vtep, mac: undefined }, { device: 'flannel.1', vni: 1, port: 8472, ip: '10.244.2.0', mac: undefined });
  // Locally administered unicast (bit 1 set, bit 0 clear in the first octet).
  const first = parseInt((n2.vtep?.mac as string).slice(0, 2), 16);
  assert.equal(first & 0b11, 0b10);
  const lines = peerRouteLines(top, n1);
  assert.deepEqual(lines.bridge, [`fdb append ${n2.vtep?.mac} dev flannel.1 dst 172.18.0.12`]);
  assert.deepEqual(lines.ip, [
    `neigh replace 10.244.2.0 lladdr ${n2.vtep?.mac} dev flannel.1 nud permanent`,
    'route replace 10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink',
  ]);
});

test('flannel host-gw: a route per peer pod CIDR via the peer node IP', () => {
  const { view, config } = clusterView(TWO_NODE_CLUSTER, flannelHostGW);
  const top = planTopology(view, config, names);
  assert.deepEqual(peerRouteLines(top, top.nodes[1]), { ip: ['route replace 10.244.1.0/24 via 172.18.0.11 dev eth0'], bridge: [] });
  assert.equal(top.nodes[0].vtep, undefined);
});

test('calico BGP: routed veths (no bridge), cali-prefixed host veths, podnet-routed plugin', () => {
  const { view, config } = clusterView(TWO_NODE_CLUSTER, { cni: 'calico' });
  const top = planTopology(view, config, names);
  assert.equal(top.nodes[0].bridgeMAC, undefined);
  assert.ok(top.pods.every((p) => p.hostVeth?.startsWith('cali')));
  const conf = nodeConfList(top.profile, top.nodes[0], '/ipam');
  assert.equal(conf.plugins[0].type, 'podnet-routed');
});

test('calico IPIP is refused: this kernel has no ipip driver', () => {
  const { view, config } = clusterView(TWO_NODE_CLUSTER, { cni: 'calico', cniOptions: { flannelBackend: 'vxlan', calicoMode: 'ipip', kubeProxyReplacement: false } });
  assert.throws(() => planTopology(view, config, names), (e: unknown) => e instanceof TopologyError && /IPIP.*CONFIG_NET_IPIP/.test(e.message) && /mode: vxlan or bgp/.test(e.message));
});

test('a pod IP outside its node\'s pod CIDR is refused with the pod named', () => {
  const yaml = `${TWO_NODE_CLUSTER}
---
apiVersion: v1
kind: Pod
metadata: {name: stray, namespace: shop}
spec: {nodeName: node-1, containers: [{name: c, image: x}]}
status: {phase: Running, podIP: 10.244.2.77}
`;
  const { view, config } = clusterView(yaml, flannelVXLAN);
  assert.throws(() => planTopology(view, config, names), /pod shop\/stray: podIP 10\.244\.2\.77 is outside node node-1's podCIDR 10\.244\.1\.0\/24/);
});

test('the runtime asks IPAM for the model\'s IP (ips capability) and passes kubelet\'s CNI_ARGS', () => {
  const { view, config } = clusterView(TWO_NODE_CLUSTER, flannelVXLAN);
  const top = planTopology(view, config, names);
  const pod = top.pods.find((p) => p.name === 'web-c');
  const att = podAttachment(pod!, '/var/run/netns/x');
  assert.deepEqual(att.capabilityArgs, { ips: [pod!.ip] });
  assert.deepEqual(att.args.slice(0, 3), [['IgnoreUnknown', '1'], ['K8S_POD_NAMESPACE', 'shop'], ['K8S_POD_NAME', 'web-c']]);
  const conf = nodeConfList(top.profile, top.nodes[1], '/ipam');
  assert.deepEqual(conf.plugins[0].capabilities, { ips: true });
  assert.deepEqual((conf.plugins[0].ipam as unknown as { ranges: unknown }).ranges, [[{ subnet: '10.244.2.0/24', gateway: '10.244.2.1' }]]);
});
