/**
 * kube-proxy's nftables mode for one node: table `ip kube-proxy` built from the per-node plan, as a
 * full ruleset or as a partial update touching only the service ports that changed. Layout as of
 * Kubernetes v1.33+ (pkg/proxy/nftables/proxier.go): base chains hooked at fixed priorities, verdict
 * maps for dispatch, one chain per service policy and per endpoint.
 */
import {
  firewallAllowedSources, nftEndpointNames, nftServiceChains,
  type EndpointInfo, type ProxyNodePlan, type ServicePortPlan,
} from '../../model/service/index.ts';
import { NftTransaction, type NftBaseChain, type NftObject } from './nft-transaction.ts';

// The ruleset's skeleton: every fixed table object, by purpose.
export const NFT = {
  table: 'kube-proxy',
  // service dispatch
  servicesChain: 'services',
  serviceIPsMap: 'service-ips',
  serviceNodePortsMap: 'service-nodeports',
  // IPs that accept NodePort traffic
  nodePortIPsSet: 'nodeport-ips',
  // active ClusterIPs; traffic to other ports of them, or to unallocated service IPs
  clusterIPsSet: 'cluster-ips',
  clusterIPsCheckChain: 'cluster-ips-check',
  // services without (usable) endpoints
  serviceEndpointsCheckChain: 'service-endpoints-check',
  nodePortEndpointsCheckChain: 'nodeport-endpoints-check',
  noEndpointServicesMap: 'no-endpoint-services',
  noEndpointNodePortsMap: 'no-endpoint-nodeports',
  rejectChain: 'reject-chain',
  // loadBalancerSourceRanges
  firewallIPsMap: 'firewall-ips',
  firewallCheckChain: 'firewall-check',
  // masquerading
  markMasqChain: 'mark-for-masquerade',
  masqueradingChain: 'masquerading',
} as const;

export const MASQUERADE_MARK = '0x4000';

/** Chains hooked into netfilter; names are `${type}-${hook}` (plus when they run relative to DNAT). */
export const NFT_BASE_CHAINS: readonly (NftBaseChain & { name: string })[] = [
  // Filtering on pre-DNAT destinations (the service IPs) must run before DNAT (-100).
  { name: 'filter-prerouting-pre-dnat', type: 'filter', hook: 'prerouting', priority: -110 },
  { name: 'filter-output-pre-dnat', type: 'filter', hook: 'output', priority: -110 },
  // reject is only valid in input/forward/output hooks (kernels before 5.9), so the no-endpoint
  // checks run there, after DNAT: packets that were DNATed no longer match a service address.
  { name: 'filter-input', type: 'filter', hook: 'input', priority: 0 },
  { name: 'filter-forward', type: 'filter', hook: 'forward', priority: 0 },
  { name: 'filter-output', type: 'filter', hook: 'output', priority: 0 },
  { name: 'nat-prerouting', type: 'nat', hook: 'prerouting', priority: -100 },
  { name: 'nat-output', type: 'nat', hook: 'output', priority: -100 },
  { name: 'nat-postrouting', type: 'nat', hook: 'postrouting', priority: 100 },
];

/** Jumps from base chains to the fixed regular chains. */
export const NFT_JUMP_CHAINS: readonly { src: string; dst: string; match: string }[] = [
  { src: 'filter-prerouting-pre-dnat', dst: NFT.firewallCheckChain, match: 'ct state new' },
  { src: 'filter-output-pre-dnat', dst: NFT.firewallCheckChain, match: 'ct state new' },
  { src: 'filter-input', dst: NFT.nodePortEndpointsCheckChain, match: 'ct state new' },
  { src: 'filter-input', dst: NFT.serviceEndpointsCheckChain, match: 'ct state new' },
  { src: 'filter-forward', dst: NFT.serviceEndpointsCheckChain, match: 'ct state new' },
  { src: 'filter-forward', dst: NFT.clusterIPsCheckChain, match: 'ct state new' },
  { src: 'filter-output', dst: NFT.serviceEndpointsCheckChain, match: 'ct state new' },
  { src: 'filter-output', dst: NFT.clusterIPsCheckChain, match: 'ct state new' },
  { src: 'nat-prerouting', dst: NFT.servicesChain, match: '' },
  { src: 'nat-output', dst: NFT.servicesChain, match: '' },
  { src: 'nat-postrouting', dst: NFT.masqueradingChain, match: '' },
];

