/**
 * Content equality the way apiequality.Semantic compares objects: key order is irrelevant, and
 * metadata the API server owns (uid, resourceVersion, ...) is not part of what a controller writes.
 * Controllers keep the existing object (same identity, so the commit sees no change) when their
 * desired object equals it.
 */
import type { KObject } from '../api/types.ts';

const SERVER_METADATA = new Set(['uid', 'resourceVersion', 'creationTimestamp', 'generation', 'managedFields', 'selfLink']);

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((v, i) => deepEqual(v, bb[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const ak = Object.keys(ao).filter((k) => ao[k] !== undefined);
  const bk = Object.keys(bo).filter((k) => bo[k] !== undefined);
  return ak.length === bk.length && ak.every((k) => Object.prototype.hasOwnProperty.call(bo, k) && deepEqual(ao[k], bo[k]));
}

function withoutServerMetadata(o: KObject): unknown {
  const meta: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o.metadata ?? {})) if (!SERVER_METADATA.has(k)) meta[k] = v;
  return { ...o, metadata: meta };
}

/** Same object content apart from server-owned metadata. */
export function sameObjectContent(a: KObject, b: KObject): boolean {
  return deepEqual(withoutServerMetadata(a), withoutServerMetadata(b));
}

/** Server-owned metadata of `existing` (uid, creationTimestamp, ...) to carry into a rewritten object. */
export function serverMetadata(existing: KObject | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!existing) return out;
  for (const [k, v] of Object.entries(existing.metadata ?? {})) if (SERVER_METADATA.has(k)) out[k] = v;
  return out;
}

/** Labels with keys sorted, as Go serializes a map; undefined when empty (omitempty). */
export function sortedLabels(labels: Record<string, string>): Record<string, string> | undefined {
  const keys = Object.keys(labels).sort();
  if (!keys.length) return undefined;
  const out: Record<string, string> = {};
  for (const k of keys) out[k] = labels[k];
  return out;
}
