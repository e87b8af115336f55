/**
 * Safe reads of not-yet-trusted input. Structural errors are reported separately; semantic checks read
 * through these so a wrong type never crashes them (it reads as "absent").
 */

export type Rec = Record<string, unknown>;

export function rec(v: unknown): Rec | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Rec) : undefined;
}

export function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

export function bool(v: unknown): boolean | undefined {
  return typeof v === 'boolean' ? v : undefined;
}

/** A `map[string]string` (labels, selectors): string entries only. */
export function stringMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(rec(v) ?? {})) if (typeof x === 'string') out[k] = x;
  return out;
}

/** Present and not null (Go's "field set"). */
export function has(o: Rec | undefined, key: string): boolean {
  return o !== undefined && o[key] !== undefined && o[key] !== null;
}
