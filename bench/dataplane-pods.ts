/**
 * Pods wired per second through a CNI plugin chain, podnet's plugins against the Debian reference
 * plugins (bridge + host-local + loopback from containernetworking-plugins), same machine, same run,
 * same runtime (podnet's CNI runtime executing the plugins in a node namespace): per pod a network
 * namespace, the loopback network and the bridge network with the IP the model chose. podnet's
 * executables are shims to the node's CNI daemon, as `podnet up` runs them; `--standalone` measures
 * them without it (Node.js started per call).
 * Goal (issue 8): podnet ≥ 1.0× the reference and ≥ 50 pods/s.
 *   node --import tsx bench/dataplane-pods.ts [--pods 40] [--concurrency 4] [--rounds 3] [--standalone]   (root)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { CNIRuntime, PODNET_CNI_BIN, REFERENCE_CNI_BIN, startCNIDaemon } from '../src/dataplane/index.ts';
import { loopbackConfList } from '../src/dataplane/cni/conflist.ts';
import { addNetns, deleteNetns, ipBatch, listNetns, netnsPath } from '../src/dataplane/netns.ts';
import { mapLimit } from '../src/dataplane/run.ts';
import type { NetConfList } from '../src/dataplane/cni/types.ts';
import { dataplaneSkipReason } from '../src/dataplane/preflight.ts';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const PODS = arg('pods', 40);
const CONCURRENCY = arg('concurrency', 4);
/** Rounds, modes interleaved; the best round per mode counts (shared, noisy machines). */
const ROUNDS = arg('rounds', 3);
const PREFIX = `bench${process.pid.toString(36)}`;

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

type Mode = 'reference' | 'standalone' | 'executables' | 'daemon';

async function wire(label: Mode, binDir: string, dir: string): Promise<number> {
  const node = `${PREFIX}-${label}`;
  await addNetns(node);
  await ipBatch(node, ['link set lo up', 'link add cni0 address 0a:58:0a:fa:00:01 type bridge', 'addr add 10.250.0.1/22 dev cni0', 'link set cni0 up']);
  // podnet's executables are shims forwarding to the node's CNI daemon (started once per node, as `up` does).
  let env: Record<string, string> | undefined;
  let daemonSocket: string | undefined;
  if (label === 'executables' || label === 'daemon') {
    const socket = join(dir, `${label}.sock`);
    await startCNIDaemon({ name: label, netns: node } as Parameters<typeof startCNIDaemon>[0], socket, join(dir, `${label}-daemon.log`));
    env = { PODNET_CNI_SOCKET: socket };
    if (label === 'daemon') daemonSocket = socket;
  }
  const runtime = new CNIRuntime({ binDirs: [binDir], cacheDir: join(dir, label, 'cache'), execNetns: node, ...(env ? { env } : {}), ...(daemonSocket ? { daemonSocket } : {}) });
  const list = conf(join(dir, label, 'ipam'));
  const pods = Array.from({ length: PODS }, (_, i) => `${PREFIX}-${label}-p${i}`);
  const t0 = performance.now();
  await mapLimit(pods, CONCURRENCY, async (ns, i) => {
    await addNetns(ns);
    const att = { containerID: `c${i}`, netns: netnsPath(ns), ifName: 'eth0', args: [['IgnoreUnknown', '1'], ['K8S_POD_NAMESPACE', 'bench'], ['K8S_POD_NAME', `p${i}`]] as [string, string][], capabilityArgs: { ips: [podIP(i)] } };
    await runtime.addNetworkList(loopbackConfList(), { ...att, ifName: 'lo', capabilityArgs: {} });
    await runtime.addNetworkList(list, att);
  });
  return (performance.now() - t0) / 1000;
}

async function cleanup(): Promise<void> {
  const owned = (await listNetns()).filter((n) => n.startsWith(`${PREFIX}-`));
  await mapLimit(owned, 8, (ns) => deleteNetns(ns));
}

async function main(): Promise<void> {
  const skip = dataplaneSkipReason();
  if (skip) {
    process.stdout.write(`skipped: ${skip}\n`);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'podnet-bench-'));
  try {
    const modes: [Mode, string, string][] = [
      ['reference', REFERENCE_CNI_BIN, `reference plugins (${REFERENCE_CNI_BIN}), Go executables`],
      ['executables', PODNET_CNI_BIN, 'podnet executables (shims → node CNI daemon)'],
      ['daemon', PODNET_CNI_BIN, 'podnet runtime → node CNI daemon directly (as podnet up)'],
      ...(process.argv.includes('--standalone') ? [['standalone', PODNET_CNI_BIN, 'podnet executables standalone (Node.js per call)'] as [Mode, string, string]] : []),
    ];
    const seconds = new Map<Mode, number>();
    for (let round = 0; round < ROUNDS; round++) {
      for (const [mode, bin] of modes) {
        const s = await wire(mode, bin, join(dir, String(round)));
        seconds.set(mode, Math.min(s, seconds.get(mode) ?? Infinity));
        await cleanup();
      }
    }
    const ref = seconds.get('reference') as number;
    process.stdout.write(`pods wired (netns + loopback + bridge/host-local), ${PODS} pods, concurrency ${CONCURRENCY}, best of ${ROUNDS} rounds\n`);
    for (const [mode, , label] of modes) {
      const s = seconds.get(mode) as number;
      process.stdout.write(`  ${label.padEnd(58)} ${s.toFixed(2)} s  ${(PODS / s).toFixed(1).padStart(6)} pods/s  ${(ref / s).toFixed(2)}×\n`);
    }
    process.stdout.write('  goal: podnet ≥ 1.0× the reference and ≥ 50 pods/s\n');
  } finally {
    await cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
