/**
 * kube-proxy's generated names: pure functions of a service port's identity (and an endpoint's
 * "ip:port"), so the model can name the chains a packet walks and the renderers emit the same names.
 */
import { hashBase32 } from './sha256.ts';

export type ServiceProtocol = 'TCP' | 'UDP' | 'SCTP';

/** kube-proxy's ServicePortName: one proxied (Service, port name, protocol). */
export interface ServicePortName {
  namespace: string;
  name: string;
  /** The Service port's name; "" for a single unnamed port. */
  port: string;
  protocol: ServiceProtocol;
}

/** `ns/svc:port`, or `ns/svc` when the port is unnamed (ServicePortName.String()). */
export function servicePortNameString(spn: ServicePortName): string {
  const base = `${spn.namespace}/${spn.name}`;
  return spn.port === '' ? base : `${base}:${spn.port}`;
}

// ---- iptables mode (pkg/proxy/iptables) ----

export const IPTABLES_CHAIN_PREFIX = {
  cluster: 'KUBE-SVC-',
  local: 'KUBE-SVL-',
  external: 'KUBE-EXT-',
  firewall: 'KUBE-FW-',
  endpoint: 'KUBE-SEP-',
} as const;

/** The 16-character hash of SPN + protocol that KUBE-SVC/SVL/EXT/FW chains share. */
export function iptablesPortProtoHash(spn: ServicePortName): string {
  return hashBase32(servicePortNameString(spn) + spn.protocol.toLowerCase(), 16);
}

export interface IptablesServiceChains {
  cluster: string;
  local: string;
  external: string;
  firewall: string;
}

export function iptablesServiceChains(spn: ServicePortName): IptablesServiceChains {
  const h = iptablesPortProtoHash(spn);
  return {
    cluster: IPTABLES_CHAIN_PREFIX.cluster + h,
    local: IPTABLES_CHAIN_PREFIX.local + h,
    external: IPTABLES_CHAIN_PREFIX.external + h,
    firewall: IPTABLES_CHAIN_PREFIX.firewall + h,
  };
}

/** KUBE-SEP-<hash(SPN + proto + "ip:port")>. */
export function iptablesEndpointChain(spn: ServicePortName, endpoint: string): string {
  return IPTABLES_CHAIN_PREFIX.endpoint + hashBase32(servicePortNameString(spn) + spn.protocol.toLowerCase() + endpoint, 16);
}

// ---- nftables mode (pkg/proxy/nftables) ----

/** knftables.NameLengthMax (nft's NFT_NAME_MAXLEN): the base of a name may then be 240 characters. */
const NFT_NAME_LENGTH_MAX = 256;
/** Longest prefix ("endpoint-", "affinity-", …) including its hyphen. */
const CHAIN_NAME_PREFIX_LENGTH_MAX = 16;
const CHAIN_NAME_BASE_LENGTH_MAX = NFT_NAME_LENGTH_MAX - CHAIN_NAME_PREFIX_LENGTH_MAX;

export const NFT_CHAIN_PREFIX = {
  cluster: 'service-',
  local: 'local-',
  external: 'external-',
  firewall: 'firewall-',
  endpoint: 'endpoint-',
  affinity: 'affinity-',
} as const;

/**
 * HASH-name, cut with "..." past the length limit: the hash keeps cut names unique and makes chains
 * that differ in one digit easy to tell apart.
 */
function hashAndTruncate(name: string): string {
  const full = `${hashBase32(name, 8)}-${name}`;
  return full.length > CHAIN_NAME_BASE_LENGTH_MAX ? `${full.slice(0, CHAIN_NAME_BASE_LENGTH_MAX - 3)}...` : full;
}

/**
 * `HASH-ns/svc/proto/port`. Namespace, Service and port names are DNS labels and the protocol is
 * tcp|udp|sctp, all legal in nft chain names; "/" separates them because none of them may contain it.
 */
export function nftServicePortBase(spn: ServicePortName): string {
  return hashAndTruncate(`${spn.namespace}/${spn.name}/${spn.protocol.toLowerCase()}/${spn.port}`);
}

/** `HASH-ns/svc/proto/port__IP/PORT`; IPv6 colons (illegal in names) become dots. */
export function nftEndpointBase(spn: ServicePortName, ip: string, port: number): string {
  return hashAndTruncate(`${spn.namespace}/${spn.name}/${spn.protocol.toLowerCase()}/${spn.port}__${ip.replaceAll(':', '.')}/${port}`);
}

export interface NftServiceChains {
  cluster: string;
  local: string;
  external: string;
  firewall: string;
}

export function nftServiceChains(spn: ServicePortName): NftServiceChains {
  const base = nftServicePortBase(spn);
  return {
    cluster: NFT_CHAIN_PREFIX.cluster + base,
    local: NFT_CHAIN_PREFIX.local + base,
    external: NFT_CHAIN_PREFIX.external + base,
    firewall: NFT_CHAIN_PREFIX.firewall + base,
  };
}

export function nftEndpointNames(spn: ServicePortName, ip: string, port: number): { chain: string; affinitySet: string } {
  const base = nftEndpointBase(spn, ip, port);
  return { chain: NFT_CHAIN_PREFIX.endpoint + base, affinitySet: NFT_CHAIN_PREFIX.affinity + base };
}
