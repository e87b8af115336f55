/**
 * EndpointSlice controller (selector Services), legacy Endpoints, and mirroring of user Endpoints into slices.
 *
 * Over the whole state, in one pass:
 * - Services with a selector (not ExternalName): EndpointSlices managed by
 *   `endpointslice-controller.k8s.io` (placement in endpointslice-placement.ts) and the v1 Endpoints of
 *   the same name (legacy-endpoints.ts). Slices imported from a dump are derived state: they are
 *   recomputed like any existing slice, keeping their names where the endpoints still fit.
 * - `default/kubernetes`: the API server's own endpoints (apiserver-endpoints.ts).
 * - Selectorless Services: user EndpointSlices are left alone; user Endpoints are mirrored
 *   (endpoints-mirroring.ts).
 * - Controller-made slices of Services that are gone (or lost their selector) are deleted, as are
 *   Endpoints of deleted Services (the endpoints controller deletes them with the Service).
 */
import type { Endpoint, EndpointPort, Endpoints, EndpointSlice, KObject, Node, Pod, Service } from '../api/types.ts';
import { objectKey } from '../api/kinds.ts';
import { apiServerAddresses, apiServerEndpoints, apiServerEndpointSlice } from './apiserver-endpoints.ts';
import type { ReconcileContext } from './context.ts';
import { generatedName } from './names.ts';
import { addressTypeOf, addressTypesForService, endpointConditions, findPort, podIPs, shouldPodBeInEndpoints, shouldSetHostname } from './endpoint-conditions.ts';
import {
  MANAGED_BY_LABEL, MIRRORING_CONTROLLER, SERVICE_NAME_LABEL, mirrorEndpoints, shouldMirror,
} from './endpoints-mirroring.ts';
import { endpointKey, placeEndpoints, portMappingKey, recycleNames, type DesiredGroup, type PlannedSlice } from './endpointslice-placement.ts';
import { HEADLESS_LABEL, endpointsForService, isServiceIPSet } from './legacy-endpoints.ts';
import { isOwnedBy, newControllerRef, replaceControllerRef } from './owner-references.ts';
import { ensureOwnerUID } from './ownership.ts';
import { sameObjectContent, sortedLabels } from './semantic-equality.ts';
import { ServicePodIndex, hasSelector } from './service-pod-index.ts';

export const ENDPOINTSLICE_CONTROLLER = 'endpointslice-controller.k8s.io';
/** kube-controller-manager --max-endpoints-per-slice default. */
export const MAX_ENDPOINTS_PER_SLICE = 100;
export const ZONE_LABEL = 'topology.kubernetes.io/zone';
const TOPOLOGY_MODE_ANNOTATION = 'service.kubernetes.io/topology-mode';
const TOPOLOGY_HINTS_ANNOTATION = 'service.kubernetes.io/topology-aware-hints';
const LEADER_ANNOTATION = 'control-plane.alpha.kubernetes.io/leader';

const idOf = (o: KObject): string => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;

/** Puts `next` unless it equals `existing` (then the existing object, and its identity, stay). */
function write(ctx: ReconcileContext, next: KObject, existing: KObject | undefined): void {
  if (existing && sameObjectContent(existing, next)) return;
  ctx.objects.put(next);
}

function remove(ctx: ReconcileContext, obj: KObject): void {
  ctx.objects.delete(objectKey(obj.kind, obj.metadata.namespace, obj.metadata.name));
}

