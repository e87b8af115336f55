/**
 * v1 Endpoints, as the endpoints controller (pkg/controller/endpoint) writes them for Services with a
 * selector: one address per pod (ready → addresses, else notReadyAddresses; terminating pods only
 * when the Service publishes not-ready addresses), subsets repacked so addresses sharing a port set
 * share a subset, truncated to 1000 addresses with `endpoints.kubernetes.io/over-capacity: truncated`.
 * Deprecated since v1.33 but still what `kubectl get endpoints` shows.
 */
import { parseIP } from '../api/cidr.ts';
import type { EndpointAddress, EndpointPort, Endpoints, EndpointSubset, Pod, Service } from '../api/types.ts';
import { findPort, isPodReady, shouldPodBeInEndpoints, shouldSetHostname } from './endpoint-conditions.ts';
import { serverMetadata, sortedLabels } from './semantic-equality.ts';

export const MAX_ENDPOINTS_CAPACITY = 1000;
export const OVER_CAPACITY_ANNOTATION = 'endpoints.kubernetes.io/over-capacity';
export const HEADLESS_LABEL = 'service.kubernetes.io/headless';

/** One (port, address, ready) fact; a port of undefined stands for "no ports" (headless without ports). */
export interface AddressFact {
  port: EndpointPort | undefined;
  address: EndpointAddress;
  ready: boolean;
}

/** isServiceIPSet: a ClusterIP other than None. */
export function isServiceIPSet(service: Service): boolean {
  return !!service.spec.clusterIP && service.spec.clusterIP !== 'None';
}

const addressKey = (a: EndpointAddress): string => `${a.ip}\u0000${a.targetRef?.uid ?? ''}\u0000${a.targetRef?.namespace ?? ''}/${a.targetRef?.name ?? ''}`;

const ipOrder = new Map<string, bigint | undefined>();

/** Sort key of an IP: IPv4 before IPv6, numeric within a family (memoized: sorting compares often). */
function ipKey(ip: string): bigint | undefined {
  if (ipOrder.has(ip)) return ipOrder.get(ip);
  const p = parseIP(ip);
  const key = p ? (p.family === 4 ? p.value : (1n << 32n) + p.value) : undefined;
  if (ipOrder.size > 200_000) ipOrder.clear();
  ipOrder.set(ip, key);
  return key;
}

function compareIP(a: string, b: string): number {
  const ka = ipKey(a);
  const kb = ipKey(b);
  if (ka !== undefined && kb !== undefined) return ka < kb ? -1 : ka > kb ? 1 : 0;
  return a < b ? -1 : a > b ? 1 : 0;
}


const compareAddress = (a: EndpointAddress, b: EndpointAddress): number =>
  compareIP(a.ip, b.ip) || ((a.targetRef?.uid ?? '') < (b.targetRef?.uid ?? '') ? -1 : (a.targetRef?.uid ?? '') > (b.targetRef?.uid ?? '') ? 1 : 0);

const portKey = (p: EndpointPort): string => JSON.stringify([p.name ?? '', p.port, p.protocol ?? 'TCP', p.appProtocol ?? '']);

/**
 * RepackSubsets: expand to (port → addresses), then regroup ports that have exactly the same
 * addresses (with the same readiness) into one subset. Sorted for a canonical form: addresses by IP,
 * ports by name, subsets by their first address.
 */
export function repackSubsets(facts: readonly AddressFact[]): EndpointSubset[] {
  const byPort = new Map<string, { port: EndpointPort | undefined; addrs: Map<string, { address: EndpointAddress; ready: boolean }> }>();
  for (const f of facts) {
    const pk = f.port ? portKey(f.port) : '';
    let entry = byPort.get(pk);
    if (!entry) byPort.set(pk, (entry = { port: f.port, addrs: new Map() }));
    const ak = addressKey(f.address);
    const prev = entry.addrs.get(ak);
    // An address both ready and not ready for one port is reported ready (mapAddressesByPort).
    if (!prev || (!prev.ready && f.ready)) entry.addrs.set(ak, { address: f.address, ready: f.ready });
  }
  const groups = new Map<string, { ports: EndpointPort[]; ready: EndpointAddress[]; notReady: EndpointAddress[] }>();
  for (const { port, addrs } of byPort.values()) {
    const setKey = [...addrs.entries()].map(([k, v]) => `${k}\u0000${v.ready}`).sort().join('\u0001');
    let g = groups.get(setKey);
    if (!g) {
      const values = [...addrs.values()];
      groups.set(setKey, (g = { ports: [], ready: values.filter((v) => v.ready).map((v) => v.address), notReady: values.filter((v) => !v.ready).map((v) => v.address) }));
    }
    if (port) g.ports.push(port);
  }
  const subsets: EndpointSubset[] = [...groups.values()].map((g) => {
    const subset: EndpointSubset = {};
    if (g.ready.length) subset.addresses = g.ready.sort(compareAddress);
    if (g.notReady.length) subset.notReadyAddresses = g.notReady.sort(compareAddress);
    if (g.ports.length) subset.ports = g.ports.sort((a, b) => ((a.name ?? '') < (b.name ?? '') ? -1 : (a.name ?? '') > (b.name ?? '') ? 1 : a.port - b.port));
    return subset;
  });
  const first = (s: EndpointSubset): EndpointAddress | undefined => s.addresses?.[0] ?? s.notReadyAddresses?.[0];
  return subsets.sort((a, b) => {
    const fa = first(a);
    const fb = first(b);
    const c = fa && fb ? compareAddress(fa, fb) : 0;
    return c || ((a.ports ?? []).map(portKey).join() < (b.ports ?? []).map(portKey).join() ? -1 : 1);
  });
}

