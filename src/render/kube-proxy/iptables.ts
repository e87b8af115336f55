/**
 * kube-proxy's iptables mode for one node: the `iptables-restore --noflush` input it writes
 * (pkg/proxy/iptables/proxier.go syncProxyRules), built from the per-node plan. Rules are linear:
 * every new connection walks KUBE-SERVICES top to bottom, and a sync rewrites O(services) lines.
 */
import { iptablesEndpointChain, iptablesServiceChains, type EndpointInfo, type ProxyNodePlan, type ServicePortPlan } from '../../model/service/index.ts';
import { MASQUERADE_MARK } from './nftables.ts';

export const IPT = {
  services: 'KUBE-SERVICES',
  externalServices: 'KUBE-EXTERNAL-SERVICES',
  nodePorts: 'KUBE-NODEPORTS',
  postrouting: 'KUBE-POSTROUTING',
  markMasq: 'KUBE-MARK-MASQ',
  forward: 'KUBE-FORWARD',
  proxyFirewall: 'KUBE-PROXY-FIREWALL',
  /** kubelet's chain; kube-proxy adds the localnet guard when NodePorts answer on 127.0.0.1. */
  kubeletFirewall: 'KUBE-FIREWALL',
  canary: 'KUBE-PROXY-CANARY',
} as const;

/** Past this many endpoints kube-proxy drops per-endpoint comments (they cost ~40% of the text). */
export const LARGE_CLUSTER_ENDPOINTS_THRESHOLD = 1000;

/** Jumps from the built-in chains, installed once outside the restore (iptablesJumpChains). */
export const IPTABLES_JUMP_CHAINS: readonly { table: 'filter' | 'nat'; src: string; dst: string; comment: string; match?: string }[] = [
  { table: 'filter', src: 'INPUT', dst: IPT.externalServices, comment: 'kubernetes externally-visible service portals', match: '-m conntrack --ctstate NEW' },
  { table: 'filter', src: 'FORWARD', dst: IPT.externalServices, comment: 'kubernetes externally-visible service portals', match: '-m conntrack --ctstate NEW' },
  { table: 'filter', src: 'INPUT', dst: IPT.nodePorts, comment: 'kubernetes health check service ports' },
  { table: 'filter', src: 'FORWARD', dst: IPT.services, comment: 'kubernetes service portals', match: '-m conntrack --ctstate NEW' },
  { table: 'filter', src: 'OUTPUT', dst: IPT.services, comment: 'kubernetes service portals', match: '-m conntrack --ctstate NEW' },
  { table: 'filter', src: 'FORWARD', dst: IPT.forward, comment: 'kubernetes forwarding rules' },
  { table: 'filter', src: 'INPUT', dst: IPT.proxyFirewall, comment: 'kubernetes load balancer firewall', match: '-m conntrack --ctstate NEW' },
  { table: 'filter', src: 'OUTPUT', dst: IPT.proxyFirewall, comment: 'kubernetes load balancer firewall', match: '-m conntrack --ctstate NEW' },
  { table: 'filter', src: 'FORWARD', dst: IPT.proxyFirewall, comment: 'kubernetes load balancer firewall', match: '-m conntrack --ctstate NEW' },
  { table: 'filter', src: 'INPUT', dst: IPT.kubeletFirewall, comment: 'kubelet firewall' },
  { table: 'filter', src: 'OUTPUT', dst: IPT.kubeletFirewall, comment: 'kubelet firewall' },
  { table: 'nat', src: 'OUTPUT', dst: IPT.services, comment: 'kubernetes service portals' },
  { table: 'nat', src: 'PREROUTING', dst: IPT.services, comment: 'kubernetes service portals' },
  { table: 'nat', src: 'POSTROUTING', dst: IPT.postrouting, comment: 'kubernetes postrouting rules' },
];

export interface IptablesRenderOptions {
  /**
   * Emit a standalone file: built-in chains, the jumps into kube-proxy's chains and the mangle
   * canary, for a plain `iptables-restore` (not `--noflush`). Default false: exactly kube-proxy's input.
   */
  standalone?: boolean;
}

const q = (s: string): string => `"${s}"`;

/** Formats 1/n as kube-proxy does (%0.10f). */
export function probability(n: number): string {
  return (1 / n).toFixed(10);
}

class Lines {
  readonly chains: string[] = [];
  readonly rules: string[] = [];
  chain(name: string): void {
    this.chains.push(`:${name} - [0:0]`);
  }
  rule(...words: (string | false | undefined)[]): void {
    this.rules.push(words.filter((w): w is string => typeof w === 'string' && w !== '').join(' '));
  }
}

