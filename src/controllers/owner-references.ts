/**
 * Controller owner references. The working copy a controller sees may hold objects the API server has
 * not created yet (no uid until the commit); a reference to such an object keeps the uid recorded
 * the last time, so the reference does not flap between runs.
 */
import type { KObject, OwnerReference } from '../api/types.ts';

/** metav1.NewControllerRef(owner, gvk). */
export function newControllerRef(owner: KObject, apiVersion: string, kind: string): OwnerReference {
  const ref: Record<string, unknown> = { apiVersion, kind, name: owner.metadata.name };
  if (owner.metadata.uid) ref.uid = owner.metadata.uid;
  ref.controller = true;
  ref.blockOwnerDeletion = true;
  return ref as unknown as OwnerReference;
}

/** `ref`, with the uid of the matching reference in `recorded` when `ref` has none. */
export function keepRecordedUID(ref: OwnerReference, recorded: readonly OwnerReference[] | undefined): OwnerReference {
  if (ref.uid) return ref;
  const old = recorded?.find((o) => o.kind === ref.kind && o.name === ref.name && o.apiVersion === ref.apiVersion);
  return old?.uid ? { ...ref, uid: old.uid } : ref;
}

/**
 * ownedBy: a reference of this kind to the owner's uid. While the owner's uid is not known yet, a
 * reference by name is taken as ownership.
 */
export function isOwnedBy(obj: KObject, owner: KObject, apiVersion: string, kind: string): boolean {
  return (obj.metadata.ownerReferences ?? []).some(
    (o) => o.kind === kind && o.apiVersion === apiVersion && (owner.metadata.uid ? o.uid === owner.metadata.uid || (!o.uid && o.name === owner.metadata.name) : o.name === owner.metadata.name),
  );
}

/** Replaces the controller reference of `kind` to `ref.name` in `refs` (others are kept). */
export function replaceControllerRef(refs: readonly OwnerReference[] | undefined, ref: OwnerReference): OwnerReference[] {
  const others = (refs ?? []).filter((o) => !(o.kind === ref.kind && o.name === ref.name));
  return [keepRecordedUID(ref, refs), ...others];
}
