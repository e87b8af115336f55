/**
 * Field ownership and server-side apply (`application/apply-patch+yaml`), after
 * sigs.k8s.io/structured-merge-diff: every manager owns a set of field paths (`f:spec`, `k:{"name":"web"}`,
 * `v:"x"`, `.` = the list item itself), serialized as `managedFields[].fieldsV1`.
 *
 * - An Update (POST, PUT, PATCH) gives its manager the fields it changed and takes them from the others.
 * - An Apply merges the configuration into the live object (associative lists by their keys, atomic
 *   lists whole), fails with a conflict when it sets a field another manager owns to a different value
 *   (unless `force`), and removes the fields the manager applied before and no longer applies, when
 *   nobody else owns them.
 */
import type { KObject } from '../api/types.ts';
import { keyFieldValue, listSemantics } from './list-keys.ts';
import { canonical, isObject, type JsonObject } from './patch.ts';

export type FieldsV1 = { [element: string]: FieldsV1 };

export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  fieldsType: 'FieldsV1';
  fieldsV1: FieldsV1;
  subresource?: string;
}

/** A path of path elements; stored in sets as its JSON text. */
type Path = string[];
type PathSet = Set<string>;

/** Metadata fields that are identity or server-owned, never managed. */
const UNMANAGED_META = new Set(['name', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'managedFields', 'selfLink', 'deletionTimestamp', 'deletionGracePeriodSeconds']);

function keyElement(kind: string, names: string[], item: JsonObject): string | undefined {
  const keys = listSemantics(kind, names).mapKeys;
  if (!keys) return undefined;
  const obj: JsonObject = {};
  for (const k of [...keys].sort()) {
    const v = keyFieldValue(item, k);
    if (v !== undefined) obj[k] = v;
  }
  return Object.keys(obj).length ? `k:${JSON.stringify(obj)}` : undefined;
}

/** Leaf paths of every field set in `value` (an object of `kind`, or a part of it at `names`). */
function collect(kind: string, value: unknown, base: Path, names: string[], out: PathSet): void {
  if (isObject(value)) {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    if (!entries.length && base.length) out.add(JSON.stringify(base));
    for (const [k, v] of entries) {
      if (v === null) continue;
      collect(kind, v, [...base, `f:${k}`], [...names, k], out);
    }
    return;
  }
  if (Array.isArray(value)) {
    const sem = listSemantics(kind, names);
    if (sem.mapKeys && value.every(isObject)) {
      if (!value.length) out.add(JSON.stringify(base));
      for (const item of value as JsonObject[]) {
        const el = keyElement(kind, names, item);
        if (!el) {
          out.add(JSON.stringify(base));
          return;
        }
        out.add(JSON.stringify([...base, el, '.']));
        for (const [k, v] of Object.entries(item)) if (v !== null && v !== undefined) collect(kind, v, [...base, el, `f:${k}`], [...names, k], out);
      }
      return;
    }
    if (sem.set) {
      if (!value.length) out.add(JSON.stringify(base));
      for (const v of value) out.add(JSON.stringify([...base, `v:${JSON.stringify(v)}`]));
      return;
    }
  }
  out.add(JSON.stringify(base));
}

/** The managed paths of an object: everything but identity, server-owned metadata and status. */
export function fieldPaths(obj: KObject, opts: { status?: boolean } = {}): PathSet {
  const out: PathSet = new Set();
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'apiVersion' || k === 'kind' || v === undefined || v === null) continue;
    if ((k === 'status') !== !!opts.status) continue;
    if (k === 'metadata' && isObject(v)) {
      for (const [mk, mv] of Object.entries(v)) {
        if (UNMANAGED_META.has(mk) || mv === undefined || mv === null) continue;
        collect(obj.kind, mv, ['f:metadata', `f:${mk}`], ['metadata', mk], out);
      }
      continue;
    }
    collect(obj.kind, v, [`f:${k}`], [k], out);
  }
  return out;
}

