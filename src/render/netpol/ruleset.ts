/**
 * The NetworkPolicy ruleset of one node, as data: per local pod isolated in a direction, a chain of
 * allow rules compiled from the policies selecting it (the policy model's index), each rule one
 * address set × protocol × port set. What a rule admits is exactly what decide() admits:
 * - selectors become the IPs of the pods they select (anywhere in the cluster);
 * - ipBlock becomes cidr minus except; with Cilium's capability, ipBlock never matches a pod or node
 *   address (the rule carries `notCluster`, checked against the cluster-addresses set);
 * - named ports resolve on the destination pod: the selected pod for ingress, each peer pod for
 *   egress (a non-pod destination never matches a named port);
 * - the checks run in the forward hook after DNAT, so addresses and ports are the backend's;
 * - a pod reaching itself through a Service (hairpin) is allowed: kube-proxy masquerades it to the
 *   node, and traffic from the pod's own node is always allowed (the model's reach says the same).
 */
import { parseIP } from '../../api/cidr.ts';
import type { Pod, Protocol } from '../../api/types.ts';
import { podIPs } from '../../cluster/view.ts';
import { namedPortNumbers, type CompiledPeer, type CompiledPolicy, type CompiledPort, type CompiledRule, type Direction, type PolicyIndex } from '../../model/policy/index.ts';
import { cidrInterval, normalize, subtract, type Interval } from './intervals.ts';

export type NftProtocol = 'tcp' | 'udp' | 'sctp';

export interface NetpolRule {
  /** Peer addresses (source for ingress, destination for egress); undefined: any address. */
  peers?: Interval[];
  /** The peer address must not be a pod or node address (Cilium's ipBlock). */
  notCluster?: boolean;
  /** Undefined: every protocol (the rule has no ports). */
  protocol?: NftProtocol;
  /** Undefined: every port of the protocol. */
  ports?: Interval[];
  /** `ns/policy spec.ingress[i]` */
  comment: string;
}

export interface NetpolPodChain {
  /** `ns/name` */
  pod: string;
  ip: string;
  direction: Direction;
  chain: string;
  /** Policies isolating the pod in this direction. */
  policies: string[];
  rules: NetpolRule[];
}

export interface NetpolRuleset {
  node: string;
  cni: string;
  /** False: the CNI enforces no policy, and the node gets no table at all. */
  enforced: boolean;
  /** Pod and node addresses (sorted): what Cilium's ipBlock never matches. Empty unless needed. */
  clusterAddresses: string[];
  ingress: NetpolPodChain[];
  egress: NetpolPodChain[];
}

const PROTOCOLS: readonly Protocol[] = ['TCP', 'UDP', 'SCTP'];
const nftProtocol = (p: Protocol): NftProtocol => p.toLowerCase() as NftProtocol;
const MAX_CHAIN = 200;

const podRef = (p: Pod): string => `${p.metadata.namespace ?? 'default'}/${p.metadata.name}`;
const terminated = (p: Pod): boolean => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';

function ipv4Of(p: Pod): bigint | undefined {
  for (const ip of podIPs(p)) {
    const parsed = parseIP(ip);
    if (parsed?.family === 4) return parsed.value;
  }
  return undefined;
}

/** Chain names: `ingress-ns/name`; nft allows `/ . _ -`; long names are shortened with a hash of the rest. */
export function podChainName(direction: Direction, ref: string): string {
  const name = `${direction}-${ref}`;
  if (name.length <= MAX_CHAIN) return name;
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return `${name.slice(0, MAX_CHAIN - 9)}-${h.toString(16).padStart(8, '0')}`;
}

interface PodAddress {
  pod: Pod;
  ip: bigint;
}

class Builder {
  /** Live pods with an IPv4 address that policy peers can select (never hostNetwork: they count as their node). */
  readonly podAddresses: PodAddress[] = [];
  private readonly peerIPs = new Map<string, PodAddress[]>();

  constructor(readonly index: PolicyIndex) {
    for (const pod of index.view.pods) {
      if (pod.spec.hostNetwork || terminated(pod)) continue;
      const ip = ipv4Of(pod);
      if (ip !== undefined) this.podAddresses.push({ pod, ip });
    }
  }

  get externalOnly(): boolean {
    return this.index.capability.ipBlockScope === 'external-only';
  }

  /** Pods a selector peer of a policy in `policyNs` selects (memoised per selector pair). */
  selected(peer: Extract<CompiledPeer, { kind: 'pods' }>, policyNs: string): PodAddress[] {
    const key = `${peer.namespaceSelector ? `nss|${peer.namespaceSelector.key}` : `ns|${policyNs}`}|${peer.podSelector.key}`;
    let list = this.peerIPs.get(key);
    if (!list) {
      list = this.podAddresses.filter((a) => this.index.peerSelectsPod(peer, policyNs, a.pod));
      this.peerIPs.set(key, list);
    }
    return list;
  }

