/**
 * The layer-3 path of one packet between two cluster endpoints under a CNI mode: pod veth → node
 * bridge or routing table → encapsulation or underlay routing → destination node → veth, with every
 * device named as the real dataplane names it, the path MTU, and SNAT for traffic leaving the pod
 * network. Service translation happens before this (see model/service); policy checks around it.
 */
import { parseCIDR } from '../../api/cidr.ts';
import type { Node, Pod } from '../../api/types.ts';
import type { ClusterView } from '../../cluster/view.ts';
import { hostVethName, type CNIProfile } from './profile.ts';

export type NetEndpoint =
  | { kind: 'pod'; pod: Pod; ip: string }
  | { kind: 'node'; node: Node; ip: string }
  | { kind: 'external'; ip: string };

export interface PathHop {
  /** `pod shop/web-1`, `node node-1`, `underlay`, `external`. */
  where: string;
  /** The interface the packet is on at this hop. */
  device?: string;
  detail: string;
  mtu?: number;
}

export interface PathResult {
  reachable: boolean;
  /** Why the packet cannot get there (reachable false). */
  reason?: string;
  hops: PathHop[];
  /** Smallest MTU along the path. */
  pathMTU: number;
  encapsulated: boolean;
  /** Source NAT on the way (egress to outside the pod network). */
  snat?: { from: string; to: string; where: string };
  /** Set when a packet of the requested size does not make it as sent. */
  mtuProblem?: string;
}

const label = (e: NetEndpoint): string =>
  e.kind === 'pod' ? `pod ${e.pod.metadata.namespace}/${e.pod.metadata.name}` : e.kind === 'node' ? `node ${e.node.metadata.name}` : `external ${e.ip}`;

/** The node an endpoint lives on (hostNetwork pods and nodes are their node), if any. */
export function nodeOf(view: ClusterView, e: NetEndpoint): Node | undefined {
  if (e.kind === 'node') return e.node;
  if (e.kind === 'pod' && e.pod.spec.nodeName) return view.node(e.pod.spec.nodeName);
  return undefined;
}

function podCIDROf(node: Node): string | undefined {
  return node.spec?.podCIDR ?? node.spec?.podCIDRs?.[0];
}

/** Leaving the pod: eth0 in the pod, then the host side of its veth. */
function leavePod(profile: CNIProfile, pod: Pod, nodeName: string, hops: PathHop[]): void {
  const veth = hostVethName(profile, pod.metadata.namespace ?? 'default', pod.metadata.name);
  hops.push({ where: `pod ${pod.metadata.namespace}/${pod.metadata.name}`, device: 'eth0', detail: `sent via the pod's default route (${profile.bridge ? `gateway on ${profile.bridge}` : 'gateway 169.254.1.1, proxied by the host veth'})`, mtu: profile.podMTU });
  hops.push({ where: `node ${nodeName}`, device: veth, detail: profile.bridge ? `host end of the pod's veth pair, a port of bridge ${profile.bridge}` : `host end of the pod's veth pair (routed, no bridge)`, mtu: profile.podMTU });
}

/** Arriving at a pod on its node: bridge forwarding or a /32 route to its veth. */
function enterPod(profile: CNIProfile, pod: Pod, ip: string, nodeName: string, hops: PathHop[]): void {
  const veth = hostVethName(profile, pod.metadata.namespace ?? 'default', pod.metadata.name);
  if (profile.bridge) hops.push({ where: `node ${nodeName}`, device: profile.bridge, detail: `bridge ${profile.bridge} forwards to port ${veth} (${ip} is on the node's pod subnet)`, mtu: profile.podMTU });
  else if (profile.cni === 'cilium') hops.push({ where: `node ${nodeName}`, device: veth, detail: `eBPF (tc) redirects to the endpoint's ${veth}`, mtu: profile.podMTU });
  else hops.push({ where: `node ${nodeName}`, device: veth, detail: `route ${ip}/32 dev ${veth} scope link`, mtu: profile.podMTU });
  hops.push({ where: `pod ${pod.metadata.namespace}/${pod.metadata.name}`, device: 'eth0', detail: `delivered to ${ip}`, mtu: profile.podMTU });
}

/**
 * Crossing from `srcNode` to `dstNode` for a destination inside `dstNode`'s pod CIDR (or its own IP).
 * Returns false (with a reason hop) when the mode has no way across.
 */
