/**
 * The three classic PATCH bodies: JSON merge patch (RFC 7386), JSON patch (RFC 6902) and strategic
 * merge patch (k8s.io/apimachinery/pkg/util/strategicpatch: merge keys, `$patch`, `$retainKeys`,
 * `$setElementOrder/…`, `$deleteFromPrimitiveList/…`). Pure functions over JSON values; a malformed
 * patch throws PatchError, which the server turns into a Status.
 */
import { keyFieldValue, listSemantics } from './list-keys.ts';

export type JsonObject = Record<string, unknown>;

export class PatchError extends Error {
  /** 400 for a patch that cannot be read, 422 for one that does not apply to the object. */
  constructor(readonly code: 400 | 422, message: string) {
    super(message);
    this.name = 'PatchError';
  }
}

export const isObject = (v: unknown): v is JsonObject => v !== null && typeof v === 'object' && !Array.isArray(v);

// ---- RFC 7386 ----

export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return structuredClone(patch);
  const out: JsonObject = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

// ---- RFC 6902 ----

interface Operation {
  op: string;
  path: string;
  from?: string;
  value?: unknown;
}

function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw new PatchError(400, `invalid JSON pointer ${JSON.stringify(path)}: must start with "/"`);
  return path.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function parentOf(doc: unknown, tokens: string[], path: string): unknown {
  let cur = doc;
  for (const t of tokens.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[arrayIndex(cur, t, path, false)];
    else if (isObject(cur) && t in cur) cur = cur[t];
    else throw new PatchError(422, `doc is missing path: "${path}"`);
  }
  return cur;
}

function arrayIndex(arr: unknown[], token: string, path: string, forAdd: boolean): number {
  if (forAdd && token === '-') return arr.length;
  if (!/^(0|[1-9][0-9]*)$/.test(token)) throw new PatchError(422, `invalid array index ${JSON.stringify(token)} in "${path}"`);
  const i = Number(token);
  if (i > arr.length || (!forAdd && i === arr.length)) throw new PatchError(422, `array index ${i} out of bounds in "${path}"`);
  return i;
}

function getAt(doc: unknown, path: string): unknown {
  let cur = doc;
  for (const t of pointer(path)) {
    if (Array.isArray(cur)) cur = cur[arrayIndex(cur, t, path, false)];
    else if (isObject(cur) && t in cur) cur = cur[t];
    else throw new PatchError(422, `doc is missing path: "${path}"`);
  }
  return cur;
}

function removeAt(doc: unknown, path: string): unknown {
  const tokens = pointer(path);
  if (!tokens.length) throw new PatchError(422, 'cannot remove the whole document');
  const parent = parentOf(doc, tokens, path);
  const last = tokens[tokens.length - 1];
  if (Array.isArray(parent)) return parent.splice(arrayIndex(parent, last, path, false), 1)[0];
  if (isObject(parent) && last in parent) {
    const v = parent[last];
    delete parent[last];
    return v;
  }
  throw new PatchError(422, `unable to remove nonexistent key: ${last}: missing value`);
}

function addAt(doc: unknown, path: string, value: unknown, replace: boolean): unknown {
  const tokens = pointer(path);
  if (!tokens.length) return value;
  const parent = parentOf(doc, tokens, path);
  const last = tokens[tokens.length - 1];
  if (Array.isArray(parent)) {
    const i = arrayIndex(parent, last, path, !replace);
    if (replace) parent[i] = value;
    else parent.splice(i, 0, value);
  } else if (isObject(parent)) {
    if (replace && !(last in parent)) throw new PatchError(422, `replace operation does not apply: doc is missing key: ${path}: missing value`);
    parent[last] = value;
  } else {
    throw new PatchError(422, `doc is missing path: "${path}"`);
  }
  return doc;
}

export function jsonPatch(target: unknown, patch: unknown): unknown {
  if (!Array.isArray(patch)) throw new PatchError(400, 'json patch must be a list of operations');
  let doc = structuredClone(target);
  for (const raw of patch) {
    if (!isObject(raw) || typeof raw.op !== 'string' || typeof raw.path !== 'string') {
      throw new PatchError(400, `invalid json patch operation ${JSON.stringify(raw)}: needs "op" and "path"`);
    }
    const op = raw as unknown as Operation;
    switch (op.op) {
      case 'add':
        doc = addAt(doc, op.path, structuredClone(op.value), false);
        break;
      case 'replace':
        doc = pointer(op.path).length ? addAt(doc, op.path, structuredClone(op.value), true) : structuredClone(op.value);
        break;
      case 'remove':
        removeAt(doc, op.path);
        break;
      case 'move': {
        if (typeof op.from !== 'string') throw new PatchError(400, 'move operation needs "from"');
        const v = removeAt(doc, op.from);
        doc = addAt(doc, op.path, v, false);
        break;
      }
      case 'copy': {
        if (typeof op.from !== 'string') throw new PatchError(400, 'copy operation needs "from"');
        doc = addAt(doc, op.path, structuredClone(getAt(doc, op.from)), false);
        break;
      }
      case 'test':
        if (JSON.stringify(canonical(getAt(doc, op.path))) !== JSON.stringify(canonical(op.value))) {
          throw new PatchError(422, `testing value ${op.path} failed: test failed`);
        }
        break;
      default:
        throw new PatchError(400, `Unexpected kind: ${op.op}`);
    }
  }
  return doc;
}

