/**
 * Backend resolution: a Service reference (name + port number or name) → the Service port and its ready
 * endpoint addresses. Proxies send to endpoints directly (as ingress-nginx and Envoy do), so the target
 * port comes from the EndpointSlice port bound to the Service port by name.
 */
import type { Service, ServicePort } from '../../api/types.ts';
import type { ClusterView } from '../../cluster/view.ts';
import type { BackendTarget } from './types.ts';

export interface ServiceRef {
  namespace: string;
  name: string;
  port?: { number?: number; name?: string };
  weight?: number;
}

/**
 * Resolves a reference; problems become `invalid` with the status a proxy answers:
 * a missing Service or port → `missing` (Gateway API says 500, ingress-nginx answers 503),
 * no ready endpoints → 503.
 */
export function resolveServiceBackend(view: ClusterView, ref: ServiceRef, missingStatus: 500 | 503): BackendTarget {
  const portLabel = ref.port?.number ?? ref.port?.name ?? '';
  const key = `${ref.namespace}/${ref.name}:${portLabel}`;
  const base = { key, namespace: ref.namespace, service: ref.name, weight: ref.weight ?? 1, endpoints: [] as string[] };
  const svc = view.service(ref.namespace, ref.name);
  if (!svc) {
    return { ...base, invalid: { status: missingStatus, reason: 'BackendNotFound', message: `service ${ref.namespace}/${ref.name} not found` } };
  }
  const sp = findServicePort(svc, ref.port);
  if (!sp) {
    const ports = (svc.spec.ports ?? []).map((p) => (p.name ? `${p.name}/${p.port}` : String(p.port))).join(', ');
    return { ...base, invalid: { status: missingStatus, reason: 'BackendNotFound', message: `service ${ref.namespace}/${ref.name} has no port ${JSON.stringify(portLabel)} (ports: ${ports || 'none'})` } };
  }
  if (svc.spec.type === 'ExternalName') {
    return { ...base, port: sp.port, invalid: { status: missingStatus, reason: 'UnsupportedBackend', message: `service ${ref.namespace}/${ref.name} is ExternalName` } };
  }
  const endpoints = readyEndpointAddresses(view, svc, sp);
  if (!endpoints.length) {
    return { ...base, port: sp.port, invalid: { status: 503, reason: 'NoReadyEndpoints', message: `service ${ref.namespace}/${ref.name}:${sp.port} has no ready endpoints` } };
  }
  return { ...base, port: sp.port, endpoints };
}

function findServicePort(svc: Service, port: ServiceRef['port']): ServicePort | undefined {
  const ports = (svc.spec.ports ?? []).filter((p) => (p.protocol ?? 'TCP') === 'TCP');
  if (port?.number !== undefined) return ports.find((p) => p.port === port.number);
  if (port?.name !== undefined) return ports.find((p) => (p.name ?? '') === port.name);
  return undefined;
}

/** Ready `ip:targetPort` of one Service port (nil `ready` counts as ready, as consumers must assume). */
export function readyEndpointAddresses(view: ClusterView, svc: Service, sp: ServicePort): string[] {
  const out = new Set<string>();
  for (const slice of view.slicesForService(svc.metadata.namespace ?? 'default', svc.metadata.name)) {
    const port = (slice.ports ?? []).find((p) => (p.name ?? '') === (sp.name ?? '') && (p.protocol ?? 'TCP') === 'TCP');
    if (!port || port.port === undefined || port.port === null) continue;
    for (const ep of slice.endpoints ?? []) {
      if (ep.conditions?.ready === false) continue;
      for (const ip of ep.addresses) out.add(slice.addressType === 'IPv6' ? `[${ip}]:${port.port}` : `${ip}:${port.port}`);
    }
  }
  return [...out].sort();
}
