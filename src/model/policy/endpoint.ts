/**
 * The two ends of a flow as policy sees them: a pod (selectors and ipBlock apply), a node (its
 * address only; hostNetwork pods count as their node), or an address outside the cluster.
 */
import { isIP } from '../../api/cidr.ts';
import type { Node, Pod } from '../../api/types.ts';
import { podIPs, type ClusterView } from '../../cluster/view.ts';

export type FlowEndpoint =
  | { kind: 'pod'; pod: Pod; namespace: string; ref: string; ip?: string }
  | { kind: 'node'; name: string; node?: Node; ip?: string; /** the hostNetwork pod this stands for */ viaPod?: string }
  | { kind: 'external'; ip: string };

/** What a person reads: `x/a`, `node/node-1`, `203.0.113.9`. */
export function endpointLabel(e: FlowEndpoint): string {
  switch (e.kind) {
    case 'pod':
      return e.ref;
    case 'node':
      return e.viaPod ? `${e.viaPod} (hostNetwork on node/${e.name})` : `node/${e.name}`;
    case 'external':
      return e.ip;
  }
}

export interface EndpointSummary {
  kind: FlowEndpoint['kind'];
  name: string;
  ip: string | null;
}

export function summarizeEndpoint(e: FlowEndpoint): EndpointSummary {
  return { kind: e.kind, name: endpointLabel(e), ip: e.ip ?? null };
}

/** A pod as an endpoint; a hostNetwork pod stands for its node. */
export function podEndpoint(view: ClusterView, pod: Pod, ip?: string): FlowEndpoint {
  const namespace = pod.metadata.namespace ?? 'default';
  const ref = `${namespace}/${pod.metadata.name}`;
  const address = ip ?? podIPs(pod)[0];
  if (pod.spec.hostNetwork) {
    const nodeName = pod.spec.nodeName ?? '';
    const node = nodeName ? view.node(nodeName) : undefined;
    return { kind: 'node', name: nodeName, node, ip: address ?? (node ? view.nodeInternalIP(node) : undefined), viaPod: ref };
  }
  return { kind: 'pod', pod, namespace, ref, ...(address ? { ip: address } : {}) };
}

export function nodeEndpoint(view: ClusterView, node: Node, ip?: string): FlowEndpoint {
  return { kind: 'node', name: node.metadata.name, node, ip: ip ?? view.nodeInternalIP(node) };
}

/** Bad endpoint reference: bad input, the caller maps it to its own error type. */
export class EndpointRefError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EndpointRefError';
  }
}

export type ResolvedRef = { endpoint: FlowEndpoint } | { service: { namespace: string; name: string; ip: string } };

/**
 * `ns/pod`, `node/NAME` or an IP literal (a pod IP → that pod, a node IP → that node, a Service
 * ClusterIP → that Service when `allowService`, anything else → external).
 */
export function resolveEndpointRef(view: ClusterView, text: string, allowService: boolean): ResolvedRef {
  if (isIP(text)) {
    const pods = view.podsByIPAddress(text);
    if (pods.length) return { endpoint: podEndpoint(view, pods[0], text) };
    const node = view.nodeByIP(text);
    if (node) return { endpoint: nodeEndpoint(view, node, text) };
    const svc = view.serviceByClusterIP(text);
    if (svc) {
      if (!allowService) throw new EndpointRefError(`${text} is the ClusterIP of Service ${svc.metadata.namespace}/${svc.metadata.name}: a Service cannot be a source`);
      return { service: { namespace: svc.metadata.namespace ?? 'default', name: svc.metadata.name, ip: text } };
    }
    return { endpoint: { kind: 'external', ip: text } };
  }
  const parts = text.split('/');
  if (parts.length !== 2 || !parts[0] || !parts[1]) throw new EndpointRefError(`${JSON.stringify(text)}: expected ns/pod, node/NAME or an IP address`);
  if (parts[0] === 'node') {
    const node = view.node(parts[1]);
    if (!node) throw new EndpointRefError(`node ${JSON.stringify(parts[1])} not found`);
    return { endpoint: nodeEndpoint(view, node) };
  }
  const pod = view.pod(parts[0], parts[1]);
  if (!pod) throw new EndpointRefError(`pod ${parts[0]}/${parts[1]} not found`);
  return { endpoint: podEndpoint(view, pod) };
}
