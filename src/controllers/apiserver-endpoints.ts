/**
 * The `kubernetes` Service's endpoints. No controller derives them from pods: the API server's
 * endpoint reconciler (pkg/controlplane/reconcilers) writes its own address — here the control-plane
 * nodes' InternalIPs (nodes labelled node-role.kubernetes.io/control-plane, else the first node) on
 * the secure port 6443 named `https` — into Endpoints `default/kubernetes` (labelled skip-mirror) and
 * the EndpointSlice `default/kubernetes` (endpointsadapter: same name, no managed-by label).
 */
import type { EndpointPort, Endpoints, EndpointSlice, Node, Service } from '../api/types.ts';
import { addressTypeOf } from './endpoint-conditions.ts';
import { SERVICE_NAME_LABEL, SKIP_MIRROR_LABEL } from './endpoints-mirroring.ts';
import { serverMetadata } from './semantic-equality.ts';

const CONTROL_PLANE_LABELS = ['node-role.kubernetes.io/control-plane', 'node-role.kubernetes.io/master'];
/** kube-apiserver --secure-port default. */
export const APISERVER_PORT = 6443;

function internalIP(node: Node): string | undefined {
  return node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
}

/** Addresses the API server advertises: control-plane nodes, else the first node (by name). */
export function apiServerAddresses(nodes: readonly Node[]): string[] {
  const sorted = [...nodes].sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1));
  const cp = sorted.filter((n) => CONTROL_PLANE_LABELS.some((l) => n.metadata.labels?.[l] !== undefined));
  const chosen = cp.length ? cp : sorted.slice(0, 1);
  return chosen.map(internalIP).filter((ip): ip is string => !!ip);
}

function apiServerPort(service: Service): EndpointPort {
  const sp = service.spec.ports?.find((p) => p.name === 'https') ?? service.spec.ports?.[0];
  const port = typeof sp?.targetPort === 'number' ? sp.targetPort : APISERVER_PORT;
  return { name: sp?.name ?? 'https', port, protocol: 'TCP' };
}

export function apiServerEndpoints(service: Service, ips: readonly string[], existing: Endpoints | undefined): Endpoints {
  const port = apiServerPort(service);
  return {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: service.metadata.name, namespace: service.metadata.namespace, labels: { [SKIP_MIRROR_LABEL]: 'true' }, ...serverMetadata(existing) },
    subsets: [{ addresses: ips.map((ip) => ({ ip })), ports: [port] }],
  };
}

export function apiServerEndpointSlice(service: Service, ips: readonly string[], existing: EndpointSlice | undefined): EndpointSlice {
  const port = apiServerPort(service);
  const addressType = addressTypeOf(ips[0]) ?? 'IPv4';
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: service.metadata.name, namespace: service.metadata.namespace, labels: { [SERVICE_NAME_LABEL]: service.metadata.name }, ...serverMetadata(existing) },
    addressType,
    endpoints: ips.filter((ip) => addressTypeOf(ip) === addressType).map((ip) => ({ addresses: [ip], conditions: { ready: true } })),
    ports: [{ name: port.name, protocol: port.protocol, port: port.port }],
  };
}
