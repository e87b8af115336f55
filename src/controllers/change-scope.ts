/**
 * For CHANGE_DRIVEN controllers: what changed since the controller last ran (ReconcileContext.changes)
 * together with what it changed itself so far in this run, so a later step of the controller sees
 * the writes of an earlier one (a Deployment scaling its ReplicaSet, a ReplicaSet creating pods).
 */
import type { KObject } from '../api/types.ts';
import { objectKey } from '../api/kinds.ts';
import { compareObjects } from '../cluster/object-set.ts';
import type { ReconcileContext } from './context.ts';
import { controllerRef } from './ownership.ts';

export type Changes = ReadonlyMap<string, KObject | undefined>;

/** Changes since the last run and since version() was `start`; undefined: look at everything. */
export function changesSoFar(ctx: ReconcileContext, start: number): Changes | undefined {
  if (!ctx.changes) return undefined;
  const own = ctx.objects.changesSince(start);
  if (!own) return undefined;
  if (own.size === 0) return ctx.changes;
  const all = new Map(ctx.changes);
  for (const [key, before] of own) if (!all.has(key)) all.set(key, before);
  return all;
}

export const kindOfKey = (key: string): string => key.slice(0, key.indexOf('/'));

/** Each changed object of `kind` as it was and as it is (absent ones left out). */
export function* versionsOf(ctx: ReconcileContext, changes: Changes, kind: string): Generator<KObject> {
  for (const [key, before] of changes) {
    if (kindOfKey(key) !== kind) continue;
    if (before) yield before;
    const now = ctx.objects.byKey(key);
    if (now) yield now;
  }
}

/** The key of the object `obj`'s controller reference names, when it is of `kind`. */
export function controllerKey(obj: KObject, kind: string): string | undefined {
  const ref = controllerRef(obj);
  return ref?.kind === kind ? objectKey(kind, obj.metadata.namespace, ref.name) : undefined;
}

/** Keys of the changed objects of `kind` and of the `kind` controllers of changed `dependents` (as they were and are). */
export function changedOrControlling(ctx: ReconcileContext, changes: Changes, kind: string, dependents: string): string[] {
  const keys: string[] = [];
  for (const key of changes.keys()) if (kindOfKey(key) === kind) keys.push(key);
  for (const obj of versionsOf(ctx, changes, dependents)) {
    const owner = controllerKey(obj, kind);
    if (owner) keys.push(owner);
  }
  return keys;
}

/** The objects of `keys` that exist, in namespace/name order. */
export function existing<T extends KObject>(ctx: ReconcileContext, keys: Iterable<string>): T[] {
  const out: T[] = [];
  for (const key of new Set(keys)) {
    const obj = ctx.objects.byKey(key);
    if (obj) out.push(obj as T);
  }
  return out.sort(compareObjects);
}
