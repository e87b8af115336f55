/**
 * Service addresses → backends, for models that follow a flow past kube-proxy (NetworkPolicy,
 * trace, reach): "a client at `from` connects to dst ip:port/proto — which pod IPs can it end up
 * at, and after which NAT?" Policies then apply to the chosen backend, not to the VIP.
 */
import type { ClusterView } from '../../cluster/view.ts';
import type { ServiceProtocol } from './chain-names.ts';
import { decide, type ProxyDecision, type ServiceAddressKind } from './decide.ts';
import { buildProxyPlan, type ProxyMode } from './node-plan.ts';
import { servicePortInfo } from './service-port.ts';

export interface ServiceDestinationQuery {
  ip: string;
  port: number;
  protocol?: ServiceProtocol;
}

export interface ServiceDestinationOptions {
  /** The client's IP. */
  srcIP: string;
  /** The node whose kube-proxy handles the packet; default: the client pod's node, or the node owning srcIP, else every node. */
  node?: string;
  mode?: ProxyMode;
}

export interface ServiceDestinationBackend {
  ip: string;
  port: number;
  /** `ns/name` of the backend Pod, when known. */
  pod?: string;
  /** The backend sees the node's IP as source instead of the client's. */
  masquerade: boolean;
}

export interface ServiceDestination {
  service: { namespace: string; name: string };
  /** `ns/svc:port` */
  servicePortName: string;
  via: ServiceAddressKind;
  /** 'dnat' when some considered node forwards to a backend; else the verdict (reject / drop). */
  verdict: 'dnat' | 'reject' | 'drop';
  /** Union over the considered nodes, sorted by "ip:port". */
  backends: ServiceDestinationBackend[];
  /** Per node, the full decision. */
  decisions: ProxyDecision[];
}

/**
 * Resolves a Service VIP, external IP, LB IP or NodePort to its possible backends; undefined when
 * `dst` is no Service address (the packet goes to `dst` itself).
 */
export function resolveServiceDestination(view: ClusterView, dst: ServiceDestinationQuery, options: ServiceDestinationOptions): ServiceDestination | undefined {
  const protocol = dst.protocol ?? 'TCP';
  const services = matchingServices(view, dst.ip, dst.port, protocol);
  if (!services.length) return undefined;
  const clientPod = view.podsByIPAddress(options.srcIP)[0];
  const node = options.node ?? clientPod?.spec.nodeName ?? view.nodeByIP(options.srcIP)?.metadata.name;
  const nodes = node ? [node] : view.nodes.map((n) => n.metadata.name);
  const decisions: ProxyDecision[] = [];
  for (const name of nodes) {
    const plan = buildProxyPlan(view, name, { mode: options.mode, services });
    if (!plan) continue;
    const d = decide(plan, { src: options.srcIP, dst: dst.ip, protocol, port: dst.port });
    if (d.service) decisions.push(d);
  }
  const first = decisions[0];
  if (!first?.service || !first.via) return undefined;
  const byTarget = new Map<string, ServiceDestinationBackend>();
  for (const d of decisions) {
    for (const b of d.backends) {
      const prev = byTarget.get(b.target);
      byTarget.set(b.target, { ip: b.ip, port: b.port, ...(b.pod ? { pod: b.pod } : {}), masquerade: (prev?.masquerade ?? false) || b.masquerade });
    }
  }
  const dnat = decisions.find((d) => d.verdict === 'dnat');
  const verdict = dnat ? 'dnat' : (decisions.find((d) => d.verdict === 'reject' || d.verdict === 'drop')?.verdict as 'reject' | 'drop' | undefined);
  if (!verdict) return undefined;
  const pick = dnat ?? first;
  return {
    service: { namespace: first.service.namespace, name: first.service.name },
    servicePortName: pick.servicePortName ?? first.servicePortName ?? '',
    via: pick.via ?? first.via,
    verdict,
    backends: [...byTarget.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v),
    decisions,
  };
}

/** `ns/name` of proxied Services with a port reachable at ip:port/proto (any address kind). */
function matchingServices(view: ClusterView, ip: string, port: number, protocol: ServiceProtocol): string[] {
  const out: string[] = [];
  const nodeIP = view.nodeByIP(ip) !== undefined || ip.startsWith('127.');
  for (const svc of view.services) {
    for (const p of svc.spec.ports ?? []) {
      const info = servicePortInfo(svc, p);
      if (!info || info.name.protocol !== protocol) continue;
      const vip = info.port === port && (info.clusterIP === ip || info.externalIPs.includes(ip) || info.loadBalancerIPs.includes(ip));
      const np = nodeIP && info.nodePort === port;
      if (vip || np) {
        out.push(`${info.name.namespace}/${info.name.name}`);
        break;
      }
    }
  }
  return out;
}
