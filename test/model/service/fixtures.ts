/**
 * Objects for Service/kube-proxy tests, written as a cluster after the controllers ran: Services
 * defaulted and allocated, EndpointSlices explicit.
 *
 * Address plan shared by every service and kube-proxy test:
 *   cluster CIDR (pods)    10.244.0.0/16   node-a 10.244.1.0/24, node-b 10.244.2.0/24, node-c 10.244.3.0/24
 *   service CIDR           10.96.0.0/12    ClusterIPs 10.96.0.x
 *   nodes (InternalIP)     node-a 172.18.0.2 (zone-a), node-b 172.18.0.3 (zone-b), node-c 172.18.0.4 (zone-a)
 *   load balancer IPs      192.0.2.0/24;  external IPs 198.51.100.0/24
 *   external clients       203.0.113.7 (allowed by source ranges 203.0.113.0/25), 203.0.113.200 (blocked)
 */
import type { EndpointSlice, KObject, Node, Pod, Service, ServiceSpec } from '../../../src/api/types.ts';
import { defaultClusterConfig, type ClusterConfig } from '../../../src/cluster/config.ts';
import { ClusterView } from '../../../src/cluster/view.ts';

export const NODE_A = { name: 'node-a', ip: '172.18.0.2', zone: 'zone-a' };
export const NODE_B = { name: 'node-b', ip: '172.18.0.3', zone: 'zone-b' };
export const NODE_C = { name: 'node-c', ip: '172.18.0.4', zone: 'zone-a' };
export const EXTERNAL_CLIENT = '203.0.113.7';
export const BLOCKED_CLIENT = '203.0.113.200';

export function node(n: { name: string; ip: string; zone?: string }): Node {
  return {
    apiVersion: 'v1', kind: 'Node',
    metadata: { name: n.name, labels: { 'kubernetes.io/hostname': n.name, ...(n.zone ? { 'topology.kubernetes.io/zone': n.zone } : {}) } },
    status: { addresses: [{ type: 'InternalIP', address: n.ip }, { type: 'Hostname', address: n.name }] },
  };
}

export function nodes(): Node[] {
  return [node(NODE_A), node(NODE_B), node(NODE_C)];
}

export function pod(namespace: string, name: string, nodeName: string, ip: string, labels: Record<string, string> = {}): Pod {
  return {
    apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace, labels },
    spec: { nodeName, containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.10' }] },
    status: { phase: 'Running', podIP: ip, podIPs: [{ ip }], conditions: [{ type: 'Ready', status: 'True' }] },
  };
}

/** A defaulted, allocated Service: type ClusterIP, TCP, targetPort = port, policies Cluster, affinity None. */
export function service(namespace: string, name: string, spec: Partial<ServiceSpec> & { clusterIP: string }, status?: Service['status']): Service {
  const type = spec.type ?? 'ClusterIP';
  const external = type === 'NodePort' || type === 'LoadBalancer';
  return {
    apiVersion: 'v1', kind: 'Service', metadata: { name, namespace },
    spec: {
      type,
      sessionAffinity: 'None',
      internalTrafficPolicy: 'Cluster',
      ...(external ? { externalTrafficPolicy: 'Cluster' as const } : {}),
      ipFamilies: ['IPv4'],
      ipFamilyPolicy: 'SingleStack',
      ...spec,
      clusterIPs: [spec.clusterIP],
      ports: (spec.ports ?? [{ name: 'http', port: 80 }]).map((p) => ({ protocol: 'TCP' as const, targetPort: p.port, ...p })),
    },
    ...(status ? { status } : {}),
  };
}

export interface EndpointSpec {
  ip: string;
  node?: string;
  zone?: string;
  ready?: boolean;
  serving?: boolean;
  terminating?: boolean;
  /** Leave conditions out entirely (nil → consumer defaults). */
  noConditions?: boolean;
  zoneHints?: string[];
  nodeHints?: string[];
  pod?: string;
}

export function slice(
  namespace: string,
  svc: string,
  name: string,
  ports: { name?: string; port: number; protocol?: 'TCP' | 'UDP' | 'SCTP' }[],
  endpoints: EndpointSpec[],
  extra: { labels?: Record<string, string>; addressType?: EndpointSlice['addressType'] } = {},
): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
    metadata: { name, namespace, labels: { 'kubernetes.io/service-name': svc, 'endpointslice.kubernetes.io/managed-by': 'tests.podnet.dev', ...extra.labels } },
    addressType: extra.addressType ?? 'IPv4',
    ports: ports.map((p) => ({ name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP' })),
    endpoints: endpoints.map((e) => ({
      addresses: [e.ip],
      ...(e.noConditions ? {} : { conditions: { ready: e.ready ?? true, serving: e.serving ?? e.ready ?? true, terminating: e.terminating ?? false } }),
      ...(e.node ? { nodeName: e.node } : {}),
      ...(e.zone ? { zone: e.zone } : {}),
      ...(e.zoneHints || e.nodeHints ? { hints: { ...(e.zoneHints ? { forZones: e.zoneHints.map((z) => ({ name: z })) } : {}), ...(e.nodeHints ? { forNodes: e.nodeHints.map((n) => ({ name: n })) } : {}) } } : {}),
      ...(e.pod ? { targetRef: { kind: 'Pod', namespace, name: e.pod } } : {}),
    })),
  };
}

export function clusterView(objects: KObject[], config: Partial<ClusterConfig> = {}): ClusterView {
  return new ClusterView(objects, { ...defaultClusterConfig(), ...config });
}

/** Endpoint on a node, zone taken from the node plan. */
export function on(n: { name: string; zone?: string }, ip: string, extra: Partial<EndpointSpec> = {}): EndpointSpec {
  return { ip, node: n.name, ...(n.zone ? { zone: n.zone } : {}), ...extra };
}
