/**
 * The cluster as CoreDNS's kubernetes plugin sees it: Services, their ready endpoints (one subset per
 * EndpointSlice, addresses × ports), namespaces and pods by IP, indexed for lookups by name and by IP.
 * Built once per ClusterView (CoreDNS keeps the same stripped-down objects in its informer caches).
 */
import { parseCIDR } from '../../api/cidr.ts';
import type { EndpointSlice, Service } from '../../api/types.ts';
import type { ClusterView } from '../../cluster/view.ts';
import { podIPs } from '../../cluster/view.ts';
import { absoluteName, endpointName } from './names.ts';

/** A port of a Service or EndpointSlice; `port` -1 is CoreDNS's sentinel for "no ports declared". */
export interface ZonePort {
  name: string;
  protocol: string;
  port: number;
}

export interface ZoneAddress {
  ip: string;
  /** The label CoreDNS serves this endpoint under (hostname, pod name, or dashed IP). */
  label: string;
}

/** One EndpointSlice's ready endpoints: every address pairs with every port. */
export interface ZoneSubset {
  addresses: ZoneAddress[];
  ports: ZonePort[];
}

export interface ZoneService {
  namespace: string;
  name: string;
  headless: boolean;
  /** Set for type ExternalName. */
  externalName?: string;
  clusterIPs: string[];
  ports: ZonePort[];
  subsets: ZoneSubset[];
}

export interface ZoneOptions {
  /** SOA serial; default: the highest resourceVersion in the view (CoreDNS uses the last-change time). */
  serial?: number;
}

export class ClusterZone {
  /** The cluster domain, absolute and lower-case (`cluster.local.`). */
  readonly domain: string;
  readonly ttl: number;
  readonly serial: number;
  /** The kube-dns Service IP pods are told to use. */
  readonly dnsServiceIP: string;
  /** NS records of the zone apex: the kube-dns Service name and its ClusterIPs (CoreDNS `nsAddrs`). */
  readonly nameservers: { name: string; ips: string[] }[];
  private readonly services = new Map<string, ZoneService>();
  private readonly namespaces = new Set<string>();
  private readonly serviceByIP = new Map<string, ZoneService>();
  private readonly endpointsByIP = new Map<string, { service: ZoneService; label: string }[]>();

  constructor(readonly view: ClusterView, options: ZoneOptions = {}) {
    const config = view.config;
    this.domain = absoluteName(config.clusterDomain).toLowerCase();
    this.ttl = config.dns.ttl;
    this.dnsServiceIP = clusterDNSIP(view);
    for (const ns of view.namespaces) this.namespaces.add(ns.metadata.name.toLowerCase());
    let maxRV = 0;
    for (const o of [...view.services, ...view.endpointSlices, ...view.namespaces, ...view.pods]) {
      const rv = Number(o.metadata.resourceVersion);
      if (Number.isInteger(rv) && rv > maxRV) maxRV = rv;
    }
    this.serial = options.serial ?? (maxRV || 1);
    for (const svc of view.services) {
      const ns = svc.metadata.namespace ?? 'default';
      const entry = zoneService(svc, view.slicesForService(ns, svc.metadata.name), config.dns.endpointPodNames);
      this.services.set(serviceKey(entry.name, entry.namespace), entry);
      for (const ip of entry.clusterIPs) if (!this.serviceByIP.has(ip)) this.serviceByIP.set(ip, entry);
      for (const subset of entry.subsets) {
        for (const a of subset.addresses) {
          let list = this.endpointsByIP.get(a.ip);
          if (!list) this.endpointsByIP.set(a.ip, (list = []));
          list.push({ service: entry, label: a.label });
        }
      }
    }
    const kubeDNS = this.services.get(serviceKey('kube-dns', 'kube-system'));
    this.nameservers = kubeDNS && kubeDNS.clusterIPs.length
      ? [{ name: `kube-dns.kube-system.svc.${this.domain}`, ips: kubeDNS.clusterIPs }]
      : [{ name: `ns.dns.${this.domain}`, ips: [this.dnsServiceIP] }];
  }

