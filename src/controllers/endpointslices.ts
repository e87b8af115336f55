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
 *
 * A full pass looks at every Service and Endpoints; an incremental one (ctx.changes) only at those
 * the changes since the last run can affect (scopeOf), the rest being as that run left them.
 */
import type { Endpoint, EndpointPort, Endpoints, EndpointSlice, KObject, Node, Pod, Service } from '../api/types.ts';
import { compareObjects, type IndexSpec } from '../cluster/object-set.ts';
import { objectKey } from '../api/kinds.ts';
import { apiServerAddresses, apiServerEndpoints, apiServerEndpointSlice } from './apiserver-endpoints.ts';
import type { ReconcileContext } from './context.ts';
import { kindOfKey } from './change-scope.ts';
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
import { ServicePodIndex, hasSelector, servicesSelecting } from './service-pod-index.ts';

export const ENDPOINTSLICE_CONTROLLER = 'endpointslice-controller.k8s.io';
/** kube-controller-manager --max-endpoints-per-slice default. */
export const MAX_ENDPOINTS_PER_SLICE = 100;
export const ZONE_LABEL = 'topology.kubernetes.io/zone';
const TOPOLOGY_MODE_ANNOTATION = 'service.kubernetes.io/topology-mode';
const TOPOLOGY_HINTS_ANNOTATION = 'service.kubernetes.io/topology-aware-hints';
const LEADER_ANNOTATION = 'control-plane.alpha.kubernetes.io/leader';

const idOf = (o: KObject): string => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
const splitId = (id: string): [string, string] => {
  const at = id.indexOf('/');
  return [id.slice(0, at), id.slice(at + 1)];
};

/** Puts `next` unless it equals `existing` (then the existing object, and its identity, stay). */
function write(ctx: ReconcileContext, next: KObject, existing: KObject | undefined): void {
  if (existing && sameObjectContent(existing, next)) return;
  ctx.objects.put(next);
}

/**
 * EndpointSlices by the Service their labels name: `c/<ns>/<service>` for this controller's,
 * `m/<ns>/<service>` for the mirroring controller's; user slices (and the API server's) are not filed.
 */
export const SLICES_BY_SERVICE: IndexSpec<EndpointSlice> = {
  kind: 'EndpointSlice',
  buckets: (s) => {
    const svcName = s.metadata.labels?.[SERVICE_NAME_LABEL];
    if (!svcName) return undefined;
    const manager = s.metadata.labels?.[MANAGED_BY_LABEL];
    const prefix = manager === ENDPOINTSLICE_CONTROLLER ? 'c' : manager === MIRRORING_CONTROLLER ? 'm' : undefined;
    return prefix && `${prefix}/${s.metadata.namespace ?? ''}/${svcName}`;
  },
};

/** What a pass looks at: Services and Endpoints by `namespace/name` (whether they exist or not). */
interface Scope {
  services: Set<string>;
  endpoints: Set<string>;
}

/**
 * The Services and Endpoints whose outcome the changes can alter: a changed Service, Endpoints or
 * slice names its own; a changed pod, the Services of its namespace whose selector matches its
 * labels before or after. Undefined when everything must be looked at (a node changed: zones and
 * node names of endpoints come from nodes).
 */
function scopeOf(ctx: ReconcileContext, changes: ReadonlyMap<string, KObject | undefined>): Scope | undefined {
  const { objects } = ctx;
  const services = new Set<string>();
  const endpoints = new Set<string>(['default/kubernetes']);
  for (const [key, before] of changes) {
    const kind = kindOfKey(key);
    if (kind !== 'Pod' && kind !== 'Service' && kind !== 'Endpoints' && kind !== 'EndpointSlice' && kind !== 'Node') continue;
    if (kind === 'Node') return undefined;
    const now = objects.byKey(key);
    for (const obj of [before, now]) {
      if (!obj) continue;
      const ns = obj.metadata.namespace ?? '';
      if (kind === 'Service' || kind === 'Endpoints') {
        services.add(idOf(obj));
        endpoints.add(idOf(obj));
      } else if (kind === 'EndpointSlice') {
        const bucket = SLICES_BY_SERVICE.buckets(obj as EndpointSlice);
        if (typeof bucket !== 'string') continue;
        (bucket.startsWith('c/') ? services : endpoints).add(bucket.slice(2));
      } else {
        for (const svc of servicesSelecting(objects, ns, obj.metadata.labels)) services.add(idOf(svc));
      }
    }
  }
  // A Service's Endpoints are written with its slices; the mirroring pass then looks at them too.
  for (const id of services) endpoints.add(id);
  return { services, endpoints };
}

