/**
 * Service allocators: ClusterIP (static/dynamic bands), NodePort, healthCheckNodePort, LoadBalancer ingress IPs.
 *
 * What the API server's Service registry allocates on create/update and what a load-balancer
 * controller writes to status, run over the whole state. Values already present are kept forever
 * (a Service keeps its ClusterIP; imports keep theirs); explicit values are claimed before anything
 * is allocated, the Services already stored first, then the user's in input order, so a conflict is
 * reported on the Service that asked later. Dynamic allocation goes in namespace/name order.
 */
import { parseCIDR, parseIP } from '../api/cidr.ts';
import { formatFieldPath, reasons, type InputError } from '../api/errors.ts';
import type { LoadBalancerIngress, Service, ServicePort, ServiceSpec } from '../api/types.ts';
import { describeObject, keyOf } from '../cluster/object-set.ts';
import { ClusterIPAllocator } from './clusterip-allocator.ts';
import type { ReconcileContext } from './context.ts';
import { LoadBalancerIPAllocator } from './loadbalancer-ip-allocator.ts';
import { NodePortAllocator } from './nodeport-allocator.ts';
import { withCanonicalSpec } from './service-canonical-form.ts';

const PROVIDED_IP_ALLOCATED = 'provided IP is already allocated';
const PROVIDED_PORT_ALLOCATED = 'provided port is already allocated';

interface Draft {
  svc: Service;
  key: string;
  /** `namespace/name`: the allocators' owner and hash key. */
  id: string;
  spec: ServiceSpec;
  status: Service['status'];
  /** Service port number → nodePort, so ports differing only in protocol share one (initNodePorts). */
  nodePortByPort: Map<number, number>;
}

const typeOf = (spec: ServiceSpec): string => spec.type ?? 'ClusterIP';

/** NodePort, and LoadBalancer unless allocateLoadBalancerNodePorts is false (shouldAllocateNodePorts). */
function allocatesNodePorts(spec: ServiceSpec): boolean {
  const type = typeOf(spec);
  return type === 'NodePort' || (type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts !== false);
}

/** needsHCNodePort: a LoadBalancer with externalTrafficPolicy Local. */
function needsHealthCheckNodePort(spec: ServiceSpec): boolean {
  return typeOf(spec) === 'LoadBalancer' && spec.externalTrafficPolicy === 'Local';
}

function explicitClusterIP(spec: ServiceSpec): string | undefined {
  const ip = spec.clusterIP || spec.clusterIPs?.[0];
  return ip ? ip : undefined;
}

export function reconcileServiceAllocation(ctx: ReconcileContext): void {
  const services = ctx.objects.list<Service>('Service');
  if (!services.length) return;
  const drafts = services.map((svc): Draft => ({
    svc,
    key: keyOf(svc),
    id: `${svc.metadata.namespace ?? ''}/${svc.metadata.name}`,
    spec: structuredClone(svc.spec ?? {}),
    status: svc.status === undefined ? undefined : structuredClone(svc.status),
    nodePortByPort: new Map(),
  }));
  // Claim order: stored (and controller-made) Services first, then this apply's in input order.
  const byKey = new Map(drafts.map((d) => [d.key, d]));
  const claimOrder = [
    ...drafts.filter((d) => !ctx.sources.has(d.key)),
    ...[...ctx.sources.keys()].map((k) => byKey.get(k)).filter((d): d is Draft => d !== undefined),
  ];

  const fail = (d: Draft, path: (string | number)[], reason: string): void => {
    const src = ctx.sources.get(d.key);
    const err: InputError = { object: describeObject(d.svc), field: formatFieldPath(path), reason };
    if (src) {
      err.file = src.source.file;
      err.line = src.source.lineOf(path);
    }
    ctx.errors.push(err);
  };

  for (const d of drafts) releaseTypeDependentFields(d.spec);

  const cidr = parseCIDR(ctx.config.serviceCIDR);
  const ips = cidr ? new ClusterIPAllocator(cidr) : undefined;
  const ports = new NodePortAllocator(ctx.config.nodePortRange);

  // 1. Explicit ClusterIPs and nodePorts.
  for (const d of claimOrder) {
    const ip = typeOf(d.spec) === 'ExternalName' ? undefined : explicitClusterIP(d.spec);
    if (ips && ip && ip !== 'None') {
      const holder = ips.reserve(ip, d.id);
      if (holder !== undefined && holder !== d.id) {
        const field = d.spec.clusterIP ? ['spec', 'clusterIP'] : ['spec', 'clusterIPs', 0];
        fail(d, field, reasons.invalid(ip, `failed to allocate IP ${ip}: ${PROVIDED_IP_ALLOCATED} (by Service ${holder})`));
      }
    }
    claimExplicitNodePorts(d, ports, fail);
  }

  // 2. Dynamic allocations, in namespace/name order.
  for (const d of drafts) {
    const type = typeOf(d.spec);
    if (type !== 'ExternalName' && ips && !explicitClusterIP(d.spec)) {
      const ip = ips.allocate(d.id);
      if (ip === undefined) fail(d, ['spec', 'clusterIP'], `failed to allocate a serviceIP: range is full (${ctx.config.serviceCIDR})`);
      else d.spec.clusterIP = ip;
    }
    allocateNodePorts(d, ports, fail);
    if (type !== 'ExternalName') defaultIPFamilies(d.spec, cidr?.family ?? 4);
  }

  assignLoadBalancerIngress(ctx, drafts, claimOrder);

  for (const d of drafts) {
    const next = withCanonicalSpec(d.svc, d.spec, d.status);
    if (next !== d.svc) ctx.objects.put(next);
  }
}