const ADDR = 'ipv4_addr';
const NO_LOCALHOST = 'ip daddr != 127.0.0.0/8';

export interface NftElement {
  container: string;
  key: string;
  value?: string;
  comment?: string;
}

export interface NftChainBlock {
  name: string;
  rules: { rule: string; comment?: string }[];
}

/** Everything one service port owns in the table. */
export interface NftServicePortObjects {
  affinitySets: { name: string; timeoutSeconds: number }[];
  chains: NftChainBlock[];
  elements: NftElement[];
}

const proto = (sp: ServicePortPlan): string => sp.name.protocol.toLowerCase();

/** The chains, affinity sets and map/set elements of one service port (syncProxyRules' loop body). */
export function servicePortObjects(plan: ProxyNodePlan, sp: ServicePortPlan): NftServicePortObjects {
  const names = { ...nftServiceChains(sp.name), endpoint: endpointNamer(sp) };
  const p = proto(sp);
  const elements: NftElement[] = [];
  const internalChain = sp.internalPolicyLocal ? names.local : names.cluster;
  const externalPolicyChain = sp.externalPolicyLocal ? names.local : names.cluster;

  elements.push({ container: NFT.clusterIPsSet, key: sp.clusterIP });
  if (sp.hasInternalEndpoints) elements.push({ container: NFT.serviceIPsMap, key: `${sp.clusterIP} . ${p} . ${sp.port}`, value: `goto ${internalChain}` });
  else elements.push({ container: NFT.noEndpointServicesMap, key: `${sp.clusterIP} . ${p} . ${sp.port}`, value: verdictOf(sp.internalFilter), comment: sp.nameString });
  for (const ip of [...sp.externalIPs, ...sp.loadBalancerIPs]) {
    if (sp.hasEndpoints) elements.push({ container: NFT.serviceIPsMap, key: `${ip} . ${p} . ${sp.port}`, value: `goto ${names.external}` });
    if (!sp.hasExternalEndpoints) elements.push({ container: NFT.noEndpointServicesMap, key: `${ip} . ${p} . ${sp.port}`, value: verdictOf(sp.externalFilter), comment: sp.nameString });
  }
  if (sp.usesFirewall) for (const ip of sp.loadBalancerIPs) elements.push({ container: NFT.firewallIPsMap, key: `${ip} . ${p} . ${sp.port}`, value: `goto ${names.firewall}` });
  if (sp.nodePort) {
    // NodePorts are not subject to loadBalancerSourceRanges.
    if (sp.hasEndpoints) elements.push({ container: NFT.serviceNodePortsMap, key: `${p} . ${sp.nodePort}`, value: `goto ${names.external}` });
    if (!sp.hasExternalEndpoints) elements.push({ container: NFT.noEndpointNodePortsMap, key: `${p} . ${sp.nodePort}`, value: verdictOf(sp.externalFilter), comment: sp.nameString });
  }

  const chains: NftChainBlock[] = [];
  const internalMasq = sp.hasInternalEndpoints
    ? plan.masqueradeAll
      ? [{ rule: `ip daddr ${sp.clusterIP} ${p} dport ${sp.port} jump ${NFT.markMasqChain}` }]
      : plan.clusterCIDR
        // Off-cluster clients may route the service CIDR to any node; the reply could bounce off-node.
        ? [{ rule: `ip daddr ${sp.clusterIP} ip saddr != ${plan.clusterCIDR} jump ${NFT.markMasqChain}` }]
        : []
    : [];
  if (sp.usesClusterChain) {
    chains.push({ name: names.cluster, rules: [...(internalChain === names.cluster ? internalMasq : []), ...endpointDispatch(sp, sp.clusterEndpoints, names.endpoint)] });
  }
  if (sp.usesLocalChain) {
    chains.push({ name: names.local, rules: [...(internalChain === names.local ? internalMasq : []), ...endpointDispatch(sp, sp.localEndpoints, names.endpoint)] });
  }
  if (sp.usesExternalChain) {
    const rules: NftChainBlock['rules'] = [];
    if (!sp.externalPolicyLocal) {
      // Endpoints may be on other nodes: masquerade so replies come back through this node.
      rules.push({ rule: `jump ${NFT.markMasqChain}` });
    } else {
      // Pods reaching an external address act as if they went out to the LB and back in.
      if (plan.clusterCIDR) rules.push({ rule: `ip saddr ${plan.clusterCIDR} goto ${names.cluster}`, comment: 'short-circuit pod traffic' });
      // The host's source would be a local address (maybe the LB IP itself): masquerade it.
      rules.push({ rule: `fib saddr type local jump ${NFT.markMasqChain}`, comment: 'masquerade local traffic' });
      rules.push({ rule: `fib saddr type local goto ${names.cluster}`, comment: 'short-circuit local traffic' });
    }
    // Without local endpoints under Local policy, the rest falls through to the drop element.
    if (sp.hasExternalEndpoints) rules.push({ rule: `goto ${externalPolicyChain}` });
    chains.push({ name: names.external, rules });
  }
  if (sp.usesFirewall) chains.push({ name: names.firewall, rules: [{ rule: `ip saddr != { ${firewallAllowedSources(plan, sp).join(', ')} } drop` }] });

  const affinitySets: NftServicePortObjects['affinitySets'] = [];
  for (const ep of sp.allReachableEndpoints) {
    const epNames = names.endpoint(ep);
    if (sp.stickySeconds) affinitySets.push({ name: epNames.affinitySet, timeoutSeconds: sp.stickySeconds });
    chains.push({
      name: epNames.chain,
      rules: [
        // Hairpin: a pod reaching itself through the Service needs SNAT to see the reply.
        { rule: `ip saddr ${ep.ip} jump ${NFT.markMasqChain}` },
        ...(sp.stickySeconds ? [{ rule: `update @${epNames.affinitySet} { ip saddr }` }] : []),
        { rule: `meta l4proto ${p} dnat to ${ep.key}` },
      ],
    });
  }
  return { affinitySets, chains, elements };
}

