/**
 * Services with real traffic per CNI mode (bridge, flannel VXLAN, calico BGP), through the rules
 * the node agents load: ClusterIP over TCP and UDP spreads over every backend (kube-proxy's random
 * choice), a pod reaches itself through its Service (hairpin: masquerade + hairpin port), a NodePort
 * answers a client outside the cluster with the client masqueraded to the node (externalTrafficPolicy
 * Cluster), pod traffic leaving the pod network is masqueraded to its node's InternalIP (model/cni's
 * path says so), and a UDP flow pinned to a removed endpoint moves on at once (stale conntrack entry
 * deleted). proxyMode nftables for bridge and calico, iptables for flannel. IPVS is refused.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeText, type DecodeResult } from '../../src/api/decode.ts';
import type { InputError } from '../../src/api/errors.ts';
import type { Service } from '../../src/api/types.ts';
import { defaultClusterConfig, type ClusterConfig } from '../../src/cluster/config.ts';
import { FileBackend } from '../../src/cluster/file-backend.ts';
import { Store } from '../../src/cluster/store.ts';
import { ClusterView } from '../../src/cluster/view.ts';
import { applyObjects } from '../../src/controllers/apply.ts';
import { DataplaneLayout, DataplaneNames, dataplaneDown, dataplaneUp, TopologyError, waitForRules, type Topology } from '../../src/dataplane/index.ts';
import { probeFrom } from '../../src/dataplane/probe/index.ts';
import { run } from '../../src/dataplane/run.ts';
import { cniPath, cniProfile } from '../../src/model/cni/index.ts';
import { ownedNetns, skipReason, uniquePrefix, TWO_NODES } from './helpers.ts';

const cluster = (webBNode: string): string => `${TWO_NODES}apiVersion: v1
kind: Pod
metadata: {name: web-a, namespace: shop, labels: {app: web}}
spec:
  nodeName: node-1
  containers: [{name: c, image: x, ports: [{name: http, containerPort: 80}, {name: dns, containerPort: 5353, protocol: UDP}]}]
---
apiVersion: v1
kind: Pod
metadata: {name: web-b, namespace: shop, labels: {app: web}}
spec:
  nodeName: ${webBNode}
  containers: [{name: c, image: x, ports: [{name: http, containerPort: 80}, {name: dns, containerPort: 5353, protocol: UDP}]}]
---
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: shop, labels: {app: client}}
spec:
  nodeName: node-1
  containers: [{name: c, image: x}]
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  type: NodePort
  selector: {app: web}
  ports:
  - {name: http, port: 80, targetPort: http, nodePort: 30080}
  - {name: dns, port: 53, targetPort: dns, protocol: UDP, nodePort: 30053}
`;

function decoded(yaml: string): DecodeResult {
  const out: DecodeResult = { objects: [], warnings: [] };
  const errors: InputError[] = [];
  decodeText(yaml, 'services.yaml', out, errors);
  if (errors.length) throw new Error(errors.map((e) => e.reason).join('\n'));
  return out;
}

const modes: { name: string; config: Partial<ClusterConfig>; webBNode: string }[] = [
  // A plain bridge routes no pod CIDR between nodes: both backends live on the client's node.
  { name: 'bridge', config: { cni: 'bridge', proxyMode: 'nftables' }, webBNode: 'node-1' },
  { name: 'flannel-vxlan', config: { cni: 'flannel', proxyMode: 'iptables' }, webBNode: 'node-2' },
  { name: 'calico-bgp', config: { cni: 'calico', proxyMode: 'nftables' }, webBNode: 'node-2' },
];

/** Replies of `n` fresh connections (new source port each) from inside `netns`. */
async function replies(netns: string, ip: string, port: number, protocol: 'TCP' | 'UDP', n = 16): Promise<string[]> {
  const out = await probeFrom(netns, Array.from({ length: n }, () => ({ ip, port, protocol })), { concurrency: 1, timeoutMs: 2000 });
  return out.map((o) => (o.result === 'connected' ? o.reply ?? '' : `(${o.result})`));
}