function crossNodes(view: ClusterView, profile: CNIProfile, srcNode: Node, dstNode: Node, dstIP: string, hops: PathHop[]): string | undefined {
  const srcName = srcNode.metadata.name;
  const dstName = dstNode.metadata.name;
  const srcNodeIP = view.nodeInternalIP(srcNode) ?? '?';
  const dstNodeIP = view.nodeInternalIP(dstNode) ?? '?';
  const cidr = podCIDROf(dstNode) ?? '?';
  const toPods = parseCIDR(cidr)?.contains(dstIP) ?? false;
  if (!toPods) {
    hops.push({ where: `node ${srcName}`, device: 'eth0', detail: `route to ${dstIP} via the underlay (node network)`, mtu: profile.underlayMTU });
    hops.push({ where: 'underlay', detail: `${srcNodeIP} → ${dstNodeIP}`, mtu: profile.underlayMTU });
    hops.push({ where: `node ${dstName}`, device: 'eth0', detail: `received on ${dstNodeIP}`, mtu: profile.underlayMTU });
    return undefined;
  }
  switch (profile.crossNode) {
    case 'none':
      return `node ${srcName} has no route to ${cidr} (pods of ${dstName}): the bridge plugin only connects pods on the same node`;
    case 'routed':
      hops.push({ where: `node ${srcName}`, device: 'eth0', detail: `route ${cidr} via ${dstNodeIP} dev eth0${profile.cni === 'calico' ? ' proto bird' : ''} (programmed by ${profile.routeSource})`, mtu: profile.underlayMTU });
      hops.push({ where: 'underlay', detail: `${srcNodeIP} → ${dstNodeIP}, not encapsulated (inner pod IPs on the wire)`, mtu: profile.underlayMTU });
      hops.push({ where: `node ${dstName}`, device: 'eth0', detail: `received for ${dstIP}, forwarded (ip_forward=1)`, mtu: profile.underlayMTU });
      return undefined;
    case 'overlay': {
      const enc = profile.encapsulation!;
      const what = enc.kind === 'vxlan' ? `VXLAN VNI ${enc.vni}, outer UDP ${srcNodeIP} → ${dstNodeIP}:${enc.udpPort}` : `IP-in-IP, outer ${srcNodeIP} → ${dstNodeIP} (protocol 4)`;
      const route = profile.cni === 'cilium' ? `eBPF tunnel map: ${cidr} → ${dstNodeIP}` : `route ${cidr} via ${enc.kind === 'vxlan' && profile.cni === 'flannel' ? cidr.split('/')[0] : dstNodeIP} dev ${enc.device} onlink`;
      hops.push({ where: `node ${srcName}`, device: enc.device, detail: `${route}; encapsulated: ${what} (+${enc.overhead} bytes)`, mtu: profile.crossNodeMTU });
      hops.push({ where: 'underlay', detail: `${srcNodeIP} → ${dstNodeIP} carrying the pod packet`, mtu: profile.underlayMTU });
      hops.push({ where: `node ${dstName}`, device: enc.device, detail: `decapsulated, inner destination ${dstIP}`, mtu: profile.crossNodeMTU });
      return undefined;
    }
  }
}

/**
 * The path from `src` to `dst` (IPs after any Service translation). `size` is the IP packet size
 * the sender emits; when given, MTU problems along the path are reported.
 */
