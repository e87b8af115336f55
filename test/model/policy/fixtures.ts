/**
 * Test fixtures for policy and matrix tests: the upstream e2e model re-expressed as our own objects
 * (namespaces x, y, z labelled kubernetes.io/metadata.name; pods a, b, c labelled pod=<name>, one
 * container per port/protocol with containerPort names serve-<port>-<proto>), plus builders for
 * NetworkPolicies already defaulted the way the API server stores them.
 */
import type {
  EndpointSlice, KObject, Namespace, NetworkPolicy, NetworkPolicyEgressRule, NetworkPolicyIngressRule, Node, Pod,
  PolicyType, Protocol, Service,
} from '../../../src/api/types.ts';
import { defaultClusterConfig, type CNIMode } from '../../../src/cluster/config.ts';
import { ClusterView } from '../../../src/cluster/view.ts';

export const NS = ['x', 'y', 'z'] as const;
export const POD_NAMES = ['a', 'b', 'c'] as const;
export const E2E_PORTS = [80, 81] as const;
export const E2E_PROTOCOLS: readonly Protocol[] = ['TCP', 'UDP', 'SCTP'];

export function namespace(name: string, labels: Record<string, string> = {}): Namespace {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'kubernetes.io/metadata.name': name, ...labels } } };
}

export function node(name: string, ip: string): Node {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name }, status: { addresses: [{ type: 'InternalIP', address: ip }] } };
}

export interface PodOptions {
  labels?: Record<string, string>;
  ip?: string;
  nodeName?: string;
  ports?: { name?: string; port: number; protocol?: Protocol }[];
  hostNetwork?: boolean;
}

export function pod(ns: string, name: string, o: PodOptions = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns, labels: o.labels ?? { pod: name } },
    spec: {
      nodeName: o.nodeName ?? 'node-1',
      ...(o.hostNetwork ? { hostNetwork: true } : {}),
      containers: (o.ports ?? []).map((p) => ({
        name: `cont-${p.port}-${(p.protocol ?? 'TCP').toLowerCase()}`,
        ports: [{ ...(p.name ? { name: p.name } : {}), containerPort: p.port, protocol: p.protocol ?? 'TCP' }],
      })),
    },
    status: o.ip ? { phase: 'Running', podIP: o.ip, podIPs: [{ ip: o.ip }] } : { phase: 'Running' },
  };
}

/** Ports of the e2e model: 80 and 81 on TCP, UDP and SCTP, named serve-<port>-<proto>. */
export const e2ePorts = (): PodOptions['ports'] =>
  E2E_PORTS.flatMap((port) => E2E_PROTOCOLS.map((protocol) => ({ port, protocol, name: `serve-${port}-${protocol.toLowerCase()}` })));

/** IP of an e2e pod: x → 10.244.1.0/24, y → .2, z → .3; a → .10, b → .11, c → .12. */
export function e2eIP(ref: string): string {
  const [ns, name] = ref.split('/');
  return `10.244.${NS.indexOf(ns as (typeof NS)[number]) + 1}.${10 + POD_NAMES.indexOf(name as (typeof POD_NAMES)[number])}`;
}

/** The e2e model with only the listed pods (`x/a`, …), as the current upstream suite creates them. */
export function e2eObjects(pods: readonly string[]): KObject[] {
  const out: KObject[] = [node('node-1', '172.18.0.2'), node('node-2', '172.18.0.3'), ...NS.map((n) => namespace(n))];
  for (const ref of pods) {
    const [ns, name] = ref.split('/');
    out.push(pod(ns, name, { ip: e2eIP(ref), nodeName: name === 'a' ? 'node-1' : 'node-2', ports: e2ePorts() }));
  }
  return out;
}

export const ALL_E2E_PODS = NS.flatMap((n) => POD_NAMES.map((p) => `${n}/${p}`));

export function view(objects: KObject[], cni: CNIMode = 'calico'): ClusterView {
  return new ClusterView(objects, { ...defaultClusterConfig(), cni });
}

