/**
 * Who sends the packet, for decide() callers (CLI, verify): a Pod (`ns/pod`), a node (`node/NAME`)
 * or a bare IP, resolved to the source address and the node whose kube-proxy rules see the packet
 * first (the Pod's node, the node itself, or one named explicitly).
 */
import { isIP } from '../../api/cidr.ts';
import type { ClusterView } from '../../cluster/view.ts';
import { podIPs } from '../../cluster/view.ts';

export class ProxyClientError extends Error {
  constructor(readonly field: string, message: string) {
    super(message);
    this.name = 'ProxyClientError';
  }
}

export interface ProxyClient {
  src: string;
  node: string;
  /** `ns/pod`, `node/NAME` or the IP, for display. */
  name: string;
}

/**
 * `from`: `ns/pod`, `node/NAME` or an IP; `node` overrides the node (required for an IP that is
 * neither a Pod's nor a node's).
 */
export function resolveProxyClient(view: ClusterView, from: string, node?: string): ProxyClient {
  if (node !== undefined && !view.node(node)) throw new ProxyClientError('node', `node ${JSON.stringify(node)} not found (nodes: ${view.nodes.map((n) => n.metadata.name).join(', ') || 'none'})`);
  if (from.startsWith('node/')) {
    const n = view.node(from.slice(5));
    if (!n) throw new ProxyClientError('from', `node ${JSON.stringify(from.slice(5))} not found`);
    const ip = view.nodeInternalIP(n);
    if (!ip) throw new ProxyClientError('from', `node ${n.metadata.name} has no InternalIP address`);
    return { src: ip, node: node ?? n.metadata.name, name: from };
  }
  if (isIP(from)) {
    const pod = view.podsByIPAddress(from)[0];
    const owner = pod?.spec.nodeName ?? view.nodeByIP(from)?.metadata.name;
    const chosen = node ?? owner;
    if (!chosen) throw new ProxyClientError('node', `${from} is neither a Pod's nor a node's IP: name the node whose kube-proxy sees the packet`);
    return { src: from, node: chosen, name: from };
  }
  const parts = from.split('/');
  if (parts.length !== 2 || !parts[0] || !parts[1]) throw new ProxyClientError('from', `must be ns/pod, node/NAME or an IP address, got ${JSON.stringify(from)}`);
  const pod = view.pod(parts[0], parts[1]);
  if (!pod) throw new ProxyClientError('from', `pod ${from} not found`);
  const nodeName = node ?? pod.spec.nodeName;
  if (!nodeName) throw new ProxyClientError('from', `pod ${from} is not scheduled to a node`);
  // A host-network pod sends from its node's address.
  const hostNode = pod.spec.hostNetwork && pod.spec.nodeName ? view.node(pod.spec.nodeName) : undefined;
  const src = pod.spec.hostNetwork ? (hostNode ? view.nodeInternalIP(hostNode) : undefined) : podIPs(pod).find((ip) => !ip.includes(':'));
  if (!src) throw new ProxyClientError('from', `pod ${from} has no IPv4 address yet`);
  return { src, node: nodeName, name: from };
}