  /** Addresses of an ipBlock peer (IPv4 only: pods here are IPv4). */
  blockIntervals(peer: Extract<CompiledPeer, { kind: 'ipBlock' }>): Interval[] {
    if (peer.cidr.family !== 4) return [];
    return subtract([cidrInterval(peer.cidr)], normalize(peer.except.filter((x) => x.family === 4).map(cidrInterval)));
  }

  /** Pods whose address an ipBlock covers; none under Cilium (pods are cluster addresses). */
  podsInBlock(peer: Extract<CompiledPeer, { kind: 'ipBlock' }>): PodAddress[] {
    if (this.externalOnly) return [];
    const ivs = this.blockIntervals(peer);
    return this.podAddresses.filter((a) => ivs.some((iv) => a.ip >= iv.lo && a.ip <= iv.hi));
  }
}

/** The address groups of a rule's peers: pod IPs, and ipBlocks (marked notCluster under Cilium). */
function peerGroups(b: Builder, policy: CompiledPolicy, rule: CompiledRule): { peers?: Interval[]; notCluster?: boolean }[] {
  if (rule.peers === null) return [{}];
  const pods: Interval[] = [];
  const blocks: Interval[] = [];
  for (const peer of rule.peers) {
    if (peer.kind === 'pods') for (const a of b.selected(peer, policy.namespace)) pods.push({ lo: a.ip, hi: a.ip });
    else blocks.push(...b.blockIntervals(peer));
  }
  const groups: { peers?: Interval[]; notCluster?: boolean }[] = [];
  if (b.externalOnly) {
    if (pods.length) groups.push({ peers: normalize(pods) });
    if (blocks.length) groups.push({ peers: normalize(blocks), notCluster: true });
  } else if (pods.length || blocks.length) groups.push({ peers: normalize([...pods, ...blocks]) });
  return groups;
}

/** Candidate destination pods of an egress rule (for named ports): pods its peers cover. */
function peerPods(b: Builder, policy: CompiledPolicy, rule: CompiledRule): PodAddress[] {
  if (rule.peers === null) return b.podAddresses;
  const seen = new Map<bigint, PodAddress>();
  for (const peer of rule.peers) {
    const list = peer.kind === 'pods' ? b.selected(peer, policy.namespace) : b.podsInBlock(peer);
    for (const a of list) seen.set(a.ip, a);
  }
  return [...seen.values()];
}

interface ProtocolPorts {
  protocol: Protocol;
  /** Every port of the protocol. */
  all: boolean;
  numeric: Interval[];
  named: string[];
}

function portsByProtocol(ports: readonly CompiledPort[]): ProtocolPorts[] {
  const out: ProtocolPorts[] = [];
  for (const protocol of PROTOCOLS) {
    const entries = ports.filter((p) => p.protocol === protocol);
    if (!entries.length) continue;
    const all = entries.some((p) => p.name === undefined && p.port === undefined);
    const numeric = normalize(entries.filter((p) => p.port !== undefined).map((p) => ({ lo: BigInt(p.port!), hi: BigInt(p.endPort ?? p.port!) })));
    const named = [...new Set(entries.filter((p) => p.name !== undefined).map((p) => p.name!))].sort();
    out.push({ protocol, all, numeric, named });
  }
  return out;
}

function namedPorts(pod: Pod, names: readonly string[], protocol: Protocol): Interval[] {
  return normalize(names.flatMap((n) => namedPortNumbers(pod, n, protocol)).map((n) => ({ lo: BigInt(n), hi: BigInt(n) })));
}

const intervalsKey = (ivs: readonly Interval[]): string => ivs.map((iv) => `${iv.lo}-${iv.hi}`).join(',');

function ingressRules(b: Builder, self: Pod, policy: CompiledPolicy, rule: CompiledRule, i: number): NetpolRule[] {
  const comment = `${policy.ref} spec.ingress[${i}]`;
  const groups = peerGroups(b, policy, rule);
  if (rule.ports === null) return groups.map((g) => ({ ...g, comment }));
  const out: NetpolRule[] = [];
  for (const pp of portsByProtocol(rule.ports)) {
    // Named ports resolve on the selected pod itself.
    const ports = pp.all ? undefined : normalize([...pp.numeric, ...namedPorts(self, pp.named, pp.protocol)]);
    if (ports && !ports.length) continue;
    for (const g of groups) out.push({ ...g, protocol: nftProtocol(pp.protocol), ...(ports ? { ports } : {}), comment });
  }
  return out;
}

