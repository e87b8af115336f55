/**
 * ClusterView: an immutable, indexed snapshot of the cluster that every model reads. Built once from
 * the reconciled objects; lookups by namespace, name, IP and service are O(1).
 */
import type {
  ConfigMap, DaemonSet, Deployment, EndpointSlice, Endpoints, Gateway, GatewayClass, HTTPRoute, Ingress, IngressClass,
  KObject, Namespace, NetworkPolicy, Node, Pod, ReferenceGrant, ReplicaSet, Service, StatefulSet,
} from '../api/types.ts';
import { compareObjects } from './object-set.ts';
import { defaultClusterConfig, type ClusterConfig } from './config.ts';

const nsName = (ns: string | undefined, name: string): string => `${ns ?? ''}/${name}`;

export class ClusterView {
  readonly namespaces: readonly Namespace[];
  readonly nodes: readonly Node[];
  readonly pods: readonly Pod[];
  readonly services: readonly Service[];
  readonly endpointSlices: readonly EndpointSlice[];
  readonly endpoints: readonly Endpoints[];
  readonly networkPolicies: readonly NetworkPolicy[];
  readonly ingresses: readonly Ingress[];
  readonly ingressClasses: readonly IngressClass[];
  readonly gatewayClasses: readonly GatewayClass[];
  readonly gateways: readonly Gateway[];
  readonly httpRoutes: readonly HTTPRoute[];
  readonly referenceGrants: readonly ReferenceGrant[];
  readonly deployments: readonly Deployment[];
  readonly replicaSets: readonly ReplicaSet[];
  readonly statefulSets: readonly StatefulSet[];
  readonly daemonSets: readonly DaemonSet[];
  readonly configMaps: readonly ConfigMap[];

  private readonly byKindKey = new Map<string, KObject>();
  private readonly podsByNs = new Map<string, Pod[]>();
  private readonly podsByIP = new Map<string, Pod[]>();
  private readonly servicesByIP = new Map<string, Service>();
  private readonly slicesByService = new Map<string, EndpointSlice[]>();
  private readonly nodesByIP = new Map<string, Node>();
  private readonly policiesByNs = new Map<string, NetworkPolicy[]>();

  constructor(objects: Iterable<KObject>, readonly config: ClusterConfig = defaultClusterConfig()) {
    const byKind = new Map<string, KObject[]>();
    for (const o of objects) {
      let list = byKind.get(o.kind);
      if (!list) byKind.set(o.kind, (list = []));
      list.push(o);
      this.byKindKey.set(`${o.kind}|${nsName(o.metadata.namespace, o.metadata.name)}`, o);
    }
    const of = <T extends KObject>(kind: string): T[] => ((byKind.get(kind) ?? []) as T[]).sort(compareObjects);
    this.namespaces = of<Namespace>('Namespace');
    this.nodes = of<Node>('Node');
    this.pods = of<Pod>('Pod');
    this.services = of<Service>('Service');
    this.endpointSlices = of<EndpointSlice>('EndpointSlice');
    this.endpoints = of<Endpoints>('Endpoints');
    this.networkPolicies = of<NetworkPolicy>('NetworkPolicy');
    this.ingresses = of<Ingress>('Ingress');
    this.ingressClasses = of<IngressClass>('IngressClass');
    this.gatewayClasses = of<GatewayClass>('GatewayClass');
    this.gateways = of<Gateway>('Gateway');
    this.httpRoutes = of<HTTPRoute>('HTTPRoute');
    this.referenceGrants = of<ReferenceGrant>('ReferenceGrant');
    this.deployments = of<Deployment>('Deployment');
    this.replicaSets = of<ReplicaSet>('ReplicaSet');
    this.statefulSets = of<StatefulSet>('StatefulSet');
    this.daemonSets = of<DaemonSet>('DaemonSet');
    this.configMaps = of<ConfigMap>('ConfigMap');

    for (const p of this.pods) {
      push(this.podsByNs, p.metadata.namespace ?? '', p);
      for (const ip of podIPs(p)) if (!p.spec.hostNetwork) push(this.podsByIP, ip, p);
    }
    for (const s of this.services) {
      for (const ip of s.spec.clusterIPs ?? (s.spec.clusterIP ? [s.spec.clusterIP] : [])) {
        if (ip !== 'None') this.servicesByIP.set(ip, s);
      }
    }
    for (const es of this.endpointSlices) {
      const svc = es.metadata.labels?.['kubernetes.io/service-name'];
      if (svc) push(this.slicesByService, nsName(es.metadata.namespace, svc), es);
    }
    for (const n of this.nodes) for (const a of n.status?.addresses ?? []) if (a.type === 'InternalIP' || a.type === 'ExternalIP') this.nodesByIP.set(a.address, n);
    for (const np of this.networkPolicies) push(this.policiesByNs, np.metadata.namespace ?? '', np);
  }

  get<T extends KObject>(kind: string, namespace: string | undefined, name: string): T | undefined {
    return this.byKindKey.get(`${kind}|${nsName(namespace, name)}`) as T | undefined;
  }

  namespace(name: string): Namespace | undefined {
    return this.get('Namespace', undefined, name);
  }

  node(name: string): Node | undefined {
    return this.get('Node', undefined, name);
  }

  pod(namespace: string, name: string): Pod | undefined {
    return this.get('Pod', namespace, name);
  }

  service(namespace: string, name: string): Service | undefined {
    return this.get('Service', namespace, name);
  }

  podsInNamespace(namespace: string): readonly Pod[] {
    return this.podsByNs.get(namespace) ?? [];
  }

  /** Pods (not hostNetwork) whose pod IP is `ip`; normally one. */
  podsByIPAddress(ip: string): readonly Pod[] {
    return this.podsByIP.get(ip) ?? [];
  }

  serviceByClusterIP(ip: string): Service | undefined {
    return this.servicesByIP.get(ip);
  }

  /** EndpointSlices labelled `kubernetes.io/service-name` for the Service. */
  slicesForService(namespace: string, name: string): readonly EndpointSlice[] {
    return this.slicesByService.get(nsName(namespace, name)) ?? [];
  }

  nodeByIP(ip: string): Node | undefined {
    return this.nodesByIP.get(ip);
  }

  policiesInNamespace(namespace: string): readonly NetworkPolicy[] {
    return this.policiesByNs.get(namespace) ?? [];
  }

  /** The node's InternalIP (first), if it has one. */
  nodeInternalIP(node: Node): string | undefined {
    return node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
  }
}

export function podIPs(p: Pod): string[] {
  const ips = (p.status?.podIPs ?? []).map((x) => x.ip);
  if (ips.length) return ips;
  return p.status?.podIP ? [p.status.podIP] : [];
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
