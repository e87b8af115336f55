/**
 * bird.conf for one node in Calico's BGP mode: BIRD 2, iBGP full mesh between all nodes (one AS),
 * each node announcing its pod CIDR and installing its peers' pod CIDRs in the kernel.
 *
 * - The pod CIDR is announced from a static blackhole route in BIRD (Calico announces its IPAM
 *   blocks the same way); the kernel holds the /32 routes to the pods themselves.
 * - `direct;` in the template: iBGP defaults to multihop, and multihop BGP cannot use `gateway
 *   direct`; the peers share the underlay L2, so learned routes go straight to the peer's address.
 * - Only the cluster's pod CIDR (at the node mask or longer) is accepted or exported.
 */
import { parseCIDR } from '../api/cidr.ts';

export interface BirdPeer {
  name: string;
  ip: string;
}

export interface BirdNodeConfig {
  /** This node's InternalIP: router id and BGP source. */
  routerID: string;
  asNumber: number;
  /** The node's pod CIDR, announced to the peers. */
  podCIDR: string;
  /** The cluster pod CIDR and node mask size: bounds of what is accepted and exported. */
  clusterCIDR: string;
  nodeMaskSize: number;
  peers: readonly BirdPeer[];
  /** Seconds; short so tests see convergence and withdrawal quickly. */
  holdTime?: number;
  keepaliveTime?: number;
  connectRetryTime?: number;
}

/** Calico's default AS number. */
export const CALICO_AS = 64512;

/** BIRD symbols are letters, digits and underscores; peers are named after their address, which is unique. */
export function birdPeerProtocol(ip: string): string {
  return `peer_${ip.replace(/[^0-9a-fA-F]/g, '_')}`;
}

export function renderBirdConf(c: BirdNodeConfig): string {
  const cluster = parseCIDR(c.clusterCIDR);
  const pod = parseCIDR(c.podCIDR);
  if (!cluster || !pod || cluster.family !== 4 || pod.family !== 4) throw new Error('bird.conf: pod and cluster CIDRs must be IPv4 CIDRs');
  if (!cluster.covers(pod)) throw new Error(`bird.conf: pod CIDR ${c.podCIDR} is outside the cluster CIDR ${c.clusterCIDR}`);
  const podNets = `[ ${c.clusterCIDR}{${c.nodeMaskSize},32} ]`;
  const hold = c.holdTime ?? 9;
  const keepalive = c.keepaliveTime ?? 3;
  const retry = c.connectRetryTime ?? 2;
  const peers = [...c.peers].filter((p) => p.ip !== c.routerID).sort((a, b) => a.ip.localeCompare(b.ip, 'en', { numeric: true }));
  const lines = [
    `# BIRD 2 configuration rendered by podnet for router ${c.routerID}; do not edit.`,
    `router id ${c.routerID};`,
    '',
    'protocol device {',
    '  scan time 10;',
    '}',
    '',
    '# The pod CIDR this node announces (pods have /32 kernel routes inside it).',
    'protocol static pod_cidr {',
    '  ipv4;',
    `  route ${c.podCIDR} blackhole;`,
    '}',
    '',
    '# Routes learned from peers go to the kernel; nothing else does.',
    'protocol kernel {',
    '  ipv4 {',
    '    import none;',
    '    export where source = RTS_BGP;',
    '  };',
    '  merge paths on;',
    '}',
    '',
    'template bgp mesh {',
    `  local ${c.routerID} as ${c.asNumber};`,
    '  direct;',
    '  ipv4 {',
    '    gateway direct;',
    `    import where net ~ ${podNets};`,
    '    next hop self;',
    `    export where source = RTS_STATIC && net ~ ${podNets};`,
    '  };',
    `  hold time ${hold};`,
    `  keepalive time ${keepalive};`,
    `  connect retry time ${retry};`,
    '}',
    '',
    ...peers.map((p) => `protocol bgp ${birdPeerProtocol(p.ip)} from mesh {\n  description "${p.name.replace(/["\\]/g, '')}";\n  neighbor ${p.ip} as ${c.asNumber};\n}`),
  ];
  return `${lines.join('\n')}\n`;
}
