/**
 * Real packets per CNI mode: the cluster is built as namespaces, pods answer on their containerPorts,
 * and every TCP/UDP exchange must agree with the model's verdict (model/cni cniPath) — reachable or
 * not, path MTU — and with the device names and MTUs the model explains. Expectations for the modes
 * themselves: shared/notes/dataplane-linux.md (VXLAN path MTU 1450 — flannel.1 and vxlan.calico alike: `ping -M do -s 1422` passes,
 * `-s 1423` does not; host-gw and BGP carry 1500; a plain bridge routes no pod CIDR across nodes).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import type { ClusterConfig } from '../../src/cluster/config.ts';
import { cniPath, cniProfile, type NetEndpoint } from '../../src/model/cni/index.ts';
import { dataplaneUp, loadConfDir, type PodPlan, type Topology } from '../../src/dataplane/index.ts';
import { run } from '../../src/dataplane/run.ts';
import type { ClusterView } from '../../src/cluster/view.ts';
import { cleanup, clusterView, inNetns, sandbox, skipReason, tcpReply, TWO_NODE_CLUSTER, udpReply } from './helpers.ts';

const modes: { name: string; config: Partial<ClusterConfig>; pathMTU: number }[] = [
  { name: 'bridge', config: { cni: 'bridge' }, pathMTU: 1500 },
  { name: 'flannel-vxlan', config: { cni: 'flannel', cniOptions: { flannelBackend: 'vxlan', calicoMode: 'bgp', kubeProxyReplacement: false } }, pathMTU: 1450 },
  { name: 'flannel-hostgw', config: { cni: 'flannel', cniOptions: { flannelBackend: 'host-gw', calicoMode: 'bgp', kubeProxyReplacement: false } }, pathMTU: 1500 },
  { name: 'calico-bgp', config: { cni: 'calico' }, pathMTU: 1500 },
  { name: 'calico-vxlan', config: { cni: 'calico', cniOptions: { flannelBackend: 'vxlan', calicoMode: 'vxlan', kubeProxyReplacement: false } }, pathMTU: 1450 },
];

function endpoint(view: ClusterView, p: PodPlan): NetEndpoint {
  const pod = view.pod(p.namespace, p.name);
  assert.ok(pod);
  return { kind: 'pod', pod, ip: p.ip };
}

const podOf = (top: Topology, name: string): PodPlan => top.pods.find((p) => p.name === name) as PodPlan;

async function linkMTU(netns: string, dev: string): Promise<number | undefined> {
  const r = await run('ip', ['-n', netns, '-json', 'link', 'show', 'dev', dev]);
  return r.code === 0 ? (JSON.parse(r.stdout) as { mtu: number }[])[0].mtu : undefined;
}

for (const mode of modes) {
  test(`${mode.name}: pod-to-pod TCP/UDP same node and cross node agree with the model`, { skip: skipReason }, async () => {
    const s = sandbox(mode.name.replace(/[^a-z]/g, '').slice(0, 6));
    try {
      const { view, config } = clusterView(TWO_NODE_CLUSTER, mode.config);
      const profile = cniProfile(config);
      const { topology: top } = await dataplaneUp({ view, config, names: s.names, layout: s.layout });
      const [a, b, c] = ['web-a', 'web-b', 'web-c'].map((n) => podOf(top, n));

      // Devices as the model names them, with the mode's MTU on both veth ends.
      for (const p of [a, b, c]) {
        const node = top.nodes.find((n) => n.name === p.node);
        assert.equal(await linkMTU(node!.netns, p.hostVeth!), profile.podMTU, `${p.name} host veth ${p.hostVeth}`);
        assert.equal(await linkMTU(p.netns, 'eth0'), profile.podMTU, `${p.name} eth0`);
      }
      // The node's conf dir is what the runtime executed: pod network first, loopback last.
      const lists = loadConfDir(s.layout.confDir('node-1')).map((x) => x.list);
      assert.deepEqual(lists.map((l) => [l.name, l.plugins[0].type, l.plugins[0].mtu]), [['podnet', profile.bridge ? 'bridge' : 'podnet-routed', profile.podMTU], ['cni-loopback', 'loopback', undefined]]);
      // host-local handed out exactly the model's addresses.
      const held = readdirSync(`${s.layout.ipamDir('node-1')}/podnet`).filter((f) => /^\d/.test(f));
      for (const p of top.pods.filter((x) => x.node === 'node-1')) assert.ok(held.includes(p.ip), `${p.ip} reserved on node-1`);

      for (const [src, dst] of [[a, b], [a, c], [c, a]] as const) {
        const model = cniPath(view, profile, endpoint(view, src), endpoint(view, dst));
        const reply = await tcpReply(src.netns, dst.ip, 80);
        assert.equal(reply, model.reachable ? dst.name : undefined, `${src.name} → ${dst.name}:80/TCP (model: ${model.reachable ? 'reachable' : model.reason})`);
        if (model.reachable) assert.equal(model.pathMTU, src.node === dst.node ? profile.podMTU : mode.pathMTU);
      }
      const crossUDP = cniPath(view, profile, endpoint(view, c), endpoint(view, a)).reachable;
      assert.equal(await udpReply(c.netns, a.ip, 5353), crossUDP ? 'web-a' : undefined, 'web-c → web-a:5353/UDP');
      assert.equal(await udpReply(b.netns, a.ip, 5353), 'web-a', 'web-b → web-a:5353/UDP same node');
      assert.equal(mode.name === 'bridge', !crossUDP, 'only the plain bridge routes no pod CIDR across nodes');

      if (crossUDP) {
        // Path MTU with DF set: the largest ICMP payload is the path MTU − 28 (IP + ICMP headers).
        const fits = await inNetns(a.netns, 'ping', ['-c', '1', '-W', '2', '-M', 'do', '-s', String(mode.pathMTU - 28), c.ip]);
        assert.equal(fits.code, 0, `ping -s ${mode.pathMTU - 28}: ${fits.stdout}${fits.stderr}`);
        const tooBig = await inNetns(a.netns, 'ping', ['-c', '1', '-W', '2', '-M', 'do', '-s', String(mode.pathMTU - 27), c.ip]);
        assert.notEqual(tooBig.code, 0, `ping -s ${mode.pathMTU - 27} must not pass a ${mode.pathMTU} path`);
      }
    } finally {
      await cleanup(s);
    }
  });
}
