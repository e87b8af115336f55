/**
 * A node's container runtime, as `up` and the live pod sync both use it: the node's CNI daemon, the
 * CNI runtime over the node's conf dir, attaching and detaching a pod's namespace (CNI ADD/DEL of
 * loopback and the pod network), and the pod's test server. Kept apart from `up`/`down`
 * (topology.ts) so the node agents, which `up` starts, can use it without importing `up`.
 */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { podAttachment } from './cni/conflist.ts';
import { CNIRuntime, loadConfDir } from './cni/runtime.ts';
import type { CNIResult, NetConfList } from './cni/types.ts';
import { DataplaneError } from './errors.ts';
import { ipBatch, netnsPath, startNetnsHelper, sysctls } from './netns.ts';
import type { NodePlan, PodPlan } from './plan.ts';
import type { DataplaneLayout, ServerRecord } from './state.ts';

const here = dirname(fileURLToPath(import.meta.url));
const POD_SERVER = join(here, 'pod-server.mjs');
const CNI_DAEMON = join(here, 'cni', 'daemon-main.mjs');

export function runtimeFor(layout: DataplaneLayout, node: NodePlan, binDirs: string[], cniSocket?: string): CNIRuntime {
  return new CNIRuntime({ binDirs, cacheDir: layout.cacheDir(node.name), execNetns: node.netns, ...(cniSocket ? { env: { PODNET_CNI_SOCKET: cniSocket }, daemonSocket: cniSocket } : {}) });
}

/** Starts the node's CNI daemon inside the node namespace, where the plugins' host-side changes belong. */
export async function startCNIDaemon(node: NodePlan, socket: string, logFile: string): Promise<void> {
  mkdirSync(dirname(socket), { recursive: true });
  await startNetnsHelper({ netns: node.netns, script: CNI_DAEMON, args: [socket], log: logFile, what: `node ${node.name}: CNI daemon`, timeoutMs: 20000 });
}

/** Starts the pod's test server inside its namespace and waits until every port is bound. */
export async function startPodServer(pod: PodPlan, layout: DataplaneLayout): Promise<ServerRecord | undefined> {
  const tcp = pod.ports.filter((p) => p.protocol === 'TCP').map((p) => p.port);
  const udp = pod.ports.filter((p) => p.protocol === 'UDP').map((p) => p.port);
  if (!tcp.length && !udp.length) return undefined;
  // --netns is only for `ps`: it shows which run's namespace a server belongs to.
  const args = ['--name', pod.name, '--netns', pod.netns];
  if (tcp.length) args.push('--tcp', tcp.join(','));
  if (udp.length) args.push('--udp', udp.join(','));
  const log = layout.logFile(pod.namespace, pod.name);
  const pid = await startNetnsHelper({ netns: pod.netns, script: POD_SERVER, args, log, what: `pod ${pod.namespace}/${pod.name}: test server`, timeoutMs: 15000 });
  return { pod: `${pod.namespace}/${pod.name}`, pid, netns: pod.netns };
}

/** The networks a node's conf dir holds: the pod network (first in file order) and the loopback network. */
export interface NodeNetworks {
  pod: NetConfList;
  loopback?: NetConfList;
}

/** Reads the node's conf dir, as a container runtime does: the conf dir, not podnet's memory, says what runs. */
export function nodeNetworks(layout: DataplaneLayout, node: NodePlan): NodeNetworks {
  const lists = loadConfDir(layout.confDir(node.name)).map((x) => x.list);
  const loopback = lists.find((l) => l.plugins.length === 1 && l.plugins[0].type === 'loopback');
  const pod = lists.find((l) => l !== loopback);
  if (!pod) throw new DataplaneError([`node ${node.name}: no pod network configuration in ${layout.confDir(node.name)}`]);
  return { pod, ...(loopback ? { loopback } : {}) };
}

/**
 * Attaches a pod whose namespace exists (created in one batch with the others) to loopback and the
 * pod network; returns the pod network's CNI result (undefined for hostNetwork pods).
 */
export async function attachPod(pod: PodPlan, runtime: CNIRuntime, networks: NodeNetworks): Promise<CNIResult | undefined> {
  if (pod.hostNetwork) return undefined;
  const att = podAttachment(pod, netnsPath(pod.netns));
  if (networks.loopback) await runtime.addNetworkList(networks.loopback, { ...att, ifName: 'lo', capabilityArgs: {} });
  return runtime.addNetworkList(networks.pod, att);
}

/**
 * Sends a gratuitous ARP for the pod's address from its interface, as the reference bridge plugin
 * does after configuring it. A pod wired while up may get the IP of a pod removed a moment ago;
 * neighbours on the same bridge (other pods, the node) still map that IP to the old MAC and keep
 * the entry REACHABLE for up to 45 s, so connections to the new pod would time out until then.
 * With arp_notify on, setting the interface's own MAC again makes the kernel announce its addresses.
 * That also flushes the interface's neighbour entries, static ones included: only for bridge-attached
 * pods, whose fresh namespace holds none (a routed pod's static gateway entry would be lost).
 */
export async function announcePodAddress(pod: PodPlan, result: CNIResult | undefined, ifName = 'eth0'): Promise<void> {
  const mac = result?.interfaces?.find((i) => i.sandbox !== undefined && i.name === ifName)?.mac;
  if (pod.hostNetwork || !mac) return;
  await sysctls(pod.netns, { [`net.ipv4.conf.${ifName}.arp_notify`]: 1 });
  await ipBatch(pod.netns, [`link set ${ifName} address ${mac}`]);
}

/** CNI DEL of the pod network and loopback (reverse of attachPod); succeeds when already gone. */
export async function detachPod(pod: PodPlan, runtime: CNIRuntime, networks: NodeNetworks): Promise<void> {
  if (pod.hostNetwork) return;
  const att = podAttachment(pod, netnsPath(pod.netns));
  await runtime.delNetworkList(networks.pod, att);
  if (networks.loopback) await runtime.delNetworkList(networks.loopback, { ...att, ifName: 'lo', capabilityArgs: {} });
}