export function cniPath(view: ClusterView, profile: CNIProfile, src: NetEndpoint, dst: NetEndpoint, size?: number): PathResult {
  const hops: PathHop[] = [];
  const srcNode = nodeOf(view, src);
  const dstNode = nodeOf(view, dst);
  const hostNetSrc = src.kind === 'node' || (src.kind === 'pod' && !!src.pod.spec.hostNetwork);
  const hostNetDst = dst.kind === 'node' || (dst.kind === 'pod' && !!dst.pod.spec.hostNetwork);
  let snat: PathResult['snat'];
  let reason: string | undefined;
  let crossed = false;

  if (src.kind === 'pod' && !hostNetSrc && srcNode) leavePod(profile, src.pod, srcNode.metadata.name, hops);
  else if (srcNode) hops.push({ where: `node ${srcNode.metadata.name}`, device: 'eth0', detail: `sent from the node's network namespace (${src.ip})`, mtu: profile.underlayMTU });
  else hops.push({ where: label(src), detail: `sent from ${src.ip} outside the cluster`, mtu: profile.underlayMTU });

  const podCIDR = parseCIDR(view.config.podCIDR);
  if (dst.kind === 'external') {
    if (srcNode && src.kind === 'pod' && !hostNetSrc && !podCIDR?.contains(dst.ip)) {
      const nodeIP = view.nodeInternalIP(srcNode) ?? '?';
      snat = { from: src.ip, to: nodeIP, where: `node ${srcNode.metadata.name}` };
      hops.push({ where: `node ${srcNode.metadata.name}`, device: 'eth0', detail: `leaves the pod network: masqueraded ${src.ip} → ${nodeIP} (${profile.cni} outgoing NAT), default route`, mtu: profile.underlayMTU });
    } else if (srcNode) {
      hops.push({ where: `node ${srcNode.metadata.name}`, device: 'eth0', detail: 'default route out of the cluster', mtu: profile.underlayMTU });
    }
    hops.push({ where: label(dst), detail: `delivered to ${dst.ip}` });
  } else if (!dstNode) {
    reason = `${label(dst)} is not scheduled on any node`;
  } else {
    if (!srcNode) {
      hops.push({ where: 'underlay', detail: `${src.ip} → node ${dstNode.metadata.name} (${view.nodeInternalIP(dstNode) ?? '?'})`, mtu: profile.underlayMTU });
      if (!hostNetDst) reason = `pod IPs are not routed outside the cluster: reach ${label(dst)} through a NodePort, LoadBalancer or Ingress`;
    } else if (srcNode.metadata.name !== dstNode.metadata.name) {
      if (src.kind === 'pod' && !hostNetSrc && hostNetDst) {
        const nodeIP = view.nodeInternalIP(srcNode) ?? '?';
        snat = { from: src.ip, to: nodeIP, where: `node ${srcNode.metadata.name}` };
        hops.push({ where: `node ${srcNode.metadata.name}`, device: 'eth0', detail: `destination is outside the pod network: masqueraded ${src.ip} → ${nodeIP}`, mtu: profile.underlayMTU });
      }
      reason = crossNodes(view, profile, srcNode, dstNode, dst.ip, hops);
      crossed = !reason;
    }
    if (!reason) {
      if (dst.kind === 'pod' && !hostNetDst) enterPod(profile, dst.pod, dst.ip, dstNode.metadata.name, hops);
      else hops.push({ where: `node ${dstNode.metadata.name}`, device: 'eth0', detail: `delivered to the node's network namespace (${dst.ip})`, mtu: profile.underlayMTU });
    }
  }

  const encapsulated = crossed && profile.crossNode === 'overlay' && !!profile.encapsulation && dst.kind === 'pod' && !hostNetDst;
  const mtus = hops.map((h) => h.mtu).filter((m): m is number => m !== undefined);
  const pathMTU = Math.min(...mtus, encapsulated ? profile.crossNodeMTU : Infinity);
  const result: PathResult = { reachable: !reason, hops, pathMTU, encapsulated, ...(reason ? { reason } : {}), ...(snat ? { snat } : {}) };
  if (size !== undefined && !reason) {
    const problem = mtuProblem(profile, size, encapsulated, src.kind === 'pod' && !hostNetSrc);
    if (problem) result.mtuProblem = problem;
  }
  return result;
}

/**
 * MTU trouble for a packet of `size` bytes: bigger than the sender's interface (fragmented, or
 * refused with DF set), or fitting the pod interface but not the tunnel (the seeds' classic
 * "small requests work, large ones fail": dropped at encapsulation when the pod MTU is set too high).
 */
export function mtuProblem(profile: CNIProfile, size: number, encapsulated: boolean, fromPod: boolean): string | undefined {
  const ifaceMTU = fromPod ? profile.podMTU : profile.underlayMTU;
  if (size > ifaceMTU) {
    return `a ${size}-byte packet exceeds the sender's interface MTU ${ifaceMTU}: IP fragments it, or refuses it when DF is set (TCP lowers its MSS instead)`;
  }
  if (encapsulated && size > profile.crossNodeMTU) {
    return `a ${size}-byte packet fits the pod MTU ${profile.podMTU} but not the ${profile.encapsulation!.kind.toUpperCase()} tunnel (${profile.crossNodeMTU} = underlay ${profile.underlayMTU} − ${profile.encapsulation!.overhead}): dropped at encapsulation unless PMTU discovery works — small requests succeed, large ones hang. Set the pod MTU to ${profile.crossNodeMTU}.`;
  }
  return undefined;
}
