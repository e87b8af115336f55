/**
 * decide(): what a node's kube-proxy rules do with the first packet of a NEW connection — DNAT to
 * one of a set of backends (with or without masquerade), reject, drop, or pass untouched. It walks
 * the hooks in kernel order (pre-DNAT firewall, nat dispatch, post-DNAT filter checks) over the
 * per-node plan, so it agrees with the rendered rule sets by construction of the same decisions.
 */
import { parseCIDR, type CIDR } from '../../api/cidr.ts';
import { iptablesEndpointChain, iptablesServiceChains, nftEndpointNames, nftServiceChains, type ServicePortName, type ServiceProtocol } from './chain-names.ts';
import type { EndpointInfo } from './endpoints.ts';
import type { ProxyMode, ProxyNodePlan, ServicePortPlan } from './node-plan.ts';

export interface ProxyPacket {
  src: string;
  dst: string;
  protocol: ServiceProtocol;
  port: number;
}

/**
 * Where the packet comes from, as kube-proxy's rules can tell: `pod` = source inside the
 * local-traffic detector's cluster CIDR; `host` = a local address of this node (`fib saddr type
 * local`: host processes and host-network pods); `external` = anything else, other nodes included.
 */
export type PacketOrigin = 'pod' | 'host' | 'external';

export type ServiceAddressKind = 'clusterIP' | 'externalIP' | 'loadBalancerIP' | 'nodePort';

/** A remembered ClientIP affinity: `client` last used `backend` of service port `service` (`ns/svc:port`) `ageSeconds` ago. */
export interface AffinityEntry {
  client: string;
  service: string;
  backend: string;
  ageSeconds: number;
}

export interface DecideOptions {
  affinity?: readonly AffinityEntry[];
}

export interface ProxyBackend {
  ip: string;
  port: number;
  /** "ip:port" */
  target: string;
  nodeName?: string;
  local: boolean;
  pod?: string;
  ready: boolean;
  serving: boolean;
  terminating: boolean;
  /** The client is this endpoint (pod → own Service): always masqueraded. */
  hairpin: boolean;
  /** Source NAT applies if this backend is chosen. */
  masquerade: boolean;
  /** The endpoint chain in the plan's mode (KUBE-SEP-…, endpoint-…). */
  chain?: string;
}

export interface HealthCheckAnswer {
  service: string;
  status: 200 | 503;
  localEndpoints: number;
}

export type ProxyVerdict = 'dnat' | 'reject' | 'drop' | 'pass';

export interface ProxyDecision {
  verdict: ProxyVerdict;
  node: string;
  mode: ProxyMode;
  origin: PacketOrigin;
  packet: ProxyPacket;
  service?: ServicePortName;
  /** `ns/svc:port` */
  servicePortName?: string;
  via?: ServiceAddressKind;
  /** Which endpoint set served the packet. */
  endpointSet?: 'cluster' | 'local';
  /** Possible DNAT targets (any one per connection), sorted as kube-proxy orders them. */
  backends: ProxyBackend[];
  /** Masqueraded whichever backend is chosen (hairpin aside). */
  masquerade: boolean;
  masqueradeReasons: string[];
  affinity?: { timeoutSeconds: number; pinned?: string };
  /** A connection to a healthCheckNodePort: kube-proxy's HTTP server answers. */
  healthCheck?: HealthCheckAnswer;
  /** Why, in one sentence. */
  reason: string;
  /** The chains the packet walks, in the plan's mode naming. */
  chains: string[];
}

interface AddressEntry {
  sp: ServicePortPlan;
  via: Exclude<ServiceAddressKind, 'nodePort'>;
}

interface PlanIndex {
  addresses: Map<string, AddressEntry>;
  nodePorts: Map<string, ServicePortPlan>;
  healthCheckPorts: Map<number, ServicePortPlan>;
  clusterIPs: Set<string>;
  serviceCIDRs: CIDR[];
  clusterCIDR?: CIDR;
}

// Plans are immutable values; the index is a pure function of one, memoised per object.
const indexes = new WeakMap<ProxyNodePlan, PlanIndex>();