function egressRules(b: Builder, policy: CompiledPolicy, rule: CompiledRule, i: number): NetpolRule[] {
  const comment = `${policy.ref} spec.egress[${i}]`;
  const groups = peerGroups(b, policy, rule);
  if (rule.ports === null) return groups.map((g) => ({ ...g, comment }));
  const out: NetpolRule[] = [];
  for (const pp of portsByProtocol(rule.ports)) {
    const protocol = nftProtocol(pp.protocol);
    if (pp.all || pp.numeric.length) {
      const ports = pp.all ? undefined : pp.numeric;
      for (const g of groups) out.push({ ...g, protocol, ...(ports ? { ports } : {}), comment });
    }
    if (pp.all || !pp.named.length) continue;
    // Named ports resolve on each destination pod: group the peer pods by what the names mean there.
    const byPorts = new Map<string, { ports: Interval[]; ips: Interval[] }>();
    for (const a of peerPods(b, policy, rule)) {
      const ports = namedPorts(a.pod, pp.named, pp.protocol);
      if (!ports.length) continue;
      const key = intervalsKey(ports);
      const entry = byPorts.get(key) ?? { ports, ips: [] };
      entry.ips.push({ lo: a.ip, hi: a.ip });
      byPorts.set(key, entry);
    }
    for (const key of [...byPorts.keys()].sort()) {
      const e = byPorts.get(key)!;
      out.push({ peers: normalize(e.ips), protocol, ports: e.ports, comment: `${comment} (named ports)` });
    }
  }
  return out;
}

function podChain(b: Builder, pod: Pod, ip: string, direction: Direction, policies: readonly CompiledPolicy[]): NetpolPodChain {
  const ref = podRef(pod);
  const self = parseIP(ip)!.value;
  // A pod's packets to its own IP stay on its loopback; one crossing the node to itself went
  // through a Service (hairpin) and is masqueraded to the node, whose traffic the model allows.
  const rules: NetpolRule[] = [{ peers: [{ lo: self, hi: self }], comment: `${ref} hairpin through a Service (masqueraded to the node)` }];
  for (const policy of policies) {
    (policy[direction] ?? []).forEach((rule, i) => {
      rules.push(...(direction === 'ingress' ? ingressRules(b, pod, policy, rule, i) : egressRules(b, policy, rule, i)));
    });
  }
  return { pod: ref, ip, direction, chain: podChainName(direction, ref), policies: policies.map((p) => p.ref), rules };
}

/** The ruleset of `node`: chains for its pods that policies isolate. */
export function netpolRuleset(index: PolicyIndex, node: string): NetpolRuleset {
  const cap = index.capability;
  const ruleset: NetpolRuleset = { node, cni: cap.cni, enforced: cap.enforces, clusterAddresses: [], ingress: [], egress: [] };
  if (!cap.enforces) return ruleset;
  const b = new Builder(index);
  const taken = new Set<bigint>();
  const local = b.podAddresses
    .filter((a) => a.pod.spec.nodeName === node)
    .sort((x, y) => (podRef(x.pod) < podRef(y.pod) ? -1 : 1));
  for (const a of local) {
    // One pod per address (an imported cluster may list a stale pod with a reused IP).
    if (taken.has(a.ip)) continue;
    taken.add(a.ip);
    const ip = podIPs(a.pod).find((x) => parseIP(x)?.family === 4)!;
    for (const direction of ['ingress', 'egress'] as const) {
      const policies = index.policiesSelecting(a.pod, direction);
      if (policies.length) ruleset[direction].push(podChain(b, a.pod, ip, direction, policies));
    }
  }
  if (b.externalOnly && [...ruleset.ingress, ...ruleset.egress].some((c) => c.rules.some((r) => r.notCluster))) {
    const addrs = new Set<string>();
    // As the model's isClusterAddress: any pod's IP (not hostNetwork) and a node's Internal/ExternalIP.
    for (const p of index.view.pods) if (!p.spec.hostNetwork) for (const ip of podIPs(p)) if (parseIP(ip)?.family === 4) addrs.add(ip);
    for (const n of index.view.nodes) {
      for (const a of n.status?.addresses ?? []) if ((a.type === 'InternalIP' || a.type === 'ExternalIP') && parseIP(a.address)?.family === 4) addrs.add(a.address);
    }
    ruleset.clusterAddresses = [...addrs].sort((x, y) => (parseIP(x)!.value < parseIP(y)!.value ? -1 : 1));
  }
  return ruleset;
}
