/**
 * Cross-node pod routes, per mode: host-gw (a route per peer pod CIDR via the peer's InternalIP),
 * VXLAN (flannel's scheme: FDB entry to the peer VTEP, permanent neighbour for the peer's VTEP
 * address, onlink route for its pod CIDR), or BGP (a BIRD 2 per node, iBGP full mesh, which installs
 * the routes itself).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClusterConfig } from '../cluster/config.ts';
import { CALICO_AS, renderBirdConf } from '../render/bird.ts';
import { bridgeBatch, ipBatch, nsMust } from './netns.ts';
import { crossNodeMethod, type NodePlan, type Topology } from './plan.ts';
import { run } from './run.ts';

/** Kernel lines a node needs to reach its peers' pod CIDRs (host-gw and VXLAN; BGP programs its own). */
export function peerRouteLines(top: Topology, node: NodePlan): { ip: string[]; bridge: string[] } {
  const ip: string[] = [];
  const bridge: string[] = [];
  const method = crossNodeMethod(top.profile);
  for (const peer of top.nodes) {
    if (peer.name === node.name) continue;
    if (method === 'host-gw') ip.push(`route replace ${peer.podCIDR} via ${peer.internalIP} dev eth0`);
    if (method === 'vxlan' && node.vtep && peer.vtep) {
      bridge.push(`fdb append ${peer.vtep.mac} dev ${node.vtep.device} dst ${peer.internalIP}`);
      ip.push(`neigh replace ${peer.vtep.ip} lladdr ${peer.vtep.mac} dev ${node.vtep.device} nud permanent`);
      ip.push(`route replace ${peer.podCIDR} via ${peer.vtep.ip} dev ${node.vtep.device} onlink`);
    }
  }
  return { ip, bridge };
}

export async function programPeerRoutes(top: Topology): Promise<void> {
  await Promise.all(top.nodes.map(async (node) => {
    const { ip, bridge } = peerRouteLines(top, node);
    await bridgeBatch(node.netns, bridge);
    await ipBatch(node.netns, ip);
  }));
}

export function birdConfFor(top: Topology, config: ClusterConfig, node: NodePlan): string {
  return renderBirdConf({
    routerID: node.internalIP,
    asNumber: CALICO_AS,
    podCIDR: node.podCIDR,
    clusterCIDR: config.podCIDR,
    nodeMaskSize: config.nodeCIDRMaskSize,
    peers: top.nodes.filter((n) => n.name !== node.name).map((n) => ({ name: n.name, ip: n.internalIP })),
  });
}

export interface BirdPaths {
  conf: string;
  ctl: string;
  pid: string;
}

export function birdPaths(runDir: string, node: NodePlan): BirdPaths {
  const base = join(runDir, node.name);
  return { conf: `${base}.conf`, ctl: `${base}.ctl`, pid: `${base}.pid` };
}

/** Starts one BIRD per node netns (it daemonises; its pid lands in the node netns, so `down` kills it). */
export async function startBird(top: Topology, config: ClusterConfig, runDir: string): Promise<void> {
  mkdirSync(runDir, { recursive: true });
  await Promise.all(top.nodes.map(async (node) => {
    const p = birdPaths(runDir, node);
    writeFileSync(p.conf, birdConfFor(top, config, node));
    await nsMust(node.netns, 'bird', ['-c', p.conf, '-s', p.ctl, '-P', p.pid]);
  }));
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Peer pod CIDRs a node's kernel does not route yet. */
export async function missingPeerRoutes(top: Topology, node: NodePlan): Promise<string[]> {
  const r = await run('ip', ['-n', node.netns, '-json', 'route', 'show']);
  const have = new Set(r.code === 0 ? (JSON.parse(r.stdout) as { dst: string; type?: string }[]).filter((x) => x.type !== 'blackhole').map((x) => x.dst) : []);
  return top.nodes.filter((n) => n.name !== node.name && !have.has(n.podCIDR)).map((n) => n.podCIDR);
}

/** Waits until every node routes every peer's pod CIDR (BGP sessions take a few seconds). */
export async function waitForPeerRoutes(top: Topology, timeoutMs = 30000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const missing = await Promise.all(top.nodes.map(async (n) => ({ node: n.name, cidrs: await missingPeerRoutes(top, n) })));
    const left = missing.filter((m) => m.cidrs.length);
    if (!left.length) return;
    if (Date.now() > deadline) {
      throw new Error(`cross-node routes not programmed after ${timeoutMs / 1000}s: ${left.map((m) => `${m.node} lacks ${m.cidrs.join(', ')}`).join('; ')}`);
    }
    await sleep(250);
  }
}
