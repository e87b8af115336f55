/**
 * `podnet capture` on a flannel VXLAN cluster: tcpdump inside a pod sees the pod's own packets;
 * the underlay view on the node's eth0 sees them wrapped in VXLAN (UDP 8472, VNI 1 — flannel's
 * defaults) between the node InternalIPs, selected by the inner pod IP; captures stop at the packet
 * count or the time limit; bad targets and counts are usage errors (exit 2).
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { planCapture, runCapture, type CaptureOptions, type CaptureResult } from '../../src/dataplane/capture/index.ts';
import { dataplaneUp } from '../../src/dataplane/index.ts';
import { run } from '../../src/dataplane/run.ts';
import { cleanup, clusterView, inNetns, sandbox, skipReason, twoNodes, PODNET_BIN } from './helpers.ts';

const CLUSTER = `
${twoNodes('172.31.43')}---
apiVersion: v1
kind: Pod
metadata: {name: a, namespace: default}
spec: {nodeName: node-1, containers: [{name: c, image: x}]}
---
apiVersion: v1
kind: Pod
metadata: {name: c, namespace: default}
spec: {nodeName: node-1, containers: [{name: c, image: x}]}
---
apiVersion: v1
kind: Pod
metadata: {name: b, namespace: default}
spec: {nodeName: node-2, containers: [{name: c, image: x, ports: [{containerPort: 80}]}]}
`;


test('podnet capture: pod view, VXLAN underlay view, bounds', { skip: skipReason }, async (t: TestContext) => {
  const sb = sandbox('cap');
  try {
    const { view, config } = clusterView(CLUSTER, { cni: 'flannel', nodeNetwork: '172.31.43.0/24', cniOptions: { flannelBackend: 'vxlan', calicoMode: 'bgp', kubeProxyReplacement: false } });
    const report = await dataplaneUp({ view, config, names: sb.names, layout: sb.layout });
    const state = sb.layout.read();
    const pod = (name: string) => report.topology.pods.find((p) => p.name === name) as (typeof report.topology.pods)[number];
    const [a, b, c] = ['a', 'b', 'c'].map(pod);

    /** Captures while `traffic` runs (started once tcpdump listens). */
    const capture = async (target: string, opts: CaptureOptions, traffic?: () => Promise<unknown>): Promise<CaptureResult> => {
      const plan = planCapture(target, opts, sb.names, state);
      let started: Promise<unknown> | undefined;
      const result = await runCapture(plan, { onReady: () => (started = traffic?.()) });
      await started;
      return result;
    };
    const ping = (from: string, to: string) => () => inNetns(from, 'ping', ['-c', '3', '-i', '0.2', '-W', '1', to]);

    await t.test('in the pod: its own ICMP packets, decoded, stopped at --count', async () => {
      const r = await capture('default/a', { filter: 'icmp', count: 2, timeoutMs: 8000 }, ping(a.netns, b.ip));
      assert.equal(r.stoppedBy, 'count');
      assert.equal(r.packets.length, 2);
      assert.match(r.packets[0], new RegExp(`IP ${a.ip} > ${b.ip}: ICMP echo request`));
      assert.match(r.packets[1], new RegExp(`IP ${b.ip} > ${a.ip}: ICMP echo reply`));
    });

    await t.test('--underlay: the same packets on node-1 eth0 inside VXLAN (UDP 8472, VNI 1) between the node IPs', async () => {
      const r = await capture('default/a', { underlay: true, count: 2, timeoutMs: 8000 }, ping(a.netns, b.ip));
      assert.equal(r.packets.length, 2);
      assert.match(r.packets[0], /IP 172\.31\.43\.11\.\d+ > 172\.31\.43\.12\.8472: VXLAN, flags \[I\] \(0x08\), vni 1\n/);
      assert.match(r.packets[0], new RegExp(`\\nIP ${a.ip} > ${b.ip}: ICMP echo request`));
      assert.match(r.packets[1], /IP 172\.31\.43\.12\.\d+ > 172\.31\.43\.11\.8472: VXLAN/);
      assert.match(r.packets[1], new RegExp(`\\nIP ${b.ip} > ${a.ip}: ICMP echo reply`));
    });

    await t.test('--underlay for one pod leaves out another pod\'s encapsulated traffic; the time limit ends the capture', async () => {
      const t0 = Date.now();
      const r = await capture('default/a', { underlay: true, count: 1, timeoutMs: 2500 }, ping(c.netns, b.ip));
      assert.equal(r.stoppedBy, 'timeout');
      assert.deepEqual(r.packets, []);
      assert.ok(Date.now() - t0 < 7000, 'bounded by --timeout');
      // The node view sees c's packets (as they leave through flannel.1).
      const n = await capture('node/node-1', { filter: `icmp and host ${c.ip}`, count: 1, timeoutMs: 8000 }, ping(c.netns, b.ip));
      assert.match(n.packets[0], new RegExp(`IP ${c.ip} > ${b.ip}: ICMP echo request`));
    });

    await t.test('the CLI: -o json shape; unknown pod and bad --count are usage errors (exit 2)', async () => {
      const env = { ...process.env, PODNET_HOME: sb.home, PODNET_PREFIX: sb.names.prefix };
      const podnet = (args: string[]) => run(process.execPath, [PODNET_BIN, ...args], { env, timeoutMs: 30000 });
      const traffic = inNetns(a.netns, 'ping', ['-c', '30', '-i', '0.2', '-W', '1', b.ip], 20000);
      const r = await podnet(['capture', 'default/a', '--filter', 'icmp', '--count', '3', '--timeout', '10', '-o', 'json']);
      assert.equal(r.code, 0, r.stderr);
      const out = JSON.parse(r.stdout) as { netns: string; interface: string; filter: string; count: number; stoppedBy: string; packets: string[] };
      assert.deepEqual([out.netns, out.interface, out.filter, out.count, out.stoppedBy], [a.netns, 'eth0', '(icmp)', 3, 'count']);
      assert.ok(out.packets.every((p) => /ICMP echo (request|reply)/.test(p)));
      await traffic;
      const missing = await podnet(['capture', 'default/nope']);
      assert.equal(missing.code, 2);
      assert.match(missing.stderr, /pod default\/nope is not up/);
      const bad = await podnet(['capture', 'default/a', '--count', '0']);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /--count must be a positive integer/);
    });
  } finally {
    await cleanup(sb);
  }
});
