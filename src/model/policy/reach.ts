/**
 * "Can A reach B on port/protocol?": endpoint references resolved against the cluster, a Service
 * address judged per backend after kube-proxy's DNAT (backend pod and targetPort, masquerade
 * included), each hop decided by decide(). Allowed means every backend the connection may land on admits it.
 */
import type { Protocol } from '../../api/types.ts';
import type { ClusterView } from '../../cluster/view.ts';
import { decide, type Decision } from './decide.ts';
import { nodeEndpoint, podEndpoint, resolveEndpointRef, summarizeEndpoint, type EndpointSummary, type FlowEndpoint } from './endpoint.ts';
import { PolicyIndex } from './policy-index.ts';
import { resolveServiceDestination } from '../service/index.ts';

export interface ReachQuery {
  from: string;
  to: string;
  port: number;
  protocol?: Protocol;
}

export interface ReachHop {
  to: EndpointSummary;
  port: number;
  decision: Decision;
}

export interface ReachResult {
  from: EndpointSummary;
  to: EndpointSummary | { kind: 'service'; name: string; ip: string };
  port: number;
  protocol: Protocol;
  allowed: boolean;
  /** Set when `to` is a Service ClusterIP: the port matched and its backends. */
  service?: { name: string; port: string | null; backends: number };
  /** One per destination actually judged (the pod, or each Service backend). */
  hops: ReachHop[];
  notes: string[];
}

export function reach(view: ClusterView, q: ReachQuery, index: PolicyIndex = new PolicyIndex(view)): ReachResult {
  const protocol = q.protocol ?? 'TCP';
  const srcRef = resolveEndpointRef(view, q.from, false);
  if (!('endpoint' in srcRef)) throw new Error('unreachable: a source is never a Service');
  const src = srcRef.endpoint;
  const dstRef = resolveEndpointRef(view, q.to, true);
  const notes: string[] = [];
  const hop = (from: FlowEndpoint, dst: FlowEndpoint, port: number): ReachHop => ({ to: summarizeEndpoint(dst), port, decision: decide(index, { src: from, dst, port, protocol }) });

  const dstIP = 'service' in dstRef ? dstRef.service.ip : dstRef.endpoint.kind === 'pod' ? undefined : dstRef.endpoint.ip;
  // A Service address (ClusterIP, NodePort on a node, LoadBalancer or external IP) is judged after
  // kube-proxy's DNAT, per backend, with the source the backend sees (the node's IP when masqueraded).
  const dest = dstIP && src.ip ? resolveServiceDestination(view, { ip: dstIP, port: q.port, protocol }, { srcIP: src.ip }) : undefined;
  if (!dest) {
    if ('endpoint' in dstRef) {
      const h = hop(src, dstRef.endpoint, q.port);
      return { from: summarizeEndpoint(src), to: h.to, port: q.port, protocol, allowed: h.decision.allowed, hops: [h], notes: h.decision.notes };
    }
    const ref = `${dstRef.service.namespace}/${dstRef.service.name}`;
    notes.push(`Service ${ref} has no port ${q.port}/${protocol}: the connection is rejected`);
    return { from: summarizeEndpoint(src), to: { kind: 'service', name: ref, ip: dstRef.service.ip }, port: q.port, protocol, allowed: false, service: { name: ref, port: null, backends: 0 }, hops: [], notes };
  }
  const ref = `${dest.service.namespace}/${dest.service.name}`;
  const hops: ReachHop[] = [];
  if (dest.verdict !== 'dnat') notes.push(`Service ${ref} (${dest.servicePortName}): ${dest.decisions[0]?.reason ?? `the connection is ${dest.verdict === 'drop' ? 'dropped' : 'rejected'}`}`);
  else {
    notes.push(`Service ${ref}: judged per backend after DNAT (backend pod and targetPort)`);
    for (const b of dest.backends) {
      const pod = view.podsByIPAddress(b.ip)[0];
      const snatNode = b.masquerade ? dest.decisions.find((d) => d.backends.some((x) => x.ip === b.ip && x.port === b.port))?.node : undefined;
      const backend = pod ? podEndpoint(view, pod, b.ip) : { kind: 'external' as const, ip: b.ip };
      const seenSrc = snatNode && view.node(snatNode) ? nodeEndpoint(view, view.node(snatNode)!) : undefined;
      if (!seenSrc) {
        hops.push(hop(src, backend, b.port));
        continue;
      }
      // Masqueraded: the client's egress policy still judges the client; the backend's ingress policy sees the node.
      notes.push(`the backend ${b.ip}:${b.port} sees node/${snatNode} as the source (masqueraded)`);
      const out = hop(src, backend, b.port);
      const seen = hop(seenSrc, backend, b.port);
      const d = out.decision;
      const decision = { ...d, ingress: seen.decision.ingress, allowed: !d.enforced || (d.egress.allowed && seen.decision.ingress.allowed), notes: [...new Set([...d.notes, ...seen.decision.notes])] };
      hops.push({ ...out, decision });
    }
  }
  for (const h of hops) for (const n of h.decision.notes) if (!notes.includes(n)) notes.push(n);
  const denied = hops.filter((h) => !h.decision.allowed).length;
  if (hops.length && denied && denied < hops.length) notes.push(`${denied} of ${hops.length} backends deny the flow: some connections fail`);
  return {
    from: summarizeEndpoint(src),
    to: { kind: 'service', name: ref, ip: dstIP! },
    port: q.port,
    protocol,
    allowed: hops.length > 0 && denied === 0,
    service: { name: ref, port: dest.servicePortName, backends: dest.backends.length },
    hops,
    notes,
  };
}