function indexOf(plan: ProxyNodePlan): PlanIndex {
  let idx = indexes.get(plan);
  if (idx) return idx;
  idx = {
    addresses: new Map(),
    nodePorts: new Map(),
    healthCheckPorts: new Map(),
    clusterIPs: new Set(),
    serviceCIDRs: plan.serviceCIDRs.map((c) => parseCIDR(c)).filter((c): c is CIDR => !!c),
    ...(plan.clusterCIDR ? { clusterCIDR: parseCIDR(plan.clusterCIDR) } : {}),
  };
  const put = (ip: string, sp: ServicePortPlan, via: AddressEntry['via']): void => {
    const key = `${ip}|${sp.name.protocol}|${sp.port}`;
    if (!idx!.addresses.has(key)) idx!.addresses.set(key, { sp, via });
  };
  for (const sp of plan.servicePorts) {
    idx.clusterIPs.add(sp.clusterIP);
    put(sp.clusterIP, sp, 'clusterIP');
    for (const ip of sp.externalIPs) put(ip, sp, 'externalIP');
    for (const ip of sp.loadBalancerIPs) put(ip, sp, 'loadBalancerIP');
    if (sp.nodePort) {
      const key = `${sp.name.protocol}|${sp.nodePort}`;
      if (!idx.nodePorts.has(key)) idx.nodePorts.set(key, sp);
    }
    if (sp.healthCheckNodePort && !idx.healthCheckPorts.has(sp.healthCheckNodePort)) idx.healthCheckPorts.set(sp.healthCheckNodePort, sp);
  }
  indexes.set(plan, idx);
  return idx;
}

const LOOPBACK = parseCIDR('127.0.0.0/8') as CIDR;

/** `fib saddr type local` / `--src-type LOCAL`: the node's addresses and loopback. */
export function isHostAddress(plan: ProxyNodePlan, ip: string): boolean {
  return plan.nodeAddresses.includes(ip) || LOOPBACK.contains(ip);
}

/** The packet's destination is an address the node's NodePorts answer on (see nodePortAddresses). */
export function acceptsNodePort(plan: ProxyNodePlan, ip: string): boolean {
  if (plan.nodePortAddresses === 'all-local') return isHostAddress(plan, ip);
  if (plan.nodePortAddresses === 'node-addresses') return plan.nodeAddresses.includes(ip);
  return plan.nodeIP === ip;
}

export function classifyOrigin(plan: ProxyNodePlan, src: string): PacketOrigin {
  const idx = indexOf(plan);
  if (isHostAddress(plan, src)) return 'host';
  if (idx.clusterCIDR?.contains(src)) return 'pod';
  return 'external';
}

/** The sources a service port's loadBalancerSourceRanges let through (the LB IPs too when a range covers the node). */
export function firewallAllowedSources(plan: ProxyNodePlan, sp: ServicePortPlan): string[] {
  const ranges = [...sp.loadBalancerSourceRanges];
  const coversNode = plan.nodeIP !== undefined && ranges.some((r) => parseCIDR(r)?.contains(plan.nodeIP as string));
  return coversNode ? [...ranges, ...sp.loadBalancerIPs] : ranges;
}

function sourceAllowed(plan: ProxyNodePlan, sp: ServicePortPlan, src: string): boolean {
  return firewallAllowedSources(plan, sp).some((s) => (s.includes('/') ? parseCIDR(s)?.contains(src) : s === src));
}

/** Chain names for the trace, in the plan's mode. */
function chainsOf(plan: ProxyNodePlan, sp: ServicePortPlan): { cluster: string; local: string; external: string; firewall: string } {
  if (plan.mode === 'nftables') return nftServiceChains(sp.name);
  const c = iptablesServiceChains(sp.name);
  return plan.mode === 'iptables' ? c : { ...c, cluster: `ipvs ${sp.clusterIP}:${sp.port}` };
}

function endpointChain(plan: ProxyNodePlan, sp: ServicePortPlan, ep: EndpointInfo): string | undefined {
  if (plan.mode === 'nftables') return nftEndpointNames(sp.name, ep.ip, ep.port).chain;
  if (plan.mode === 'iptables') return iptablesEndpointChain(sp.name, ep.key);
  return undefined;
}