export function reconcileEndpointSlices(ctx: ReconcileContext): void {
  const { objects } = ctx;
  const scope = ctx.changes && scopeOf(ctx, ctx.changes);
  const slicesOf = objects.index(SLICES_BY_SERVICE);
  const pods = new ServicePodIndex(objects);
  const nodes = objects.list<Node>('Node');
  const nodesByName = new Map(nodes.map((n) => [n.metadata.name, n]));
  const byIds = <T extends KObject>(kind: string, ids: Iterable<string>): T[] =>
    [...ids].map((id) => objects.get<T>(kind, ...splitId(id))).filter((o): o is T => o !== undefined).sort(compareObjects);

  // Slice names in use: those existing when the pass began (removed since or not) and those it made.
  const removedSlices = new Set<string>();
  const madeSlices = new Set<string>();
  const remove = (obj: KObject): void => {
    if (obj.kind === 'EndpointSlice') removedSlices.add(idOf(obj));
    objects.delete(objectKey(obj.kind, obj.metadata.namespace, obj.metadata.name));
  };
  const nameFor = (namespace: string, prefix: string, seed: string): string => {
    for (let n = 0; ; n++) {
      const name = generatedName(prefix, `${namespace}/${seed}/${n}`);
      const id = `${namespace}/${name}`;
      if (!madeSlices.has(id) && !removedSlices.has(id) && !objects.has(objectKey('EndpointSlice', namespace, name))) {
        madeSlices.add(id);
        return name;
      }
    }
  };
  const filed = (prefix: 'c' | 'm'): string[] => [...slicesOf.buckets()].filter((b) => b.startsWith(`${prefix}/`)).map((b) => b.slice(2));

  const services = scope ? byIds<Service>('Service', scope.services) : objects.list<Service>('Service');
  for (const listed of services) {
    let svc = listed;
    const id = idOf(svc);
    const ns = svc.metadata.namespace ?? '';
    const owned = slicesOf.sorted(`c/${id}`);
    if (!hasSelector(svc)) {
      for (const s of owned) remove(s);
      continue;
    }
    svc = ensureOwnerUID(objects, svc, owned);
    const selected = pods.select(ns, svc.spec.selector!);
    reconcileServiceSlices(ctx, svc, selected, nodesByName, owned, remove, (seed) => nameFor(ns, `${svc.metadata.name}-`, seed));
    const existingEp = objects.get<Endpoints>('Endpoints', ns, svc.metadata.name);
    const knownUIDs = recordedPodUIDs(existingEp);
    write(ctx, endpointsForService(svc, selected, existingEp, (pns, name) => knownUIDs.get(`${pns}/${name}`)), existingEp);
  }
  // Slices of Services that no longer exist (the garbage collector follows their owner reference).
  for (const id of scope ? scope.services : filed('c')) {
    if (!objects.get('Service', ...splitId(id))) for (const s of slicesOf.sorted(`c/${id}`)) remove(s);
  }

  const kubernetes = objects.get<Service>('Service', 'default', 'kubernetes');
  if (kubernetes && !hasSelector(kubernetes)) {
    const ips = apiServerAddresses(nodes);
    if (ips.length) {
      const ep = objects.get<Endpoints>('Endpoints', 'default', 'kubernetes');
      write(ctx, apiServerEndpoints(kubernetes, ips, ep), ep);
      const slice = objects.get<EndpointSlice>('EndpointSlice', 'default', 'kubernetes');
      write(ctx, apiServerEndpointSlice(kubernetes, ips, slice), slice);
    }
  }

  const seen = new Set<string>();
  for (const listed of scope ? byIds<Endpoints>('Endpoints', scope.endpoints) : objects.list<Endpoints>('Endpoints')) {
    let ep = listed;
    const id = idOf(ep);
    seen.add(id);
    const svc = objects.get<Service>('Service', ...splitId(id));
    const mirrored = slicesOf.sorted(`m/${id}`);
    if (!svc) {
      // Deleted with its Service; Endpoints supplied in this very apply are the user's to keep.
      const key = objectKey('Endpoints', ep.metadata.namespace, ep.metadata.name);
      if (!ctx.sources.has(key) && ep.metadata.annotations?.[LEADER_ANNOTATION] === undefined) remove(ep);
      for (const s of mirrored) remove(s);
      continue;
    }
    if (Object.keys(svc.spec.selector ?? {}).length > 0 || !shouldMirror(ep)) {
      for (const s of mirrored) remove(s);
      continue;
    }
    ep = ensureOwnerUID(objects, ep, mirrored);
    const ns = ep.metadata.namespace ?? '';
    const result = mirrorEndpoints(ep, mirrored, (seed) => nameFor(ns, `${ep.metadata.name}-`, seed));
    const byName = new Map(mirrored.map((s) => [s.metadata.name, s]));
    for (const s of result.put) write(ctx, s, byName.get(s.metadata.name));
    for (const s of result.remove) remove(s);
  }
  // Mirrored slices whose Endpoints are gone.
  for (const id of scope ? scope.endpoints : filed('m')) {
    if (!seen.has(id)) for (const s of slicesOf.sorted(`m/${id}`)) remove(s);
  }
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
  remove: (obj: KObject) => void,
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
  for (const s of [...placement.remove, ...foreign]) remove(s);
}
