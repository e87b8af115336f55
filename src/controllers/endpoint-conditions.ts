/**
 * Which pods back a Service and how (k8s.io/endpointslice utils + util/controller_utils): eligibility,
 * the ready/serving/terminating conditions, the hostname rule, and named targetPort resolution.
 */
import { parseIP } from '../api/cidr.ts';
import type { Container, Pod, Service, ServicePort } from '../api/types.ts';

/** Terminal pods (Succeeded/Failed) never back a Service, nor do pods without an IP yet. */
export function shouldPodBeInEndpoints(pod: Pod, includeTerminating: boolean): boolean {
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return false;
  if (!podIPs(pod).length) return false;
  if (!includeTerminating && pod.metadata.deletionTimestamp) return false;
  return true;
}

/** status.podIPs, or status.podIP for pods that carry only that. */
export function podIPs(pod: Pod): string[] {
  const list = (pod.status?.podIPs ?? []).map((p) => p.ip).filter((ip) => typeof ip === 'string' && ip !== '');
  if (list.length) return list;
  return pod.status?.podIP ? [pod.status.podIP] : [];
}

/** The pod's Ready condition is True. */
export function isPodReady(pod: Pod): boolean {
  return (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

export interface EndpointConditionValues {
  ready: boolean;
  serving: boolean;
  terminating: boolean;
}

/**
 * serving = pod Ready; terminating = deletionTimestamp set; ready = publishNotReadyAddresses ||
 * (serving && !terminating): a terminating pod is never ready unless the Service publishes not-ready
 * addresses, but may still be serving (KEP-1672), which kube-proxy falls back to.
 */
export function endpointConditions(pod: Pod, service: Service): EndpointConditionValues {
  const serving = isPodReady(pod);
  const terminating = !!pod.metadata.deletionTimestamp;
  const ready = service.spec.publishNotReadyAddresses === true || (serving && !terminating);
  return { ready, serving, terminating };
}

/** hostname is published only for pods whose spec.subdomain names this Service (same namespace). */
export function shouldSetHostname(pod: Pod, service: Service): boolean {
  return !!pod.spec.hostname && pod.spec.subdomain === service.metadata.name && pod.metadata.namespace === service.metadata.namespace;
}

/** Sidecars (init containers with restartPolicy Always) expose ports like regular containers. */
function portContainers(pod: Pod): Container[] {
  const sidecars = (pod.spec.initContainers ?? []).filter((c) => c.restartPolicy === 'Always');
  return [...(pod.spec.containers ?? []), ...sidecars];
}

/**
 * findPort: a numeric targetPort is used as is (no containerPort needed); a named one resolves to the
 * first container port with that name AND the Service port's protocol. undefined = no such port.
 */
export function findPort(pod: Pod, port: ServicePort): number | undefined {
  const target = port.targetPort ?? port.port;
  if (typeof target === 'number') return target;
  if (/^\d+$/.test(target)) return Number(target);
  const protocol = port.protocol ?? 'TCP';
  for (const c of portContainers(pod)) {
    for (const cp of c.ports ?? []) {
      if (cp.name === target && (cp.protocol ?? 'TCP') === protocol) return cp.containerPort;
    }
  }
  return undefined;
}

export type AddressType = 'IPv4' | 'IPv6';

const DOTTED_QUAD = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export function addressTypeOf(ip: string): AddressType | undefined {
  if (DOTTED_QUAD.test(ip)) return 'IPv4'; // the common case, without a full parse
  const p = parseIP(ip);
  return p ? (p.family === 4 ? 'IPv4' : 'IPv6') : undefined;
}

/**
 * The address types a Service's slices carry: its ipFamilies; else the family of its ClusterIP;
 * a headless Service without families gets both (getAddressTypesForService).
 */
export function addressTypesForService(service: Service): AddressType[] {
  const fams = service.spec.ipFamilies ?? [];
  if (fams.length) return [...new Set(fams)].sort() as AddressType[];
  const ip = service.spec.clusterIP;
  if (ip && ip !== 'None') return [addressTypeOf(ip) ?? 'IPv4'];
  return ['IPv4', 'IPv6'];
}
