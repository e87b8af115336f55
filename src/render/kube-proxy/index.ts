/**
 * @module render/kube-proxy — kube-proxy's kernel state for one node, rendered from the model's
 * per-node plan: nftables (full and partial), iptables-restore input, ipvsadm-save.
 */
export {
  renderNftables, renderNftablesUpdate, renderStaleChainDeletion, nftablesTransaction, servicePortObjects,
  NFT, NFT_BASE_CHAINS, NFT_JUMP_CHAINS, MASQUERADE_MARK,
  type NftRenderOptions, type NftUpdate, type NftServicePortObjects, type NftElement, type NftChainBlock,
} from './nftables.ts';
export { NftTransaction, formatOp, type NftOp, type NftObject, type NftBaseChain, type NftFamily } from './nft-transaction.ts';
export {
  renderIptables, countIptablesRules, probability, IPT, IPTABLES_JUMP_CHAINS, LARGE_CLUSTER_ENDPOINTS_THRESHOLD,
  type IptablesRenderOptions,
} from './iptables.ts';
export {
  renderIpvs, ipvsVirtualServers, ipvsDummyAddresses, IPVS_SCHEDULERS,
  type IpvsScheduler, type IpvsRenderOptions, type IpvsVirtualServer,
} from './ipvs.ts';