/** Values the registry drops when the type no longer uses them (dropTypeDependentFields). */
function releaseTypeDependentFields(spec: ServiceSpec): void {
  const type = typeOf(spec);
  if ((type === 'ClusterIP' || type === 'ExternalName') && spec.ports?.some((p) => p.nodePort !== undefined)) {
    spec.ports = spec.ports.map(({ nodePort: _np, ...rest }) => rest);
  }
  if (!needsHealthCheckNodePort(spec)) delete spec.healthCheckNodePort;
}

type Fail = (d: Draft, path: (string | number)[], reason: string) => void;

function claimExplicitNodePorts(d: Draft, ports: NodePortAllocator, fail: Fail): void {
  (d.spec.ports ?? []).forEach((p, i) => {
    if (p.nodePort === undefined) return;
    const shared = d.nodePortByPort.get(p.port);
    if (shared === p.nodePort) return; // same Service port, other protocol: one nodePort for both
    const holder = ports.reserve(p.nodePort, d.id);
    if (holder !== undefined) {
      const by = holder === d.id ? 'another port of this Service' : `Service ${holder}`;
      fail(d, ['spec', 'ports', i, 'nodePort'], reasons.invalid(p.nodePort, `${PROVIDED_PORT_ALLOCATED} (by ${by})`));
      return;
    }
    if (shared === undefined) d.nodePortByPort.set(p.port, p.nodePort);
  });
  const hc = d.spec.healthCheckNodePort;
  if (hc !== undefined && hc !== 0) {
    const holder = ports.reserve(hc, d.id);
    if (holder !== undefined) {
      fail(d, ['spec', 'healthCheckNodePort'], reasons.invalid(hc, `failed to allocate requested HealthCheck NodePort ${hc}: ${PROVIDED_PORT_ALLOCATED}`));
    }
  }
}

function allocateNodePorts(d: Draft, ports: NodePortAllocator, fail: Fail): void {
  if (allocatesNodePorts(d.spec) && d.spec.ports?.some((p) => p.nodePort === undefined)) {
    d.spec.ports = d.spec.ports.map((p, i): ServicePort => {
      if (p.nodePort !== undefined) return p;
      let nodePort = d.nodePortByPort.get(p.port);
      if (nodePort === undefined) {
        nodePort = ports.allocate(`${d.id}/${p.port}`, d.id);
        if (nodePort === undefined) {
          fail(d, ['spec', 'ports', i, 'nodePort'], 'failed to allocate a nodePort: range is full');
          return p;
        }
        d.nodePortByPort.set(p.port, nodePort);
      }
      return { ...p, nodePort };
    });
  }
  if (needsHealthCheckNodePort(d.spec) && !d.spec.healthCheckNodePort) {
    const hc = ports.allocate(`${d.id}/healthCheckNodePort`, d.id);
    if (hc === undefined) fail(d, ['spec', 'healthCheckNodePort'], 'failed to allocate a healthCheck nodePort: range is full');
    else d.spec.healthCheckNodePort = hc;
  }
}

