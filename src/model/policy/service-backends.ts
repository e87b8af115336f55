/**
 * TEMPORARY: to be replaced by the Service model's decide() (src/model/service/) once it lands.
 * Resolves ClusterIP:port to its ready backends through EndpointSlices only, so policy can judge
 * Service traffic the way every mainstream CNI does: after DNAT, against backend pod and targetPort.
 */
import type { Protocol, Service } from '../../api/types.ts';
import type { ClusterView } from '../../cluster/view.ts';
import { readyEndpoints } from '../verify/endpoints-check.ts';

export interface ServiceBackends {
  service: string;
  /** The Service port matched, or null when the Service does not expose port/protocol. */
  servicePort: { name: string; port: number; protocol: Protocol } | null;
  backends: { ip: string; port: number }[];
}

export function serviceBackends(view: ClusterView, svc: Service, port: number, protocol: Protocol): ServiceBackends {
  const namespace = svc.metadata.namespace ?? 'default';
  const ref = `${namespace}/${svc.metadata.name}`;
  const sp = (svc.spec.ports ?? []).find((p) => p.port === port && (p.protocol ?? 'TCP') === protocol);
  if (!sp) return { service: ref, servicePort: null, backends: [] };
  const backends = readyEndpoints(view, namespace, svc.metadata.name, sp.name ?? '', protocol).map((hp) => {
    const i = hp.lastIndexOf(':');
    return { ip: hp.slice(0, i), port: Number(hp.slice(i + 1)) };
  });
  return { service: ref, servicePort: { name: sp.name ?? '', port, protocol }, backends };
}