  namespaceExists(namespace: string): boolean {
    return this.namespaces.has(namespace.toLowerCase());
  }

  service(namespace: string, name: string): ZoneService | undefined {
    return this.services.get(serviceKey(name.toLowerCase(), namespace.toLowerCase()));
  }

  /** The Service whose ClusterIP is `ip` (reverse lookups check these first). */
  serviceForClusterIP(ip: string): ZoneService | undefined {
    return this.serviceByIP.get(ip);
  }

  /** Every (Service, endpoint label) a ready endpoint address `ip` appears under. */
  endpointsForIP(ip: string): readonly { service: ZoneService; label: string }[] {
    return this.endpointsByIP.get(ip) ?? [];
  }

  /** Namespaces of non-hostNetwork pods that own `ip` (`pods verified`, autopath). */
  podNamespacesForIP(ip: string): string[] {
    // CoreDNS indexes a pod by status.podIP only (its primary IP).
    return this.view.podsByIPAddress(ip).filter((p) => p.status?.podIP === ip).map((p) => (p.metadata.namespace ?? 'default').toLowerCase());
  }

  /** The pod (not hostNetwork) that owns `ip`, as CoreDNS's pod index finds it. */
  podForIP(ip: string): { namespace: string; name: string } | undefined {
    const p = this.view.podsByIPAddress(ip).find((pod) => podIPs(pod).includes(ip));
    return p ? { namespace: p.metadata.namespace ?? 'default', name: p.metadata.name } : undefined;
  }
}

function serviceKey(name: string, namespace: string): string {
  return `${name}.${namespace}`;
}

/** The cluster DNS IP kubelet hands pods: `dns.serviceIP`, else the 10th address of serviceCIDR. */
export function clusterDNSIP(view: ClusterView): string {
  const config = view.config;
  if (config.dns.serviceIP) return config.dns.serviceIP;
  const net = parseCIDR(config.serviceCIDR);
  return net ? net.at(10) : '10.96.0.10';
}

function zoneService(svc: Service, slices: readonly EndpointSlice[], usePodNames: boolean): ZoneService {
  const ips = svc.spec.clusterIPs?.length ? svc.spec.clusterIPs : svc.spec.clusterIP ? [svc.spec.clusterIP] : [];
  const externalName = svc.spec.type === 'ExternalName' ? svc.spec.externalName : undefined;
  const publishNotReady = svc.spec.publishNotReadyAddresses === true;
  const subsets: ZoneSubset[] = [];
  for (const slice of slices) {
    if (slice.addressType === 'FQDN') continue;
    const ports: ZonePort[] = slice.ports?.length
      ? slice.ports.map((p) => ({ name: p.name ?? '', protocol: p.protocol ?? 'TCP', port: p.port ?? -1 }))
      : [{ name: '', protocol: '', port: -1 }];
    const addresses: ZoneAddress[] = [];
    for (const ep of slice.endpoints ?? []) {
      // nil ready means ready; publishNotReadyAddresses makes the EndpointSlice controller report every
      // endpoint ready, so a slice written before that change still answers as the controller would.
      if (ep.conditions?.ready === false && !publishNotReady) continue;
      for (const ip of ep.addresses) addresses.push({ ip, label: endpointName(ip, ep.hostname, ep.targetRef?.name, usePodNames).toLowerCase() });
    }
    subsets.push({ addresses, ports });
  }
  return {
    namespace: (svc.metadata.namespace ?? 'default').toLowerCase(),
    name: svc.metadata.name.toLowerCase(),
    headless: ips[0] === 'None',
    ...(externalName !== undefined ? { externalName } : {}),
    clusterIPs: svc.spec.type === 'ExternalName' ? [] : ips.filter((ip) => ip !== 'None'),
    ports: (svc.spec.ports ?? []).map((p) => ({ name: p.name ?? '', protocol: p.protocol ?? 'TCP', port: p.port })),
    subsets,
  };
}
