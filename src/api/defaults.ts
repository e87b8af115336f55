/**
 * Defaulting as the API server does it on create (SetDefaults_* in pkg/apis/<group>/v1/defaults.go).
 * Pure: returns a new object; never touches fields the user set.
 */
import type { KObject } from './types.ts';

export function defaultObject(obj: KObject): KObject {
  return structuredClone(obj);
}