/**
 * truncateEndpoints: over 1000 addresses, ready ones are kept first and each subset keeps a share
 * proportional to its size (rounded up, the last subset gets what is left). Returns whether it cut.
 */
export function truncateSubsets(subsets: EndpointSubset[]): boolean {
  let totalReady = 0;
  let totalNotReady = 0;
  for (const s of subsets) {
    totalReady += s.addresses?.length ?? 0;
    totalNotReady += s.notReadyAddresses?.length ?? 0;
  }
  if (totalReady + totalNotReady <= MAX_ENDPOINTS_CAPACITY) return false;
  const truncateReady = totalReady > MAX_ENDPOINTS_CAPACITY;
  const max = truncateReady ? MAX_ENDPOINTS_CAPACITY : MAX_ENDPOINTS_CAPACITY - totalReady;
  const numTotal = truncateReady ? totalReady : totalNotReady;
  let canBeAdded = max;
  for (const s of subsets) {
    const inSubset = (truncateReady ? s.addresses?.length : s.notReadyAddresses?.length) ?? 0;
    const toBeAdded = Math.min(Math.ceil((inSubset / numTotal) * max), canBeAdded);
    if (truncateReady) {
      if (s.addresses) s.addresses = s.addresses.slice(0, toBeAdded);
      delete s.notReadyAddresses;
      canBeAdded -= s.addresses?.length ?? 0;
    } else {
      if (s.notReadyAddresses) s.notReadyAddresses = s.notReadyAddresses.slice(0, toBeAdded);
      canBeAdded -= s.notReadyAddresses?.length ?? 0;
    }
    if (s.addresses && !s.addresses.length) delete s.addresses;
    if (s.notReadyAddresses && !s.notReadyAddresses.length) delete s.notReadyAddresses;
  }
  return true;
}

/** The pod IP of the Service's (first) family (podToEndpointAddressForService). */
function podIPForService(pod: Pod, service: Service): string | undefined {
  let want: 4 | 6 = 4;
  const fam = service.spec.ipFamilies?.[0];
  if (fam) want = fam === 'IPv6' ? 6 : 4;
  else if (isServiceIPSet(service)) want = parseIP(service.spec.clusterIP!)?.family ?? 4;
  else if (pod.status?.podIP) want = parseIP(pod.status.podIP)?.family ?? 4;
  const ips = (pod.status?.podIPs ?? []).map((p) => p.ip);
  if (!ips.length && pod.status?.podIP) ips.push(pod.status.podIP);
  return ips.find((ip) => parseIP(ip)?.family === want);
}

/**
 * The Endpoints object for a selector Service over its selected pods. `existing` contributes the
 * metadata the controller does not own (annotations, server fields); `knownUID` supplies pod uids the
 * working copy lacks.
 */
export function endpointsForService(
  service: Service,
  pods: readonly Pod[],
  existing: Endpoints | undefined,
  knownUID: (namespace: string, name: string) => string | undefined,
): Endpoints {
  const publishNotReady = service.spec.publishNotReadyAddresses === true;
  const facts: AddressFact[] = [];
  const svcPorts = service.spec.ports ?? [];
  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod, publishNotReady)) continue;
    const ip = podIPForService(pod, service);
    if (!ip) continue;
    const ns = pod.metadata.namespace ?? '';
    const uid = pod.metadata.uid ?? knownUID(ns, pod.metadata.name);
    const address: EndpointAddress = { ip };
    if (shouldSetHostname(pod, service)) address.hostname = pod.spec.hostname;
    if (pod.spec.nodeName) address.nodeName = pod.spec.nodeName;
    address.targetRef = { kind: 'Pod', namespace: ns, name: pod.metadata.name, ...(uid ? { uid } : {}) };
    const ready = publishNotReady || isPodReady(pod);
    if (!svcPorts.length) {
      if (service.spec.clusterIP === 'None') facts.push({ port: undefined, address, ready });
      continue;
    }
    for (const sp of svcPorts) {
      const port = findPort(pod, sp);
      if (port === undefined) continue;
      const ep: EndpointPort = sp.name ? { name: sp.name, port, protocol: sp.protocol ?? 'TCP' } : { port, protocol: sp.protocol ?? 'TCP' };
      if (sp.appProtocol) ep.appProtocol = sp.appProtocol;
      facts.push({ port: ep, address, ready });
    }
  }
  const subsets = repackSubsets(facts);
  const annotations: Record<string, string> = { ...(existing?.metadata.annotations ?? {}) };
  delete annotations[OVER_CAPACITY_ANNOTATION];
  if (truncateSubsets(subsets)) annotations[OVER_CAPACITY_ANNOTATION] = 'truncated';
  const labels: Record<string, string> = { ...(service.metadata.labels ?? {}) };
  if (isServiceIPSet(service)) delete labels[HEADLESS_LABEL];
  else labels[HEADLESS_LABEL] = '';

  const metadata: Endpoints['metadata'] = {
    ...(existing ? existing.metadata : {}),
    name: service.metadata.name,
    namespace: service.metadata.namespace,
    ...serverMetadata(existing),
  };
  const sorted = sortedLabels(labels);
  if (sorted) metadata.labels = sorted;
  else delete metadata.labels;
  const sortedAnn = sortedLabels(annotations);
  if (sortedAnn) metadata.annotations = sortedAnn;
  else delete metadata.annotations;
  const out: Endpoints = { apiVersion: 'v1', kind: 'Endpoints', metadata };
  if (subsets.length) out.subsets = subsets;
  return out;
}
