/**
 * @module model/service — Services as kube-proxy implements them: the per-node plan (service ports ×
 * endpoints, categorised as upstream does), decide() for a new connection, the healthCheckNodePort
 * answer, and the Service-address → backends resolution other models build on.
 */
export {
  servicePortNameString, iptablesServiceChains, iptablesEndpointChain, nftServiceChains, nftEndpointNames,
  nftServicePortBase, nftEndpointBase, NFT_CHAIN_PREFIX, IPTABLES_CHAIN_PREFIX,
  type ServicePortName, type ServiceProtocol, type IptablesServiceChains, type NftServiceChains,
} from './chain-names.ts';
export { sha256, base32, hashBase32 } from './sha256.ts';
export {
  skipReason, servicePortInfo, usesClusterEndpoints, usesLocalEndpoints, LABEL_SERVICE_PROXY_NAME, LABEL_HEADLESS,
  DEFAULT_CLIENT_IP_TIMEOUT_SECONDS, type ServicePortInfo,
} from './service-port.ts';
export { servicePortEndpoints, sliceIgnored, type EndpointInfo } from './endpoints.ts';
export { categorizeEndpoints, topologyModeFromHints, type CategorizedEndpoints } from './topology.ts';
export {
  buildProxyPlan, updateProxyPlan, planServicePort, LABEL_TOPOLOGY_ZONE,
  type ProxyNodePlan, type ServicePortPlan, type ProxyMode, type ProxyPlanOptions, type NoEndpointVerdict, type SkippedService,
} from './node-plan.ts';
export {
  decide, classifyOrigin, isHostAddress, acceptsNodePort, firewallAllowedSources,
  type ProxyPacket, type ProxyDecision, type ProxyBackend, type ProxyVerdict, type PacketOrigin, type ServiceAddressKind,
  type AffinityEntry, type DecideOptions, type HealthCheckAnswer,
} from './decide.ts';
export {
  resolveServiceDestination,
  type ServiceDestination, type ServiceDestinationBackend, type ServiceDestinationOptions, type ServiceDestinationQuery,
} from './service-destination.ts';
export { resolveProxyClient, ProxyClientError, type ProxyClient } from './client.ts';
export { healthCheckResponse, type HealthCheckResponse } from './health-check.ts';