export function toFieldsV1(paths: PathSet): FieldsV1 {
  const root: FieldsV1 = {};
  for (const text of [...paths].sort()) {
    let node = root;
    for (const el of JSON.parse(text) as Path) node = node[el] ??= {};
  }
  return root;
}

export function fromFieldsV1(tree: FieldsV1): PathSet {
  const out: PathSet = new Set();
  const walk = (node: FieldsV1, base: Path): void => {
    const keys = Object.keys(node);
    if (!keys.length && base.length) out.add(JSON.stringify(base));
    for (const k of keys) walk(node[k], [...base, k]);
  };
  walk(tree, []);
  return out;
}

// ---- navigating an object by path elements ----

interface Located {
  found: boolean;
  value?: unknown;
}

function findKeyed(list: unknown[], el: string): number {
  const want = JSON.parse(el.slice(2)) as JsonObject;
  return list.findIndex((x) => isObject(x) && Object.entries(want).every(([k, v]) => JSON.stringify(keyFieldValue(x, k)) === JSON.stringify(v)));
}

function locate(obj: unknown, path: Path): Located {
  let cur: unknown = obj;
  for (const el of path) {
    if (el === '.') return { found: true, value: cur };
    if (el.startsWith('f:')) {
      if (!isObject(cur) || !(el.slice(2) in cur) || cur[el.slice(2)] === null) return { found: false };
      cur = cur[el.slice(2)];
    } else if (el.startsWith('k:')) {
      if (!Array.isArray(cur)) return { found: false };
      const i = findKeyed(cur, el);
      if (i < 0) return { found: false };
      cur = cur[i];
    } else if (el.startsWith('v:')) {
      if (!Array.isArray(cur)) return { found: false };
      const v = el.slice(2);
      return cur.some((x) => JSON.stringify(x) === v) ? { found: true, value: JSON.parse(v) } : { found: false };
    } else {
      return { found: false };
    }
  }
  return { found: true, value: cur };
}

function removePath(obj: JsonObject, path: Path): void {
  const last = path[path.length - 1];
  const parentPath = last === '.' ? path.slice(0, -2) : path.slice(0, -1);
  const target = last === '.' ? path[path.length - 2] : last;
  const parent = locate(obj, parentPath);
  if (!parent.found) return;
  const container = parent.value;
  if (target.startsWith('f:') && isObject(container)) delete container[target.slice(2)];
  else if (target.startsWith('k:') && Array.isArray(container)) {
    const i = findKeyed(container, target);
    if (i >= 0) container.splice(i, 1);
  } else if (target.startsWith('v:') && Array.isArray(container)) {
    const i = container.findIndex((x) => JSON.stringify(x) === target.slice(2));
    if (i >= 0) container.splice(i, 1);
  }
}

/** Merges an applied configuration into the live object: maps recursively, keyed lists by key. */
function mergeApplied(kind: string, live: unknown, applied: unknown, names: string[]): unknown {
  if (isObject(applied)) {
    const out: JsonObject = isObject(live) ? { ...live } : {};
    for (const [k, v] of Object.entries(applied)) {
      if (v === null) delete out[k];
      else out[k] = mergeApplied(kind, out[k], v, [...names, k]);
    }
    return out;
  }
  if (Array.isArray(applied) && Array.isArray(live)) {
    const sem = listSemantics(kind, names);
    if (sem.mapKeys && applied.every(isObject) && live.every(isObject)) {
      const out = [...live];
      for (const item of applied as JsonObject[]) {
        const el = keyElement(kind, names, item);
        const i = el ? findKeyed(out, el) : -1;
        if (i >= 0) out[i] = mergeApplied(kind, out[i], item, names) as JsonObject;
        else out.push(structuredClone(item));
      }
      return out;
    }
    if (sem.set) return [...live, ...applied.filter((v) => !live.some((x) => JSON.stringify(x) === JSON.stringify(v)))];
  }
  return structuredClone(applied);
}

