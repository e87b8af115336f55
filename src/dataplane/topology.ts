/**
 * `podnet up` and `podnet down`: the cluster as network namespaces. An underlay namespace with a
 * bridge joins one namespace per node (eth0 = the node's InternalIP, forwarding on); each node has
 * its CNI devices (cni0 with a fixed MAC, or routed veths; the VXLAN device) and a conf dir; each
 * pod gets a namespace attached by the CNI runtime and a test server on its containerPorts.
 */
import { mkdirSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ClusterConfig } from '../cluster/config.ts';
import type { ClusterView } from '../cluster/view.ts';
import { CONFLIST_FILE, LOOPBACK_FILE, loopbackConfList, nodeConfList } from './cni/conflist.ts';
import type { CNIRuntime } from './cni/runtime.ts';
import { programPeerRoutes, startBird, waitForPeerRoutes } from './crossnode.ts';
import type { DataplaneNames } from './names.ts';
import { DataplaneError } from './errors.ts';
import { addNetns, addNetnsAll, deleteNetnsAll, ipBatch, killProcessesIn, listNetns, sysctls } from './netns.ts';
import { attachPod, nodeNetworks, runtimeFor, startCNIDaemon, startPodServer, type NodeNetworks } from './node-runtime.ts';
import { crossNodeMethod, planTopology, type NodePlan, type Topology } from './plan.ts';
import { preflightProblems } from './preflight.ts';
import { refuseUnsupportedRules, startRuleAgents } from './rules/index.ts';
import { limiter, mapLimit, must } from './run.ts';
import { runDir, DataplaneLayout, type DataplaneState, type ServerRecord } from './state.ts';
import { PODNET_CNI_BIN } from './cni/plugins/registry.ts';
import { planKubeSystem, removeKubeSystem, startKubeSystem } from './kube-system/index.ts';

export { PODNET_CNI_BIN, DataplaneError, startCNIDaemon };
/** Debian's containernetworking-plugins. */
export const REFERENCE_CNI_BIN = '/usr/lib/cni';

export interface UpOptions {
  view: ClusterView;
  config: ClusterConfig;
  names: DataplaneNames;
  layout: DataplaneLayout;
  /** CNI_PATH; default podnet's plugins. */
  cniBinDirs?: string[];
  /** Pods wired in parallel. */
  concurrency?: number;
  log?: (line: string) => void;
  /** The persisted cluster's state directory: components in pods (DNS, ingress) follow its changes. Absent for `-f` clusters. */
  follow?: string;
}

export interface UpReport {
  topology: Topology;
  durationMs: number;
  warnings: string[];
}

async function setUpUnderlay(top: Topology): Promise<void> {
  const u = top.underlay;
  await addNetns(u.netns);
  await ipBatch(u.netns, [
    'link set lo up',
    `link add ${u.bridge} type bridge`,
    `addr add ${u.ip}/${u.prefix} dev ${u.bridge}`,
    `link set ${u.bridge} up`,
  ]);
}

