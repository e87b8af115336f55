/**
 * What each CNI mode does to a packet, as data: the devices it creates on a node, whether it
 * encapsulates (and the overhead that costs the pod MTU), how it reaches other nodes, and whether it
 * enforces NetworkPolicy. The real dataplane builds exactly these devices, so names here are the
 * names `ip link` shows there.
 */
import type { ClusterConfig, CNIMode } from '../../cluster/config.ts';

export type Encapsulation =
  | { kind: 'vxlan'; device: string; vni: number; udpPort: number; overhead: 50 }
  | { kind: 'ipip'; device: string; overhead: 20 };

/** How pod traffic crosses between nodes. */
export type CrossNode =
  /** Pod CIDRs of other nodes are not routed: only NAT to node IPs leaves the node (plain bridge). */
  | 'none'
  /** Routes to other nodes' pod CIDRs via their node IPs (flannel host-gw, calico BGP). */
  | 'routed'
  /** Encapsulated in the underlay (VXLAN, IPIP). */
  | 'overlay';

export interface CNIProfile {
  cni: CNIMode;
  /** Human name of the mode, e.g. "calico (IPIP)". */
  mode: string;
  underlayMTU: number;
  /** MTU of pod eth0 and the host-side veth. */
  podMTU: number;
  /** The largest inner packet the path between nodes carries. */
  crossNodeMTU: number;
  encapsulation?: Encapsulation;
  crossNode: CrossNode;
  /** The Linux bridge pods attach to, if the mode uses one (otherwise routed veths). */
  bridge?: string;
  /** Prefix of host-side veth names (`veth`, `cali`, `lxc`). */
  vethPrefix: string;
  /** Who programs cross-node routes, for explanations ("BIRD (BGP)", "flanneld"). */
  routeSource: string;
  enforcesPolicy: boolean;
  /** Cilium with kube-proxy replacement: Services are translated at the socket/tc layer, not by kube-proxy. */
  kubeProxyReplacement: boolean;
}

export function cniProfile(config: ClusterConfig): CNIProfile {
  const underlayMTU = config.mtu;
  const base = (p: Omit<CNIProfile, 'underlayMTU' | 'podMTU' | 'crossNodeMTU' | 'kubeProxyReplacement'>): CNIProfile => {
    const overhead = p.encapsulation?.overhead ?? 0;
    return {
      ...p,
      underlayMTU,
      podMTU: config.cniOptions.podMTU ?? underlayMTU - overhead,
      crossNodeMTU: underlayMTU - overhead,
      kubeProxyReplacement: p.cni === 'cilium' && config.cniOptions.kubeProxyReplacement,
    };
  };
  switch (config.cni) {
    case 'bridge':
      return base({ cni: 'bridge', mode: 'bridge (single node, no cross-node pod routes)', crossNode: 'none', bridge: 'cni0', vethPrefix: 'veth', routeSource: 'none', enforcesPolicy: false });
    case 'flannel':
      return config.cniOptions.flannelBackend === 'host-gw'
        ? base({ cni: 'flannel', mode: 'flannel (host-gw)', crossNode: 'routed', bridge: 'cni0', vethPrefix: 'veth', routeSource: 'flanneld (host-gw routes)', enforcesPolicy: false })
        : base({ cni: 'flannel', mode: 'flannel (VXLAN)', crossNode: 'overlay', bridge: 'cni0', vethPrefix: 'veth', routeSource: 'flanneld (VXLAN FDB + neighbour entries)', enforcesPolicy: false, encapsulation: { kind: 'vxlan', device: 'flannel.1', vni: 1, udpPort: 8472, overhead: 50 } });
    case 'calico':
      switch (config.cniOptions.calicoMode) {
        case 'ipip':
          return base({ cni: 'calico', mode: 'calico (IPIP)', crossNode: 'overlay', vethPrefix: 'cali', routeSource: 'BIRD (BGP)', enforcesPolicy: true, encapsulation: { kind: 'ipip', device: 'tunl0', overhead: 20 } });
        case 'vxlan':
          return base({ cni: 'calico', mode: 'calico (VXLAN)', crossNode: 'overlay', vethPrefix: 'cali', routeSource: 'calico-node (VXLAN)', enforcesPolicy: true, encapsulation: { kind: 'vxlan', device: 'vxlan.calico', vni: 4096, udpPort: 4789, overhead: 50 } });
        default:
          return base({ cni: 'calico', mode: 'calico (BGP, no encapsulation)', crossNode: 'routed', vethPrefix: 'cali', routeSource: 'BIRD (BGP)', enforcesPolicy: true });
      }
    case 'cilium':
      return base({ cni: 'cilium', mode: 'cilium (eBPF, VXLAN tunnel)', crossNode: 'overlay', vethPrefix: 'lxc', routeSource: 'cilium-agent (eBPF)', enforcesPolicy: true, encapsulation: { kind: 'vxlan', device: 'cilium_vxlan', vni: 2, udpPort: 8472, overhead: 50 } });
  }
}

/**
 * The host-side veth of a pod: prefix + a stable hash of its identity, 15 characters at most (IFNAMSIZ).
 * Calico-style names take 11 hex digits, the others 8 (as the reference bridge plugin's random names).
 */
export function hostVethName(profile: CNIProfile, namespace: string, name: string): string {
  const hex = (fnv1a(`${namespace}/${name}`) + fnv1a(`${name}.${namespace}`)).slice(0, profile.vethPrefix === 'cali' ? 11 : 8);
  return `${profile.vethPrefix}${hex}`;
}

function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}