export function reconcileEndpointSlices(ctx: ReconcileContext): void {
  const services = ctx.objects.list<Service>('Service');
  const slices = ctx.objects.list<EndpointSlice>('EndpointSlice');
  const servicesById = new Map(services.map((s) => [idOf(s), s]));
  const pods = new ServicePodIndex(ctx.objects.list<Pod>('Pod'));
  const nodes = ctx.objects.list<Node>('Node');
  const nodesByName = new Map(nodes.map((n) => [n.metadata.name, n]));

  const controllerSlices = new Map<string, EndpointSlice[]>();
  const mirroredSlices = new Map<string, EndpointSlice[]>();
  const takenNames = new Set<string>();
  for (const s of slices) {
    takenNames.add(idOf(s));
    const svcName = s.metadata.labels?.[SERVICE_NAME_LABEL];
    if (!svcName) continue;
    const manager = s.metadata.labels?.[MANAGED_BY_LABEL];
    const target = manager === ENDPOINTSLICE_CONTROLLER ? controllerSlices : manager === MIRRORING_CONTROLLER ? mirroredSlices : undefined;
    if (!target) continue; // user slices (and the API server's own) are not ours
    const id = `${s.metadata.namespace ?? ''}/${svcName}`;
    let list = target.get(id);
    if (!list) target.set(id, (list = []));
    list.push(s);
  }
  const nameFor = (namespace: string, prefix: string, seed: string): string => {
    for (let n = 0; ; n++) {
      const name = generatedName(prefix, `${namespace}/${seed}/${n}`);
      if (!takenNames.has(`${namespace}/${name}`)) {
        takenNames.add(`${namespace}/${name}`);
        return name;
      }
    }
  };

  for (const listed of services) {
    let svc = listed;
    const id = idOf(svc);
    const ns = svc.metadata.namespace ?? '';
    const owned = controllerSlices.get(id) ?? [];
    controllerSlices.delete(id);
    if (!hasSelector(svc)) {
      for (const s of owned) remove(ctx, s);
      continue;
    }
    svc = ensureOwnerUID(ctx.objects, svc, owned);
    const selected = pods.select(ns, svc.spec.selector!);
    reconcileServiceSlices(ctx, svc, selected, nodesByName, owned, (seed) => nameFor(ns, `${svc.metadata.name}-`, seed));
    const existingEp = ctx.objects.get<Endpoints>('Endpoints', ns, svc.metadata.name);
    const knownUIDs = recordedPodUIDs(existingEp);
    write(ctx, endpointsForService(svc, selected, existingEp, (pns, name) => knownUIDs.get(`${pns}/${name}`)), existingEp);
  }
  // Slices of Services that no longer exist (the garbage collector follows their owner reference).
  for (const list of controllerSlices.values()) for (const s of list) remove(ctx, s);

  const kubernetes = servicesById.get('default/kubernetes');
  if (kubernetes && !hasSelector(kubernetes)) {
    const ips = apiServerAddresses(nodes);
    if (ips.length) {
      const ep = ctx.objects.get<Endpoints>('Endpoints', 'default', 'kubernetes');
      write(ctx, apiServerEndpoints(kubernetes, ips, ep), ep);
      const slice = ctx.objects.get<EndpointSlice>('EndpointSlice', 'default', 'kubernetes');
      write(ctx, apiServerEndpointSlice(kubernetes, ips, slice), slice);
    }
  }

  for (const listed of ctx.objects.list<Endpoints>('Endpoints')) {
    let ep = listed;
    const id = idOf(ep);
    const svc = servicesById.get(id);
    const mirrored = mirroredSlices.get(id) ?? [];
    mirroredSlices.delete(id);
    if (!svc) {
      // Deleted with its Service; Endpoints supplied in this very apply are the user's to keep.
      const key = objectKey('Endpoints', ep.metadata.namespace, ep.metadata.name);
      if (!ctx.sources.has(key) && ep.metadata.annotations?.[LEADER_ANNOTATION] === undefined) remove(ctx, ep);
      for (const s of mirrored) remove(ctx, s);
      continue;
    }
    if (Object.keys(svc.spec.selector ?? {}).length > 0 || !shouldMirror(ep)) {
      for (const s of mirrored) remove(ctx, s);
      continue;
    }
    ep = ensureOwnerUID(ctx.objects, ep, mirrored);
    const ns = ep.metadata.namespace ?? '';
    const result = mirrorEndpoints(ep, mirrored, (seed) => nameFor(ns, `${ep.metadata.name}-`, seed));
    const byName = new Map(mirrored.map((s) => [s.metadata.name, s]));
    for (const s of result.put) write(ctx, s, byName.get(s.metadata.name));
    for (const s of result.remove) remove(ctx, s);
  }
  for (const list of mirroredSlices.values()) for (const s of list) remove(ctx, s);
}