/** What `plan`'s node does with the first packet of a new connection. */
export function decide(plan: ProxyNodePlan, packet: ProxyPacket, options: DecideOptions = {}): ProxyDecision {
  const idx = indexOf(plan);
  const origin = classifyOrigin(plan, packet.src);
  const nft = plan.mode === 'nftables';
  const hook = origin === 'host' ? 'output' : 'prerouting';
  const base = { node: plan.node, mode: plan.mode, origin, packet, backends: [] as ProxyBackend[], masquerade: false, masqueradeReasons: [] as string[] };
  const about = (sp: ServicePortPlan, via: ServiceAddressKind): Pick<ProxyDecision, 'service' | 'servicePortName' | 'via'> => ({ service: sp.name, servicePortName: sp.nameString, via });
  const addrKey = `${packet.dst}|${packet.protocol}|${packet.port}`;
  const entry = idx.addresses.get(addrKey);
  const nodePortSP = acceptsNodePort(plan, packet.dst) ? idx.nodePorts.get(`${packet.protocol}|${packet.port}`) : undefined;

  // kube-proxy's health check server answers on the node, outside the rule sets.
  const hc = packet.protocol === 'TCP' && acceptsNodePort(plan, packet.dst) && !nodePortSP ? idx.healthCheckPorts.get(packet.port) : undefined;
  if (hc && !entry) {
    const n = hc.healthCheckLocalEndpoints;
    return {
      ...base, verdict: 'pass', service: hc.name, servicePortName: hc.nameString,
      healthCheck: { service: `${hc.name.namespace}/${hc.name.name}`, status: n > 0 ? 200 : 503, localEndpoints: n },
      reason: `healthCheckNodePort ${packet.port}: kube-proxy answers ${n > 0 ? `200 with ${n} local endpoint(s)` : '503 (no local ready endpoints: load balancers drain this node)'}`,
      chains: plan.mode === 'iptables' ? ['INPUT', 'KUBE-NODEPORTS'] : [],
    };
  }

  // 1. Pre-DNAT firewall: loadBalancerSourceRanges on LB IPs (never on NodePorts).
  if (entry?.via === 'loadBalancerIP' && entry.sp.usesFirewall && !sourceAllowed(plan, entry.sp, packet.src)) {
    const names = chainsOf(plan, entry.sp);
    return {
      ...base, ...about(entry.sp, 'loadBalancerIP'), verdict: 'drop',
      reason: `source ${packet.src} is outside loadBalancerSourceRanges [${entry.sp.loadBalancerSourceRanges.join(', ')}] of ${entry.sp.nameString}`,
      chains: nft ? [`filter-${hook}-pre-dnat`, 'firewall-check', names.firewall] : [hook.toUpperCase(), 'KUBE-SERVICES', names.firewall, 'KUBE-PROXY-FIREWALL'],
    };
  }

  // 2. nat: service-ips / KUBE-SERVICES, then NodePorts.
  let target: { sp: ServicePortPlan; via: ServiceAddressKind } | undefined;
  // An address without a service-ips element (no endpoints) falls through to the NodePort rule.
  if (entry && (entry.via === 'clusterIP' ? entry.sp.hasInternalEndpoints : entry.sp.hasEndpoints)) target = entry;
  else if (nodePortSP?.hasEndpoints) target = { sp: nodePortSP, via: 'nodePort' };
  if (target) {
    const dnat = natDecision(plan, idx, target.sp, target.via, packet, origin, options);
    if (dnat) {
      const natHook = nft ? `nat-${hook}` : hook.toUpperCase();
      const dispatch = nft ? ['services'] : target.via === 'nodePort' ? ['KUBE-SERVICES', 'KUBE-NODEPORTS'] : ['KUBE-SERVICES'];
      const fw = target.sp.usesFirewall && target.via === 'loadBalancerIP' && !nft ? [chainsOf(plan, target.sp).firewall] : [];
      return { ...base, ...about(target.sp, target.via), ...dnat, chains: [natHook, ...dispatch, ...fw, ...dnat.chains] };
    }
  }

  // 3. Not DNATed: the filter hooks' no-endpoint verdicts, then (nftables) the ClusterIP checks.
  const filterHook = nft ? (origin === 'host' ? 'filter-output' : acceptsNodePort(plan, packet.dst) || isHostAddress(plan, packet.dst) ? 'filter-input' : 'filter-forward') : 'filter';
  const rejectOrDrop = (sp: ServicePortPlan, via: ServiceAddressKind, verdict: 'reject' | 'drop', checkChain: string, why: string): ProxyDecision => ({
    ...base, ...about(sp, via), verdict, reason: why,
    chains: [filterHook, checkChain, ...(verdict === 'reject' && nft ? ['reject-chain'] : [])],
  });
  const serviceCheck = (): ProxyDecision | undefined => {
    const filter = entry && (entry.via === 'clusterIP' ? entry.sp.internalFilter : entry.sp.externalFilter);
    return entry && filter
      ? rejectOrDrop(entry.sp, entry.via, filter, nft ? 'service-endpoints-check' : entry.via === 'clusterIP' ? 'KUBE-SERVICES' : 'KUBE-EXTERNAL-SERVICES', noEndpointsReason(entry.sp, entry.via, filter))
      : undefined;
  };
  // NodePort packets are for a local address: they always reach filter-input, which checks them first.
  const nodePortCheck = (): ProxyDecision | undefined => nodePortSP?.externalFilter
    ? { ...rejectOrDrop(nodePortSP, 'nodePort', nodePortSP.externalFilter, nft ? 'nodeport-endpoints-check' : 'KUBE-EXTERNAL-SERVICES', noEndpointsReason(nodePortSP, 'nodePort', nodePortSP.externalFilter)), ...(nft ? { chains: ['filter-input', 'nodeport-endpoints-check', ...(nodePortSP.externalFilter === 'reject' ? ['reject-chain'] : [])] } : {}) }
    : undefined;
  const filtered = nodePortCheck() ?? serviceCheck();
  if (filtered) return filtered;
  if (nft) {
    if (idx.clusterIPs.has(packet.dst)) {
      return { ...base, verdict: 'reject', reason: `${packet.dst} is a ClusterIP but no Service port ${packet.protocol}/${packet.port} is defined on it (nftables rejects)`, chains: [filterHook, 'cluster-ips-check'] };
    }
    if (idx.serviceCIDRs.some((c) => c.contains(packet.dst))) {
      const skipped = plan.skipped.find((s) => s.clusterIP === packet.dst);
      return {
        ...base, verdict: 'drop',
        reason: skipped ? `${packet.dst} belongs to ${skipped.service}, which kube-proxy ignores (${skipped.reason}); nftables drops it as an unallocated service IP` : `${packet.dst} is in the service CIDR but not an allocated ClusterIP (nftables drops)`,
        chains: [filterHook, 'cluster-ips-check'],
      };
    }
  }
  const skipped = plan.skipped.find((s) => s.clusterIP === packet.dst);
  return {
    ...base, verdict: 'pass',
    reason: skipped ? `${skipped.service} is not proxied (${skipped.reason}); the packet is routed as-is` : idx.clusterIPs.has(packet.dst) || idx.serviceCIDRs.some((c) => c.contains(packet.dst))
      ? `no Service port matches ${packet.dst} ${packet.protocol}/${packet.port}; ${plan.mode} mode routes the packet on unchanged (it times out)`
      : `${packet.dst} ${packet.protocol}/${packet.port} is not a Service address on node ${plan.node}`,
    chains: [],
  };
}

