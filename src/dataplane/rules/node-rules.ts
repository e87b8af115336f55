/**
 * What one node's agent puts in the kernel, computed from a ClusterView: kube-proxy's rules (the
 * nftables table, or iptables-restore input for `proxyMode: iptables`), the NetworkPolicy table and
 * the egress NAT table — all render/ output — and, between two states, the transaction that turns
 * one into the other. Pure; the agent executes the result.
 */
import type { ProxyMode } from '../../cluster/config.ts';
import type { ClusterView } from '../../cluster/view.ts';
import { PolicyIndex } from '../../model/policy/index.ts';
import { buildProxyPlan, type ProxyNodePlan } from '../../model/service/index.ts';
import { renderIptables, renderNftables, renderNftablesUpdate, renderStaleChainDeletion } from '../../render/kube-proxy/index.ts';
import { renderNetpol } from '../../render/netpol/index.ts';
import { staleUDPFlows } from './conntrack.ts';
import { renderEgressMasquerade } from './egress-masquerade.ts';

/** Proxy modes the kernel here can run; IPVS is absent (no CONFIG_IP_VS, no module loading). */
export const SUPPORTED_PROXY_MODES: readonly ProxyMode[] = ['nftables', 'iptables'];

/** Why `up` refuses the proxy mode, or undefined. */
export function unsupportedProxyMode(mode: ProxyMode): string | undefined {
  if (mode === 'ipvs') {
    return 'proxyMode ipvs needs the kernel\'s IPVS (CONFIG_IP_VS), which this kernel does not have (monolithic, no modules); use proxyMode: nftables or iptables';
  }
  return undefined;
}

export interface NodeRules {
  node: string;
  mode: ProxyMode;
  plan: ProxyNodePlan;
  /** kube-proxy's text: `nft -f` input (nftables) or `iptables-restore` input (iptables). */
  proxy: string;
  netpol: string;
  masquerade: string;
}

export class NodeRulesError extends Error {}

export function nodeRules(view: ClusterView, node: string): NodeRules {
  const mode = view.config.proxyMode;
  const refused = unsupportedProxyMode(mode);
  if (refused) throw new NodeRulesError(refused);
  const plan = buildProxyPlan(view, node, { mode });
  if (!plan) throw new NodeRulesError(`node ${node} is not in the cluster`);
  const index = new PolicyIndex(view);
  return {
    node,
    mode,
    plan,
    // standalone: the built-in chains' jumps are part of the text, so a plain restore is a full replace.
    proxy: mode === 'nftables' ? renderNftables(plan) : renderIptables(plan, { standalone: true }),
    netpol: renderNetpol(index, node),
    masquerade: renderEgressMasquerade(view.config.podCIDR),
  };
}

/** One sync: what to load and what to clean up, in this order. */
export interface RulesSync {
  /** `nft -f` text (kube-proxy in nftables mode, policy, NAT), empty when nothing changed. */
  nft: string;
  /** iptables-restore input, empty when unchanged (or not iptables mode). */
  iptables: string;
  /** Chains the nft update flushed; delete them in a later transaction. */
  staleChains: string[];
  /** `conntrack -D` argument lists. */
  conntrack: string[][];
  /** What changed, for the log. */
  changed: string[];
}

/** The sync from `prev` (undefined: nothing loaded yet) to `next`. */
export function rulesSync(prev: NodeRules | undefined, next: NodeRules): RulesSync {
  const nft: string[] = [];
  const changed: string[] = [];
  let iptables = '';
  let staleChains: string[] = [];
  if (next.mode === 'nftables') {
    if (!prev || prev.mode !== 'nftables') {
      nft.push(next.proxy);
      changed.push('kube-proxy (full)');
    } else {
      const u = renderNftablesUpdate(prev.plan, next.plan);
      if (u.text) {
        nft.push(u.text);
        changed.push(u.full ? 'kube-proxy (full)' : `kube-proxy (${u.changed.length} service ports)`);
      }
      staleChains = u.staleChains;
    }
  } else if (!prev || prev.proxy !== next.proxy) {
    iptables = next.proxy;
    changed.push('kube-proxy (iptables-restore)');
  }
  if (!prev || prev.masquerade !== next.masquerade) {
    nft.push(next.masquerade);
    changed.push('egress NAT');
  }
  if (!prev || prev.netpol !== next.netpol) {
    nft.push(next.netpol);
    changed.push('NetworkPolicy');
  }
  return { nft: nft.join('\n'), iptables, staleChains, conntrack: staleUDPFlows(prev?.plan, next.plan), changed };
}

export { renderStaleChainDeletion };