/** clusterIPs mirrors clusterIP; a single-stack cluster defaults families to the service CIDR's. */
function defaultIPFamilies(spec: ServiceSpec, cidrFamily: 4 | 6): void {
  if (spec.clusterIP && !spec.clusterIPs?.length) spec.clusterIPs = [spec.clusterIP];
  if (!spec.clusterIP && spec.clusterIPs?.length) spec.clusterIP = spec.clusterIPs[0];
  if (!spec.ipFamilies?.length) {
    const fam = spec.clusterIP && spec.clusterIP !== 'None' ? parseIP(spec.clusterIP)?.family ?? cidrFamily : cidrFamily;
    spec.ipFamilies = [fam === 6 ? 'IPv6' : 'IPv4'];
  }
  spec.ipFamilyPolicy ??= 'SingleStack';
}

/**
 * status.loadBalancer for LoadBalancer Services without a loadBalancerClass (others belong to another
 * controller). A given status is kept; with no pool the Service stays <pending> and the user is told.
 */
function assignLoadBalancerIngress(ctx: ReconcileContext, drafts: Draft[], claimOrder: Draft[]): void {
  const poolText = ctx.config.loadBalancerPool;
  const pool = poolText ? parseCIDR(poolText) : undefined;
  const lb = pool ? new LoadBalancerIPAllocator(pool) : undefined;
  const isOurs = (d: Draft): boolean => typeOf(d.spec) === 'LoadBalancer' && !d.spec.loadBalancerClass;
  const ingressOf = (d: Draft): LoadBalancerIngress[] => d.status?.loadBalancer?.ingress ?? [];

  for (const d of claimOrder) {
    if (typeOf(d.spec) !== 'LoadBalancer') continue;
    for (const ing of ingressOf(d)) if (ing.ip) lb?.reserve(ing.ip, d.id);
  }
  const warn = (d: Draft, msg: string): void => {
    if (ctx.sources.has(d.key)) ctx.warnings.push(`${describeObject(d.svc)}: ${msg}; EXTERNAL-IP stays <pending>`);
  };
  const setIngress = (d: Draft, ingress: LoadBalancerIngress[]): void => {
    d.status = { ...(d.status ?? {}), loadBalancer: { ...(d.status?.loadBalancer ?? {}), ingress } };
  };

  for (const d of drafts) {
    if (typeOf(d.spec) !== 'LoadBalancer') {
      // The service controller clears the status of a Service that is no longer a LoadBalancer.
      if (ingressOf(d).length) d.status = { ...d.status, loadBalancer: {} };
      continue;
    }
    if (!isOurs(d)) continue;
    const current = ingressOf(d);
    const requested = d.spec.loadBalancerIP;
    if (current.length && (!requested || current.some((i) => i.ip === requested))) {
      // Defaulting (LoadBalancerIPMode): an ingress with an ip and no ipMode is a VIP.
      if (current.some((i) => i.ip && !i.ipMode)) setIngress(d, current.map((i) => (i.ip && !i.ipMode ? { ...i, ipMode: 'VIP' } : i)));
      continue;
    }
    if (!lb) {
      warn(d, 'no loadBalancerPool is configured (ClusterConfig loadBalancerPool), so no load balancer IP is assigned');
      continue;
    }
    let ip: string | undefined;
    if (requested) {
      if (lb.claim(requested, d.id)) ip = requested;
      else warn(d, `spec.loadBalancerIP ${requested} is ${lb.inPool(requested) ? 'already in use' : `not in loadBalancerPool ${poolText}`}`);
    } else {
      ip = lb.allocate(d.id);
      if (!ip) warn(d, `loadBalancerPool ${poolText} is exhausted`);
    }
    if (ip) setIngress(d, [{ ip, ipMode: 'VIP' }]);
  }
}
