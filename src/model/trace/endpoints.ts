/**
 * The ends of a traced flow. One endpoint carries the three views the models need of it: policy's
 * FlowEndpoint (selectors, ipBlocks), the CNI's NetEndpoint (which node, which veth) and its IP.
 */
import { isIP } from '../../api/cidr.ts';
import type { KObject, LabelSelector, Node, Pod } from '../../api/types.ts';
import { fromLabelSelector } from '../../api/selector.ts';
import { podIPs, type ClusterView } from '../../cluster/view.ts';
import type { NetEndpoint } from '../cni/index.ts';
import { nodeEndpoint, podEndpoint, type FlowEndpoint } from '../policy/index.ts';
import { TraceInputError } from './types.ts';

export interface TraceEndpoint {
  /** What a person reads: `pod shop/web-1`, `node node-1`, `external 203.0.113.9`. */
  label: string;
  ip: string;
  policy: FlowEndpoint;
  net: NetEndpoint;
  pod?: Pod;
  /** The node the endpoint is on (its own node for node endpoints and hostNetwork pods). */
  node?: Node;
}

export function podTraceEndpoint(view: ClusterView, pod: Pod, ip?: string): TraceEndpoint | undefined {
  const address = ip ?? podIPs(pod)[0];
  if (!address) return undefined;
  const node = pod.spec.nodeName ? view.node(pod.spec.nodeName) : undefined;
  const label = `pod ${pod.metadata.namespace ?? 'default'}/${pod.metadata.name}`;
  const net: NetEndpoint = pod.spec.hostNetwork && node ? { kind: 'node', node, ip: address } : { kind: 'pod', pod, ip: address };
  return { label, ip: address, policy: podEndpoint(view, pod, address), net, pod, ...(node ? { node } : {}) };
}

export function nodeTraceEndpoint(view: ClusterView, node: Node, ip?: string): TraceEndpoint | undefined {
  const address = ip ?? view.nodeInternalIP(node);
  if (!address) return undefined;
  return { label: `node ${node.metadata.name}`, ip: address, policy: nodeEndpoint(view, node, address), net: { kind: 'node', node, ip: address }, node };
}

export function externalTraceEndpoint(ip: string): TraceEndpoint {
  return { label: `external ${ip}`, ip, policy: { kind: 'external', ip }, net: { kind: 'external', ip } };
}

/** The endpoint behind an address: a pod, a node, or something outside the cluster. */
export function endpointForIP(view: ClusterView, ip: string): TraceEndpoint {
  const pod = view.podsByIPAddress(ip)[0];
  if (pod) return podTraceEndpoint(view, pod, ip) as TraceEndpoint;
  const node = view.nodeByIP(ip);
  if (node) return nodeTraceEndpoint(view, node, ip) as TraceEndpoint;
  return externalTraceEndpoint(ip);
}

const WORKLOAD_KINDS: Record<string, 'Deployment' | 'StatefulSet' | 'DaemonSet' | 'ReplicaSet'> = {
  deployment: 'Deployment', deploy: 'Deployment', deployments: 'Deployment',
  statefulset: 'StatefulSet', sts: 'StatefulSet', statefulsets: 'StatefulSet',
  daemonset: 'DaemonSet', ds: 'DaemonSet', daemonsets: 'DaemonSet',
  replicaset: 'ReplicaSet', rs: 'ReplicaSet', replicasets: 'ReplicaSet',
};

/**
 * A pod by reference: `ns/pod`, or `ns/KIND/NAME` for a workload, which stands for its first pod by
 * name (as `kubectl exec deploy/NAME` picks one), preferring running pods with an IP.
 */
export function resolvePodRef(view: ClusterView, text: string): Pod | undefined {
  const parts = text.split('/');
  if (parts.length === 2) return view.pod(parts[0], parts[1]) ?? undefined;
  if (parts.length !== 3) return undefined;
  const [ns, kindText, name] = parts;
  const kind = WORKLOAD_KINDS[kindText.toLowerCase()];
  if (!kind) throw new TraceInputError(`${JSON.stringify(text)}: ${JSON.stringify(kindText)} is not a workload kind (deployment, statefulset, daemonset, replicaset)`);
  const workload = view.get<KObject & { spec?: { selector?: LabelSelector } }>(kind, ns, name);
  if (!workload) throw new TraceInputError(`${kind.toLowerCase()} ${ns}/${name} not found`);
  const selector = fromLabelSelector(workload.spec?.selector);
  const pods = view.podsInNamespace(ns).filter((p) => selector.matches(p.metadata.labels));
  if (!pods.length) throw new TraceInputError(`${kind.toLowerCase()} ${ns}/${name} has no pods`);
  return pods.find((p) => p.status?.phase === 'Running' && podIPs(p).length) ?? pods[0];
}

/** The client of a trace: a pod (or workload), a node, or an IP (pod, node or external). */
export function resolveSource(view: ClusterView, text: string): TraceEndpoint {
  if (isIP(text)) {
    if (view.serviceByClusterIP(text)) throw new TraceInputError(`${text} is a Service ClusterIP: a Service cannot be a source`);
    return endpointForIP(view, text);
  }
  const parts = text.split('/');
  if (parts.length < 2 || parts.some((p) => !p)) throw new TraceInputError(`--from ${JSON.stringify(text)}: expected ns/pod, ns/deployment/NAME, node/NAME or an IP address`);
  if (parts[0] === 'node' && parts.length === 2) {
    const node = view.node(parts[1]);
    if (!node) throw new TraceInputError(`node ${JSON.stringify(parts[1])} not found`);
    const ep = nodeTraceEndpoint(view, node);
    if (!ep) throw new TraceInputError(`node ${parts[1]} has no InternalIP`);
    return ep;
  }
  const pod = resolvePodRef(view, text);
  if (!pod) throw new TraceInputError(`pod ${text} not found`);
  const ep = podTraceEndpoint(view, pod);
  if (!ep) throw new TraceInputError(`pod ${pod.metadata.namespace}/${pod.metadata.name} has no IP yet (phase ${pod.status?.phase ?? 'Pending'}): it cannot send traffic`);
  return ep;
}
