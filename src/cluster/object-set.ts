/**
 * A mutable set of objects keyed by `Kind/namespace/name`: the working copy that decoding fills and
 * controllers reconcile before one atomic commit to the Store.
 *
 * Two things keep a reconcile pass over a large, mostly unchanged set cheap: each kind's sorted list
 * is kept between calls (updated in place, re-sorted never), and a change journal records the first
 * value of every key touched since `track()`, so a pass can name what it changed — and undo it —
 * without comparing the whole set.
 */
import { objectKey } from '../api/kinds.ts';
import type { KObject } from '../api/types.ts';

export function keyOf(obj: KObject): string {
  return objectKey(obj.kind, obj.metadata.namespace, obj.metadata.name);
}

/** `Kind ns/name` or `Kind name`, as errors and logs name an object. */
export function describeObject(obj: Pick<KObject, 'kind' | 'metadata'>): string {
  const ns = obj.metadata?.namespace;
  return `${obj.kind} ${ns ? `${ns}/` : ''}${obj.metadata?.name ?? '<unnamed>'}`;
}

export class ObjectSet {
  private readonly objects = new Map<string, KObject>();
  private readonly byKind = new Map<string, Map<string, KObject>>();
  /** Per kind, its objects in compareObjects order: built on the first list(), then kept in step by put/delete. */
  private readonly sorted = new Map<string, KObject[]>();
  /** Key → its value before the first change since track() (undefined: it did not exist). */
  private journal: Map<string, KObject | undefined> | undefined;
  /** Since track(): keys (re)inserted while absent, with a counter giving their order of (last) insertion. */
  private inserted = new Map<string, number>();
  private insertions = 0;
  /** Per kind, a counter that moves on every change to an object of that kind (never back). */
  private readonly versions = new Map<string, number>();
  private changes = 0;
  /** How many objects name each namespace (metadata.namespace). */
  private readonly perNamespace = new Map<string, number>();

  constructor(initial: Iterable<KObject> = []) {
    for (const o of initial) this.put(o);
  }

  get size(): number {
    return this.objects.size;
  }

  get<T extends KObject = KObject>(kind: string, namespace: string | undefined, name: string): T | undefined {
    return this.objects.get(objectKey(kind, namespace, name)) as T | undefined;
  }

  has(key: string): boolean {
    return this.objects.has(key);
  }

  byKey(key: string): KObject | undefined {
    return this.objects.get(key);
  }

  /** Objects of `kind` (optionally in `namespace`), sorted by namespace then name for determinism. */
  list<T extends KObject = KObject>(kind: string, namespace?: string): T[] {
    let sorted = this.sorted.get(kind);
    if (!sorted) {
      sorted = [...(this.byKind.get(kind)?.values() ?? [])].sort(compareObjects);
      this.sorted.set(kind, sorted);
    }
    return (namespace === undefined ? sorted.slice() : sorted.filter((o) => o.metadata.namespace === namespace)) as T[];
  }

  /** How many objects of `kind` there are. */
  count(kind: string): number {
    return this.byKind.get(kind)?.size ?? 0;
  }

  /** The namespaces objects of this set name in metadata.namespace (whether or not a Namespace exists). */
  namespaces(): string[] {
    return [...this.perNamespace.keys()];
  }

  /**
   * A number that changes whenever an object of `kind` is put or deleted (any kind: without
   * argument). Equal numbers mean nothing of that kind changed in between.
   */
  version(kind?: string): number {
    return kind === undefined ? this.changes : (this.versions.get(kind) ?? 0);
  }

  private changed(kind: string, from: KObject | undefined, to: KObject | undefined): void {
    this.changes++;
    this.versions.set(kind, (this.versions.get(kind) ?? 0) + 1);
    const a = from?.metadata.namespace;
    const b = to?.metadata.namespace;
    if (a === b) return;
    if (a) {
      const n = (this.perNamespace.get(a) ?? 0) - 1;
      if (n > 0) this.perNamespace.set(a, n);
      else this.perNamespace.delete(a);
    }
    if (b) this.perNamespace.set(b, (this.perNamespace.get(b) ?? 0) + 1);
  }

  /**
   * Adds or replaces `obj`. `unchanged: true` says the replaced object means the same to every
   * reader (the caller vouches for it): the kind's version() stays.
   */
  put(obj: KObject, { unchanged = false }: { unchanged?: boolean } = {}): void {
    const key = keyOf(obj);
    const prev = this.objects.get(key);
    if (prev === obj) return;
    if (this.journal) {
      if (!this.journal.has(key)) this.journal.set(key, prev);
      if (!prev) {
        this.inserted.set(key, this.insertions++);
      }
    }
    this.objects.set(key, obj);
    if (!(unchanged && prev)) this.changed(obj.kind, prev, obj);
    let kindMap = this.byKind.get(obj.kind);
    if (!kindMap) this.byKind.set(obj.kind, (kindMap = new Map()));
    kindMap.set(key, obj);
    const sorted = this.sorted.get(obj.kind);
    if (sorted) {
      const at = position(sorted, obj);
      if (prev) sorted[at] = obj;
      else sorted.splice(at, 0, obj);
    }
  }

  delete(key: string): boolean {
    const obj = this.objects.get(key);
    if (!obj) return false;
    if (this.journal && !this.journal.has(key)) this.journal.set(key, obj);
    this.objects.delete(key);
    this.changed(obj.kind, obj, undefined);
    this.byKind.get(obj.kind)?.delete(key);
    const sorted = this.sorted.get(obj.kind);
    if (sorted) sorted.splice(position(sorted, obj), 1);
    return true;
  }

  keys(): IterableIterator<string> {
    return this.objects.keys();
  }

  values(): IterableIterator<KObject> {
    return this.objects.values();
  }

  clone(): ObjectSet {
    return new ObjectSet(this.objects.values());
  }

  /** Starts recording changes (a new journal; an earlier one is forgotten). */
  track(): void {
    this.journal = new Map();
    this.inserted = new Map();
  }

  /** Stops recording; the changes stay. */
  untrack(): void {
    this.journal = undefined;
    this.inserted = new Map();
  }

  /** Keys whose object is not the one it was at track() (another object, or added, or deleted). */
  changedKeys(): string[] {
    const out: string[] = [];
    for (const [key, before] of this.journal ?? []) if (this.objects.get(key) !== before) out.push(key);
    return out;
  }

  /**
   * Of the changed keys, those (re)inserted while absent since track(), in the order a fresh
   * iteration would meet them (after every key that stayed); undefined for the others.
   */
  insertionOrder(key: string): number | undefined {
    return this.inserted.get(key);
  }

  /** The object `key` had at track(). */
  original(key: string): KObject | undefined {
    return this.journal?.has(key) ? this.journal.get(key) : this.objects.get(key);
  }

  /** Undoes every change since track() and stops recording. */
  rollback(): void {
    const journal = this.journal;
    this.untrack();
    for (const [key, before] of journal ?? []) {
      if (before) this.put(before);
      else this.delete(key);
    }
  }
}

/** Index of `obj`'s place in `sorted` (where it is, or where it would go). */
function position(sorted: readonly KObject[], obj: KObject): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareObjects(sorted[mid], obj) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function compareObjects(a: KObject, b: KObject): number {
  const na = a.metadata.namespace ?? '';
  const nb = b.metadata.namespace ?? '';
  if (na !== nb) return na < nb ? -1 : 1;
  return a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0;
}
