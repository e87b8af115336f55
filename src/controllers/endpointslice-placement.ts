/**
 * Placing desired endpoints into EndpointSlices with as little churn as the upstream reconciler
 * (k8s.io/endpointslice reconciler.go, reconcileByPortMapping + finalize): per port mapping,
 *  1. existing slices keep the endpoints still desired (updated in place) and drop the rest;
 *     a slice left empty is deleted;
 *  2. slices already being updated are filled up, fullest first;
 *  3. leftovers go into the unchanged slice they fill closest to full, else into new slices;
 * and new slices take over the names of slices about to be deleted. Upstream iterates Go maps (random
 * order); here every iteration is in a fixed order, so the result is a function of the input.
 */
import type { Endpoint, EndpointPort, EndpointSlice } from '../api/types.ts';
import { deepEqual } from './semantic-equality.ts';

export interface DesiredGroup {
  /** Port mapping + address type key (see portMappingKey). */
  key: string;
  addressType: EndpointSlice['addressType'];
  ports: EndpointPort[];
  /** Desired endpoints by endpointKey, in the order new endpoints should be placed. */
  endpoints: Map<string, Endpoint>;
}

/** A slice being planned: `name` undefined until a name is chosen for a new slice. */
export interface PlannedSlice {
  name?: string;
  existing?: EndpointSlice;
  addressType: EndpointSlice['addressType'];
  ports: EndpointPort[];
  endpoints: Endpoint[];
  /** Group key, for naming new slices deterministically. */
  key: string;
}

export interface Placement {
  /** Slices to write (new, or existing ones whose content may have changed). */
  write: PlannedSlice[];
  /** Existing slices that stay exactly as they are. */
  unchanged: EndpointSlice[];
  /** Existing slices to delete. */
  remove: EndpointSlice[];
}

/** Identity of an endpoint across syncs (endpointHash): addresses, hostname, targetRef namespace/name. */
export function endpointKey(ep: Endpoint): string {
  return JSON.stringify([[...ep.addresses].sort(), ep.hostname ?? '', ep.targetRef?.namespace ?? '', ep.targetRef?.name ?? '']);
}

/** Ports compared as a set (PortMapKey) plus the address type. */
export function portMappingKey(ports: readonly EndpointPort[] | null | undefined, addressType: string): string {
  const norm = (ports ?? []).map((p) => JSON.stringify([p.name ?? '', p.protocol ?? 'TCP', p.port ?? 0, p.appProtocol ?? ''])).sort();
  return `${addressType}|${norm.join(',')}`;
}

const byName = (a: EndpointSlice, b: EndpointSlice): number => (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0);

/**
 * Plans the slices of one Service (or one mirrored Endpoints) given the desired groups and the
 * existing slices it owns. `refine` may adjust a desired endpoint given the existing one it replaces
 * (e.g. keep a uid the working copy does not know yet).
 */
export function placeEndpoints(
  groups: readonly DesiredGroup[],
  existing: readonly EndpointSlice[],
  maxPerSlice: number,
  refine: (desired: Endpoint, current: Endpoint) => Endpoint = (d) => d,
): Placement {
  const existingByKey = new Map<string, EndpointSlice[]>();
  for (const s of [...existing].sort(byName)) {
    const k = portMappingKey(s.ports, s.addressType);
    let list = existingByKey.get(k);
    if (!list) existingByKey.set(k, (list = []));
    list.push(s);
  }
  const write: PlannedSlice[] = [];
  const unchanged: EndpointSlice[] = [];
  const remove: EndpointSlice[] = [];

  for (const group of groups) {
    const desired = new Map(group.endpoints);
    const updating: PlannedSlice[] = [];
    const untouched: EndpointSlice[] = [];
    // 1. Keep and update what is still desired.
    for (const slice of existingByKey.get(group.key) ?? []) {
      const kept: Endpoint[] = [];
      let changed = false;
      for (const ep of slice.endpoints ?? []) {
        const k = endpointKey(ep);
        const want = desired.get(k);
        if (!want) continue;
        const next = refine(want, ep);
        if (!deepEqual(next, ep)) changed = true;
        kept.push(next);
        desired.delete(k);
      }
      if (changed || kept.length !== (slice.endpoints ?? []).length) {
        if (kept.length === 0) remove.push(slice);
        else updating.push({ name: slice.metadata.name, existing: slice, addressType: slice.addressType, ports: slice.ports ?? [], endpoints: kept, key: group.key });
      } else untouched.push(slice);
    }
    // 2. Fill the slices being updated, fullest first.
    if (desired.size) {
      const order = [...updating].sort((a, b) => b.endpoints.length - a.endpoints.length || (a.name! < b.name! ? -1 : 1));
      for (const s of order) fill(s, desired, maxPerSlice);
    }
    // 3. Leftovers: the unchanged slice they fill closest to full, else new slices.
    while (desired.size) {
      let target: PlannedSlice | undefined;
      if (desired.size < maxPerSlice && untouched.length) {
        const slice = sliceToFill(untouched, desired.size, maxPerSlice);
        if (slice) {
          untouched.splice(untouched.indexOf(slice), 1);
          target = { name: slice.metadata.name, existing: slice, addressType: slice.addressType, ports: slice.ports ?? [], endpoints: [...(slice.endpoints ?? [])], key: group.key };
          updating.push(target);
        }
      }
      if (!target) {
        target = { addressType: group.addressType, ports: group.ports, endpoints: [], key: group.key };
        write.push(target);
      }
      fill(target, desired, maxPerSlice);
    }
    write.push(...updating);
    unchanged.push(...untouched);
  }
  const groupKeys = new Set(groups.map((g) => g.key));
  for (const [k, slices] of existingByKey) if (!groupKeys.has(k)) remove.push(...slices);
  return { write, unchanged, remove };
}

function fill(slice: PlannedSlice, desired: Map<string, Endpoint>, max: number): void {
  for (const [k, ep] of desired) {
    if (slice.endpoints.length >= max) break;
    slice.endpoints.push(ep);
    desired.delete(k);
  }
}

/** getSliceToFill: the slice that ends up closest to full when `count` endpoints are added. */
function sliceToFill(slices: readonly EndpointSlice[], count: number, max: number): EndpointSlice | undefined {
  let closestDiff = max;
  let closest: EndpointSlice | undefined;
  for (const s of slices) {
    const diff = max - (count + (s.endpoints ?? []).length);
    if (diff >= 0 && diff < closestDiff) {
      closestDiff = diff;
      closest = s;
      if (diff === 0) break;
    }
  }
  return closest;
}

/**
 * finalize: new slices reuse the names of slices about to be deleted (same address type), so a
 * Service whose pods all changed keeps its slice names.
 */
export function recycleNames(placement: Placement, canRecycle: (s: EndpointSlice) => boolean = () => true): void {
  const creates = placement.write.filter((s) => s.name === undefined);
  for (let i = 0; i < placement.remove.length && creates.length; ) {
    const victim = placement.remove[i];
    const idx = findLastIndex(creates, (c) => c.addressType === victim.addressType);
    if (idx >= 0 && canRecycle(victim)) {
      const created = creates.splice(idx, 1)[0];
      created.name = victim.metadata.name;
      created.existing = victim;
      placement.remove.splice(i, 1);
    } else i++;
  }
}

function findLastIndex<T>(list: T[], pred: (v: T) => boolean): number {
  for (let i = list.length - 1; i >= 0; i--) if (pred(list[i])) return i;
  return -1;
}