async function setUpNode(top: Topology, node: NodePlan, index: number, layout: DataplaneLayout): Promise<void> {
  const p = top.profile;
  const port = `ul${index}`;
  await addNetns(node.netns);
  // One call places both ends: the port in the underlay, eth0 in the node.
  await must('ip', ['link', 'add', port, 'netns', top.underlay.netns, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', node.netns]);
  await ipBatch(top.underlay.netns, [`link set ${port} master ${top.underlay.bridge} up`]);
  const lines = [
    'link set lo up',
    `link set eth0 mtu ${p.underlayMTU}`,
    `addr add ${node.internalIP}/${node.underlayPrefix} dev eth0`,
    'link set eth0 up',
  ];
  if (p.bridge && node.bridgeMAC) {
    const prefixLen = node.podCIDR.split('/')[1];
    lines.push(
      `link add ${p.bridge} address ${node.bridgeMAC} mtu ${p.podMTU} type bridge`,
      `addr add ${node.gateway}/${prefixLen} dev ${p.bridge}`,
      `link set ${p.bridge} up`,
    );
  } else {
    // Routed veths: addresses of the pod CIDR without a pod are dropped here, not sent back out.
    lines.push(`route add blackhole ${node.podCIDR}`);
  }
  if (node.vtep) {
    const v = node.vtep;
    lines.push(
      `link add ${v.device} address ${v.mac} mtu ${p.crossNodeMTU} type vxlan id ${v.vni} local ${node.internalIP} dev eth0 dstport ${v.port} nolearning`,
      `addr add ${v.ip}/32 dev ${v.device}`,
      `link set ${v.device} up`,
    );
  }
  await ipBatch(node.netns, lines);
  // New namespaces start with forwarding off; br_netfilter on is what Service and policy rules expect.
  await sysctls(node.netns, { 'net.ipv4.ip_forward': 1, ...(p.bridge ? { 'net.bridge.bridge-nf-call-iptables': 1 } : {}) });

  mkdirSync(layout.confDir(node.name), { recursive: true });
  mkdirSync(layout.ipamDir(node.name), { recursive: true });
  writeFileSync(join(layout.confDir(node.name), CONFLIST_FILE), `${JSON.stringify(nodeConfList(p, node, layout.ipamDir(node.name)), null, 2)}\n`);
  writeFileSync(join(layout.confDir(node.name), LOOPBACK_FILE), `${JSON.stringify(loopbackConfList(), null, 2)}\n`);
}

export async function dataplaneUp(opts: UpOptions): Promise<UpReport> {
  const t0 = Date.now();
  const log = opts.log ?? (() => undefined);
  const { topology: top, plan: kubeSystem } = planKubeSystem(planTopology(opts.view, opts.config, opts.names), opts.view);
  const method = crossNodeMethod(top.profile);
  refuseUnsupportedRules(opts.config);
  const problems = preflightProblems({ bird: method === 'bgp' });
  if (problems.length) throw new DataplaneError(problems);
  const existing = (await listNetns()).filter((n) => opts.names.owns(n));
  if (existing.length) {
    throw new DataplaneError([`a dataplane with prefix "${opts.names.prefix}" is already up (${existing.length} network namespaces, e.g. ${existing[0]}); run podnet down first`]);
  }
  const binDirs = opts.cniBinDirs ?? [PODNET_CNI_BIN];
  opts.layout.remove();
  const state: DataplaneState = {
    version: 1,
    prefix: opts.names.prefix,
    phase: 'creating',
    startedAt: new Date(t0).toISOString(),
    cniBinDirs: binDirs,
    topology: top,
    servers: [],
    runDir: runDir(opts.names.prefix),
    cniSockets: {},
  };
  const daemons = binDirs.includes(PODNET_CNI_BIN);
  rmSync(state.runDir, { recursive: true, force: true });
  // Written first: a crash from here on leaves a record (and prefixed namespaces) for `down`.
  opts.layout.write(state);

  log(`underlay ${top.underlay.netns} (${top.underlay.ip}/${top.underlay.prefix})`);
  await setUpUnderlay(top);
  await mapLimit(top.nodes, 4, async (node, i) => {
    await setUpNode(top, node, i, opts.layout);
    if (daemons) {
      const socket = join(state.runDir, `cni-${i}.sock`);
      await startCNIDaemon(node, socket, join(opts.layout.nodeDir(node.name), 'cni-daemon.log'));
      state.cniSockets[node.name] = socket;
    }
    log(`node ${node.name}: ${node.netns} eth0 ${node.internalIP}, pods ${node.podCIDR}`);
  });
  if (method === 'host-gw' || method === 'vxlan') await programPeerRoutes(top);
  if (method === 'bgp') await startBird(top, opts.config, state.runDir);

  const nodeByName = new Map(top.nodes.map((n) => [n.name, n]));
  const runtimes = new Map(top.nodes.map((n) => [n.name, runtimeFor(opts.layout, n, binDirs, state.cniSockets[n.name])]));
  const networks = new Map(top.nodes.map((n) => [n.name, nodeNetworks(opts.layout, n)]));
  await addNetnsAll(top.pods.filter((p) => !p.hostNetwork).map((p) => p.netns));
  // Test servers start while further pods are wired: a Node.js start per pod is the costliest step.
  const startServer = limiter(Math.max(2, (opts.concurrency ?? 4) * 2));
  const serverStarts: Promise<ServerRecord | undefined>[] = [];
  await mapLimit(top.pods, opts.concurrency ?? 4, async (pod) => {
    const node = nodeByName.get(pod.node) as NodePlan;
    await attachPod(pod, runtimes.get(pod.node) as CNIRuntime, networks.get(node.name) as NodeNetworks);
    const started = startServer(() => startPodServer(pod, opts.layout));
    started.catch(() => undefined);
    serverStarts.push(started);
    log(`pod ${pod.namespace}/${pod.name}: ${pod.ip} on ${pod.node}${pod.ports.length ? ` (serving ${pod.ports.map((p) => `${p.port}/${p.protocol}`).join(',')})` : ''}`);
  });
  const servers = await Promise.all(serverStarts);
  state.servers = servers.filter((s): s is ServerRecord => s !== undefined);
  if (method !== 'none' && top.nodes.length > 1) await waitForPeerRoutes(top);
  await startRuleAgents({ nodes: top.nodes, view: opts.view, config: opts.config, layout: opts.layout, ...(opts.follow ? { storeDir: opts.follow } : {}) });
  const ks = await startKubeSystem({ top, plan: kubeSystem, view: opts.view, layout: opts.layout, ...(opts.follow ? { follow: opts.follow } : {}), log });
  state.phase = 'up';
  opts.layout.write(state);
  return { topology: top, durationMs: Date.now() - t0, warnings: [...top.warnings, ...ks.warnings] };
}

export interface DownReport {
  namespaces: string[];
  processes: number;
}

/**
 * Removes everything a run with this prefix made: processes inside its namespaces (servers, BIRD)
 * first, then the namespaces (which takes their links), BIRD's run dir and the state dir. Works
 * from the namespace list alone, so it also cleans up after an `up` that was killed.
 */
export async function dataplaneDown(names: DataplaneNames, layout: DataplaneLayout): Promise<DownReport> {
  const state = layout.read();
  const owned = (await listNetns()).filter((n) => names.owns(n));
  const processes = await killProcessesIn(owned);
  await deleteNetnsAll(owned);
  await removeKubeSystem(names);
  const dir = state?.runDir ?? runDir(names.prefix);
  rmSync(dir, { recursive: true, force: true });
  try {
    rmdirSync(dirname(dir));
  } catch {
    // other runs still have theirs
  }
  layout.remove();
  return { namespaces: owned, processes };
}