/** Key-order independent form for equality tests. */
export function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (isObject(v)) return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical(v[k])]));
  return v;
}

// ---- strategic merge patch ----

const SET_ORDER = '$setElementOrder/';
const DELETE_FROM_PRIMITIVE = '$deleteFromPrimitiveList/';

/** Applies a strategic merge patch to an object of `kind`. */
export function strategicMergePatch(kind: string, target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) throw new PatchError(400, 'strategic merge patch must be a JSON object');
  return smpMap(kind, [], isObject(target) ? target : {}, patch);
}

function smpMap(kind: string, path: string[], original: JsonObject, patch: JsonObject): JsonObject | undefined {
  const directive = patch.$patch;
  if (directive === 'delete') return undefined;
  if (directive === 'replace') {
    const { $patch: _p, ...rest } = patch;
    return structuredClone(rest);
  }
  if (directive !== undefined) throw new PatchError(400, `Unknown patch type: ${String(directive)}`);
  let out: JsonObject = { ...original };
  const retain = patch.$retainKeys;
  if (retain !== undefined) {
    if (!Array.isArray(retain)) throw new PatchError(400, '$retainKeys must be a list of field names');
    out = Object.fromEntries(Object.entries(out).filter(([k]) => retain.includes(k)));
  }
  const orders: [string, unknown[]][] = [];
  for (const [key, value] of Object.entries(patch)) {
    if (key === '$retainKeys') continue;
    if (key.startsWith(SET_ORDER)) {
      if (!Array.isArray(value)) throw new PatchError(400, `${key} must be a list`);
      orders.push([key.slice(SET_ORDER.length), value]);
      continue;
    }
    if (key.startsWith(DELETE_FROM_PRIMITIVE)) {
      const field = key.slice(DELETE_FROM_PRIMITIVE.length);
      if (!Array.isArray(value)) throw new PatchError(400, `${key} must be a list`);
      if (Array.isArray(out[field])) out[field] = (out[field] as unknown[]).filter((x) => !value.includes(x));
      continue;
    }
    if (key.startsWith('$')) throw new PatchError(400, `unknown patch directive ${key}`);
    const childPath = [...path, key];
    if (value === null) {
      delete out[key];
    } else if (isObject(value)) {
      const merged = smpMap(kind, childPath, isObject(out[key]) ? (out[key] as JsonObject) : {}, value);
      if (merged === undefined) delete out[key];
      else out[key] = merged;
    } else if (Array.isArray(value)) {
      out[key] = smpList(kind, childPath, Array.isArray(out[key]) ? (out[key] as unknown[]) : [], value);
    } else {
      out[key] = value;
    }
  }
  for (const [field, order] of orders) {
    if (Array.isArray(out[field])) out[field] = applyOrder(kind, [...path, field], out[field] as unknown[], order);
  }
  return out;
}

function itemKey(item: unknown, mergeKey: string): string | undefined {
  if (!isObject(item)) return undefined;
  const v = keyFieldValue(item, mergeKey);
  return v === undefined ? undefined : JSON.stringify(v);
}

function smpList(kind: string, path: string[], original: unknown[], patch: unknown[]): unknown[] {
  const sem = listSemantics(kind, path);
  if (sem.set) {
    const out = [...original];
    for (const v of patch) if (!out.some((x) => JSON.stringify(x) === JSON.stringify(v))) out.push(v);
    return out;
  }
  const mergeKey = sem.mergeKey;
  if (!mergeKey) {
    // Replace strategy; `$patch: replace` entries are meaningless here but tolerated.
    return structuredClone(patch.filter((p) => !(isObject(p) && p.$patch !== undefined && Object.keys(p).length === 1)));
  }
  const out = original.map((x) => structuredClone(x));
  if (patch.some((p) => isObject(p) && p.$patch === 'replace')) {
    return structuredClone(patch.filter((p) => !(isObject(p) && p.$patch === 'replace')));
  }
  for (const item of patch) {
    if (!isObject(item)) throw new PatchError(400, `${path.join('.')}: list items must be objects with ${mergeKey}`);
    const key = itemKey(item, mergeKey);
    if (key === undefined) throw new PatchError(400, `${path.join('.')}: map: ${JSON.stringify(item)} does not contain declared merge key: ${mergeKey}`);
    const i = out.findIndex((x) => itemKey(x, mergeKey) === key);
    if (item.$patch === 'delete') {
      if (i >= 0) out.splice(i, 1);
      continue;
    }
    if (i >= 0) {
      const merged = smpMap(kind, path, out[i] as JsonObject, item);
      if (merged === undefined) out.splice(i, 1);
      else out[i] = merged;
    } else {
      const fresh = smpMap(kind, path, {}, item);
      if (fresh !== undefined) out.push(fresh);
    }
  }
  return out;
}

/** `$setElementOrder`: the patch's order for the listed elements; unlisted ones keep their place after. */
function applyOrder(kind: string, path: string[], list: unknown[], order: unknown[]): unknown[] {
  const mergeKey = listSemantics(kind, path).mergeKey;
  const id = (x: unknown): string => (mergeKey && isObject(x) ? (itemKey(x, mergeKey) ?? JSON.stringify(x)) : JSON.stringify(x));
  const rank = new Map(order.map((o, i) => [id(o), i]));
  const listed = list.filter((x) => rank.has(id(x))).sort((a, b) => rank.get(id(a))! - rank.get(id(b))!);
  const rest = list.filter((x) => !rank.has(id(x)));
  return [...listed, ...rest];
}