type EndpointNamer = (ep: EndpointInfo) => { chain: string; affinitySet: string };

/** Endpoint names of one service port, each hashed once (they appear in several rules). */
function endpointNamer(sp: ServicePortPlan): EndpointNamer {
  const memo = new Map<string, { chain: string; affinitySet: string }>();
  return (ep) => {
    let n = memo.get(ep.key);
    if (!n) memo.set(ep.key, (n = nftEndpointNames(sp.name, ep.ip, ep.port)));
    return n;
  };
}

function verdictOf(v: ServicePortPlan['internalFilter']): string {
  return v === 'drop' ? 'drop' : `goto ${NFT.rejectChain}`;
}

/** Affinity checks, then `numgen random mod N vmap` over the endpoints (writeServiceToEndpointRules). */
function endpointDispatch(sp: ServicePortPlan, endpoints: readonly EndpointInfo[], name: EndpointNamer): NftChainBlock['rules'] {
  const rules: NftChainBlock['rules'] = [];
  const names = endpoints.map(name);
  if (sp.stickySeconds) for (const n of names) rules.push({ rule: `ip saddr @${n.affinitySet} goto ${n.chain}` });
  rules.push({ rule: `numgen random mod ${endpoints.length} vmap { ${names.map((n, i) => `${i} : goto ${n.chain}`).join(' , ')} }` });
  return rules;
}