// ---- managers ----

export interface ApplyConflict {
  manager: string;
  apiVersion: string;
  /** `.spec.replicas`, `.spec.containers[name="web"].image` */
  field: string;
}

export class ApplyConflictError extends Error {
  constructor(readonly conflicts: ApplyConflict[]) {
    super(`Apply failed with ${conflicts.length} conflict${conflicts.length === 1 ? '' : 's'}: ${conflicts.map((c) => `conflict with "${c.manager}" using ${c.apiVersion}: ${c.field}`).join('\n')}`);
    this.name = 'ApplyConflictError';
  }
}

/** A path as SSA conflict messages print it. */
export function formatPath(path: Path): string {
  let out = '';
  for (const el of path) {
    if (el === '.') continue;
    if (el.startsWith('f:')) out += `.${el.slice(2)}`;
    else if (el.startsWith('k:')) {
      const keys = JSON.parse(el.slice(2)) as JsonObject;
      out += `[${Object.entries(keys).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}]`;
    } else if (el.startsWith('v:')) out += `[=${el.slice(2)}]`;
  }
  return out;
}

const sameValue = (a: unknown, b: unknown): boolean => JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));

function entryFor(entries: ManagedFieldsEntry[], manager: string, operation: 'Apply' | 'Update', subresource?: string): ManagedFieldsEntry | undefined {
  return entries.find((e) => e.manager === manager && e.operation === operation && (e.subresource ?? '') === (subresource ?? ''));
}

function withPaths(entry: ManagedFieldsEntry, paths: PathSet): ManagedFieldsEntry {
  return { ...entry, fieldsV1: toFieldsV1(paths) };
}

/** Drops entries that own nothing any more, as the API server does. */
function prune(entries: ManagedFieldsEntry[]): ManagedFieldsEntry[] {
  return entries.filter((e) => Object.keys(e.fieldsV1).length > 0);
}

export interface UpdateInput {
  entries: ManagedFieldsEntry[];
  manager: string;
  apiVersion: string;
  /** The object before the write (undefined on create) and after it. */
  before: KObject | undefined;
  after: KObject;
  subresource?: string;
  now: string;
}

/**
 * Ownership after a non-apply write: the writer takes every field whose value it changed (all of
 * them on create); fields that disappeared are owned by nobody.
 */
export function recordUpdate(input: UpdateInput): ManagedFieldsEntry[] {
  const status = input.subresource === 'status';
  const afterPaths = fieldPaths(input.after, { status });
  const changed = new Set<string>();
  for (const p of afterPaths) {
    const path = JSON.parse(p) as Path;
    const old = input.before ? locate(input.before, path) : { found: false };
    if (!old.found || !sameValue(old.value, locate(input.after, path).value)) changed.add(p);
  }
  const entries: ManagedFieldsEntry[] = [];
  for (const e of input.entries) {
    const owned = fromFieldsV1(e.fieldsV1);
    const kept = new Set([...owned].filter((p) => !changed.has(p) && stillPresent(input.after, p, e, status)));
    entries.push(withPaths(e, kept));
  }
  if (changed.size) {
    const existing = entryFor(entries, input.manager, 'Update', input.subresource);
    const paths = new Set([...(existing ? fromFieldsV1(existing.fieldsV1) : []), ...changed]);
    const entry: ManagedFieldsEntry = {
      manager: input.manager,
      operation: 'Update',
      apiVersion: input.apiVersion,
      time: input.now,
      fieldsType: 'FieldsV1',
      fieldsV1: toFieldsV1(paths),
      ...(input.subresource ? { subresource: input.subresource } : {}),
    };
    if (existing) entries[entries.indexOf(existing)] = entry;
    else entries.push(entry);
  }
  return prune(entries);
}

