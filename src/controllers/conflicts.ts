/**
 * Conflicts found while reconciling (two pods claiming one IP, overlapping node podCIDRs) reject the
 * apply like a validation error: positioned at the user's file and line when the object came from input.
 */
import type { FieldPath } from '../api/decode.ts';
import { formatFieldPath, type InputError } from '../api/errors.ts';
import type { KObject } from '../api/types.ts';
import { describeObject, keyOf } from '../cluster/object-set.ts';
import type { ReconcileContext } from './context.ts';

export function conflictError(ctx: ReconcileContext, obj: KObject, field: FieldPath, reason: string): InputError {
  const source = ctx.sources.get(keyOf(obj))?.source;
  return {
    ...(source ? { file: source.file, line: source.lineOf(field) } : {}),
    object: describeObject(obj),
    field: formatFieldPath(field),
    reason,
  };
}

/** Of two objects in conflict, the one to blame: the one the user supplied now, else the later one. */
export function blame<T extends KObject>(ctx: ReconcileContext, earlier: T, later: T): T {
  if (!ctx.sources.has(keyOf(later)) && ctx.sources.has(keyOf(earlier))) return earlier;
  return later;
}
