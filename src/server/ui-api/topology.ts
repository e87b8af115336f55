/**
 * The Topology view's data: nodes with their pod CIDRs, pods (IP, labels, readiness), Services with
 * the pods their EndpointSlices list, Ingress/HTTPRoute → Service links from the compiled route table,
 * and what each policy selects. Read from the ClusterView and the models, never re-derived.
 */
import type { Pod } from '../../api/types.ts';
import { podIPs } from '../../cluster/view.ts';
import type { HostGroup, HostIndex, MatchEntry } from '../../model/l7/index.ts';
import type { ClusterSummary, Topology, TopologyPod, TopologyRoute, TopologyService } from './api-types.ts';
import type { Snapshot } from './snapshot.ts';
import type { ClusterSource } from './source.ts';

const podRef = (p: Pod): string => `${p.metadata.namespace ?? 'default'}/${p.metadata.name}`;

export function clusterSummary(s: Snapshot, source: ClusterSource): ClusterSummary {
  const p = s.cni;
  const enc = p.encapsulation;
  return {
    revision: s.revision,
    source: { kind: source.kind, description: source.description },
    cni: {
      cni: p.cni,
      mode: p.mode,
      underlayMTU: p.underlayMTU,
      podMTU: p.podMTU,
      crossNodeMTU: p.crossNodeMTU,
      encapsulation: enc ? (enc.kind === 'vxlan' ? `VXLAN (${enc.device}, VNI ${enc.vni}, UDP ${enc.udpPort}, +${enc.overhead} B)` : `IPIP (${enc.device}, +${enc.overhead} B)`) : null,
      enforcesPolicy: p.enforcesPolicy,
      kubeProxyReplacement: p.kubeProxyReplacement,
    },
    podCIDR: s.config.podCIDR,
    serviceCIDR: s.config.serviceCIDR,
    proxyMode: s.config.proxyMode,
    clusterDomain: s.config.clusterDomain,
  };
}

function topologyPod(p: Pod): TopologyPod {
  const ports: string[] = [];
  for (const c of p.spec.containers ?? []) for (const cp of c.ports ?? []) ports.push(`${cp.containerPort}/${cp.protocol ?? 'TCP'}${cp.name ? ` (${cp.name})` : ''}`);
  return {
    ref: podRef(p),
    namespace: p.metadata.namespace ?? 'default',
    name: p.metadata.name,
    node: p.spec.nodeName ?? null,
    ips: podIPs(p),
    labels: { ...(p.metadata.labels ?? {}) },
    ready: p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
    phase: p.status?.phase ?? 'Pending',
    hostNetwork: !!p.spec.hostNetwork,
    ports,
  };
}

function services(s: Snapshot): TopologyService[] {
  return s.view.services.map((svc) => {
    const ns = svc.metadata.namespace ?? 'default';
    const endpoints: TopologyService['endpoints'] = [];
    const seen = new Set<string>();
    for (const slice of s.view.slicesForService(ns, svc.metadata.name)) {
      for (const ep of slice.endpoints ?? []) {
        const t = ep.targetRef;
        if (t?.kind !== 'Pod' || !t.name) continue;
        const pod = `${t.namespace ?? ns}/${t.name}`;
        if (seen.has(pod)) continue;
        seen.add(pod);
        endpoints.push({ pod, ip: ep.addresses[0] ?? '', ready: ep.conditions?.ready !== false });
      }
    }
    const clusterIPs = (svc.spec.clusterIPs ?? (svc.spec.clusterIP ? [svc.spec.clusterIP] : [])).filter((ip) => ip !== '');
    return {
      ref: `${ns}/${svc.metadata.name}`,
      namespace: ns,
      name: svc.metadata.name,
      type: svc.spec.type ?? 'ClusterIP',
      clusterIPs,
      ports: (svc.spec.ports ?? []).map((p) => `${p.port}/${p.protocol ?? 'TCP'}${p.targetPort !== undefined ? ` → ${p.targetPort}` : ''}${p.nodePort ? ` (nodePort ${p.nodePort})` : ''}`),
      endpoints,
    };
  });
}

function groupsOf(hosts: HostIndex): HostGroup[] {
  return [...hosts.exact.values(), ...hosts.wildcard.values(), ...(hosts.any ? [hosts.any] : [])];
}

/** Ingress and HTTPRoute objects with the Services the compiled route table sends them to. */
function routes(s: Snapshot): TopologyRoute[] {
  const table = s.routeTable;
  const byRef = new Map<string, TopologyRoute>();
  const route = (kind: 'Ingress' | 'HTTPRoute', namespace: string, name: string): TopologyRoute => {
    const ref = `${kind}/${namespace}/${name}`;
    let r = byRef.get(ref);
    if (!r) byRef.set(ref, (r = { ref, kind, namespace, name, hosts: [], services: [] }));
    return r;
  };
  const add = (r: TopologyRoute, host: string | undefined, svc: string): void => {
    const h = host ?? '*';
    if (!r.hosts.includes(h)) r.hosts.push(h);
    if (!r.services.includes(svc)) r.services.push(svc);
  };
  const entries = (e: MatchEntry, host: string | undefined): void => {
    const r = route(e.source.kind, e.source.namespace, e.source.name);
    for (const b of e.backends) add(r, host, `${b.namespace}/${b.service}`);
    for (const f of e.filters) if (f.type === 'RequestMirror') add(r, host, `${f.backend.namespace}/${f.backend.service}`);
  };
  const indexes: HostIndex[] = [...(table.ingress ? [table.ingress.hosts] : []), ...table.gateways.flatMap((g) => g.listeners.map((l) => l.hosts))];
  for (const hosts of indexes) {
    for (const g of groupsOf(hosts)) {
      for (const e of g.entries) entries(e, g.hostname);
      if (g.defaultBackend) {
        const [ns, name] = g.defaultBackend.ingress.split('/');
        add(route('Ingress', ns, name), g.hostname, `${g.defaultBackend.backend.namespace}/${g.defaultBackend.backend.service}`);
      }
    }
  }
  const db = table.ingress?.defaultBackend;
  if (db) {
    const [ns, name] = db.ingress.split('/');
    add(route('Ingress', ns, name), undefined, `${db.backend.namespace}/${db.backend.service}`);
  }
  // Ingresses and routes that nothing admitted still appear, unlinked.
  for (const ing of s.view.ingresses) route('Ingress', ing.metadata.namespace ?? 'default', ing.metadata.name);
  for (const hr of s.view.httpRoutes) route('HTTPRoute', hr.metadata.namespace ?? 'default', hr.metadata.name);
  return [...byRef.values()].sort((a, b) => a.ref.localeCompare(b.ref));
}

export function topology(s: Snapshot, source: ClusterSource): Topology {
  const v = s.view;
  const problems = s.problems;
  return {
    summary: clusterSummary(s, source),
    namespaces: v.namespaces.map((n) => ({ name: n.metadata.name, labels: { ...(n.metadata.labels ?? {}) } })),
    nodes: v.nodes.map((n) => ({
      name: n.metadata.name,
      internalIP: v.nodeInternalIP(n) ?? null,
      podCIDRs: n.spec?.podCIDRs ?? (n.spec?.podCIDR ? [n.spec.podCIDR] : []),
      ready: n.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True',
    })),
    pods: v.pods.map(topologyPod),
    services: services(s),
    routes: routes(s),
    policies: problems.length
      ? []
      : s.index.policies.map((p) => ({ ref: p.ref, namespace: p.namespace, name: p.name, policyTypes: [...p.types], selects: s.index.podsSelectedBy(p).map(podRef) })),
    problems,
  };
}
