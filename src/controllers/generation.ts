/**
 * metadata.generation as the commit will assign it: the Store counts spec changes at commit time,
 * after the controllers ran, but a status written in the same pass must already report it as
 * observedGeneration (kubectl rollout status waits until observedGeneration >= generation).
 */
import type { KObject } from '../api/types.ts';
import { keyOf, type ObjectSet } from '../cluster/object-set.ts';
import { nextGeneration } from '../cluster/store.ts';

/** The generation `obj` will be stored with: its stored one, plus one when this pass changed its spec. */
export function pendingGeneration(objects: ObjectSet, obj: KObject): number {
  const before = objects.original(keyOf(obj));
  if (!before) return 1;
  // Same name, another incarnation (deleted and created in one pass): a new object starts at 1.
  if (before.metadata.uid && obj.metadata.uid && before.metadata.uid !== obj.metadata.uid) return 1;
  return nextGeneration(before, obj);
}