/** The iptables-restore input kube-proxy writes for `plan`'s node. */
export function renderIptables(plan: ProxyNodePlan, options: IptablesRenderOptions = {}): string {
  const filter = new Lines();
  const nat = new Lines();
  const localhostNodePorts = plan.nodePortAddresses === 'all-local';
  for (const c of [IPT.nodePorts, IPT.services, IPT.externalServices]) filter.chain(c);
  if (localhostNodePorts) filter.chain(IPT.kubeletFirewall);
  for (const c of [IPT.forward, IPT.proxyFirewall]) filter.chain(c);
  for (const c of [IPT.nodePorts, IPT.services, IPT.markMasq, IPT.postrouting]) nat.chain(c);

  nat.rule('-A', IPT.postrouting, '-m mark !', `--mark ${MASQUERADE_MARK}/${MASQUERADE_MARK}`, '-j RETURN');
  // Clear the mark so a packet re-traversing the stack is not masqueraded twice.
  nat.rule('-A', IPT.postrouting, '-j MARK', `--xor-mark ${MASQUERADE_MARK}`);
  nat.rule('-A', IPT.postrouting, '-m comment --comment', q('kubernetes service traffic requiring SNAT'), '-j MASQUERADE --random-fully');
  nat.rule('-A', IPT.markMasq, '-j MARK', `--or-mark ${MASQUERADE_MARK}`);
  if (localhostNodePorts) {
    // route_localnet opens 127.0.0.1 to the network (CVE-2020-8558); only local sources may use it.
    filter.rule('-A', IPT.kubeletFirewall, '-m comment --comment', q('block incoming localnet connections'), '-d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP');
  }

  const totalEndpoints = plan.servicePorts.reduce((n, sp) => n + sp.endpoints.length, 0);
  const large = totalEndpoints > LARGE_CLUSTER_ENDPOINTS_THRESHOLD;
  for (const sp of plan.servicePorts) writeServicePort(plan, sp, filter, nat, large);

  // The NodePort dispatch must stay last: any local destination may be a NodePort.
  nat.rule('-A', IPT.services, '-m comment --comment', q('kubernetes service nodeports; NOTE: this must be the last rule in this chain'),
    '-m addrtype --dst-type LOCAL', localhostNodePorts ? undefined : '! -d 127.0.0.0/8', '-j', IPT.nodePorts);
  filter.rule('-A', IPT.forward, '-m conntrack --ctstate INVALID -j DROP');
  filter.rule('-A', IPT.forward, '-m comment --comment', q('kubernetes forwarding rules'), `-m mark --mark ${MASQUERADE_MARK}/${MASQUERADE_MARK}`, '-j ACCEPT');
  filter.rule('-A', IPT.forward, '-m comment --comment', q('kubernetes forwarding conntrack rule'), '-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT');

  // Section by section: a 10k-Service table has ~10^5 lines (too many for push(...spread)).
  const sections: string[][] = [];
  if (options.standalone) {
    sections.push(['*mangle', ':PREROUTING ACCEPT [0:0]', ':INPUT ACCEPT [0:0]', ':FORWARD ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]', ':POSTROUTING ACCEPT [0:0]', `:${IPT.canary} - [0:0]`, 'COMMIT']);
  }
  sections.push(['*filter']);
  if (options.standalone) sections.push([':INPUT ACCEPT [0:0]', ':FORWARD ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]']);
  sections.push(filter.chains);
  if (options.standalone) sections.push(jumps('filter', localhostNodePorts));
  sections.push(filter.rules, ['COMMIT', '*nat']);
  if (options.standalone) sections.push([':PREROUTING ACCEPT [0:0]', ':INPUT ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]', ':POSTROUTING ACCEPT [0:0]']);
  sections.push(nat.chains);
  if (options.standalone) sections.push(jumps('nat', localhostNodePorts));
  sections.push(nat.rules, ['COMMIT']);
  return `${sections.filter((s) => s.length).map((s) => s.join('\n')).join('\n')}\n`;
}

function jumps(table: 'filter' | 'nat', kubeletFirewall: boolean): string[] {
  return IPTABLES_JUMP_CHAINS
    .filter((j) => j.table === table && (kubeletFirewall || j.dst !== IPT.kubeletFirewall))
    .map((j) => ['-A', j.src, j.match, '-m comment --comment', q(j.comment), '-j', j.dst].filter(Boolean).join(' '));
}