export interface PolicyOptions {
  podSelector?: NetworkPolicy['spec']['podSelector'];
  ingress?: NetworkPolicyIngressRule[];
  egress?: NetworkPolicyEgressRule[];
  /** Explicit types; else a type for each section given. */
  policyTypes?: PolicyType[];
  /** Keep policyTypes absent (a raw, undefaulted manifest). */
  raw?: boolean;
}

/** A NetworkPolicy as stored after defaulting (policyTypes set, port protocols TCP unless given). */
export function policy(ns: string, name: string, o: PolicyOptions): NetworkPolicy {
  // Like the upstream e2e builders: a section given (even empty) puts its type in policyTypes.
  const types: PolicyType[] = o.policyTypes ?? [
    ...(o.ingress !== undefined || o.egress === undefined ? ['Ingress' as const] : []),
    ...(o.egress !== undefined ? ['Egress' as const] : []),
  ];
  const withProto = <T extends { ports?: { protocol?: Protocol }[] }>(rules: T[] | undefined): T[] | undefined =>
    rules?.map((r) => (r.ports ? { ...r, ports: r.ports.map((p) => ({ protocol: 'TCP' as Protocol, ...p })) } : r));
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name, namespace: ns },
    spec: {
      podSelector: o.podSelector ?? {},
      ...(o.raw ? {} : { policyTypes: types }),
      ...(o.ingress !== undefined ? { ingress: o.raw ? o.ingress : withProto(o.ingress) } : {}),
      ...(o.egress !== undefined ? { egress: o.raw ? o.egress : withProto(o.egress) } : {}),
    },
  };
}

export function service(ns: string, name: string, clusterIP: string, ports: { name?: string; port: number; targetPort: number; protocol?: Protocol }[]): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: ns },
    spec: { clusterIP, clusterIPs: [clusterIP], ports: ports.map((p) => ({ ...p, protocol: p.protocol ?? 'TCP' })) },
  };
}

export function endpointSlice(ns: string, svc: string, ips: string[], ports: { name?: string; port: number; protocol?: Protocol }[]): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: `${svc}-abc12`, namespace: ns, labels: { 'kubernetes.io/service-name': svc } },
    addressType: 'IPv4',
    endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready: true } })),
    ports: ports.map((p) => ({ name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP' })),
  };
}

/**
 * A truth table over pods in the shape of the upstream e2e Reachability: starts all-allowed, then
 * edits by peer patterns ({ns?, pod?}: a missing field matches everything).
 */
export class Truth {
  readonly cells = new Map<string, boolean>();
  constructor(readonly pods: readonly string[], initial = true) {
    for (const s of pods) for (const d of pods) this.cells.set(`${s}>${d}`, initial);
  }

  private static matches(ref: string, p: { ns?: string; pod?: string }): boolean {
    const [ns, name] = ref.split('/');
    return (p.ns === undefined || p.ns === ns) && (p.pod === undefined || p.pod === name);
  }

  expectPeer(from: { ns?: string; pod?: string }, to: { ns?: string; pod?: string }, v: boolean): this {
    for (const s of this.pods) for (const d of this.pods) if (Truth.matches(s, from) && Truth.matches(d, to)) this.cells.set(`${s}>${d}`, v);
    return this;
  }

  expect(from: string, to: string, v: boolean): this {
    this.cells.set(`${from}>${to}`, v);
    return this;
  }

  expectAllIngress(to: string, v: boolean): this {
    for (const s of this.pods) this.cells.set(`${s}>${to}`, v);
    return this;
  }

  expectAllEgress(from: string, v: boolean): this {
    for (const d of this.pods) this.cells.set(`${from}>${d}`, v);
    return this;
  }

  get(from: string, to: string): boolean {
    return this.cells.get(`${from}>${to}`)!;
  }
}

/** Cells where `actual` differs from the table, loopback ignored as upstream does. */
export function mismatches(t: Truth, actual: (from: string, to: string) => boolean): string[] {
  const out: string[] = [];
  for (const s of t.pods) for (const d of t.pods) {
    if (s === d) continue;
    const a = actual(s, d);
    if (a !== t.get(s, d)) out.push(`${s} -> ${d}: expected ${t.get(s, d) ? 'allowed' : 'denied'}, got ${a ? 'allowed' : 'denied'}`);
  }
  return out;
}
