/**
 * The shape of a trace: hops a person can follow from the client to the process that should answer,
 * each saying where the packet (or query) is, what happens there, and whether it gets past.
 */
import type { Protocol } from '../../api/types.ts';
import type { Libc } from '../dns/index.ts';

/** What a hop stands for, in the order a flow meets them. */
export type TraceStep =
  | 'source'
  | 'resolv.conf'
  | 'dns'
  | 'ingress-route'
  | 'service'
  | 'kube-proxy'
  | 'egress-policy'
  | 'route'
  | 'mtu'
  | 'ingress-policy'
  | 'port';

export interface TraceHop {
  step: TraceStep;
  /** `pod shop/web-1`, `node node-1 cali1234`, `10.96.0.10 (cluster DNS)`. */
  where: string;
  detail: string;
  ok: boolean;
  /** Why the flow stops here (only on the failing hop). */
  reason?: string;
  /** What to change so it gets past (only on the failing hop, when one is known). */
  fix?: string;
  /** Something that works but is worth knowing (an undeclared port, a policy the CNI ignores). */
  warning?: string;
}

/**
 * The outcome: `delivered`, or why not — denied by NetworkPolicy, rejected (ICMP unreachable /
 * "connection refused") or dropped (timeout) by kube-proxy, no L3 path, the name did not resolve, no
 * Ingress/Gateway rule took the request, or the packet is too big for the path (`--size`).
 */
export type TraceVerdict = 'delivered' | 'denied' | 'rejected' | 'dropped' | 'unreachable' | 'unresolved' | 'not-routed' | 'too-big';

export interface TraceQuery {
  /** `ns/pod`, `ns/deployment/NAME` (also statefulset, daemonset), `node/NAME` or an IP. */
  from: string;
  /** `ns/pod`, `node/NAME`, an IP, a DNS name or an http(s) URL. */
  to: string;
  /** Destination port; default: the only port of the Service or pod, the URL's port. */
  port?: number;
  protocol?: Protocol;
  /** IP packet size in bytes: reports MTU problems on the path. */
  size?: number;
  /** The client's stub resolver (DNS names). */
  libc?: Libc;
}

export interface TraceResult {
  from: string;
  to: string;
  /** The port the client connects to (before any DNAT). */
  port: number;
  protocol: Protocol;
  verdict: TraceVerdict;
  hops: TraceHop[];
  /** Index in hops of the first failing hop. */
  failedHop?: number;
  reason?: string;
  fix?: string;
  notes: string[];
}

/** A reference the trace cannot use (unknown pod, malformed URL, missing port): bad input. */
export class TraceInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TraceInputError';
  }
}