function writeServicePort(plan: ProxyNodePlan, sp: ServicePortPlan, filter: Lines, nat: Lines, large: boolean): void {
  const p = sp.name.protocol.toLowerCase();
  // Each KUBE-SEP name appears in several rules: hash it once.
  const memo = new Map<string, string>();
  const sepOf = (ep: EndpointInfo): string => {
    let c = memo.get(ep.key);
    if (!c) memo.set(ep.key, (c = iptablesEndpointChain(sp.name, ep.key)));
    return c;
  };
  const names = iptablesServiceChains(sp.name);
  const spn = sp.nameString;
  const internalChain = sp.internalPolicyLocal ? names.local : names.cluster;
  const externalPolicyChain = sp.externalPolicyLocal ? names.local : names.cluster;
  const lbChain = sp.usesFirewall ? names.firewall : names.external;
  const noEndpoints = (verdict: ServicePortPlan['internalFilter']): { target: string; comment: string } =>
    verdict === 'reject' ? { target: 'REJECT', comment: q(`${spn} has no endpoints`) } : { target: 'DROP', comment: q(`${spn} has no local endpoints`) };

  // Capture the ClusterIP.
  if (sp.hasInternalEndpoints) {
    nat.rule('-A', IPT.services, '-m comment --comment', q(`${spn} cluster IP`), `-m ${p} -p ${p}`, `-d ${sp.clusterIP}`, `--dport ${sp.port}`, '-j', internalChain);
  } else {
    const f = noEndpoints(sp.internalFilter);
    filter.rule('-A', IPT.services, '-m comment --comment', f.comment, `-m ${p} -p ${p}`, `-d ${sp.clusterIP}`, `--dport ${sp.port}`, '-j', f.target);
  }
  for (const ip of sp.externalIPs) {
    if (sp.hasEndpoints) nat.rule('-A', IPT.services, '-m comment --comment', q(`${spn} external IP`), `-m ${p} -p ${p}`, `-d ${ip}`, `--dport ${sp.port}`, '-j', names.external);
    if (!sp.hasExternalEndpoints) {
      const f = noEndpoints(sp.externalFilter);
      filter.rule('-A', IPT.externalServices, '-m comment --comment', f.comment, `-m ${p} -p ${p}`, `-d ${ip}`, `--dport ${sp.port}`, '-j', f.target);
    }
  }
  for (const ip of sp.loadBalancerIPs) {
    if (sp.hasEndpoints) nat.rule('-A', IPT.services, '-m comment --comment', q(`${spn} loadbalancer IP`), `-m ${p} -p ${p}`, `-d ${ip}`, `--dport ${sp.port}`, '-j', lbChain);
    if (sp.usesFirewall) {
      // What KUBE-FW-* let through was DNATed; whatever still has the LB IP as destination is dropped here.
      filter.rule('-A', IPT.proxyFirewall, '-m comment --comment', q(`${spn} traffic not accepted by ${names.firewall}`), `-m ${p} -p ${p}`, `-d ${ip}`, `--dport ${sp.port}`, '-j DROP');
    }
  }
  if (!sp.hasExternalEndpoints) {
    for (const ip of sp.loadBalancerIPs) {
      const f = noEndpoints(sp.externalFilter);
      filter.rule('-A', IPT.externalServices, '-m comment --comment', f.comment, `-m ${p} -p ${p}`, `-d ${ip}`, `--dport ${sp.port}`, '-j', f.target);
    }
  }
  if (sp.nodePort) {
    // NodePorts are not subject to loadBalancerSourceRanges.
    if (sp.hasEndpoints) nat.rule('-A', IPT.nodePorts, '-m comment --comment', spn, `-m ${p} -p ${p}`, `--dport ${sp.nodePort}`, '-j', names.external);
    if (!sp.hasExternalEndpoints) {
      const f = noEndpoints(sp.externalFilter);
      filter.rule('-A', IPT.externalServices, '-m comment --comment', f.comment, '-m addrtype --dst-type LOCAL', `-m ${p} -p ${p}`, `--dport ${sp.nodePort}`, '-j', f.target);
    }
  }
  if (sp.healthCheckNodePort) {
    // Accepted whether or not this node has local endpoints: the 503 is the answer load balancers need.
    filter.rule('-A', IPT.nodePorts, '-m comment --comment', q(`${spn} health check node port`), '-m tcp -p tcp', `--dport ${sp.healthCheckNodePort}`, '-j ACCEPT');
  }

  if (sp.hasInternalEndpoints) {
    const match = ['-m comment --comment', q(`${spn} cluster IP`), `-m ${p} -p ${p}`, `-d ${sp.clusterIP}`, `--dport ${sp.port}`];
    if (plan.masqueradeAll) nat.rule('-A', internalChain, ...match, '-j', IPT.markMasq);
    // Off-cluster clients may route the service CIDR to any node: masquerade them.
    else if (plan.clusterCIDR) nat.rule('-A', internalChain, ...match, `! -s ${plan.clusterCIDR}`, '-j', IPT.markMasq);
  }
  if (sp.usesExternalChain) {
    nat.chain(names.external);
    if (!sp.externalPolicyLocal) {
      nat.rule('-A', names.external, '-m comment --comment', q(`masquerade traffic for ${spn} external destinations`), '-j', IPT.markMasq);
    } else {
      if (plan.clusterCIDR) nat.rule('-A', names.external, '-m comment --comment', q(`pod traffic for ${spn} external destinations`), `-s ${plan.clusterCIDR}`, '-j', names.cluster);
      nat.rule('-A', names.external, '-m comment --comment', q(`masquerade LOCAL traffic for ${spn} external destinations`), '-m addrtype --src-type LOCAL', '-j', IPT.markMasq);
      nat.rule('-A', names.external, '-m comment --comment', q(`route LOCAL traffic for ${spn} external destinations`), '-m addrtype --src-type LOCAL', '-j', names.cluster);
    }
    if (sp.hasExternalEndpoints) nat.rule('-A', names.external, '-j', externalPolicyChain);
  }
  if (sp.usesFirewall) {
    nat.chain(names.firewall);
    const head = ['-A', names.firewall, '-m comment --comment', q(`${spn} loadbalancer IP`)];
    const coversNode = plan.nodeIP !== undefined && sp.loadBalancerSourceRanges.some((r) => cidrContains(r, plan.nodeIP as string));
    for (const r of sp.loadBalancerSourceRanges) nat.rule(...head, `-s ${r}`, '-j', names.external);
    // A node reaching a VIP-like LB IP assigned locally loops back with the LB IP as source.
    if (coversNode) for (const ip of sp.loadBalancerIPs) nat.rule(...head, `-s ${ip}`, '-j', names.external);
  }
  if (sp.usesClusterChain) {
    nat.chain(names.cluster);
    writeServiceToEndpoints(nat, sp, names.cluster, sp.clusterEndpoints, large, sepOf);
  }
  if (sp.usesLocalChain) {
    nat.chain(names.local);
    writeServiceToEndpoints(nat, sp, names.local, sp.localEndpoints, large, sepOf);
  }
  for (const ep of sp.allReachableEndpoints) {
    const chain = sepOf(ep);
    nat.chain(chain);
    const comment = large ? [] : ['-m comment --comment', spn];
    // Hairpin: a pod reaching itself through the Service needs SNAT to see the reply.
    nat.rule('-A', chain, ...comment, `-s ${ep.ip}`, '-j', IPT.markMasq);
    nat.rule('-A', chain, ...comment, ...(sp.stickySeconds ? ['-m recent', `--name ${chain}`, '--set'] : []), `-m ${p} -p ${p}`, '-j DNAT', `--to-destination ${ep.key}`);
  }
}

