/**
 * The per-node proxy plan: for one node and proxy mode, every proxied service port with its
 * endpoint sets and the decisions kube-proxy's syncProxyRules derives from them. decide() and every
 * renderer read this plan; none of them re-derives a decision from raw objects.
 */
import { parseCIDR, parseIP } from '../../api/cidr.ts';
import type { Node, Service } from '../../api/types.ts';
import type { ProxyMode } from '../../cluster/config.ts';
import type { ClusterView } from '../../cluster/view.ts';
import { servicePortEndpoints, type EndpointInfo } from './endpoints.ts';
import { servicePortInfo, skipReason, type ServicePortInfo } from './service-port.ts';
import { categorizeEndpoints, type CategorizedEndpoints } from './topology.ts';

export type { ProxyMode };

export const LABEL_TOPOLOGY_ZONE = 'topology.kubernetes.io/zone';

/** What the filter hooks do with traffic to an address of this port that the nat hook did not DNAT. */
export type NoEndpointVerdict = 'reject' | 'drop';

export interface ServicePortPlan extends ServicePortInfo {
  /** `ns/svc/proto/port`: unique per service port, the key plans are diffed by. */
  key: string;
  /** Every endpoint kube-proxy knows for the port (deduplicated, sorted). */
  endpoints: EndpointInfo[];
  clusterEndpoints: EndpointInfo[];
  localEndpoints: EndpointInfo[];
  allReachableEndpoints: EndpointInfo[];
  topologyMode: CategorizedEndpoints['topologyMode'];
  /** A usable endpoint exists on some node. */
  hasEndpoints: boolean;
  /** ClusterIP traffic has endpoints to go to (iTP Local: a local one). */
  hasInternalEndpoints: boolean;
  /** External traffic that is not short-circuited has endpoints (eTP Local: a local one). */
  hasExternalEndpoints: boolean;
  usesClusterChain: boolean;
  usesLocalChain: boolean;
  usesExternalChain: boolean;
  /** loadBalancerSourceRanges are enforced on the LB IPs. */
  usesFirewall: boolean;
  /** Verdict for ClusterIP traffic without internal endpoints. */
  internalFilter?: NoEndpointVerdict;
  /** Verdict for external-IP / LB-IP / NodePort traffic without external endpoints. */
  externalFilter?: NoEndpointVerdict;
  /** Distinct local ready endpoint IPs over the Service's ports: the healthCheckNodePort answer (0 without one). */
  healthCheckLocalEndpoints: number;
}

export interface ProxyNodePlan {
  mode: ProxyMode;
  node: string;
  zone?: string;
  /** The node's primary IPv4 address (first InternalIP, else ExternalIP): kube-proxy's --node-ip. */
  nodeIP?: string;
  /** Every IPv4 address the Node lists: with 127.0.0.0/8 what `fib saddr type local` matches. */
  nodeAddresses: string[];
  /** The local-traffic detector's cluster CIDR (ClusterConfig podCIDR); absent = no detector. */
  clusterCIDR?: string;
  serviceCIDRs: string[];
  masqueradeAll: boolean;
  /**
   * Addresses NodePorts answer on: iptables mode every local address including 127.0.0.1 (it sets
   * route_localnet); IPVS mode every node address; nftables mode the node's primary IP only.
   */
  nodePortAddresses: 'all-local' | 'node-addresses' | 'primary';
  servicePorts: ServicePortPlan[];
  /** Services kube-proxy ignores, and why. */
  skipped: SkippedService[];
}

export interface SkippedService {
  service: string;
  clusterIP?: string;
  reason: string;
}

export interface ProxyPlanOptions {
  mode?: ProxyMode;
  /** Restrict the plan to these Services (`ns/name`); default all. */
  services?: readonly string[];
}

/** The plan of `nodeName`'s kube-proxy, or undefined when the cluster has no such Node. */
export function buildProxyPlan(view: ClusterView, nodeName: string, options: ProxyPlanOptions = {}): ProxyNodePlan | undefined {
  const node = view.node(nodeName);
  if (!node) return undefined;
  const plan = nodeLevel(view, node, options.mode ?? view.config.proxyMode);
  const only = options.services ? new Set(options.services) : undefined;
  for (const svc of view.services) {
    if (only && !only.has(`${svc.metadata.namespace ?? 'default'}/${svc.metadata.name}`)) continue;
    const reason = skipReason(svc);
    if (reason) {
      plan.skipped.push(skipped(svc, reason));
      continue;
    }
    plan.servicePorts.push(...planService(view, plan, svc.metadata.namespace ?? 'default', svc.metadata.name));
  }
  plan.servicePorts.sort(byKey);
  return plan;
}

/**
 * The plan after `changed` Services (`ns/name`) or their EndpointSlices changed: their ports are
 * recomputed, every other port keeps its object from `prev` (renderers diff by identity), as
 * kube-proxy's change trackers limit a partial sync to updated Services.
 */
export function updateProxyPlan(prev: ProxyNodePlan, view: ClusterView, changed: Iterable<string>): ProxyNodePlan | undefined {
  const node = view.node(prev.node);
  if (!node) return undefined;
  const plan = nodeLevel(view, node, prev.mode);
  const changedSet = new Set(changed);
  plan.skipped = prev.skipped.filter((s) => !changedSet.has(s.service));
  plan.servicePorts = prev.servicePorts.filter((sp) => !changedSet.has(`${sp.name.namespace}/${sp.name.name}`));
  for (const ref of changedSet) {
    const [namespace, name] = ref.split('/');
    const svc = view.service(namespace, name);
    if (!svc) continue;
    const reason = skipReason(svc);
    if (reason) plan.skipped.push(skipped(svc, reason));
    // Keep the list sorted by inserting in place: O(changed × log n) compares, no full sort.
    else for (const sp of planService(view, plan, namespace, name)) plan.servicePorts.splice(insertionIndex(plan.servicePorts, sp.key), 0, sp);
  }
  plan.skipped.sort((a, b) => (a.service < b.service ? -1 : a.service > b.service ? 1 : 0));
  return plan;
}

