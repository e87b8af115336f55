/**
 * The CNI configuration each node's conf dir holds, derived from the model's CNI profile: a bridge
 * (bridge, flannel) or routed veths (calico, cilium), MTU per mode, host-local IPAM over the node's
 * pod CIDR with gateway .1 — the same range the model's pod IPAM allocates from.
 */
import type { CNIProfile } from '../../model/cni/index.ts';
import type { NodePlan, PodPlan } from '../plan.ts';
import { HOST_VETH_ARG } from './link.ts';
import type { Attachment } from './runtime.ts';
import { CNI_VERSION, type NetConfList } from './types.ts';

export const NETWORK_NAME = 'podnet';
export const CONFLIST_FILE = '10-podnet.conflist';
export const LOOPBACK_FILE = '99-loopback.conflist';
/** The type of podnet's routed-veth plugin (no reference equivalent). */
export const ROUTED_PLUGIN = 'podnet-routed';

export function nodeConfList(profile: CNIProfile, node: NodePlan, ipamDataDir: string): NetConfList {
  const ipam = {
    type: 'host-local',
    ranges: [[{ subnet: node.podCIDR, gateway: node.gateway }]],
    ...(profile.bridge ? { routes: [{ dst: '0.0.0.0/0' }] } : {}),
    dataDir: ipamDataDir,
  };
  const plugin = profile.bridge
    ? { type: 'bridge', bridge: profile.bridge, isGateway: true, hairpinMode: true, ipMasq: false, mtu: profile.podMTU, capabilities: { ips: true }, ipam }
    : { type: ROUTED_PLUGIN, mtu: profile.podMTU, capabilities: { ips: true }, ipam };
  return { cniVersion: CNI_VERSION, name: NETWORK_NAME, plugins: [plugin] };
}

/** Runtimes attach loopback as a network of its own (containerd's `cni-loopback`). */
export function loopbackConfList(): NetConfList {
  return { cniVersion: CNI_VERSION, name: 'cni-loopback', plugins: [{ type: 'loopback' }] };
}

/** What kubelet would pass for a pod, plus the model's IP (`ips` capability) and host veth name. */
export function podAttachment(pod: PodPlan, netnsPath: string, ifName = 'eth0'): Attachment {
  return {
    containerID: pod.containerID,
    netns: netnsPath,
    ifName,
    args: [
      ['IgnoreUnknown', '1'],
      ['K8S_POD_NAMESPACE', pod.namespace],
      ['K8S_POD_NAME', pod.name],
      ['K8S_POD_INFRA_CONTAINER_ID', pod.containerID],
      ...(pod.hostVeth ? [[HOST_VETH_ARG, pod.hostVeth] as [string, string]] : []),
    ],
    capabilityArgs: { ips: [pod.ip] },
  };
}
