/**
 * Pod-to-pod TCP throughput per CNI mode with iperf3, as a ratio to a raw veth pair between two
 * namespaces measured in the same run (the ceiling of any namespace-based path on this machine).
 * Modes: bridge (same node: bridge mode does not cross nodes), flannel VXLAN, flannel host-gw and
 * calico BGP (cross node: client pod on node-1, server pod on node-2). Each mode is a real
 * `dataplaneUp` with its own prefix, torn down in a finally. Rounds interleave the modes; the best
 * round per mode counts (shared, noisy machines).
 *   node --import tsx bench/dataplane-throughput.ts [--seconds 3] [--rounds 2] [--json]   (root, iperf3)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { decodeText, type DecodeResult } from '../src/api/decode.ts';
import type { InputError } from '../src/api/errors.ts';
import { defaultClusterConfig, type ClusterConfig } from '../src/cluster/config.ts';
import { Store } from '../src/cluster/store.ts';
import { ClusterView } from '../src/cluster/view.ts';
import { applyObjects } from '../src/controllers/apply.ts';
import { DataplaneLayout, DataplaneNames, dataplaneDown, dataplaneUp } from '../src/dataplane/index.ts';
import { addNetns, deleteNetnsAll, ipBatch, netnsPath } from '../src/dataplane/netns.ts';
import { dataplaneSkipReason } from '../src/dataplane/preflight.ts';
import { run } from '../src/dataplane/run.ts';

/** The cluster through the controller pipeline, as `podnet up -f` builds it. */
function clusterView(yaml: string, overrides: Partial<ClusterConfig>): { view: ClusterView; config: ClusterConfig } {
  const config: ClusterConfig = { ...defaultClusterConfig(), ...overrides };
  const decoded: DecodeResult = { objects: [], warnings: [] };
  const errors: InputError[] = [];
  decodeText(yaml, 'bench.yaml', decoded, errors);
  if (errors.length) throw new Error(errors.map((e) => e.reason).join('\n'));
  const store = new Store();
  applyObjects(store, decoded.objects, config);
  return { view: new ClusterView(store.list(), config), config };
}

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const SECONDS = Math.min(Math.max(arg('seconds', 3), 1), 30);
const ROUNDS = Math.min(Math.max(arg('rounds', 2), 1), 10);
const JSON_OUT = process.argv.includes('--json');
const BASE = `thr${process.pid.toString(36)}`.slice(0, 10);

interface ModeSpec {
  name: string;
  config: Partial<ClusterConfig>;
  /** The server pod's node (the client is always on node-1). */
  serverNode: string;
}

const CNI_OPTS = { flannelBackend: 'vxlan', calicoMode: 'bgp', kubeProxyReplacement: false } as const;
const MODES: ModeSpec[] = [
  { name: 'bridge (same node)', config: { cni: 'bridge' }, serverNode: 'node-1' },
  { name: 'flannel vxlan', config: { cni: 'flannel', cniOptions: { ...CNI_OPTS, flannelBackend: 'vxlan' } }, serverNode: 'node-2' },
  { name: 'flannel host-gw', config: { cni: 'flannel', cniOptions: { ...CNI_OPTS, flannelBackend: 'host-gw' } }, serverNode: 'node-2' },
  { name: 'calico bgp', config: { cni: 'calico', cniOptions: { ...CNI_OPTS, calicoMode: 'bgp' } }, serverNode: 'node-2' },
];

const cluster = (serverNode: string): string => `
apiVersion: v1
kind: Node
metadata: {name: node-1}
spec: {podCIDR: 10.244.1.0/24}
status: {addresses: [{type: InternalIP, address: 172.31.46.11}]}
---
apiVersion: v1
kind: Node
metadata: {name: node-2}
spec: {podCIDR: 10.244.2.0/24}
status: {addresses: [{type: InternalIP, address: 172.31.46.12}]}
---
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: default}
spec: {nodeName: node-1, containers: [{name: c, image: x}]}
---
apiVersion: v1
kind: Pod
metadata: {name: server, namespace: default}
spec: {nodeName: ${serverNode}, containers: [{name: c, image: x}]}
`;

