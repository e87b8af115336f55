/**
 * "Can A reach B on port/protocol?": endpoint references resolved against the cluster, a Service
 * ClusterIP judged per ready backend after DNAT (backend pod and targetPort), each hop decided by
 * decide(). Allowed means every backend the connection may land on admits it.
 */
import type { Protocol } from '../../api/types.ts';
import type { ClusterView } from '../../cluster/view.ts';
import { decide, type Decision } from './decide.ts';
import { podEndpoint, resolveEndpointRef, summarizeEndpoint, type EndpointSummary, type FlowEndpoint } from './endpoint.ts';
import { PolicyIndex } from './policy-index.ts';
import { serviceBackends } from './service-backends.ts';

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
  const hop = (dst: FlowEndpoint, port: number): ReachHop => ({ to: summarizeEndpoint(dst), port, decision: decide(index, { src, dst, port, protocol }) });

  if ('endpoint' in dstRef) {
    const h = hop(dstRef.endpoint, q.port);
    return { from: summarizeEndpoint(src), to: h.to, port: q.port, protocol, allowed: h.decision.allowed, hops: [h], notes: h.decision.notes };
  }
  const { namespace, name, ip } = dstRef.service;
  const svc = view.service(namespace, name)!;
  const sb = serviceBackends(view, svc, q.port, protocol);
  const hops: ReachHop[] = [];
  if (!sb.servicePort) notes.push(`Service ${sb.service} has no port ${q.port}/${protocol}: the connection is rejected`);
  else if (!sb.backends.length) notes.push(`Service ${sb.service} port ${q.port}/${protocol} has no ready endpoints: the connection is rejected`);
  else {
    notes.push(`Service ${sb.service}: judged per backend after DNAT (backend pod and targetPort)`);
    for (const b of sb.backends) {
      const pod = view.podsByIPAddress(b.ip)[0];
      hops.push(hop(pod ? podEndpoint(view, pod, b.ip) : { kind: 'external', ip: b.ip }, b.port));
    }
  }
  for (const h of hops) for (const n of h.decision.notes) if (!notes.includes(n)) notes.push(n);
  const denied = hops.filter((h) => !h.decision.allowed).length;
  if (hops.length && denied && denied < hops.length) notes.push(`${denied} of ${hops.length} backends deny the flow: some connections fail`);
  return {
    from: summarizeEndpoint(src),
    to: { kind: 'service', name: sb.service, ip },
    port: q.port,
    protocol,
    allowed: hops.length > 0 && denied === 0,
    service: { name: sb.service, port: sb.servicePort ? `${sb.servicePort.name || '(unnamed)'} ${q.port}/${protocol}` : null, backends: sb.backends.length },
    hops,
    notes,
  };
}
