/**
 * EndpointSlice mirroring (pkg/controller/endpointslicemirroring): user-supplied v1 Endpoints of a
 * selectorless Service become EndpointSlices managed by `endpointslicemirroring-controller.k8s.io`,
 * one slice per port set and address family (subsets are repacked first), at most 1000 addresses
 * per subset, notReadyAddresses mirrored with ready=false. Endpoints labelled
 * `endpointslice.kubernetes.io/skip-mirror: "true"` (and leader-election records) are not mirrored.
 */
import type { Endpoint, EndpointPort, Endpoints, EndpointSlice } from '../api/types.ts';
import { addressTypeOf } from './endpoint-conditions.ts';
import { endpointKey, portMappingKey } from './endpointslice-placement.ts';
import { repackSubsets, type AddressFact } from './legacy-endpoints.ts';
import { newControllerRef, replaceControllerRef } from './owner-references.ts';
import { deepEqual, serverMetadata, sortedLabels } from './semantic-equality.ts';

export const MIRRORING_CONTROLLER = 'endpointslicemirroring-controller.k8s.io';
export const SKIP_MIRROR_LABEL = 'endpointslice.kubernetes.io/skip-mirror';
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
const LEADER_ANNOTATION = 'control-plane.alpha.kubernetes.io/leader';
const NOT_MIRRORED_ANNOTATIONS = ['endpoints.kubernetes.io/last-change-trigger-time', 'kubectl.kubernetes.io/last-applied-configuration'];
/** --mirroring-max-endpoints-per-subset default. */
export const MAX_MIRRORED_PER_SUBSET = 1000;

export function shouldMirror(ep: Endpoints): boolean {
  return ep.metadata.labels?.[SKIP_MIRROR_LABEL] !== 'true' && ep.metadata.annotations?.[LEADER_ANNOTATION] === undefined;
}

interface MirrorGroup {
  key: string;
  addressType: EndpointSlice['addressType'];
  ports: EndpointPort[];
  endpoints: Endpoint[];
}

function desiredGroups(ep: Endpoints): MirrorGroup[] {
  const facts: AddressFact[] = [];
  for (const subset of ep.subsets ?? []) {
    const ports: (EndpointPort | undefined)[] = subset.ports?.length ? subset.ports : [undefined];
    for (const port of ports) {
      for (const address of subset.addresses ?? []) facts.push({ port, address, ready: true });
      for (const address of subset.notReadyAddresses ?? []) facts.push({ port, address, ready: false });
    }
  }
  const groups = new Map<string, MirrorGroup>();
  for (const subset of repackSubsets(facts)) {
    const ports: EndpointPort[] = (subset.ports ?? []).map((p) => {
      const out: EndpointPort = { name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP' };
      if (p.appProtocol) out.appProtocol = p.appProtocol;
      return out;
    });
    let added = 0;
    const all = [...(subset.addresses ?? []).map((a) => ({ a, ready: true })), ...(subset.notReadyAddresses ?? []).map((a) => ({ a, ready: false }))];
    for (const { a, ready } of all) {
      if (added >= MAX_MIRRORED_PER_SUBSET) break;
      const addressType = addressTypeOf(a.ip);
      if (!addressType) continue; // invalid IPs are skipped (an event upstream)
      const key = portMappingKey(ports, addressType);
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { key, addressType, ports, endpoints: [] }));
      const endpoint: Endpoint = { addresses: [a.ip], conditions: { ready } };
      if (a.hostname) endpoint.hostname = a.hostname;
      if (a.targetRef) endpoint.targetRef = a.targetRef;
      if (a.nodeName) endpoint.nodeName = a.nodeName;
      g.endpoints.push(endpoint);
      added++;
    }
  }
  return [...groups.values()];
}

export interface MirrorResult {
  put: EndpointSlice[];
  remove: EndpointSlice[];
}

/**
 * The mirrored slices of `ep` given the ones that exist (`existing`: labelled with its name and
 * managed by the mirroring controller). `nameFor` picks a name for a new slice.
 */
export function mirrorEndpoints(ep: Endpoints, existing: readonly EndpointSlice[], nameFor: (groupKey: string) => string): MirrorResult {
  const byKey = new Map<string, EndpointSlice[]>();
  for (const s of [...existing].sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1))) {
    const k = portMappingKey(s.ports, s.addressType);
    let list = byKey.get(k);
    if (!list) byKey.set(k, (list = []));
    list.push(s);
  }
  const labels: Record<string, string> = { ...(ep.metadata.labels ?? {}), [SERVICE_NAME_LABEL]: ep.metadata.name, [MANAGED_BY_LABEL]: MIRRORING_CONTROLLER };
  const annotations: Record<string, string> = { ...(ep.metadata.annotations ?? {}) };
  for (const a of NOT_MIRRORED_ANNOTATIONS) delete annotations[a];
  const owner = newControllerRef(ep, 'v1', 'Endpoints');

  const put: EndpointSlice[] = [];
  const remove: EndpointSlice[] = [];
  const creates: MirrorGroup[] = [];
  const updates: { group: MirrorGroup; slice: EndpointSlice }[] = [];
  const groups = desiredGroups(ep);
  for (const g of groups) {
    const current = byKey.get(g.key) ?? [];
    if (current.length) {
      updates.push({ group: g, slice: current[0] });
      remove.push(...current.slice(1));
    } else creates.push(g);
  }
  const wanted = new Set(groups.map((g) => g.key));
  for (const [k, slices] of byKey) if (!wanted.has(k)) remove.push(...slices);
  // recycleSlices: creates take over slices that would be deleted.
  while (creates.length && remove.length) updates.push({ group: creates.pop()!, slice: remove.shift()! });

  const build = (g: MirrorGroup, name: string, prev: EndpointSlice | undefined): EndpointSlice => {
    // Same endpoints in another order is no change (totalChanges compares sets).
    let endpoints = g.endpoints;
    if (prev?.endpoints && sameEndpointSet(prev.endpoints, g.endpoints)) endpoints = prev.endpoints;
    const metadata: EndpointSlice['metadata'] = {
      ...(prev ? prev.metadata : { generateName: `${ep.metadata.name}-` }),
      name,
      namespace: ep.metadata.namespace,
      labels: sortedLabels(labels),
      ownerReferences: replaceControllerRef(prev?.metadata.ownerReferences, owner),
      ...serverMetadata(prev),
    };
    const ann = sortedLabels(annotations);
    if (ann) metadata.annotations = ann;
    else delete metadata.annotations;
    return {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata,
      addressType: g.addressType,
      endpoints: endpoints.length ? endpoints : null,
      ports: g.ports.length ? g.ports : null,
    };
  };
  for (const { group, slice } of updates) put.push(build(group, slice.metadata.name, slice));
  for (const g of creates) put.push(build(g, nameFor(g.key), undefined));
  return { put, remove };
}

function sameEndpointSet(a: readonly Endpoint[], b: readonly Endpoint[]): boolean {
  if (a.length !== b.length) return false;
  const m = new Map(a.map((e) => [endpointKey(e), e]));
  return b.every((e) => deepEqual(m.get(endpointKey(e)), e));
}
