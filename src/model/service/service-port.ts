/**
 * kube-proxy's view of Services: which Services it proxies at all, and per port the addresses it
 * captures and the policies it applies (pkg/proxy/serviceport.go, pkg/api/v1/service/util.go).
 */
import { parseCIDR, parseIP } from '../../api/cidr.ts';
import type { Service, ServicePort } from '../../api/types.ts';
import type { ServicePortName, ServiceProtocol } from './chain-names.ts';

/** kube-proxy watches Services and EndpointSlices with `!service-proxy-name,!headless`. */
export const LABEL_SERVICE_PROXY_NAME = 'service.kubernetes.io/service-proxy-name';
export const LABEL_HEADLESS = 'service.kubernetes.io/headless';
export const DEFAULT_CLIENT_IP_TIMEOUT_SECONDS = 10800;

/** Why kube-proxy does not proxy a Service, or undefined when it does. */
export function skipReason(svc: Service): string | undefined {
  const labels = svc.metadata.labels ?? {};
  if (LABEL_SERVICE_PROXY_NAME in labels) return `labelled ${LABEL_SERVICE_PROXY_NAME}: another proxy owns it`;
  if (LABEL_HEADLESS in labels) return `labelled ${LABEL_HEADLESS}`;
  if (svc.spec.type === 'ExternalName') return 'type ExternalName: a DNS CNAME only, never proxied';
  const ip = svc.spec.clusterIP;
  if (!ip || ip === 'None') return 'headless (clusterIP: None): DNS returns the endpoints, no virtual IP';
  return undefined;
}

/** One proxied Service port, as the per-node plan and the renderers need it. */
export interface ServicePortInfo {
  name: ServicePortName;
  /** `ns/svc:port` (ServicePortName.String()). */
  nameString: string;
  clusterIP: string;
  port: number;
  /** 0 when the port has no NodePort. */
  nodePort: number;
  externalIPs: string[];
  /** status.loadBalancer.ingress IPs kube-proxy captures (ipMode Proxy excluded). */
  loadBalancerIPs: string[];
  loadBalancerSourceRanges: string[];
  /** 0 unless type LoadBalancer with externalTrafficPolicy Local. */
  healthCheckNodePort: number;
  internalPolicyLocal: boolean;
  /** externalTrafficPolicy Local on an externally accessible Service. */
  externalPolicyLocal: boolean;
  /** NodePort, LoadBalancer, or ClusterIP with externalIPs (ExternallyAccessible). */
  externallyAccessible: boolean;
  /** sessionAffinity ClientIP timeout, or 0 for no affinity. */
  stickySeconds: number;
}

/** The port's ServicePortInfo for the IPv4 proxier, or undefined when not proxied. */
export function servicePortInfo(svc: Service, port: ServicePort): ServicePortInfo | undefined {
  if (skipReason(svc)) return undefined;
  const clusterIP = ipv4ClusterIP(svc);
  if (!clusterIP) return undefined;
  const protocol: ServiceProtocol = port.protocol ?? 'TCP';
  const name: ServicePortName = { namespace: svc.metadata.namespace ?? 'default', name: svc.metadata.name, port: port.name ?? '', protocol };
  const type = svc.spec.type ?? 'ClusterIP';
  const externalIPs = unique((svc.spec.externalIPs ?? []).filter(isIPv4));
  const externallyAccessible = type === 'LoadBalancer' || type === 'NodePort' || (type === 'ClusterIP' && (svc.spec.externalIPs ?? []).length > 0);
  const loadBalancerIPs = type === 'LoadBalancer'
    ? unique((svc.status?.loadBalancer?.ingress ?? []).filter((i) => i.ip && i.ipMode !== 'Proxy' && isIPv4(i.ip)).map((i) => i.ip as string))
    : [];
  // Only VIP-like load balancers get source-range filtering; whitespace is trimmed as upstream does.
  const loadBalancerSourceRanges = loadBalancerIPs.length
    ? unique((svc.spec.loadBalancerSourceRanges ?? []).map((r) => r.trim()).map((r) => parseCIDR(r)).filter((c) => c?.family === 4).map((c) => (c as NonNullable<typeof c>).toString()))
    : [];
  const externalPolicyLocal = externallyAccessible && svc.spec.externalTrafficPolicy === 'Local';
  const affinity = svc.spec.sessionAffinity === 'ClientIP';
  return {
    name,
    nameString: name.port === '' ? `${name.namespace}/${name.name}` : `${name.namespace}/${name.name}:${name.port}`,
    clusterIP,
    port: port.port,
    nodePort: type === 'NodePort' || type === 'LoadBalancer' ? (port.nodePort ?? 0) : 0,
    externalIPs,
    loadBalancerIPs,
    loadBalancerSourceRanges,
    healthCheckNodePort: type === 'LoadBalancer' && externalPolicyLocal ? (svc.spec.healthCheckNodePort ?? 0) : 0,
    internalPolicyLocal: svc.spec.internalTrafficPolicy === 'Local',
    externalPolicyLocal,
    externallyAccessible,
    stickySeconds: affinity ? (svc.spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? DEFAULT_CLIENT_IP_TIMEOUT_SECONDS) : 0,
  };
}

/** The Service's IPv4 ClusterIP (clusterIPs in dual-stack Services), if any. */
function ipv4ClusterIP(svc: Service): string | undefined {
  const ips = svc.spec.clusterIPs?.length ? svc.spec.clusterIPs : svc.spec.clusterIP ? [svc.spec.clusterIP] : [];
  return ips.find(isIPv4);
}

function isIPv4(ip: string): boolean {
  return parseIP(ip)?.family === 4;
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

/** Cluster endpoints are used for ClusterIP traffic under iTP Cluster, and always when external traffic exists (short-circuits). */
export function usesClusterEndpoints(sp: ServicePortInfo): boolean {
  return !sp.internalPolicyLocal || sp.externallyAccessible;
}

/** Local endpoints are used by iTP Local, or by eTP Local on an externally accessible Service. */
export function usesLocalEndpoints(sp: ServicePortInfo): boolean {
  return sp.internalPolicyLocal || (sp.externalPolicyLocal && sp.externallyAccessible);
}
