/**
 * Pods wired per second through a CNI plugin chain, podnet's plugins against the Debian reference
 * plugins (bridge + host-local + loopback from containernetworking-plugins), same machine, same run,
 * same runtime: per pod the loopback network and the bridge network with the IP the model chose.
 *
 * Fairness: every mode gets the same pods, the same concurrency and the same namespaces. The pod
 * namespaces are created before the clock starts, all at once (as `podnet up` does), and timed
 * apart; the timed phase is only the CNI ADDs. The runtime runs *inside* the node's namespace, as
 * kubelet/containerd do on a node, so the reference executables are exec'd directly — no nsenter
 * per call, which only a runtime outside the node would pay. Modes are interleaved in every round;
 * the per-round ratio (same round, same machine load) is the figure to quote.
 * podnet's executables are shims to the node's CNI daemon; "runtime → daemon" is how `podnet up`
 * calls podnet's own plugins; `--standalone` measures the executables without the daemon (Node.js
 * started per call).
 * Goal (issue 8): podnet ≥ 1.0× the reference and ≥ 50 pods/s.
 *   node --import tsx bench/dataplane-pods.ts [--pods 60] [--concurrency 4] [--rounds 3] [--standalone]   (root)
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { CNIRuntime, PODNET_CNI_BIN, REFERENCE_CNI_BIN, startCNIDaemon } from '../src/dataplane/index.ts';
import { loopbackConfList } from '../src/dataplane/cni/conflist.ts';
import { addNetns, addNetnsAll, deleteNetns, ipBatch, listNetns, netnsPath } from '../src/dataplane/netns.ts';
import { mapLimit } from '../src/dataplane/run.ts';
import type { NetConfList } from '../src/dataplane/cni/types.ts';
import { dataplaneSkipReason } from '../src/dataplane/preflight.ts';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const PODS = arg('pods', 60);
const CONCURRENCY = arg('concurrency', 4);
/** Rounds, modes interleaved; best and median per mode, median of the per-round ratios. */
const ROUNDS = arg('rounds', 3);

type Mode = 'reference' | 'standalone' | 'executables' | 'daemon';

interface Job {
  mode: Mode;
  binDir: string;
  dir: string;
  pods: string[];
  socket?: string;
}

function conf(dataDir: string): NetConfList {
  return {
    cniVersion: '1.0.0',
    name: 'podnet',
    plugins: [{
      type: 'bridge', bridge: 'cni0', isGateway: true, hairpinMode: true, ipMasq: false, mtu: 1500, capabilities: { ips: true },
      ipam: { type: 'host-local', ranges: [[{ subnet: '10.250.0.0/22', gateway: '10.250.0.1' }]], routes: [{ dst: '0.0.0.0/0' }], dataDir },
    }],
  };
}

/** The model's IP for pod i: lowest free from .2. */
const podIP = (i: number): string => {
  const v = i + 2;
  return `10.250.${v >> 8}.${v & 255}`;
};

/** The timed phase, in a process inside the node's namespace: seconds for all ADDs. */
async function worker(job: Job): Promise<number> {
  const env = job.socket && job.mode !== 'standalone' ? { PODNET_CNI_SOCKET: job.socket } : undefined;
  const runtime = new CNIRuntime({ binDirs: [job.binDir], cacheDir: join(job.dir, 'cache'), ...(env ? { env } : {}), ...(job.mode === 'daemon' ? { daemonSocket: job.socket } : {}) });
  const list = conf(join(job.dir, 'ipam'));
  const t0 = performance.now();
  await mapLimit(job.pods, CONCURRENCY, async (ns, i) => {
    const att = { containerID: `c${i}`, netns: netnsPath(ns), ifName: 'eth0', args: [['IgnoreUnknown', '1'], ['K8S_POD_NAMESPACE', 'bench'], ['K8S_POD_NAME', `p${i}`]] as [string, string][], capabilityArgs: { ips: [podIP(i)] } };
    await runtime.addNetworkList(loopbackConfList(), { ...att, ifName: 'lo', capabilityArgs: {} });
    await runtime.addNetworkList(list, att);
  });
  return (performance.now() - t0) / 1000;
}

function runWorker(node: string, job: Job): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('nsenter', [`--net=${netnsPath(node)}`, '--', process.execPath, '--import', 'tsx', fileURLToPath(import.meta.url), '--worker', JSON.stringify(job), '--pods', String(PODS), '--concurrency', String(CONCURRENCY)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const seconds = Number(out.trim().split('\n').at(-1));
      if (code === 0 && Number.isFinite(seconds)) resolve(seconds);
      else reject(new Error(`worker ${job.mode} failed (exit ${code}): ${out}`));
    });
  });
}

