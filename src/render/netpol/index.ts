/**
 * @module render/netpol — NetworkPolicy as a per-node nftables table, compiled from the policy
 * model's index: the ruleset as data (for tests and interpreters) and its `nft -f` text.
 */
import type { PolicyIndex } from '../../model/policy/index.ts';
import { renderNetpolNftables } from './nftables.ts';
import { netpolRuleset } from './ruleset.ts';

export { netpolRuleset, podChainName, type NetpolRuleset, type NetpolPodChain, type NetpolRule, type NftProtocol } from './ruleset.ts';
export { renderNetpolNftables, formatRule, NETPOL } from './nftables.ts';
export { normalize, subtract, formatAddressInterval, formatPortInterval, type Interval } from './intervals.ts';

/** The `nft -f` text of `node`'s policy table. */
export function renderNetpol(index: PolicyIndex, node: string): string {
  return renderNetpolNftables(netpolRuleset(index, node));
}