function skipped(svc: Service, reason: string): SkippedService {
  const ip = svc.spec.clusterIP;
  return { service: `${svc.metadata.namespace ?? 'default'}/${svc.metadata.name}`, ...(ip && ip !== 'None' ? { clusterIP: ip } : {}), reason };
}

function insertionIndex(list: readonly ServicePortPlan[], key: string): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid].key < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function byKey(a: ServicePortPlan, b: ServicePortPlan): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

function nodeLevel(view: ClusterView, node: Node, mode: ProxyMode): ProxyNodePlan {
  const v4 = (type: string): string[] => (node.status?.addresses ?? []).filter((a) => a.type === type && parseIP(a.address)?.family === 4).map((a) => a.address);
  const internal = v4('InternalIP');
  const external = v4('ExternalIP');
  const cidr = parseCIDR(view.config.podCIDR);
  const svcCIDR = parseCIDR(view.config.serviceCIDR);
  const zone = node.metadata.labels?.[LABEL_TOPOLOGY_ZONE];
  const nodeIP = internal[0] ?? external[0];
  return {
    mode,
    node: node.metadata.name,
    ...(zone !== undefined ? { zone } : {}),
    ...(nodeIP ? { nodeIP } : {}),
    nodeAddresses: [...new Set([...internal, ...external])],
    ...(cidr?.family === 4 ? { clusterCIDR: cidr.toString() } : {}),
    serviceCIDRs: svcCIDR?.family === 4 ? [svcCIDR.toString()] : [],
    masqueradeAll: view.config.kubeProxy.masqueradeAll,
    nodePortAddresses: mode === 'iptables' ? 'all-local' : mode === 'ipvs' ? 'node-addresses' : 'primary',
    servicePorts: [],
    skipped: [],
  };
}

function planService(view: ClusterView, plan: ProxyNodePlan, namespace: string, name: string): ServicePortPlan[] {
  const svc = view.service(namespace, name);
  if (!svc) return [];
  const out: ServicePortPlan[] = [];
  for (const port of svc.spec.ports ?? []) {
    const info = servicePortInfo(svc, port);
    if (info) out.push(planServicePort(view, plan, info));
  }
  // The health check server counts distinct local ready endpoint IPs over all of the Service's
  // ports (10.0.0.1:80 and 10.0.0.1:443 are one endpoint); terminating ones fail the check.
  if (out.some((sp) => sp.healthCheckNodePort)) {
    const healthCount = new Set(out.flatMap((sp) => sp.endpoints.filter((ep) => ep.isLocal && ep.ready).map((ep) => ep.ip))).size;
    for (const sp of out) sp.healthCheckLocalEndpoints = healthCount;
  }
  return out;
}

/** The syncProxyRules decisions for one service port on one node. */
export function planServicePort(view: ClusterView, plan: Pick<ProxyNodePlan, 'node' | 'zone' | 'mode'>, info: ServicePortInfo): ServicePortPlan {
  const endpoints = servicePortEndpoints(view, info.name, plan.node);
  const cat = categorizeEndpoints(endpoints, info, plan.node, plan.zone);
  const hasEndpoints = cat.hasAnyEndpoints;
  const usesClusterChain = cat.cluster.length > 0 && (!info.internalPolicyLocal || info.externallyAccessible);
  const usesLocalChain = cat.local.length > 0 && (info.internalPolicyLocal || info.externalPolicyLocal);
  const hasInternalEndpoints = hasEndpoints && (!info.internalPolicyLocal || cat.local.length > 0);
  const hasExternalEndpoints = hasEndpoints && (!info.externalPolicyLocal || cat.local.length > 0);
  const wantsFirewall = info.loadBalancerIPs.length > 0 && info.loadBalancerSourceRanges.length > 0;
  return {
    ...info,
    key: `${info.name.namespace}/${info.name.name}/${info.name.protocol.toLowerCase()}/${info.name.port}`,
    endpoints,
    clusterEndpoints: cat.cluster,
    localEndpoints: cat.local,
    allReachableEndpoints: cat.allReachable,
    topologyMode: cat.topologyMode,
    hasEndpoints,
    hasInternalEndpoints,
    hasExternalEndpoints,
    usesClusterChain,
    usesLocalChain,
    // Built even without external endpoints: the pod and host short-circuits live there.
    usesExternalChain: hasEndpoints && info.externallyAccessible,
    // iptables only builds KUBE-FW-* for Services with endpoints; nftables always filters.
    usesFirewall: plan.mode === 'nftables' ? wantsFirewall : wantsFirewall && hasEndpoints,
    ...(!hasEndpoints ? { internalFilter: 'reject' as const } : !hasInternalEndpoints ? { internalFilter: 'drop' as const } : {}),
    ...(!hasEndpoints ? { externalFilter: 'reject' as const } : !hasExternalEndpoints ? { externalFilter: 'drop' as const } : {}),
    healthCheckLocalEndpoints: 0,
  };
}
