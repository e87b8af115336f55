/**
 * @module model/dns — cluster DNS: CoreDNS-compatible answers over a ClusterView (spec schema 1.1.0 plus
 * the kubernetes plugin's behaviour), pod resolv.conf as kubelet writes it, and the stub resolver's
 * search walk. Pure: no I/O; the dataplane server and the CLI ask these functions.
 */
export { ClusterDNS, type ClusterDNSOptions, type DNSClient } from './cluster-dns.ts';
export { KubernetesPlugin, DNS_SCHEMA_VERSION } from './kubernetes.ts';
export { emptyResponse, isNoData, RCODE_VALUES, type DNSResponse, type Question, type Rcode, type Responder } from './message.ts';
export { absoluteName, endpointName, ipFromPodLabel, ipFromReverseName, isSubdomain, lowerName, reverseName } from './names.ts';
export { lookupFromPod, type PodLookup } from './pod-lookup.ts';
export { parseRecord, QUESTION_TYPES, rdataText, recordText, RecordSyntaxError, type ResourceRecord, type RRType } from './records.ts';
export { parseRequest, type RecordRequest } from './request.ts';
export {
  effectiveDNSPolicy, MAX_NAMESERVERS, MAX_SEARCH_CHARS, MAX_SEARCH_PATHS, ndotsOf, nodeResolvConf, parseResolvConf, podResolvConf,
  renderResolvConf, type EffectiveDNSPolicy, type PodResolvConf, type ResolvConf,
} from './resolv-conf.ts';
export { resolveName, searchCandidates, type Libc, type Resolution, type Transport, type WalkStep } from './stub-resolver.ts';
export { UpstreamConfigError, UpstreamResolver, UPSTREAM_DEFAULT_TTL } from './upstream.ts';
export { ClusterZone, clusterDNSIP, type ZoneOptions } from './zone.ts';
export { wireFit, type WireFit } from './wire-size.ts';