/** The fixed part of the table: sets, maps, base and helper chains with their rules. */
export function addSkeleton(tx: NftTransaction, plan: ProxyNodePlan): void {
  const matchAll = plan.nodePortAddresses === 'all-local';
  tx.add({ kind: 'set', name: NFT.clusterIPsSet, type: ADDR, comment: 'Active ClusterIPs' });
  if (!matchAll) tx.add({ kind: 'set', name: NFT.nodePortIPsSet, type: ADDR, comment: 'IPs that accept NodePort traffic' });
  tx.add({ kind: 'map', name: NFT.firewallIPsMap, type: `${ADDR} . inet_proto . inet_service : verdict`, comment: 'destinations that are subject to LoadBalancerSourceRanges' });
  tx.add({ kind: 'map', name: NFT.noEndpointNodePortsMap, type: 'inet_proto . inet_service : verdict', comment: 'vmap to drop or reject packets to service nodeports with no endpoints' });
  tx.add({ kind: 'map', name: NFT.noEndpointServicesMap, type: `${ADDR} . inet_proto . inet_service : verdict`, comment: 'vmap to drop or reject packets to services with no endpoints' });
  tx.add({ kind: 'map', name: NFT.serviceIPsMap, type: `${ADDR} . inet_proto . inet_service : verdict`, comment: 'ClusterIP, ExternalIP and LoadBalancer IP traffic' });
  tx.add({ kind: 'map', name: NFT.serviceNodePortsMap, type: 'inet_proto . inet_service : verdict', comment: 'NodePort traffic' });

  for (const bc of NFT_BASE_CHAINS) tx.add({ kind: 'chain', name: bc.name, base: { type: bc.type, hook: bc.hook, priority: bc.priority } });
  for (const name of [NFT.clusterIPsCheckChain, NFT.firewallCheckChain, NFT.markMasqChain, NFT.masqueradingChain, NFT.nodePortEndpointsCheckChain, NFT.servicesChain, NFT.serviceEndpointsCheckChain]) {
    tx.add({ kind: 'chain', name });
  }
  tx.add({ kind: 'chain', name: NFT.rejectChain, comment: 'helper for @no-endpoint-services / @no-endpoint-nodeports' });

  for (const j of NFT_JUMP_CHAINS) tx.add({ kind: 'rule', chain: j.src, rule: `${j.match ? `${j.match} ` : ''}jump ${j.dst}` });
  tx.add({ kind: 'rule', chain: NFT.clusterIPsCheckChain, rule: `ip daddr @${NFT.clusterIPsSet} reject`, comment: 'Reject traffic to invalid ports of ClusterIPs' });
  if (plan.serviceCIDRs.length) tx.add({ kind: 'rule', chain: NFT.clusterIPsCheckChain, rule: `ip daddr { ${plan.serviceCIDRs.join(', ')} } drop`, comment: 'Drop traffic to unallocated ClusterIPs' });
  tx.add({ kind: 'rule', chain: NFT.firewallCheckChain, rule: `ip daddr . meta l4proto . th dport vmap @${NFT.firewallIPsMap}` });
  tx.add({ kind: 'rule', chain: NFT.markMasqChain, rule: `mark set mark or ${MASQUERADE_MARK}` });
  tx.add({ kind: 'rule', chain: NFT.masqueradingChain, rule: `mark and ${MASQUERADE_MARK} == 0 return` });
  tx.add({ kind: 'rule', chain: NFT.masqueradingChain, rule: `mark set mark xor ${MASQUERADE_MARK}` });
  tx.add({ kind: 'rule', chain: NFT.masqueradingChain, rule: 'masquerade fully-random' });
  tx.add({ kind: 'rule', chain: NFT.nodePortEndpointsCheckChain, rule: `${matchAll ? NO_LOCALHOST : `ip daddr @${NFT.nodePortIPsSet}`} meta l4proto . th dport vmap @${NFT.noEndpointNodePortsMap}` });
  tx.add({ kind: 'rule', chain: NFT.rejectChain, rule: 'reject' });
  tx.add({ kind: 'rule', chain: NFT.servicesChain, rule: `ip daddr . meta l4proto . th dport vmap @${NFT.serviceIPsMap}` });
  tx.add({ kind: 'rule', chain: NFT.servicesChain, rule: `${matchAll ? `fib daddr type local ${NO_LOCALHOST}` : `ip daddr @${NFT.nodePortIPsSet}`} meta l4proto . th dport vmap @${NFT.serviceNodePortsMap}` });
  tx.add({ kind: 'rule', chain: NFT.serviceEndpointsCheckChain, rule: `ip daddr . meta l4proto . th dport vmap @${NFT.noEndpointServicesMap}` });
  if (!matchAll) for (const ip of nodePortIPs(plan)) tx.add({ kind: 'element', container: NFT.nodePortIPsSet, key: ip });
}

