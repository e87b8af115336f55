/**
 * Stale UDP conntrack entries after an endpoint change (kube-proxy's conntrack cleanup): UDP has no
 * connection to end, so an entry DNATed to a removed endpoint keeps sending a client's datagrams
 * (fixed source port: DNS resolvers) to it until it times out (30 s, 120 s once a stream). Measured
 * in shared/notes/dataplane-linux.md §6. Pure: from two plans, the `conntrack -D` argument lists.
 */
import type { ProxyNodePlan, ServicePortPlan } from '../../model/service/index.ts';

const udpPorts = (plan: ProxyNodePlan | undefined): Map<string, ServicePortPlan> =>
  new Map((plan?.servicePorts ?? []).filter((sp) => sp.name.protocol === 'UDP').map((sp) => [sp.key, sp]));

/** Addresses a client may have sent to for the port (ClusterIP, externalIPs, LoadBalancer IPs). */
const serviceAddresses = (sp: ServicePortPlan): string[] => [sp.clusterIP, ...sp.externalIPs, ...sp.loadBalancerIPs];

/**
 * `conntrack -D` argument lists for the change `prev` → `next`:
 * - an endpoint no longer reachable: entries to the Service (address and port, or its NodePort)
 *   whose reply comes from that endpoint;
 * - a port that had no endpoints and now has some: entries to its addresses, which were never
 *   DNATed (the rejects of the empty Service) and would keep bypassing the new endpoints.
 */
export function staleUDPFlows(prev: ProxyNodePlan | undefined, next: ProxyNodePlan): string[][] {
  const before = udpPorts(prev);
  const after = udpPorts(next);
  const out: string[][] = [];
  for (const [key, old] of before) {
    const now = after.get(key);
    const kept = new Set((now?.allReachableEndpoints ?? []).map((ep) => ep.key));
    for (const ep of old.allReachableEndpoints) {
      if (kept.has(ep.key)) continue;
      for (const addr of serviceAddresses(old)) out.push(['-p', 'udp', '--orig-dst', addr, '--dport', String(old.port), '--reply-src', ep.ip]);
      if (old.nodePort) out.push(['-p', 'udp', '--dport', String(old.nodePort), '--reply-src', ep.ip]);
    }
  }
  for (const [key, sp] of after) {
    const old = before.get(key);
    if (!sp.allReachableEndpoints.length || (old && old.allReachableEndpoints.length)) continue;
    if (!old) continue; // a new port had no entries to go stale
    for (const addr of serviceAddresses(sp)) out.push(['-p', 'udp', '--orig-dst', addr, '--dport', String(sp.port)]);
    if (sp.nodePort) out.push(['-p', 'udp', '--dport', String(sp.nodePort)]);
  }
  return out;
}