/** A TCP server in the underlay namespace answering each connection with the peer's address. */
function peerEchoServer(netns: string, ip: string, port: number): Promise<() => void> {
  const code = `require('net').createServer((s) => s.end(s.remoteAddress + '\\n')).listen(${port}, '${ip}', () => console.log('ready'))`;
  const child = spawn('ip', ['netns', 'exec', netns, process.execPath, '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.stdout.once('data', () => resolve(() => child.kill('SIGKILL')));
    child.once('exit', (c) => reject(new Error(`echo server exited ${c}`)));
  });
}

async function nodeAddresses(netns: string): Promise<string[]> {
  const r = await run('ip', ['-n', netns, '-j', '-4', 'addr', 'show']);
  return (JSON.parse(r.stdout) as { addr_info: { local: string }[] }[]).flatMap((l) => l.addr_info.map((a) => a.local)).filter((a) => !a.startsWith('127.'));
}

async function udpFromPort(netns: string, srcPort: number, ip: string, port: number): Promise<string> {
  const r = await run('sh', ['-c', `echo q | ip netns exec ${netns} nc -u -p ${srcPort} -w 1 ${ip} ${port}`], { timeoutMs: 10000 });
  return r.stdout.trim();
}

for (const mode of modes) {
  test(`${mode.name}: ClusterIP (TCP, UDP), hairpin, NodePort from outside with SNAT, egress SNAT, UDP conntrack cleanup`, { skip: skipReason, timeout: 240_000 }, async () => {
    const home = mkdtempSync(join(tmpdir(), 'podnet-svc-'));
    const names = new DataplaneNames(uniquePrefix(`s${mode.name.slice(0, 3)}`));
    const layout = new DataplaneLayout(join(home, 'dataplane'));
    const base = defaultClusterConfig();
    const config: ClusterConfig = { ...base, ...mode.config, cniOptions: { ...base.cniOptions, flannelBackend: 'vxlan', calicoMode: 'bgp' } };
    let stopEcho: (() => void) | undefined;
    try {
      const store = new Store({ backend: new FileBackend(home) });
      applyObjects(store, decoded(cluster(mode.webBNode)).objects, config);
      const view = new ClusterView(store.list(), config);
      const { topology: top } = await dataplaneUp({ view, config, names, layout, follow: home });
      const pod = (name: string): Topology['pods'][number] => top.pods.find((p) => p.name === name)!;
      const svc = view.service('shop', 'web') as Service;
      const vip = svc.spec.clusterIP!;

      // ClusterIP: kube-proxy picks a backend at random per connection; 16 tries see both.
      assert.deepEqual([...new Set(await replies(pod('client').netns, vip, 80, 'TCP'))].sort(), ['web-a', 'web-b'], 'ClusterIP 80/TCP');
      assert.deepEqual([...new Set(await replies(pod('client').netns, vip, 53, 'UDP'))].sort(), ['web-a', 'web-b'], 'ClusterIP 53/UDP');
      // Hairpin: web-a through its own Service lands on itself too (masqueraded, hairpin port).
      assert.ok((await replies(pod('web-a').netns, vip, 80, 'TCP')).includes('web-a'), 'hairpin web-a -> Service -> web-a');

      // NodePort from outside the cluster (the underlay's own address): answered, and the backend
      // sees the node (eTP Cluster masquerades) — read from the node's conntrack table.
      const outside = top.underlay.netns;
      const nodePortNodes = mode.name === 'bridge' ? ['node-1'] : ['node-1', 'node-2'];
      for (const n of nodePortNodes) {
        const node = top.nodes.find((x) => x.name === n)!;
        const got = await replies(outside, node.internalIP, 30080, 'TCP', 8);
        assert.ok(got.length && got.every((g) => g === 'web-a' || g === 'web-b'), `NodePort ${node.internalIP}:30080 from outside: ${got.join(',')}`);
        const ct = await run('ip', ['netns', 'exec', node.netns, 'conntrack', '-L', '-p', 'tcp', '--orig-port-dst', '30080']);
        const entries = ct.stdout.split('\n').filter((l) => l.includes('dport=30080'));
        assert.ok(entries.length > 0, `conntrack entries on ${n}: ${ct.stdout}${ct.stderr}`);
        // MASQUERADE takes the address of the interface towards the backend: eth0, cni0 or the VTEP.
        const own = await nodeAddresses(node.netns);
        for (const e of entries) {
          const replyDst = /src=\S+ dst=(\S+) sport=\d+ dport=\d+ src=\S+ dst=(\S+)/.exec(e)?.[2];
          assert.ok(replyDst && own.includes(replyDst), `the backend answers ${replyDst}, an address of ${n} (${own.join(', ')}): ${e}`);
        }
      }

      // Egress leaving the pod network: masqueraded to the node's InternalIP, as the model's path says.
      stopEcho = await peerEchoServer(outside, top.underlay.ip, 9000);
      for (const p of mode.name === 'bridge' ? [pod('client')] : [pod('client'), pod('web-b')]) {
        const model = cniPath(view, cniProfile(config), { kind: 'pod', pod: view.pod('shop', p.name)!, ip: p.ip }, { kind: 'external', ip: top.underlay.ip });
        assert.ok(model.snat, 'the model masquerades pod egress to an external address');
        const [seen] = await replies(p.netns, top.underlay.ip, 9000, 'TCP', 1);
        assert.equal(seen, model.snat.to, `${p.name} -> ${top.underlay.ip}: the server sees ${model.snat.to}`);
      }

      // UDP conntrack: a client pinned (fixed source port) to one backend moves to the other as soon
      // as its backend leaves the Service — without the deletion the entry lives 30 s or more.
      const first = await udpFromPort(pod('client').netns, 40000, vip, 53);
      assert.ok(first === 'web-a' || first === 'web-b', `first answer: ${first}`);
      assert.equal(await udpFromPort(pod('client').netns, 40000, vip, 53), first, 'the conntrack entry pins the flow');
      const other = first === 'web-a' ? 'web-b' : 'web-a';
      applyObjects(store, decoded(cluster(mode.webBNode).replace(`{name: ${first}, namespace: shop, labels: {app: web}}`, `{name: ${first}, namespace: shop, labels: {app: retired}}`)).objects, config);
      const progress = await waitForRules(layout, top.nodes.map((n) => n.name));
      assert.ok(progress.current, JSON.stringify(progress));
      assert.equal(await udpFromPort(pod('client').netns, 40000, vip, 53), other, `after ${first} left the Service`);
    } finally {
      stopEcho?.();
      try {
        await dataplaneDown(names, layout);
      } finally {
        rmSync(home, { recursive: true, force: true });
      }
    }
  });
}

test('proxyMode ipvs is refused before anything is created (the kernel has no IPVS)', { skip: skipReason }, async () => {
  const home = mkdtempSync(join(tmpdir(), 'podnet-ipvs-'));
  const names = new DataplaneNames(uniquePrefix('ipvs'));
  const layout = new DataplaneLayout(join(home, 'dataplane'));
  try {
    const config: ClusterConfig = { ...defaultClusterConfig(), proxyMode: 'ipvs' };
    const store = new Store();
    applyObjects(store, decoded(cluster('node-2')).objects, config);
    await assert.rejects(dataplaneUp({ view: new ClusterView(store.list(), config), config, names, layout }), (e: unknown) => e instanceof TopologyError && /IPVS/.test(e.message));
    assert.deepEqual(await ownedNetns(names), []);
  } finally {
    await dataplaneDown(names, layout);
    rmSync(home, { recursive: true, force: true });
  }
});