function nodePortIPs(plan: ProxyNodePlan): string[] {
  if (plan.nodePortAddresses === 'primary') return plan.nodeIP ? [plan.nodeIP] : [];
  return plan.nodeAddresses;
}

function addServicePortObjects(tx: NftTransaction, objs: NftServicePortObjects, seen: Set<string>, flushChains: boolean): void {
  addChainsAndRules(tx, objs, flushChains);
  for (const e of objs.elements) {
    // One key, one element: the first service port claiming an address keeps it (as decide() does).
    const id = `${e.container}|${e.key}`;
    if (seen.has(id)) continue;
    seen.add(id);
    tx.add(elementObject(e));
  }
}

/** Sets and chains are declared before any rule refers to them (nft resolves jumps when it adds a rule). */
function addChainsAndRules(tx: NftTransaction, objs: NftServicePortObjects, flushChains: boolean): void {
  for (const s of objs.affinitySets) tx.add({ kind: 'set', name: s.name, type: ADDR, flags: ['dynamic', 'timeout'], timeoutSeconds: s.timeoutSeconds });
  for (const c of objs.chains) {
    tx.add({ kind: 'chain', name: c.name });
    if (flushChains) tx.flush({ kind: 'chain', name: c.name });
  }
  for (const c of objs.chains) for (const r of c.rules) tx.add({ kind: 'rule', chain: c.name, rule: r.rule, ...(r.comment ? { comment: r.comment } : {}) });
}

function elementObject(e: NftElement): NftObject {
  return { kind: 'element', container: e.container, key: e.key, ...(e.value !== undefined ? { value: e.value } : {}), ...(e.comment ? { comment: e.comment } : {}) };
}

export interface NftRenderOptions {
  /**
   * Replace the table atomically (`add table` + `delete table` first), so the text can be loaded
   * over any previous state. Default true.
   */
  reset?: boolean;
  /** Precede each service port's objects with a `# ns/svc:port` comment line. Default true. */
  comments?: boolean;
}

/** The full ruleset for `plan` as an `nft -f` transaction. */
export function nftablesTransaction(plan: ProxyNodePlan, options: NftRenderOptions = {}): NftTransaction {
  const tx = new NftTransaction('ip', NFT.table);
  const table: NftObject = { kind: 'table', comment: 'rules for kube-proxy' };
  tx.add(table);
  if (options.reset ?? true) {
    tx.delete({ kind: 'table' });
    tx.add(table);
  }
  addSkeleton(tx, plan);
  const seen = new Set<string>();
  for (const sp of plan.servicePorts) {
    if (options.comments ?? true) tx.lines.push('', `# ${sp.nameString} ${sp.name.protocol.toLowerCase()}`);
    addServicePortObjects(tx, servicePortObjects(plan, sp), seen, false);
  }
  return tx;
}

/** The full ruleset for `plan`, ready for `nft -f`. */
export function renderNftables(plan: ProxyNodePlan, options: NftRenderOptions = {}): string {
  return nftablesTransaction(plan, options).toString();
}

export interface NftUpdate {
  /** Statements for `nft -f` that turn `prev`'s ruleset into `next`'s (empty when nothing changed). */
  text: string;
  /** Keys of the service ports whose objects changed (added, removed or modified). */
  changed: string[];
  /**
   * Chains no longer referenced: flushed in this transaction, to be deleted by a later one (kernels
   * before 6.2 notice a chain is unreferenced only a moment after its map element is deleted).
   */
  staleChains: string[];
  /** True when node-level settings changed and the update is a full ruleset. */
  full: boolean;
}

/**
 * A partial sync: only service ports whose plan changed are touched (a port kept by reference from
 * `prev`, as updateProxyPlan does, is skipped without comparing), so the cost is O(changed ports)
 * plus one pass over the port list.
 */