/** Affinity checks, then one `statistic` rule per endpoint with probability 1/(n−i); the last always matches. */
function writeServiceToEndpoints(nat: Lines, sp: ServicePortPlan, chain: string, endpoints: readonly EndpointInfo[], large: boolean, sepOf: (ep: EndpointInfo) => string): void {
  const comment = (ep: EndpointInfo): string[] => (large ? [] : ['-m comment --comment', q(`${sp.nameString} -> ${ep.key}`)]);
  if (sp.stickySeconds) {
    for (const ep of endpoints) {
      const sep = sepOf(ep);
      nat.rule('-A', chain, ...comment(ep), '-m recent', `--name ${sep}`, `--rcheck --seconds ${sp.stickySeconds} --reap`, '-j', sep);
    }
  }
  endpoints.forEach((ep, i) => {
    const last = i === endpoints.length - 1;
    nat.rule('-A', chain, ...comment(ep), last ? undefined : `-m statistic --mode random --probability ${probability(endpoints.length - i)}`, '-j', sepOf(ep));
  });
}

function cidrContains(cidr: string, ip: string): boolean {
  const [net, len] = cidr.split('/');
  const toInt = (a: string): number => a.split('.').reduce((n, o) => n * 256 + Number(o), 0);
  const bits = Number(len);
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return ((toInt(ip) & mask) >>> 0) === ((toInt(net) & mask) >>> 0);
}

/** Rule counts of an iptables-restore text: the O(n) side of the iptables/nftables contrast. */
export function countIptablesRules(text: string): { filter: number; nat: number; total: number; chains: number } {
  let table = '';
  const counts = { filter: 0, nat: 0, total: 0, chains: 0 };
  for (const line of text.split('\n')) {
    if (line.startsWith('*')) table = line.slice(1);
    else if (line.startsWith(':') && (table === 'filter' || table === 'nat')) counts.chains++;
    else if (line.startsWith('-A ')) {
      if (table === 'filter') counts.filter++;
      if (table === 'nat') counts.nat++;
      counts.total++;
    }
  }
  return counts;
}
