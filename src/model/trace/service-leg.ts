/**
 * The Service hops of a flow: which Service address the destination is (ClusterIP, external IP,
 * load-balancer IP or a node's NodePort), and what the handling node's kube-proxy rules do with the
 * first packet — decided by model/service over that node's plan, with its chain names.
 */
import type { Node, Protocol, Service } from '../../api/types.ts';
import { fromMap } from '../../api/selector.ts';
import type { ClusterView } from '../../cluster/view.ts';
import type { CNIProfile } from '../cni/index.ts';
import { buildProxyPlan, decide, type ProxyBackend, type ProxyDecision, type ServiceAddressKind } from '../service/index.ts';
import type { TraceEndpoint } from './endpoints.ts';
import type { TraceHop, TraceVerdict } from './types.ts';

export interface ServiceAddress {
  service: Service;
  via: ServiceAddressKind;
}

const ref = (svc: Service): string => `${svc.metadata.namespace ?? 'default'}/${svc.metadata.name}`;

/** The Service `ip` (and, for NodePorts, `port`) addresses, if any. */
export function findServiceAddress(view: ClusterView, ip: string, port: number | undefined, protocol: Protocol): ServiceAddress | undefined {
  const byClusterIP = view.serviceByClusterIP(ip);
  if (byClusterIP) return { service: byClusterIP, via: 'clusterIP' };
  for (const svc of view.services) {
    if ((svc.spec.externalIPs ?? []).includes(ip)) return { service: svc, via: 'externalIP' };
    if (svc.spec.type === 'LoadBalancer' && (svc.status?.loadBalancer?.ingress ?? []).some((i) => i.ip === ip)) return { service: svc, via: 'loadBalancerIP' };
  }
  if (port !== undefined && view.nodeByIP(ip)) {
    const svc = view.services.find((s) => (s.spec.type === 'NodePort' || s.spec.type === 'LoadBalancer') && (s.spec.ports ?? []).some((p) => p.nodePort === port && (p.protocol ?? 'TCP') === protocol));
    if (svc) return { service: svc, via: 'nodePort' };
  }
  return undefined;
}

/** The port a client uses on this address when it names none: the Service's only one. */
export function defaultServicePort(addr: ServiceAddress): number | undefined {
  const ports = addr.service.spec.ports ?? [];
  if (ports.length !== 1) return undefined;
  return addr.via === 'nodePort' ? ports[0].nodePort : ports[0].port;
}

/**
 * The node whose rules see the packet first: the client's own node (pods and host processes are
 * DNATed on the way out), the node addressed (NodePort), or for VIPs reached from outside the node
 * a load balancer delivers to — one with a local endpoint under externalTrafficPolicy Local, as its
 * health checks steer there.
 */
function handlingNode(view: ClusterView, src: TraceEndpoint, addr: ServiceAddress, ip: string): Node | undefined {
  if (src.node) return src.node;
  if (addr.via === 'nodePort') return view.nodeByIP(ip);
  if (addr.service.spec.externalTrafficPolicy === 'Local') {
    const local = new Set(view.slicesForService(addr.service.metadata.namespace ?? 'default', addr.service.metadata.name)
      .flatMap((s) => (s.endpoints ?? []).filter((e) => e.conditions?.ready !== false).map((e) => e.nodeName)));
    const node = view.nodes.find((n) => local.has(n.metadata.name));
    if (node) return node;
  }
  return view.nodes[0];
}

export interface ServiceLeg {
  hops: TraceHop[];
  decision?: ProxyDecision;
  node?: Node;
  /** Set when kube-proxy does not forward the packet. */
  failure?: { verdict: TraceVerdict; reason: string; fix?: string };
  backends: ProxyBackend[];
}

function portsText(svc: Service): string {
  return (svc.spec.ports ?? []).map((p) => `${p.port}/${p.protocol ?? 'TCP'}`).join(', ') || 'none';
}

