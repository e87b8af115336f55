/**
 * Services in one key order: the field order of the Kubernetes Go types (what the API server
 * prints). Allocation rewrites Services that arrive with fields in any order (manifests, the
 * carried-over values of a re-apply); putting them in one order makes an unchanged Service
 * serialize identically on every apply.
 */
import type { Service, ServicePort, ServiceSpec } from '../api/types.ts';

const SPEC_ORDER = [
  'ports', 'selector', 'clusterIP', 'clusterIPs', 'type', 'externalIPs', 'sessionAffinity', 'loadBalancerIP',
  'loadBalancerSourceRanges', 'externalName', 'externalTrafficPolicy', 'healthCheckNodePort', 'publishNotReadyAddresses',
  'sessionAffinityConfig', 'ipFamilies', 'ipFamilyPolicy', 'allocateLoadBalancerNodePorts', 'loadBalancerClass',
  'internalTrafficPolicy', 'trafficDistribution',
];
const PORT_ORDER = ['name', 'protocol', 'appProtocol', 'port', 'targetPort', 'nodePort'];

/** `obj` with `order`'s keys first (those present), then any other keys in their original order. */
export function ordered<T extends object>(obj: T, order: readonly string[]): T {
  const src = obj as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of order) if (k in src && src[k] !== undefined) out[k] = src[k];
  for (const k of Object.keys(src)) if (!(k in out) && src[k] !== undefined) out[k] = src[k];
  return out as T;
}

export function canonicalServiceSpec(spec: ServiceSpec): ServiceSpec {
  const out = ordered(spec, SPEC_ORDER);
  if (Array.isArray(out.ports)) out.ports = out.ports.map((p: ServicePort) => ordered(p, PORT_ORDER));
  return out;
}

/** `svc` with spec in canonical order, or `svc` itself when it already is (identity kept for the diff). */
export function withCanonicalSpec(svc: Service, spec: ServiceSpec, status: Service['status']): Service {
  const canonical = canonicalServiceSpec(spec);
  const sameSpec = JSON.stringify(canonical) === JSON.stringify(svc.spec);
  const sameStatus = JSON.stringify(status) === JSON.stringify(svc.status);
  if (sameSpec && sameStatus) return svc;
  const next: Service = { ...svc, spec: canonical };
  if (status === undefined) delete next.status;
  else next.status = status;
  return next;
}
