/**
 * Whether two JSON-shaped values serialize alike with object keys in any order — what comparing
 * their canonical JSON (sorted keys) says — without building either string: a difference stops
 * the walk at once and nothing is allocated. As JSON.stringify has it, an object member whose value
 * is undefined, a function or a symbol does not exist, and such an array element reads as null.
 * Values with a toJSON method (Dates) are compared by their JSON text.
 */
export function jsonEqual(a: unknown, b: unknown, skip?: (key: string) => boolean): boolean {
  if (a === b) return true;
  const ta = typeof a;
  const tb = typeof b;
  if (ta !== 'object' || tb !== 'object' || a === null || b === null) return scalarJSON(a) === scalarJSON(b);
  if (hasToJSON(a as object) || hasToJSON(b as object)) return JSON.stringify(a) === JSON.stringify(b);
  const arrayA = Array.isArray(a);
  if (arrayA !== Array.isArray(b)) return false;
  if (arrayA) {
    const xa = a as unknown[];
    const xb = b as unknown[];
    if (xa.length !== xb.length) return false;
    for (let i = 0; i < xa.length; i++) if (!jsonEqual(inArray(xa[i]), inArray(xb[i]))) return false;
    return true;
  }
  const oa = a as Record<string, unknown>;
  const ob = b as Record<string, unknown>;
  let count = 0;
  for (const k of Object.keys(oa)) {
    if (skip?.(k) || !visible(oa[k])) continue;
    count++;
    if (!Object.prototype.hasOwnProperty.call(ob, k) || !visible(ob[k]) || !jsonEqual(oa[k], ob[k])) return false;
  }
  for (const k of Object.keys(ob)) if (!skip?.(k) && visible(ob[k])) count--;
  return count === 0;
}

const visible = (v: unknown): boolean => v !== undefined && typeof v !== 'function' && typeof v !== 'symbol';
const inArray = (v: unknown): unknown => (visible(v) ? v : null);
const hasToJSON = (v: object): boolean => typeof (v as { toJSON?: unknown }).toJSON === 'function';

/** A non-object value's JSON text (undefined for what JSON leaves out). */
function scalarJSON(v: unknown): string | undefined {
  if (typeof v === 'bigint') return `bigint:${v}`; // JSON.stringify throws; never equal to a JSON value
  return JSON.stringify(v);
}