export function renderNftablesUpdate(prev: ProxyNodePlan, next: ProxyNodePlan): NftUpdate {
  if (nodeLevelKey(prev) !== nodeLevelKey(next)) {
    return { text: renderNftables(next, { comments: false }), changed: next.servicePorts.map((sp) => sp.key), staleChains: [], full: true };
  }
  // Both port lists are sorted by key: walk them in step, comparing by identity first.
  const changed: string[] = [];
  const before = new Map<string, ServicePortPlan>();
  const after = new Map<string, ServicePortPlan>();
  const a = prev.servicePorts;
  const b = next.servicePorts;
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const ka = i < a.length ? a[i].key : undefined;
    const kb = j < b.length ? b[j].key : undefined;
    if (ka !== undefined && (kb === undefined || ka < kb)) {
      before.set(ka, a[i++]);
      changed.push(ka);
    } else if (kb !== undefined && (ka === undefined || kb < ka)) {
      after.set(kb, b[j++]);
      changed.push(kb);
    } else {
      const o = a[i++];
      const n = b[j++];
      if (o !== n && JSON.stringify(o) !== JSON.stringify(n)) {
        before.set(o.key, o);
        after.set(n.key, n);
        changed.push(n.key);
      }
    }
  }
  changed.sort();

  const tx = new NftTransaction('ip', NFT.table);
  const oldObjs = new Map<string, NftServicePortObjects>();
  const newObjs = new Map<string, NftServicePortObjects>();
  for (const key of changed) {
    const o = before.get(key);
    const n = after.get(key);
    if (o) oldObjs.set(key, servicePortObjects(prev, o));
    if (n) newObjs.set(key, servicePortObjects(next, n));
  }
  const all = <T>(m: Map<string, NftServicePortObjects>, f: (o: NftServicePortObjects) => T[]): T[] => [...m.values()].flatMap(f);
  const oldElements = new Map(all(oldObjs, (o) => o.elements).map((e) => [`${e.container}|${e.key}`, e]));
  const newElements = new Map(all(newObjs, (o) => o.elements).map((e) => [`${e.container}|${e.key}`, e]));
  const newChains = new Set(all(newObjs, (o) => o.chains.map((c) => c.name)));
  const staleChains = [...new Set(all(oldObjs, (o) => o.chains.map((c) => c.name)))].filter((c) => !newChains.has(c)).sort();
  const newSets = new Set(all(newObjs, (o) => o.affinitySets.map((s) => s.name)));
  const staleSets = [...new Set(all(oldObjs, (o) => o.affinitySets.map((s) => s.name)))].filter((s) => !newSets.has(s)).sort();

  // Elements first: a chain can only be emptied once no map element jumps to it.
  for (const [id, e] of oldElements) {
    const n = newElements.get(id);
    if (!n || n.value !== e.value || n.comment !== e.comment) tx.delete({ kind: 'element', container: e.container, key: e.key });
  }
  const seen = new Set<string>();
  for (const key of changed) {
    const objs = newObjs.get(key);
    if (objs) addChainsAndRules(tx, objs, true);
  }
  for (const [id, e] of newElements) {
    const o = oldElements.get(id);
    if (seen.has(id) || (o && o.value === e.value && o.comment === e.comment)) continue;
    seen.add(id);
    tx.add(elementObject(e));
  }
  for (const c of staleChains) tx.flush({ kind: 'chain', name: c });
  // Affinity sets are referenced only by rules of chains flushed above: they can go at once.
  for (const s of staleSets) tx.delete({ kind: 'set', name: s, type: ADDR });
  return { text: tx.toString(), changed, staleChains, full: false };
}

function nodeLevelKey(plan: ProxyNodePlan): string {
  return JSON.stringify([plan.nodeIP, plan.nodeAddresses, plan.clusterCIDR, plan.serviceCIDRs, plan.masqueradeAll, plan.nodePortAddresses]);
}

/** The follow-up transaction deleting chains an update left flushed. */
export function renderStaleChainDeletion(staleChains: readonly string[]): string {
  const tx = new NftTransaction('ip', NFT.table);
  for (const c of staleChains) tx.delete({ kind: 'chain', name: c });
  return tx.toString();
}