/** Pod uids recorded in existing Endpoints, for pods whose working copy has no uid yet. */
function recordedPodUIDs(ep: Endpoints | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const subset of ep?.subsets ?? []) {
    for (const a of [...(subset.addresses ?? []), ...(subset.notReadyAddresses ?? [])]) {
      const r = a.targetRef;
      if (r?.uid && r.name) out.set(`${r.namespace ?? ''}/${r.name}`, r.uid);
    }
  }
  return out;
}

type HintMode = 'zone' | 'node' | undefined;

/**
 * Topology hints: the topology-mode annotation (Auto) or, when it is absent, trafficDistribution
 * (PreferClose / PreferSameZone → hints.forZones, PreferSameNode → also hints.forNodes), on ready
 * endpoints that have a zone.
 */
function hintMode(svc: Service): HintMode {
  const ann = svc.metadata.annotations?.[TOPOLOGY_HINTS_ANNOTATION] ?? svc.metadata.annotations?.[TOPOLOGY_MODE_ANNOTATION];
  if (ann === 'Auto' || ann === 'auto') return 'zone';
  const td = svc.spec.trafficDistribution;
  if (td === 'PreferClose' || td === 'PreferSameZone') return 'zone';
  if (td === 'PreferSameNode') return 'node';
  return undefined;
}

/** getEndpointPorts: one port per Service port the pod resolves; a headless Service may have none. */
function endpointPorts(svc: Service, pod: Pod): EndpointPort[] {
  const out: EndpointPort[] = [];
  for (const sp of svc.spec.ports ?? []) {
    const port = findPort(pod, sp);
    if (port === undefined) continue;
    const ep: EndpointPort = { name: sp.name ?? '', protocol: sp.protocol ?? 'TCP', port };
    if (sp.appProtocol) ep.appProtocol = sp.appProtocol;
    out.push(ep);
  }
  return out;
}

/** podToEndpoint. */
function podToEndpoint(pod: Pod, node: Node | undefined, svc: Service, addresses: string[], mode: HintMode): Endpoint {
  const c = endpointConditions(pod, svc);
  const ep: Endpoint = { addresses, conditions: { ready: c.ready, serving: c.serving, terminating: c.terminating } };
  if (shouldSetHostname(pod, svc)) ep.hostname = pod.spec.hostname;
  ep.targetRef = { kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name, ...(pod.metadata.uid ? { uid: pod.metadata.uid } : {}) };
  if (pod.spec.nodeName) ep.nodeName = pod.spec.nodeName;
  const zone = node?.metadata.labels?.[ZONE_LABEL];
  if (zone) ep.zone = zone;
  if (mode && c.ready && zone) {
    ep.hints = { forZones: [{ name: zone }] };
    if (mode === 'node' && ep.nodeName) ep.hints.forNodes = [{ name: ep.nodeName }];
  }
  return ep;
}

/** A working-copy pod without a uid keeps the uid the existing endpoint recorded for it. */
function keepRecordedPodUID(desired: Endpoint, current: Endpoint): Endpoint {
  const d = desired.targetRef;
  const c = current.targetRef;
  if (!d || d.uid || !c?.uid || c.name !== d.name || c.namespace !== d.namespace) return desired;
  return { ...desired, targetRef: { ...d, uid: c.uid } };
}

/** setEndpointSliceLabels: the Service's labels, minus reserved ones, plus headless/service-name/managed-by. */
function sliceLabels(svc: Service): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(svc.metadata.labels ?? {})) {
    if (k !== SERVICE_NAME_LABEL && k !== MANAGED_BY_LABEL && k !== HEADLESS_LABEL) labels[k] = v;
  }
  if (!isServiceIPSet(svc)) labels[HEADLESS_LABEL] = '';
  labels[SERVICE_NAME_LABEL] = svc.metadata.name;
  labels[MANAGED_BY_LABEL] = ENDPOINTSLICE_CONTROLLER;
  return sortedLabels(labels)!;
}