/** Why a Service has no endpoints, and what to change: the checks a person would run one by one. */
export function noEndpointsFix(view: ClusterView, svc: Service, port: number, protocol: Protocol): string {
  const ns = svc.metadata.namespace ?? 'default';
  const selector = svc.spec.selector;
  if (!selector || !Object.keys(selector).length) {
    return `Service ${ref(svc)} has no selector: create an EndpointSlice labelled kubernetes.io/service-name=${svc.metadata.name} listing the backends`;
  }
  const sel = fromMap(selector);
  const pods = view.podsInNamespace(ns).filter((p) => sel.matches(p.metadata.labels));
  const selText = Object.entries(selector).map(([k, v]) => `${k}=${v}`).join(',');
  if (!pods.length) return `no pod in namespace ${ns} matches the selector ${selText}: fix spec.selector of Service ${ref(svc)} or the pods' labels (podnet get pods -n ${ns} --show-labels)`;
  const sp = (svc.spec.ports ?? []).find((p) => (p.protocol ?? 'TCP') === protocol && (p.port === port || p.nodePort === port));
  const target = sp?.targetPort ?? sp?.port;
  if (typeof target === 'string') {
    const declares = pods.some((p) => p.spec.containers.some((c) => (c.ports ?? []).some((cp) => cp.name === target && (cp.protocol ?? 'TCP') === protocol)));
    if (!declares) return `no pod selected by ${selText} declares a container port named ${JSON.stringify(target)} (${protocol}): add it to the containers' ports or use a numeric targetPort`;
  }
  const ready = pods.filter((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
  if (!ready.length) return `${pods.length} pod(s) match ${selText} but none is Ready: check their readiness probes and status (podnet describe pod -n ${ns} ${pods[0].metadata.name})`;
  return `check the EndpointSlices of Service ${ref(svc)} (podnet get endpointslices -n ${ns})`;
}

export function serviceLeg(view: ClusterView, profile: CNIProfile, src: TraceEndpoint, addr: ServiceAddress, ip: string, port: number, protocol: Protocol): ServiceLeg {
  const svc = addr.service;
  const type = svc.spec.type ?? 'ClusterIP';
  const sp = (svc.spec.ports ?? []).find((p) => (p.protocol ?? 'TCP') === protocol && (addr.via === 'nodePort' ? p.nodePort === port : p.port === port));
  const portText = sp ? `port ${sp.name ? `${sp.name} ` : ''}${sp.port}/${protocol}${addr.via === 'nodePort' ? ` (nodePort ${port})` : ''} → targetPort ${sp.targetPort ?? sp.port}` : `no port ${port}/${protocol} (ports: ${portsText(svc)})`;
  const hops: TraceHop[] = [{
    step: 'service', where: `Service ${ref(svc)}`, ok: true,
    detail: `${ip} is the ${addr.via === 'nodePort' ? 'node address of a NodePort' : addr.via} of ${type} Service ${ref(svc)}; ${portText}`,
  }];
  const node = handlingNode(view, src, addr, ip);
  const plan = node ? buildProxyPlan(view, node.metadata.name, { services: [ref(svc)] }) : undefined;
  if (!node || !plan) {
    const reason = 'the cluster has no node to handle the Service address';
    hops.push({ step: 'kube-proxy', where: 'cluster', detail: reason, ok: false, reason });
    return { hops, failure: { verdict: 'unreachable', reason }, backends: [] };
  }
  const d = decide(plan, { src: src.ip, dst: ip, protocol, port });
  const ebpf = profile.kubeProxyReplacement;
  const where = ebpf ? `node ${plan.node} (cilium eBPF, kube-proxy replacement)` : `node ${plan.node} (kube-proxy ${plan.mode})`;
  const chains = !ebpf && d.chains.length ? `${d.chains.join(' → ')}: ` : '';
  if (d.verdict === 'dnat') {
    const targets = d.backends.map((b) => `${b.target}${b.pod ? ` (${b.pod})` : ''}`).join(', ');
    const snat = d.masquerade ? `masqueraded to the node's IP (${d.masqueradeReasons.join('; ')})` : d.backends.some((b) => b.hairpin) ? 'masqueraded when the client itself is picked (hairpin)' : 'no SNAT: the backend sees the client IP';
    const affinity = d.affinity ? `; sessionAffinity ClientIP for ${d.affinity.timeoutSeconds}s` : '';
    const chosen = !ebpf && d.backends.length ? ` (endpoint chains ${d.backends.map((b) => b.chain).filter(Boolean).join(', ')})` : '';
    hops.push({ step: 'kube-proxy', where, ok: true, detail: `${chains}${d.reason}; DNAT to one of ${targets}${chosen}; ${snat}${affinity}` });
    return { hops, decision: d, node, backends: d.backends };
  }
  let failure: ServiceLeg['failure'];
  if (d.verdict === 'reject') {
    const fix = d.reason.includes('no Service port') ? `connect to one of the Service's ports: ${portsText(svc)}` : noEndpointsFix(view, svc, port, protocol);
    failure = { verdict: 'rejected', reason: d.reason, fix };
  } else if (d.verdict === 'drop') {
    const fix = d.reason.includes('loadBalancerSourceRanges')
      ? `add the client's address to spec.loadBalancerSourceRanges of Service ${ref(svc)}`
      : d.reason.includes('externalTrafficPolicy Local')
        ? `send the traffic to a node with a ready endpoint, or set externalTrafficPolicy: Cluster on Service ${ref(svc)} (the client IP is then masqueraded)`
        : d.reason.includes('internalTrafficPolicy Local')
          ? `run a backend on node ${plan.node}, or set internalTrafficPolicy: Cluster on Service ${ref(svc)}`
          : undefined;
    failure = { verdict: 'dropped', reason: d.reason, ...(fix ? { fix } : {}) };
  } else {
    failure = { verdict: 'dropped', reason: `${d.reason}`, fix: sp ? undefined : `connect to one of the Service's ports: ${portsText(svc)}` };
  }
  hops.push({ step: 'kube-proxy', where, ok: false, detail: `${chains}${d.reason}`, reason: failure.reason, ...(failure.fix ? { fix: failure.fix } : {}) });
  return { hops, decision: d, node, failure, backends: [] };
}
