/**
 * The topology `podnet up` builds, computed from a ClusterView before anything touches the kernel:
 * which namespaces, which addresses, which devices. Pure (a function of the view, the config and the
 * prefix), so it is unit-tested without root and `podnet status` can compare it with what is up.
 * Device names and MTUs come from model/cni so the kernel shows what the model explains.
 */
import { createHash } from 'node:crypto';
import { formatIP, parseCIDR, parseIP } from '../api/cidr.ts';
import type { Node, Pod } from '../api/types.ts';
import type { ClusterConfig } from '../cluster/config.ts';
import type { ClusterView } from '../cluster/view.ts';
import { cniProfile, hostVethName, type CNIProfile } from '../model/cni/index.ts';
import type { DataplaneNames } from './names.ts';

export interface VTEPPlan {
  device: string;
  vni: number;
  port: number;
  /** Deterministic, so peers can be programmed without asking the node (flannel publishes it in an annotation). */
  mac: string;
  /** The network address of the node's pod CIDR, as flannel gives its flannel.1. */
  ip: string;
}

export interface NodePlan {
  name: string;
  netns: string;
  internalIP: string;
  /** Prefix length of the underlay network (ClusterConfig.nodeNetwork). */
  underlayPrefix: number;
  podCIDR: string;
  /** First address of the pod CIDR: the bridge address (bridge modes) and IPAM gateway. */
  gateway: string;
  /** Fixed bridge MAC: a bridge without one takes its lowest port MAC, so the gateway MAC would change as pods come and go. */
  bridgeMAC?: string;
  vtep?: VTEPPlan;
}

export interface PodPort {
  port: number;
  protocol: 'TCP' | 'UDP';
}

export interface PodPlan {
  namespace: string;
  name: string;
  node: string;
  /** The pod's own namespace; for hostNetwork pods the node's. */
  netns: string;
  ip: string;
  hostNetwork: boolean;
  /** What the runtime gives the CNI plugins as CNI_CONTAINERID (stable per pod uid). */
  containerID: string;
  /** Host side of the pod's veth (absent for hostNetwork pods). */
  hostVeth?: string;
  /** Declared containerPorts the pod's test server listens on. */
  ports: PodPort[];
}

export interface Topology {
  prefix: string;
  profile: CNIProfile;
  underlay: { netns: string; bridge: string; ip: string; prefix: number };
  nodes: NodePlan[];
  pods: PodPlan[];
  /** Objects left out (unscheduled pods, pods without an IP, SCTP ports). */
  warnings: string[];
}

/** The cluster cannot be built as a kernel topology; every problem is listed. */
export class TopologyError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'TopologyError';
  }
}

export const UNDERLAY_BRIDGE = 'br-ul';

/** Why the dataplane cannot build a mode at all, or undefined when it can. */
export function unsupportedMode(profile: CNIProfile): string | undefined {
  if (profile.encapsulation?.kind === 'ipip') {
    return `cni ${profile.mode} needs the ipip tunnel driver (CONFIG_NET_IPIP), which this kernel does not have (monolithic, no modules); use cniOptions.mode: vxlan or bgp`;
  }
  return undefined;
}

const macOf = (first: string, ip: string): string => {
  const bytes = ip.split('.').map((o) => Number(o).toString(16).padStart(2, '0'));
  return `${first}:58:${bytes.join(':')}`;
};

function ipv4Offset(cidrText: string, offset: bigint): string {
  const c = parseCIDR(cidrText);
  if (!c) throw new Error(`bad CIDR ${cidrText}`);
  return formatIP(4, c.network + offset);
}

export function podContainerID(pod: Pod): string {
  const key = `${pod.metadata.namespace ?? 'default'}/${pod.metadata.name}/${pod.metadata.uid ?? ''}`;
  return createHash('sha256').update(key).digest('hex');
}

function podCIDROf(node: Node): string | undefined {
  return node.spec?.podCIDR ?? node.spec?.podCIDRs?.[0];
}

function declaredPorts(pod: Pod, warnings: string[]): PodPort[] {
  const seen = new Map<string, PodPort>();
  for (const c of pod.spec.containers) {
    for (const p of c.ports ?? []) {
      const protocol = p.protocol ?? 'TCP';
      if (protocol !== 'TCP' && protocol !== 'UDP') {
        warnings.push(`pod ${pod.metadata.namespace}/${pod.metadata.name}: ${protocol} port ${p.containerPort} not served (the test server speaks TCP and UDP)`);
        continue;
      }
      seen.set(`${protocol}/${p.containerPort}`, { port: p.containerPort, protocol });
    }
  }
  return [...seen.values()].sort((a, b) => a.port - b.port || a.protocol.localeCompare(b.protocol));
}

