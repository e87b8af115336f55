/**
 * The host's way into the cluster: one veth from the host namespace into the underlay bridge, as a
 * client machine on the nodes' L2 network. The host end (`<prefix>-ul`) gets the highest free
 * address of nodeNetwork (so node InternalIPs and NodePorts are on-link) and a route for
 * loadBalancerPool spread over the nodes (ECMP, as a router in front of MetalLB's BGP mode);
 * LoadBalancer IPs of `externalTrafficPolicy: Local` Services get a /32 over the nodes with a local
 * ready endpoint, as a load balancer following kube-proxy's health checks would. Deleting the link
 * takes its address and routes, so `down` removes all of it by name. Nothing is set up when a host
 * route already covers those networks (another run, or the machine's own networks).
 * The functions take the host's network namespace as a path (`hostNetns`) for callers that run
 * elsewhere (the host-link sync lives in the underlay namespace); without it, the caller's own.
 */
import { createHash } from 'node:crypto';
import { formatIP, parseCIDR } from '../../api/cidr.ts';
import type { ClusterView } from '../../cluster/view.ts';
import { ipBatch } from '../netns.ts';
import type { Topology } from '../plan.ts';
import { must, run, type RunOptions, type RunResult } from '../run.ts';

/** A command in the host's namespace: `hostNetns` is a path to it (e.g. /proc/PID/fd/N), or the caller's own. */
function hostRun(hostNetns: string | undefined, cmd: string, args: readonly string[], opts?: RunOptions): Promise<RunResult> {
  return hostNetns ? run('nsenter', [`--net=${hostNetns}`, '--', cmd, ...args], opts) : run(cmd, args, opts);
}

async function hostMust(hostNetns: string | undefined, cmd: string, args: readonly string[], opts?: RunOptions): Promise<string> {
  if (!hostNetns) return must(cmd, args, opts);
  return must('nsenter', [`--net=${hostNetns}`, '--', cmd, ...args], opts);
}

async function hostIPBatch(hostNetns: string | undefined, lines: readonly string[]): Promise<void> {
  if (!hostNetns) return ipBatch(undefined, lines);
  if (lines.length) await hostMust(hostNetns, 'ip', ['-batch', '-'], { input: `${lines.join('\n')}\n` });
}

/** The underlay side of the link, a port of the underlay bridge. */
export const HOST_PEER = 'host0';
const IFNAMSIZ = 15;

/** `<prefix>-ul`, or a hash-shortened form for prefixes too long for an interface name; derived from the prefix alone so `down` finds it. */
export function hostLinkName(prefix: string): string {
  const name = `${prefix}-ul`;
  if (name.length <= IFNAMSIZ) return name;
  return `${prefix.slice(0, 6)}${createHash('sha256').update(prefix).digest('hex').slice(0, 6)}-ul`;
}

export interface HostRoute {
  dst: string;
  /** Node InternalIPs (ECMP when several). */
  via: string[];
}

export interface HostLinkPlan {
  link: string;
  address: string;
  prefixLength: number;
  nodeNetwork: string;
  routes: HostRoute[];
}

/** Whether something in the cluster is meant to be reached from outside: the host link exists only then. */
export function needsHostLink(view: ClusterView): boolean {
  return view.services.some((s) => s.spec.type === 'LoadBalancer' || s.spec.type === 'NodePort');
}

export function planHostLink(top: Topology, view: ClusterView): HostLinkPlan | undefined {
  const net = parseCIDR(view.config.nodeNetwork);
  if (!net || net.family !== 4 || net.prefix > 30 || !top.nodes.length) return undefined;
  const used = new Set([top.underlay.ip, ...top.nodes.map((n) => n.internalIP)]);
  let address: string | undefined;
  for (let a = net.last - 1n; a > net.network; a--) {
    const ip = formatIP(4, a);
    if (!used.has(ip)) {
      address = ip;
      break;
    }
  }
  if (!address) return undefined;
  const nodeIPs = top.nodes.map((n) => n.internalIP);
  const routes: HostRoute[] = [];
  const pool = view.config.loadBalancerPool ? parseCIDR(view.config.loadBalancerPool) : undefined;
  if (pool?.family === 4) {
    routes.push({ dst: `${formatIP(4, pool.network)}/${pool.prefix}`, via: nodeIPs });
    const ipOfNode = new Map(top.nodes.map((n) => [n.name, n.internalIP]));
    for (const svc of view.services) {
      if (svc.spec.type !== 'LoadBalancer' || svc.spec.externalTrafficPolicy !== 'Local') continue;
      const local = new Set<string>();
      for (const es of view.slicesForService(svc.metadata.namespace ?? 'default', svc.metadata.name)) {
        for (const ep of es.endpoints ?? []) {
          const ip = ep.nodeName ? ipOfNode.get(ep.nodeName) : undefined;
          if (ip && ep.conditions?.ready !== false) local.add(ip);
        }
      }
      if (!local.size) continue;
      for (const ing of svc.status?.loadBalancer?.ingress ?? []) {
        if (ing.ip && pool.contains(ing.ip)) routes.push({ dst: `${ing.ip}/32`, via: nodeIPs.filter((ip) => local.has(ip)) });
      }
    }
  }
  return { link: hostLinkName(top.prefix), address, prefixLength: net.prefix, nodeNetwork: view.config.nodeNetwork, routes };
}