/** One iperf3 TCP run from `client` netns to `ip` served in `server` netns; bits/s received. */
async function iperf(serverNetns: string, clientNetns: string, ip: string): Promise<number> {
  const port = String(5201);
  // -1: serve one test, then exit; bounded by our kill as well.
  const server = spawn('nsenter', [`--net=${netnsPath(serverNetns)}`, '--', 'iperf3', '-s', '-1', '-B', ip, '-p', port], { stdio: 'ignore' });
  try {
    for (let i = 0; i < 50; i++) {
      const ss = await run('nsenter', [`--net=${netnsPath(serverNetns)}`, '--', 'ss', '-ltnH', `sport = :${port}`]);
      if (ss.stdout.trim()) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const r = await run('nsenter', [`--net=${netnsPath(clientNetns)}`, '--', 'iperf3', '-c', ip, '-p', port, '-t', String(SECONDS), '-J'], { timeoutMs: (SECONDS + 15) * 1000 });
    if (r.code !== 0) throw new Error(`iperf3 ${clientNetns} → ${ip}: exit ${r.code}: ${r.stdout.slice(0, 300)}${r.stderr}`);
    const j = JSON.parse(r.stdout) as { end: { sum_received: { bits_per_second: number } } };
    return j.end.sum_received.bits_per_second;
  } finally {
    server.kill('SIGKILL');
  }
}

async function rawVeth(): Promise<number> {
  const a = `${BASE}-rawa`;
  const b = `${BASE}-rawb`;
  try {
    await addNetns(a);
    await addNetns(b);
    await run('ip', ['link', 'add', 'eth0', 'netns', a, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', b]);
    await ipBatch(a, ['link set lo up', 'addr add 10.255.0.1/30 dev eth0', 'link set eth0 up']);
    await ipBatch(b, ['link set lo up', 'addr add 10.255.0.2/30 dev eth0', 'link set eth0 up']);
    return await iperf(b, a, '10.255.0.2');
  } finally {
    await deleteNetnsAll([a, b]);
  }
}

async function podToPod(mode: ModeSpec, index: number): Promise<number> {
  const names = new DataplaneNames(`${BASE}m${index}`);
  const home = mkdtempSync(join(tmpdir(), 'podnet-thr-'));
  const layout = new DataplaneLayout(join(home, 'dataplane'));
  try {
    const { view, config } = clusterView(cluster(mode.serverNode), { ...mode.config, nodeNetwork: '172.31.46.0/24' });
    const report = await dataplaneUp({ view, config, names, layout });
    const pod = (n: string) => report.topology.pods.find((p) => p.name === n && p.namespace === 'default');
    const client = pod('client');
    const server = pod('server');
    if (!client || !server) throw new Error(`${mode.name}: pods not wired`);
    return await iperf(server.netns, client.netns, server.ip);
  } finally {
    await dataplaneDown(names, layout);
    rmSync(home, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const skip = dataplaneSkipReason();
  if (skip) {
    process.stderr.write(`skipped: ${skip}\n`);
    return;
  }
  if ((await run('sh', ['-c', 'command -v iperf3'])).code !== 0) {
    process.stderr.write('skipped: iperf3 is not installed (apt-get install -y iperf3)\n');
    return;
  }
  const best = new Map<string, number>();
  const keep = (k: string, v: number): void => {
    best.set(k, Math.max(best.get(k) ?? 0, v));
  };
  for (let round = 1; round <= ROUNDS; round++) {
    keep('raw veth', await rawVeth());
    for (const [i, m] of MODES.entries()) {
      // Never one mode's setup within another's: each is up alone while measured.
      keep(m.name, await podToPod(m, i));
    }
    if (!JSON_OUT) process.stderr.write(`round ${round}/${ROUNDS} done\n`);
  }
  const raw = best.get('raw veth') as number;
  const rows = ['raw veth', ...MODES.map((m) => m.name)].map((name) => ({ mode: name, gbps: (best.get(name) as number) / 1e9, ratio: (best.get(name) as number) / raw }));
  if (JSON_OUT) {
    process.stdout.write(`${JSON.stringify({ seconds: SECONDS, rounds: ROUNDS, results: rows }, null, 2)}\n`);
    return;
  }
  process.stdout.write(`pod-to-pod TCP (iperf3, ${SECONDS} s per run, best of ${ROUNDS})\n`);
  process.stdout.write(`${'mode'.padEnd(22)}${'Gbit/s'.padStart(9)}${'vs veth'.padStart(10)}\n`);
  for (const r of rows) process.stdout.write(`${r.mode.padEnd(22)}${r.gbps.toFixed(2).padStart(9)}${`${r.ratio.toFixed(2)}×`.padStart(10)}\n`);
}

await main();
