/** `podnet status`: what the state says is up, checked against the live namespaces and processes. */
import { existsSync } from 'node:fs';
import type { DataplaneNames } from './names.ts';
import { listNetns, processesIn } from './netns.ts';
import { crossNodeMethod, type CrossNodeMethod } from './plan.ts';
import { run } from './run.ts';
import { birdPaths } from './crossnode.ts';
import type { DataplaneLayout } from './state.ts';
import { kubeSystemStatus, type ComponentStatus } from './kube-system/index.ts';

export interface NodeStatus {
  name: string;
  netns: string;
  internalIP: string;
  podCIDR: string;
  present: boolean;
  /** BGP sessions `established/peers` (calico BGP mode). */
  bgp?: string;
}

export interface PodStatus {
  namespace: string;
  name: string;
  node: string;
  ip: string;
  netns: string;
  hostNetwork: boolean;
  present: boolean;
  /** The test server: running, down, or none (no containerPorts). */
  server: 'running' | 'down' | 'none';
}

export interface DataplaneStatus {
  prefix: string;
  /** `down` (nothing), `creating` (an `up` running or crashed), `up`, or `degraded` (something is missing). */
  phase: 'down' | 'creating' | 'up' | 'degraded';
  startedAt?: string;
  cni?: string;
  crossNode?: CrossNodeMethod;
  podMTU?: number;
  nodes: NodeStatus[];
  pods: PodStatus[];
  /** Namespaces with this prefix that the state does not list (left by a crashed `up`). */
  leftovers: string[];
  /** Cluster components in pods (DNS in coredns pods, ingress proxies), each checked alive. */
  components?: ComponentStatus[];
  /** The host's link into the underlay (`name address/len`), when set up. */
  hostLink?: string;
}

async function bgpSessions(ctl: string): Promise<string | undefined> {
  if (!existsSync(ctl)) return undefined;
  const r = await run('birdc', ['-s', ctl, 'show', 'protocols']);
  if (r.code !== 0) return undefined;
  const bgp = r.stdout.split('\n').filter((l) => /^\S+\s+BGP\s/.test(l));
  return `${bgp.filter((l) => /Established/.test(l)).length}/${bgp.length}`;
}

export async function dataplaneStatus(names: DataplaneNames, layout: DataplaneLayout): Promise<DataplaneStatus> {
  const state = layout.read();
  const live = new Set((await listNetns()).filter((n) => names.owns(n)));
  if (!state) return { prefix: names.prefix, phase: live.size ? 'creating' : 'down', nodes: [], pods: [], leftovers: [...live].sort() };
  const top = state.topology;
  const method = crossNodeMethod(top.profile);
  const nodes = await Promise.all(top.nodes.map(async (n): Promise<NodeStatus> => {
    const bgp = method === 'bgp' ? await bgpSessions(birdPaths(state.runDir, n).ctl) : undefined;
    return { name: n.name, netns: n.netns, internalIP: n.internalIP, podCIDR: n.podCIDR, present: live.has(n.netns), ...(bgp ? { bgp } : {}) };
  }));
  const serverPids = new Map(state.servers.map((s) => [s.pod, s.pid]));
  // One pass over /proc for every pod namespace (not an `ip netns pids` scan per pod).
  const running = processesIn([...new Set(top.pods.map((p) => p.netns).filter((n) => live.has(n)))]);
  const pods = top.pods.map((p): PodStatus => {
    const pid = serverPids.get(`${p.namespace}/${p.name}`);
    const present = live.has(p.netns);
    const server = pid === undefined ? 'none' : (running.get(p.netns) ?? []).includes(pid) ? 'running' : 'down';
    return { namespace: p.namespace, name: p.name, node: p.node, ip: p.ip, netns: p.netns, hostNetwork: p.hostNetwork, present, server };
  });
  const known = new Set([top.underlay.netns, ...top.nodes.map((n) => n.netns), ...top.pods.map((p) => p.netns)]);
  const leftovers = [...live].filter((n) => !known.has(n)).sort();
  const ks = kubeSystemStatus(layout);
  const healthy = live.has(top.underlay.netns) && nodes.every((n) => n.present) && pods.every((p) => p.present && p.server !== 'down') && (ks?.components ?? []).every((c) => c.running);
  return {
    prefix: names.prefix,
    phase: state.phase === 'creating' ? 'creating' : healthy ? 'up' : 'degraded',
    startedAt: state.startedAt,
    cni: top.profile.mode,
    crossNode: method,
    podMTU: top.profile.podMTU,
    nodes,
    pods,
    leftovers,
    ...(ks ? { components: ks.components, ...(ks.hostLink ? { hostLink: ks.hostLink } : {}) } : {}),
  };
}