/** One mode once: node namespace with cni0 (and daemon), pod namespaces in one batch, then the timed ADDs. */
async function measure(prefix: string, mode: Mode, binDir: string, dir: string): Promise<{ cni: number; netns: number }> {
  const node = `${prefix}-${mode}`;
  await addNetns(node);
  await ipBatch(node, ['link set lo up', 'link add cni0 address 0a:58:0a:fa:00:01 type bridge', 'addr add 10.250.0.1/22 dev cni0', 'link set cni0 up']);
  mkdirSync(dir, { recursive: true });
  let socket: string | undefined;
  if (mode === 'executables' || mode === 'daemon') {
    socket = join(dir, 'cni.sock');
    await startCNIDaemon({ name: mode, netns: node } as Parameters<typeof startCNIDaemon>[0], socket, join(dir, 'daemon.log'));
  }
  const pods = Array.from({ length: PODS }, (_, i) => `${prefix}-${mode}-p${i}`);
  const t0 = performance.now();
  await addNetnsAll(pods);
  const netns = (performance.now() - t0) / 1000;
  const cni = await runWorker(node, { mode, binDir, dir, pods, ...(socket ? { socket } : {}) });
  return { cni, netns };
}

async function cleanup(prefix: string): Promise<void> {
  const owned = (await listNetns()).filter((n) => n.startsWith(`${prefix}-`));
  await mapLimit(owned, 8, (ns) => deleteNetns(ns));
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const loadavg = (): string => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

async function main(): Promise<void> {
  const skip = dataplaneSkipReason();
  if (skip) {
    process.stdout.write(`skipped: ${skip}\n`);
    return;
  }
  const prefix = `bench${process.pid.toString(36)}`;
  const dir = mkdtempSync(join(tmpdir(), 'podnet-bench-'));
  const loadBefore = loadavg();
  try {
    const modes: [Mode, string, string][] = [
      ['reference', REFERENCE_CNI_BIN, `reference plugins (${REFERENCE_CNI_BIN}), Go executables`],
      ['executables', PODNET_CNI_BIN, 'podnet executables (shims → node CNI daemon)'],
      ['daemon', PODNET_CNI_BIN, 'podnet runtime → node CNI daemon directly (as podnet up)'],
      ...(process.argv.includes('--standalone') ? [['standalone', PODNET_CNI_BIN, 'podnet executables standalone (Node.js per call)'] as [Mode, string, string]] : []),
    ];
    const cni = new Map<Mode, number[]>(modes.map(([m]) => [m, []]));
    const netns: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      for (const [mode, bin] of modes) {
        try {
          const r = await measure(prefix, mode, bin, join(dir, String(round), mode));
          cni.get(mode)?.push(r.cni);
          netns.push(r.netns);
        } finally {
          await cleanup(prefix);
        }
      }
    }
    const ref = cni.get('reference') as number[];
    process.stdout.write(`CNI ADD (loopback + bridge/host-local), ${PODS} pods, concurrency ${CONCURRENCY}, ${ROUNDS} rounds; runtime inside the node namespace; load ${loadBefore} → ${loadavg()}\n`);
    process.stdout.write(`  ${'plugins'.padEnd(58)} ${'best pods/s'.padStart(11)} ${'median'.padStart(7)}  ratio per round (median)\n`);
    for (const [mode, , label] of modes) {
      const s = cni.get(mode) as number[];
      const ratios = s.map((x, i) => ref[i] / x);
      process.stdout.write(`  ${label.padEnd(58)} ${(PODS / Math.min(...s)).toFixed(1).padStart(11)} ${(PODS / median(s)).toFixed(1).padStart(7)}  ${ratios.map((r) => r.toFixed(2)).join(' ')} (${median(ratios).toFixed(2)}×)\n`);
    }
    process.stdout.write(`  pod namespaces, created before the clock in one ip -batch (same for every mode): median ${(PODS / median(netns)).toFixed(0)} netns/s\n`);
    process.stdout.write('  goal: podnet ≥ 1.0× the reference and ≥ 50 pods/s\n');
  } finally {
    await cleanup(prefix);
    rmSync(dir, { recursive: true, force: true });
  }
}

const w = process.argv.indexOf('--worker');
if (w >= 0) process.stdout.write(`${await worker(JSON.parse(process.argv[w + 1]) as Job)}\n`);
else await main();
