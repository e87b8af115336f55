/**
 * The NetworkPolicy ruleset of one node as an nftables table (`table inet podnet-netpol`), loaded
 * with `nft -f` as one atomic replace. The base chain hooks forward (after DNAT: it sees the backend
 * pod's address and port, never a Service address), accepts established/related flows first, then
 * sends new flows through the source pod's egress chain and the destination pod's ingress chain,
 * each a verdict-map lookup by pod IP. An egress chain `return`s when a rule allows (the ingress
 * check still follows); an ingress chain `accept`s. Anything a chain does not allow is rejected
 * with admin-prohibited, so a denied connect fails at once. Traffic from the node itself (kubelet
 * probes: output hook) is never filtered, as the model says.
 */
import { formatAddressInterval, formatPortInterval, nftSet } from './intervals.ts';
import type { NetpolPodChain, NetpolRule, NetpolRuleset } from './ruleset.ts';

export const NETPOL = {
  family: 'inet',
  table: 'podnet-netpol',
  forwardChain: 'forward',
  ingressMap: 'ingress-pods',
  egressMap: 'egress-pods',
  clusterAddressesSet: 'cluster-addresses',
  /** After kube-proxy's filter-forward (priority filter): its rejects of unknown Service ports come first. */
  priority: 'filter + 10',
  reject: 'reject with icmpx admin-prohibited',
} as const;

const MAX_COMMENT = 120;
const quote = (text: string): string => `"${(text.length > MAX_COMMENT ? `${text.slice(0, MAX_COMMENT - 1)}…` : text).replaceAll('"', "'")}"`;

/** One allow rule: `ip daddr {…} meta l4proto tcp th dport {…} return comment "…"`. */
export function formatRule(rule: NetpolRule, direction: 'ingress' | 'egress'): string {
  const addr = direction === 'ingress' ? 'ip saddr' : 'ip daddr';
  const words: string[] = [];
  if (rule.notCluster) words.push(`${addr} != @${NETPOL.clusterAddressesSet}`);
  if (rule.peers) words.push(`${addr} ${nftSet(rule.peers.map(formatAddressInterval))}`);
  if (rule.protocol) words.push(`meta l4proto ${rule.protocol}`);
  if (rule.ports) words.push(`th dport ${nftSet(rule.ports.map(formatPortInterval))}`);
  words.push(direction === 'ingress' ? 'accept' : 'return', `comment ${quote(rule.comment)}`);
  return words.join(' ');
}

function chainBlock(c: NetpolPodChain): string[] {
  const lines = [`\tchain ${c.chain} {`, `\t\t# ${c.pod} ${c.direction}, isolated by ${c.policies.join(', ')}`];
  for (const r of c.rules) lines.push(`\t\t${formatRule(r, c.direction)}`);
  lines.push(`\t\tcounter ${NETPOL.reject} comment ${quote(`${c.pod}: no ${c.direction} rule allows`)}`, '\t}');
  return lines;
}

function verdictMap(name: string, chains: readonly NetpolPodChain[]): string[] {
  const head = `\tmap ${name} { type ipv4_addr : verdict;`;
  if (!chains.length) return [`${head} }`];
  return [head, `\t\telements = { ${chains.map((c) => `${c.ip} : jump ${c.chain}`).join(',\n\t\t\t')} }`, '\t}'];
}

/**
 * `nft -f` text that replaces the node's policy table, or (for a CNI enforcing nothing) removes
 * any table of that name: such nodes have no policy table at all.
 */
export function renderNetpolNftables(rs: NetpolRuleset): string {
  const where = `${NETPOL.family} ${NETPOL.table}`;
  const reset = [`table ${where}`, `delete table ${where}`];
  if (!rs.enforced) return `# ${rs.cni} enforces no NetworkPolicy: node ${rs.node} has no policy table\n${reset.join('\n')}\n`;
  const lines = [`# NetworkPolicy for node ${rs.node} (${rs.cni})`, ...reset, `table ${where} {`];
  // Objects are declared before anything refers to them: the set, the pod chains, the maps, the hook.
  if (rs.clusterAddresses.length) {
    lines.push(`\tset ${NETPOL.clusterAddressesSet} { type ipv4_addr;`, `\t\telements = { ${rs.clusterAddresses.join(', ')} }`, '\t}');
  }
  for (const c of [...rs.egress, ...rs.ingress]) lines.push(...chainBlock(c));
  lines.push(...verdictMap(NETPOL.egressMap, rs.egress), ...verdictMap(NETPOL.ingressMap, rs.ingress));
  lines.push(
    `\tchain ${NETPOL.forwardChain} {`,
    `\t\ttype filter hook forward priority ${NETPOL.priority}; policy accept;`,
    '\t\tct state established,related accept',
    '\t\tct state invalid drop',
    `\t\tip saddr vmap @${NETPOL.egressMap}`,
    `\t\tip daddr vmap @${NETPOL.ingressMap}`,
    '\t}',
    '}',
  );
  return `${lines.join('\n')}\n`;
}
