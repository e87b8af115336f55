/**
 * Writing to the working set without spurious changes: a controller builds the object it wants and
 * puts it only when the content differs, so an unchanged object stays the very same JS object and
 * the commit diff sees nothing (reconciling twice changes nothing).
 */
import type { KObject } from '../api/types.ts';
import type { ObjectSet } from '../cluster/object-set.ts';
import { jsonEqual } from '../cluster/json-equal.ts';

/** Same content, key order aside (what comparing stableStringify texts says, without building them). */
export function sameContent(a: unknown, b: unknown): boolean {
  return a === b || jsonEqual(a ?? null, b ?? null);
}

/** Puts `next` unless `prev` already has the same content; returns the object now in the set. */
export function putIfChanged<T extends KObject>(objects: ObjectSet, prev: T | undefined, next: T): T {
  if (prev && sameContent(prev, next)) return prev;
  objects.put(next);
  return next;
}