export function planTopology(view: ClusterView, config: ClusterConfig, names: DataplaneNames): Topology {
  const problems: string[] = [];
  const warnings: string[] = [];
  const profile = cniProfile(config);
  const refused = unsupportedMode(profile);
  if (refused) problems.push(refused);

  const nodeNet = parseCIDR(config.nodeNetwork);
  if (!nodeNet || nodeNet.family !== 4) problems.push(`nodeNetwork ${config.nodeNetwork}: the dataplane needs an IPv4 underlay`);
  const underlay = { netns: names.underlay, bridge: UNDERLAY_BRIDGE, ip: nodeNet?.family === 4 ? formatIP(4, nodeNet.network + 1n) : '', prefix: nodeNet?.prefix ?? 0 };

  const nodes: NodePlan[] = [];
  for (const node of [...view.nodes].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))) {
    const name = node.metadata.name;
    const ip = view.nodeInternalIP(node);
    const podCIDR = podCIDROf(node);
    const cidr = podCIDR ? parseCIDR(podCIDR) : undefined;
    if (!ip || parseIP(ip)?.family !== 4) {
      problems.push(`node ${name}: no IPv4 InternalIP in status.addresses`);
      continue;
    }
    if (nodeNet && !nodeNet.contains(ip)) problems.push(`node ${name}: InternalIP ${ip} is outside nodeNetwork ${config.nodeNetwork}`);
    if (ip === underlay.ip) problems.push(`node ${name}: InternalIP ${ip} is the underlay gateway address of ${config.nodeNetwork}`);
    if (!cidr || cidr.family !== 4) {
      problems.push(`node ${name}: no IPv4 spec.podCIDR`);
      continue;
    }
    const gateway = ipv4Offset(podCIDR as string, 1n);
    const enc = profile.encapsulation;
    nodes.push({
      name,
      netns: names.node(name),
      internalIP: ip,
      underlayPrefix: nodeNet?.prefix ?? 24,
      podCIDR: podCIDR as string,
      gateway,
      ...(profile.bridge ? { bridgeMAC: macOf('0a', gateway) } : {}),
      ...(enc?.kind === 'vxlan' ? { vtep: { device: enc.device, vni: enc.vni, port: enc.udpPort, mac: macOf('0e', ip), ip: ipv4Offset(podCIDR as string, 0n) } } : {}),
    });
  }
  const nodeByName = new Map(nodes.map((n) => [n.name, n]));

  const pods: PodPlan[] = [];
  for (const pod of view.pods) {
    const ns = pod.metadata.namespace ?? 'default';
    const ref = `pod ${ns}/${pod.metadata.name}`;
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') continue;
    if (!pod.spec.nodeName) {
      warnings.push(`${ref}: not scheduled, no sandbox`);
      continue;
    }
    const node = nodeByName.get(pod.spec.nodeName);
    if (!node) {
      if (!view.node(pod.spec.nodeName)) problems.push(`${ref}: node ${pod.spec.nodeName} does not exist`);
      continue;
    }
    const ip = pod.status?.podIP;
    const hostNetwork = pod.spec.hostNetwork === true;
    if (!ip) {
      warnings.push(`${ref}: no status.podIP (ContainerCreating), no sandbox`);
      continue;
    }
    if (hostNetwork) {
      if (ip !== node.internalIP) problems.push(`${ref}: hostNetwork pod IP ${ip} is not its node's InternalIP ${node.internalIP}`);
    } else if (!parseCIDR(node.podCIDR)?.contains(ip)) {
      problems.push(`${ref}: podIP ${ip} is outside node ${node.name}'s podCIDR ${node.podCIDR}`);
    } else if (ip === node.gateway || ip === ipv4Offset(node.podCIDR, 0n)) {
      problems.push(`${ref}: podIP ${ip} is the network or gateway address of ${node.podCIDR}`);
    }
    pods.push({
      namespace: ns,
      name: pod.metadata.name,
      node: node.name,
      netns: hostNetwork ? node.netns : names.pod(ns, pod.metadata.name),
      ip,
      hostNetwork,
      containerID: podContainerID(pod),
      ...(hostNetwork ? {} : { hostVeth: hostVethName(profile, ns, pod.metadata.name) }),
      ports: declaredPorts(pod, warnings),
    });
  }
  pods.sort((a, b) => a.node.localeCompare(b.node) || a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
  const vethsByNode = new Map<string, string>();
  for (const p of pods) {
    if (!p.hostVeth) continue;
    const key = `${p.node}/${p.hostVeth}`;
    const other = vethsByNode.get(key);
    if (other) problems.push(`pod ${p.namespace}/${p.name}: host veth name ${p.hostVeth} collides with pod ${other} on node ${p.node}`);
    vethsByNode.set(key, `${p.namespace}/${p.name}`);
  }
  if (nodes.length === 0 && problems.length === 0) problems.push('the cluster has no nodes');
  if (problems.length) throw new TopologyError(problems);
  return { prefix: names.prefix, profile, underlay, nodes, pods, warnings };
}

/** How pod traffic crosses nodes in the kernel, per mode. */
export type CrossNodeMethod = 'none' | 'host-gw' | 'vxlan' | 'bgp';

export function crossNodeMethod(profile: CNIProfile): CrossNodeMethod {
  if (profile.encapsulation?.kind === 'vxlan') return 'vxlan';
  if (profile.crossNode === 'none') return 'none';
  if (profile.cni === 'calico') return 'bgp';
  return 'host-gw';
}