function reconcileServiceSlices(
  ctx: ReconcileContext,
  svc: Service,
  selected: readonly Pod[],
  nodesByName: Map<string, Node>,
  existing: readonly EndpointSlice[],
  nameFor: (seed: string) => string,
): void {
  const addressTypes = addressTypesForService(svc);
  const publishNotReady = svc.spec.publishNotReadyAddresses === true;
  const mode = hintMode(svc);
  const groups = new Map<string, DesiredGroup>();
  for (const addressType of addressTypes) {
    for (const pod of selected) {
      if (!shouldPodBeInEndpoints(pod, true)) continue;
      const node = nodesByName.get(pod.spec.nodeName ?? '');
      // A pod on an unknown node is left out, unless the Service publishes not-ready addresses.
      if (!node && !publishNotReady) continue;
      const addresses = podIPs(pod).filter((ip) => addressTypeOf(ip) === addressType);
      if (!addresses.length) continue;
      const ports = endpointPorts(svc, pod);
      const key = portMappingKey(ports, addressType);
      let group = groups.get(key);
      if (!group) groups.set(key, (group = { key, addressType, ports, endpoints: new Map() }));
      const ep = podToEndpoint(pod, node, svc, addresses, mode);
      group.endpoints.set(endpointKey(ep), ep);
    }
  }

  // Slices owned by another incarnation of the Service, or of an address type it no longer has, go.
  const owned = existing.filter((s) => isOwnedBy(s, svc, 'v1', 'Service') && (addressTypes as string[]).includes(s.addressType));
  const foreign = existing.filter((s) => !owned.includes(s));
  const placement = placeEndpoints([...groups.values()], owned, MAX_ENDPOINTS_PER_SLICE, keepRecordedPodUID);

  // A Service without endpoints still gets one empty placeholder slice per address type.
  for (const addressType of addressTypes) {
    const ofType = (s: { addressType: string }): boolean => s.addressType === addressType;
    const existingOfType = existing.filter(ofType);
    const deletingOfType = [...placement.remove, ...foreign].filter(ofType);
    const creatingOfType = placement.write.filter((s) => s.name === undefined && ofType(s));
    if (existingOfType.length !== deletingOfType.length || creatingOfType.length) continue;
    const reusable = deletingOfType.length === 1 && placement.remove.includes(deletingOfType[0]) && !(deletingOfType[0].endpoints ?? []).length && !(deletingOfType[0].ports ?? []).length;
    if (reusable) {
      const s = deletingOfType[0];
      placement.remove.splice(placement.remove.indexOf(s), 1);
      placement.write.push({ name: s.metadata.name, existing: s, addressType, ports: [], endpoints: [], key: portMappingKey([], addressType) });
    } else {
      placement.write.push({ addressType, ports: [], endpoints: [], key: portMappingKey([], addressType) });
    }
  }
  recycleNames(placement);

  const labels = sliceLabels(svc);
  const owner = newControllerRef(svc, 'v1', 'Service');
  let created = 0;
  const build = (p: PlannedSlice): EndpointSlice => {
    const name = p.name ?? nameFor(`${p.key}#${created++}`);
    const prev = p.existing;
    const metadata: EndpointSlice['metadata'] = prev
      ? { ...prev.metadata, labels, ownerReferences: replaceControllerRef(prev.metadata.ownerReferences, owner) }
      : { name, generateName: `${svc.metadata.name}-`, namespace: svc.metadata.namespace, labels, ownerReferences: [owner] };
    return {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata,
      addressType: p.addressType,
      endpoints: p.endpoints.length ? p.endpoints : null,
      ports: p.ports.length ? p.ports : null,
    };
  };
  // Existing slices whose labels or owner reference drifted are rewritten too.
  for (const s of placement.unchanged) write(ctx, build({ name: s.metadata.name, existing: s, addressType: s.addressType, ports: s.ports ?? [], endpoints: s.endpoints ?? [], key: '' }), s);
  for (const p of placement.write) write(ctx, build(p), p.existing);
  for (const s of [...placement.remove, ...foreign]) remove(ctx, s);
}
