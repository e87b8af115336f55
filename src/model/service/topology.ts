/**
 * Which endpoints a node's kube-proxy uses for a service port (pkg/proxy/topology.go,
 * CategorizeEndpoints): the Cluster set, the Local set, and whether any usable endpoint exists.
 */
import type { EndpointInfo } from './endpoints.ts';
import { usesClusterEndpoints, usesLocalEndpoints, type ServicePortInfo } from './service-port.ts';

export interface CategorizedEndpoints {
  /** Endpoints for Cluster policy: ready ones (topology-filtered), else serving+terminating ones. Empty when unused. */
  cluster: EndpointInfo[];
  /** Endpoints for Local policy: local ready ones, else local serving+terminating ones. Empty when unused. */
  local: EndpointInfo[];
  /** Every endpoint some traffic from this node can reach (cluster ∪ local), sorted. */
  allReachable: EndpointInfo[];
  /** The service port has a usable endpoint on some node (decides reject vs. drop). */
  hasAnyEndpoints: boolean;
  /** How topology filtered the Cluster set: "" none, PreferSameZone or PreferSameNode. */
  topologyMode: '' | 'PreferSameZone' | 'PreferSameNode';
}

/**
 * Topology hints are honoured only when every ready endpoint carries one and at least one names
 * this node (node hints) or its zone (zone hints); otherwise every endpoint is eligible. Node hints
 * are checked first.
 */
export function topologyModeFromHints(endpoints: readonly EndpointInfo[], nodeName: string, zone: string | undefined): CategorizedEndpoints['topologyMode'] {
  let allNodeHints = true;
  let forNode = false;
  let allZoneHints = true;
  let forZone = false;
  for (const ep of endpoints) {
    if (!ep.ready) continue;
    if (!ep.zoneHints.length) allZoneHints = false;
    else if (zone !== undefined && ep.zoneHints.includes(zone)) forZone = true;
    if (!ep.nodeHints.length) allNodeHints = false;
    else if (ep.nodeHints.includes(nodeName)) forNode = true;
  }
  if (allNodeHints && forNode) return 'PreferSameNode';
  if (allZoneHints && forZone) return 'PreferSameZone';
  return '';
}

function availableForTopology(ep: EndpointInfo, mode: CategorizedEndpoints['topologyMode'], nodeName: string, zone: string | undefined): boolean {
  if (mode === 'PreferSameNode') return ep.nodeHints.includes(nodeName);
  if (mode === 'PreferSameZone') return zone !== undefined && ep.zoneHints.includes(zone);
  return true;
}

export function categorizeEndpoints(endpoints: readonly EndpointInfo[], sp: ServicePortInfo, nodeName: string, zone: string | undefined): CategorizedEndpoints {
  let cluster: EndpointInfo[] = [];
  let local: EndpointInfo[] = [];
  let hasAnyEndpoints = false;
  let topologyMode: CategorizedEndpoints['topologyMode'] = '';
  let useServingTerminating = false;

  if (usesClusterEndpoints(sp)) {
    topologyMode = topologyModeFromHints(endpoints, nodeName, zone);
    // The common case (all ready, no hints) keeps the input array instead of copying it.
    cluster = topologyMode === '' && endpoints.every((ep) => ep.ready) ? (endpoints as EndpointInfo[]) : endpoints.filter((ep) => ep.ready && availableForTopology(ep, topologyMode, nodeName, zone));
    // No ready endpoint anywhere (topology never empties a non-empty ready set): fall back to
    // endpoints still serving while terminating (KEP-1669).
    if (!cluster.length) cluster = endpoints.filter((ep) => ep.serving && ep.terminating);
    if (cluster.length) hasAnyEndpoints = true;
  }
  if (!usesLocalEndpoints(sp)) return { cluster, local, allReachable: cluster, hasAnyEndpoints, topologyMode };

  let localReady = false;
  let localServingTerminating = false;
  for (const ep of endpoints) {
    if (ep.ready) {
      hasAnyEndpoints = true;
      if (ep.isLocal) localReady = true;
    } else if (ep.serving && ep.terminating) {
      hasAnyEndpoints = true;
      if (ep.isLocal) localServingTerminating = true;
    }
  }
  if (localReady) local = endpoints.filter((ep) => ep.isLocal && ep.ready);
  else if (localServingTerminating) {
    useServingTerminating = true;
    local = endpoints.filter((ep) => ep.isLocal && ep.serving && ep.terminating);
  }
  if (!usesClusterEndpoints(sp)) return { cluster, local, allReachable: local, hasAnyEndpoints, topologyMode };
  // Without topology filtering and with ready local endpoints, local ⊆ cluster.
  if (topologyMode === '' && !useServingTerminating) return { cluster, local, allReachable: cluster, hasAnyEndpoints, topologyMode };
  const merged = new Map<string, EndpointInfo>();
  for (const ep of [...cluster, ...local]) merged.set(ep.key, ep);
  const allReachable = [...merged.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { cluster, local, allReachable, hasAnyEndpoints, topologyMode };
}