function stillPresent(obj: KObject, p: string, e: ManagedFieldsEntry, statusWrite: boolean): boolean {
  const path = JSON.parse(p) as Path;
  // A write to the main resource says nothing about status fields, and vice versa.
  const isStatus = path[0] === 'f:status';
  const entryIsStatus = e.subresource === 'status';
  if (isStatus !== statusWrite && isStatus === entryIsStatus) return true;
  return locate(obj, path).found;
}

export interface ApplyInput {
  entries: ManagedFieldsEntry[];
  manager: string;
  apiVersion: string;
  /** The live object; undefined when the apply creates it. */
  live: KObject | undefined;
  applied: KObject;
  force: boolean;
  now: string;
}

export interface ApplyOutput {
  object: KObject;
  entries: ManagedFieldsEntry[];
}

/** Server-side apply of one configuration by one manager. Throws ApplyConflictError. */
export function serverSideApply(input: ApplyInput): ApplyOutput {
  const { applied, live, manager } = input;
  const kind = applied.kind;
  const appliedPaths = fieldPaths(applied);
  const others = input.entries.filter((e) => !(e.manager === manager && e.operation === 'Apply' && !e.subresource));
  const previous = entryFor(input.entries, manager, 'Apply');
  const previousPaths = previous ? fromFieldsV1(previous.fieldsV1) : new Set<string>();

  const conflicts: ApplyConflict[] = [];
  const taken = new Set<string>();
  if (live) {
    for (const p of appliedPaths) {
      const path = JSON.parse(p) as Path;
      const current = locate(live, path);
      if (!current.found || sameValue(current.value, locate(applied, path).value)) continue;
      for (const e of others) {
        if (e.subresource) continue;
        if (fromFieldsV1(e.fieldsV1).has(p)) {
          conflicts.push({ manager: e.manager, apiVersion: e.apiVersion, field: formatPath(path) });
          taken.add(p);
        }
      }
    }
  }
  if (conflicts.length && !input.force) throw new ApplyConflictError(conflicts);

  // The merge keeps identity and server metadata of the live object.
  const base = live ? (structuredClone(live) as unknown as JsonObject) : {};
  const merged = mergeApplied(kind, base, applied as unknown as JsonObject, []) as JsonObject;

  // Changed values taken over from other managers (force) are theirs no more; equal values stay shared.
  const otherEntries = others.map((e) => withPaths(e, new Set([...fromFieldsV1(e.fieldsV1)].filter((p) => !taken.has(p)))));
  const ownedByOthers = new Set(otherEntries.filter((e) => !e.subresource).flatMap((e) => [...fromFieldsV1(e.fieldsV1)]));

  // Fields this manager applied before and dropped now: removed unless someone else still owns them
  // (or something beneath them).
  const dropped = [...previousPaths].filter((p) => !appliedPaths.has(p)).map((p) => JSON.parse(p) as Path);
  dropped.sort((a, b) => b.length - a.length);
  for (const path of dropped) {
    const prefix = JSON.stringify(path[path.length - 1] === '.' ? path.slice(0, -1) : path).slice(0, -1);
    const shared = [...ownedByOthers].some((o) => o === JSON.stringify(path) || o.startsWith(`${prefix},`));
    const stillApplied = [...appliedPaths].some((o) => o.startsWith(`${prefix},`));
    if (!shared && !stillApplied) removePath(merged, path);
  }

  const entry: ManagedFieldsEntry = {
    manager,
    operation: 'Apply',
    apiVersion: input.apiVersion,
    time: previous && sameValue(previous.fieldsV1, toFieldsV1(appliedPaths)) ? previous.time : input.now,
    fieldsType: 'FieldsV1',
    fieldsV1: toFieldsV1(appliedPaths),
  };
  const entries = [...otherEntries];
  const at = input.entries.indexOf(previous as ManagedFieldsEntry);
  if (previous && at >= 0) entries.splice(Math.min(at, entries.length), 0, entry);
  else entries.push(entry);
  return { object: merged as unknown as KObject, entries: prune(entries) };
}
