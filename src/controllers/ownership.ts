/**
 * Owner references between workloads and what they create, and the garbage collector. Owners
 * are matched by kind and name within the namespace; podnet never keeps two incarnations of one
 * owner at once, so the uid adds nothing to the match and dumps with foreign uids still line up.
 */
import type { KObject, OwnerReference } from '../api/types.ts';
import { kindInfo, apiVersionOf } from '../api/kinds.ts';
import { compareObjects, describeObject, keyOf, type ObjectSet } from '../cluster/object-set.ts';
import type { ReconcileContext } from './context.ts';
import { uidFor } from './names.ts';
import { PODS_BY_WORKLOAD_OWNER } from './pod-indexes.ts';

/** The kinds whose controllers podnet runs; owners of other kinds (Job, Node, …) are never judged missing. */
export const WORKLOAD_KINDS: readonly string[] = ['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet'];

/** Kinds that workload controllers create, in the order garbage collection must visit them. */
export const DEPENDENT_KINDS: readonly string[] = ['ReplicaSet', 'Pod'];

export function controllerRef(obj: KObject): OwnerReference | undefined {
  return obj.metadata.ownerReferences?.find((r) => r.controller === true);
}

export function isControlledBy(obj: KObject, owner: KObject): boolean {
  const ref = controllerRef(obj);
  return !!ref && ref.kind === owner.kind && ref.name === owner.metadata.name && obj.metadata.namespace === owner.metadata.namespace;
}

/** The controller reference a workload puts on what it creates (blockOwnerDeletion as upstream sets it). */
export function ownerReferenceTo(owner: KObject): OwnerReference {
  const info = kindInfo(owner.kind);
  return {
    apiVersion: info ? apiVersionOf(info) : owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name,
    uid: owner.metadata.uid ?? uidFor(keyOf(owner)),
    controller: true,
    blockOwnerDeletion: true,
  };
}

/**
 * Gives an owner without a uid (a manifest being applied) the uid its dependents will reference:
 * the one an existing dependent already names, else one derived from its key. The Store keeps a uid
 * set on create, so owner and references agree once committed.
 */
export function ensureOwnerUID<T extends KObject>(objects: ObjectSet, owner: T, dependents: readonly KObject[]): T {
  if (owner.metadata.uid) return owner;
  const known = dependents.map(controllerRef).find((r) => r && r.kind === owner.kind && r.name === owner.metadata.name && r.uid)?.uid;
  const next = { ...owner, metadata: { ...owner.metadata, uid: known ?? uidFor(keyOf(owner)) } };
  objects.put(next);
  return next;
}

/**
 * Garbage collection (the background cascade): a stored ReplicaSet or Pod whose every owner
 * reference points at a missing workload lost its owner, and is deleted — so deleting a Deployment
 * removes its ReplicaSets and their pods. One being applied now whose owner never made it into the
 * cluster (a `kubectl get pods -o yaml` dump without its ReplicaSets) is an import, not a leftover:
 * it is kept, orphaned (the dangling references dropped, as `--cascade=orphan` leaves dependents),
 * with a warning. Owners of kinds podnet does not run (a Job's pods in a dump) are never judged missing.
 */
export function collectGarbage(ctx: ReconcileContext): void {
  const { objects } = ctx;
  // Pods are many: only those referencing an owner that is missing are looked at (the index files
  // each pod under every owner it references).
  const pods = (): KObject[] => {
    const index = objects.index(PODS_BY_WORKLOAD_OWNER);
    const found = new Map<string, KObject>();
    for (const owner of index.buckets()) {
      if (objects.has(owner)) continue;
      for (const key of index.keys(owner) ?? []) found.set(key, objects.byKey(key)!);
    }
    return [...found.values()].sort(compareObjects);
  };
  for (const kind of DEPENDENT_KINDS) {
    for (const obj of kind === 'Pod' ? pods() : objects.list(kind)) {
      const refs = obj.metadata.ownerReferences ?? [];
      if (refs.length === 0) continue;
      const missing = (r: OwnerReference): boolean => WORKLOAD_KINDS.includes(r.kind) && !objects.get(r.kind, obj.metadata.namespace, r.name);
      if (!refs.every(missing)) continue;
      const key = keyOf(obj);
      if (!ctx.sources.has(key)) {
        objects.delete(key);
        continue;
      }
      const { ownerReferences: _dropped, ...metadata } = obj.metadata;
      objects.put({ ...obj, metadata });
      const owners = refs.map((r) => `${r.kind} ${r.name}`).join(', ');
      ctx.warnings.push(`${describeObject(obj)}: owner ${owners} is not in the cluster; kept as an orphan (apply the owner too to keep the link)`);
    }
  }
}

/** `obj` adopted by `owner`: the controller reference appended, as the controllers' adoption patch does. */
export function withControllerRef<T extends KObject>(obj: T, owner: KObject): T {
  return { ...obj, metadata: { ...obj.metadata, ownerReferences: [...(obj.metadata.ownerReferences ?? []), ownerReferenceTo(owner)] } };
}