function noEndpointsReason(sp: ServicePortPlan, via: ServiceAddressKind, verdict: 'reject' | 'drop'): string {
  if (verdict === 'reject') return `${sp.nameString} has no endpoints: connections are rejected (ICMP port unreachable, TCP "connection refused")`;
  if (via === 'clusterIP') return `${sp.nameString} has internalTrafficPolicy Local and no local endpoints on this node: dropped`;
  return `${sp.nameString} has externalTrafficPolicy Local and no local endpoints on this node: external traffic is dropped`;
}

interface NatResult {
  verdict: 'dnat';
  endpointSet: 'cluster' | 'local';
  backends: ProxyBackend[];
  masquerade: boolean;
  masqueradeReasons: string[];
  affinity?: { timeoutSeconds: number; pinned?: string };
  reason: string;
  chains: string[];
}

/** The nat chains of one service port; undefined when the packet falls through undNATed (eTP Local, no local endpoints). */
function natDecision(plan: ProxyNodePlan, idx: PlanIndex, sp: ServicePortPlan, via: ServiceAddressKind, packet: ProxyPacket, origin: PacketOrigin, options: DecideOptions): NatResult | undefined {
  const names = chainsOf(plan, sp);
  const reasons: string[] = [];
  const chains: string[] = [];
  let set: 'cluster' | 'local';
  let why: string;
  if (via === 'clusterIP') {
    set = sp.internalPolicyLocal ? 'local' : 'cluster';
    chains.push(set === 'local' ? names.local : names.cluster);
    if (plan.masqueradeAll) reasons.push('masqueradeAll');
    else if (idx.clusterCIDR && !idx.clusterCIDR.contains(packet.src)) reasons.push(`source outside the cluster CIDR ${plan.clusterCIDR}`);
    why = set === 'local' ? 'ClusterIP with internalTrafficPolicy Local: local endpoints only' : 'ClusterIP: any endpoint in the cluster';
  } else {
    chains.push(names.external);
    if (!sp.externalPolicyLocal) {
      set = 'cluster';
      reasons.push('externalTrafficPolicy Cluster: external destinations are masqueraded');
      chains.push(names.cluster);
      why = `${via} with externalTrafficPolicy Cluster: any endpoint, source NATed`;
    } else if (idx.clusterCIDR?.contains(packet.src) && origin !== 'host') {
      set = 'cluster';
      chains.push(names.cluster);
      why = `${via} with externalTrafficPolicy Local from a pod: short-circuited to the Cluster endpoints`;
    } else if (origin === 'host') {
      set = 'cluster';
      reasons.push('host-originated traffic to an external destination');
      chains.push(names.cluster);
      why = `${via} with externalTrafficPolicy Local from the node itself: short-circuited to the Cluster endpoints, masqueraded`;
    } else if (sp.hasExternalEndpoints) {
      set = 'local';
      chains.push(names.local);
      why = `${via} with externalTrafficPolicy Local: local endpoints only, client IP preserved`;
    } else {
      return undefined;
    }
  }
  let eps = set === 'local' ? sp.localEndpoints : sp.clusterEndpoints;
  let affinity: NatResult['affinity'];
  if (sp.stickySeconds > 0) {
    affinity = { timeoutSeconds: sp.stickySeconds };
    const remembered = (options.affinity ?? []).filter((a) => a.client === packet.src && a.service === sp.nameString && a.ageSeconds < sp.stickySeconds);
    const pinned = eps.find((ep) => remembered.some((a) => a.backend === ep.key));
    if (pinned) {
      affinity.pinned = pinned.key;
      eps = [pinned];
    }
  }
  const masquerade = reasons.length > 0;
  const backends = eps.map((ep): ProxyBackend => {
    const hairpin = ep.ip === packet.src;
    const chain = endpointChain(plan, sp, ep);
    return {
      ip: ep.ip, port: ep.port, target: ep.key,
      ...(ep.nodeName ? { nodeName: ep.nodeName } : {}),
      local: ep.isLocal,
      ...(ep.pod ? { pod: ep.pod } : {}),
      ready: ep.ready, serving: ep.serving, terminating: ep.terminating,
      hairpin, masquerade: masquerade || hairpin,
      ...(chain ? { chain } : {}),
    };
  });
  const fallback = eps.length > 0 && eps.every((ep) => !ep.ready) ? ' (no ready endpoints: serving terminating ones are used)' : '';
  return { verdict: 'dnat', endpointSet: set, backends, masquerade, masqueradeReasons: reasons, ...(affinity ? { affinity } : {}), reason: why + fallback, chains };
}