function routeLine(r: HostRoute, link: string): string {
  if (r.via.length === 1) return `route add ${r.dst} via ${r.via[0]} dev ${link}`;
  return `route add ${r.dst} ${r.via.map((v) => `nexthop via ${v} dev ${link}`).join(' ')}`;
}

/** Host routes (main table) that overlap the networks the link would claim, other than the link's own. */
async function conflictingRoutes(plan: HostLinkPlan, hostNetns?: string): Promise<string[]> {
  const r = await hostRun(hostNetns, 'ip', ['-4', '-json', 'route', 'show', 'table', 'main']);
  if (r.code !== 0) return [];
  const claimed = [plan.nodeNetwork, ...plan.routes.map((x) => x.dst)].map((c) => parseCIDR(c)).filter((c) => c !== undefined);
  const out: string[] = [];
  for (const route of JSON.parse(r.stdout || '[]') as { dst: string; dev?: string }[]) {
    if (route.dst === 'default' || route.dev === plan.link) continue;
    const dst = parseCIDR(route.dst.includes('/') ? route.dst : `${route.dst}/32`);
    if (dst && claimed.some((c) => c.overlaps(dst))) out.push(`${route.dst}${route.dev ? ` dev ${route.dev}` : ''}`);
  }
  return out;
}

export async function deleteHostLink(prefix: string, hostNetns?: string): Promise<boolean> {
  const r = await hostRun(hostNetns, 'ip', ['link', 'del', hostLinkName(prefix)]);
  return r.code === 0;
}

/** Creates the link and its routes; returns why it was not set up, or undefined when it was. */
export async function setUpHostLink(plan: HostLinkPlan, top: Topology, hostNetns?: string): Promise<string | undefined> {
  await deleteHostLink(top.prefix, hostNetns); // a leftover of a crashed run with this prefix
  const conflicts = await conflictingRoutes(plan, hostNetns);
  if (conflicts.length) return `host routes ${conflicts.join(', ')} overlap nodeNetwork ${plan.nodeNetwork} or loadBalancerPool; the host link ${plan.link} is not set up (use other networks in the ClusterConfig to reach this cluster from the host)`;
  await hostMust(hostNetns, 'ip', ['link', 'add', plan.link, 'type', 'veth', 'peer', 'name', HOST_PEER, 'netns', top.underlay.netns]);
  try {
    await ipBatch(top.underlay.netns, [`link set ${HOST_PEER} master ${top.underlay.bridge} up`]);
    // No IPv6 on the host end: it would only add link-local noise to the host.
    await hostRun(hostNetns, 'sysctl', ['-qw', `net.ipv6.conf.${plan.link}.disable_ipv6=1`]);
    await hostIPBatch(hostNetns, [`addr add ${plan.address}/${plan.prefixLength} dev ${plan.link}`, `link set ${plan.link} up`, ...plan.routes.map((r) => routeLine(r, plan.link))]);
  } catch (err) {
    await deleteHostLink(top.prefix, hostNetns);
    return `the host link ${plan.link} could not be set up: ${err instanceof Error ? err.message : String(err)}`;
  }
  return undefined;
}

/**
 * Moves an existing link's routes from `from` to `to` (same link and address): a changed route is
 * replaced in place, one no longer wanted deleted. Throws when a route is refused (e.g. it now
 * overlaps a host route); the caller then rebuilds the link.
 */
export async function updateHostRoutes(from: HostLinkPlan, to: HostLinkPlan, hostNetns?: string): Promise<void> {
  const want = new Map(to.routes.map((r) => [r.dst, r]));
  const lines: string[] = [];
  for (const r of from.routes) if (!want.has(r.dst)) lines.push(`route del ${r.dst} dev ${to.link}`);
  const had = new Map(from.routes.map((r) => [r.dst, r]));
  for (const r of to.routes) {
    if (had.get(r.dst)?.via.join() === r.via.join()) continue;
    lines.push(routeLine(r, to.link).replace(/^route add /, 'route replace '));
  }
  await hostIPBatch(hostNetns, lines);
}
