/**
 * One flow with real packets (`podnet verify --real` reach checks): the source's namespace (a pod,
 * a node — hostNetwork pods are their node —, or the underlay for its own address), the destination
 * address as the model resolves it (pod IP, node IP, Service or any IP), several attempts to a
 * Service address (kube-proxy picks a backend at random; allowed means every attempt got through).
 */
import type { Protocol } from '../../api/types.ts';
import type { ClusterView } from '../../cluster/view.ts';
import { EndpointRefError, resolveEndpointRef, type FlowEndpoint } from '../../model/policy/index.ts';
import type { DataplaneState } from '../state.ts';
import { probeFrom, reachedDestination, type ProbeOutcome } from './probe.ts';

export interface RealReachQuery {
  from: string;
  to: string;
  port: number;
  protocol: Protocol;
}

export interface RealReachResult {
  allowed: boolean;
  /** Why the flow could not be tried at all (then `allowed` is false and `outcomes` empty). */
  unsupported?: string;
  outcomes: ProbeOutcome[];
  message: string;
}

/** Attempts to a Service address: enough that a denying backend among a few is hit with high probability. */
export const SERVICE_ATTEMPTS = 8;

function sourceNetns(state: DataplaneState, e: FlowEndpoint): string | undefined {
  const top = state.topology;
  if (e.kind === 'pod') return top.pods.find((p) => p.namespace === e.namespace && p.name === e.pod.metadata.name)?.netns;
  if (e.kind === 'node') return top.nodes.find((n) => n.name === e.name)?.netns;
  return e.ip === top.underlay.ip ? top.underlay.netns : undefined;
}

const describe = (o: ProbeOutcome): string => `${o.result}${o.error ? ` ${o.error}` : ''}${o.reply ? ` "${o.reply}"` : ''}`;

export async function probeReach(state: DataplaneState, view: ClusterView, q: RealReachQuery, timeoutMs = 1000): Promise<RealReachResult> {
  const fail = (why: string): RealReachResult => ({ allowed: false, unsupported: why, outcomes: [], message: why });
  if (q.protocol === 'SCTP') return fail('SCTP is not probed (the test servers speak TCP and UDP)');
  let src: FlowEndpoint;
  let dst: ReturnType<typeof resolveEndpointRef>;
  try {
    const s = resolveEndpointRef(view, q.from, false);
    if (!('endpoint' in s)) return fail(`${q.from} cannot be a source`);
    src = s.endpoint;
    dst = resolveEndpointRef(view, q.to, true);
  } catch (err) {
    if (err instanceof EndpointRefError) return fail(err.message);
    throw err;
  }
  const netns = sourceNetns(state, src);
  if (!netns) return fail(`${q.from} has no network namespace in the dataplane (only pods, nodes and the underlay address ${state.topology.underlay.ip} can send)`);
  const service = 'service' in dst;
  const ip = 'service' in dst ? dst.service.ip : dst.endpoint.ip;
  if (!ip) return fail(`${q.to} has no IP address`);
  const attempts = service ? SERVICE_ATTEMPTS : 1;
  const targets = Array.from({ length: attempts }, () => ({ ip, port: q.port, protocol: q.protocol as 'TCP' | 'UDP' }));
  // One at a time: each attempt is a new connection (new source port), so kube-proxy picks afresh.
  const outcomes = await probeFrom(netns, targets, { timeoutMs, concurrency: 1 });
  // Through a Service, a refusal is kube-proxy's reject (no endpoints), not a backend: only a connection counts.
  const through = outcomes.filter((o) => (service ? o.result === 'connected' : reachedDestination(o)));
  const allowed = through.length === outcomes.length;
  const replies = [...new Set(outcomes.map(describe))].join(', ');
  return { allowed, outcomes, message: `${q.from} -> ${q.to} ${q.port}/${q.protocol} with packets: ${allowed ? 'allowed' : 'blocked'} (${attempts > 1 ? `${through.length}/${attempts} attempts through; ` : ''}${replies})` };
}
