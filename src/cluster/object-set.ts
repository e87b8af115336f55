/**
 * A mutable set of objects keyed by `Kind/namespace/name`: the working copy that decoding fills and
 * controllers reconcile before one atomic commit to the Store.
 *
 * Two things keep a reconcile pass over a large, mostly unchanged set cheap: each kind's sorted list
 * is kept between calls (updated in place, re-sorted never), and a change journal records the first
 * value of every key touched since `track()`, so a pass can name what it changed — and undo it —
 * without comparing the whole set.
 *
 * Controllers that must not walk every object of a kind on each pass use two more things kept in
 * step by put/delete: secondary indexes (index(): objects filed in buckets a function of the object
 * names, such as pods by node) and a change log (changesSince(): what each key held at an earlier
 * point), from which a controller finds the few objects affected since it last ran.
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

/**
 * A secondary index over one kind: each object is filed under the buckets `buckets` names for it
 * (none when it returns undefined or []). The function must depend on the object only.
 */
export interface IndexSpec<T extends KObject = KObject> {
  readonly kind: string;
  buckets(obj: T): string | readonly string[] | undefined;
  /** Optional shortcut: true when `next` is certainly filed as `prev` is (say, the same metadata object). */
  alike?(prev: T, next: T): boolean;
}

type Filing = string | readonly string[] | undefined;

const bucketList = (b: Filing): readonly string[] => (b === undefined ? [] : typeof b === 'string' ? [b] : b);

function sameFiling(a: Filing, b: Filing): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || typeof a === 'string' || typeof b === 'string' || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The keys of an IndexSpec's kind by bucket, kept in step with the set that made it. Buckets hold
 * keys, not objects: replacing an object without moving it between buckets costs no index work.
 */
export class ObjectIndex<T extends KObject = KObject> {
  private readonly map = new Map<string, Set<string>>();
  /** Buckets holding more than one key. */
  private readonly crowded = new Set<string>();
  private removed = 0;
  /** Per bucket asked for in order, its keys in namespace/name order (dropped when membership changes). */
  private readonly order = new Map<string, string[]>();

  constructor(
    readonly spec: IndexSpec<T>,
    private readonly resolve: (key: string) => KObject | undefined,
    /** The kind's objects in namespace/name order. */
    private readonly all: () => readonly KObject[],
    private readonly total: () => number,
  ) {}

  /** Keys filed under `bucket`, in no particular order. */
  keys(bucket: string): ReadonlySet<string> | undefined {
    return this.map.get(bucket);
  }

  /** Objects filed under `bucket`, in no particular order. */
  objects(bucket: string): T[] {
    const keys = this.map.get(bucket);
    if (!keys) return [];
    const out: T[] = [];
    for (const k of keys) out.push(this.resolve(k) as T);
    return out;
  }

  /** Objects filed under `bucket`, sorted by namespace then name. */
  sorted(bucket: string): T[] {
    const keys = this.map.get(bucket);
    if (!keys) return [];
    // A bucket holding much of the kind (every pod pending on a first pass): pick from the kind's
    // kept sorted list instead of sorting.
    if (keys.size > 64 && keys.size * 8 > this.total()) {
      const members = new Set<KObject>();
      for (const k of keys) members.add(this.resolve(k)!);
      return this.all().filter((o) => members.has(o)) as T[];
    }
    // The order of a bucket's keys is kept until its membership changes (objects replaced in place
    // keep their place), so asking again for an unchanged bucket costs no sort.
    let order = this.order.get(bucket);
    if (!order) {
      order = this.objects(bucket).sort(compareObjects).map(keyOf);
      this.order.set(bucket, order);
    }
    return order.map((k) => this.resolve(k) as T);
  }

  count(bucket: string): number {
    return this.map.get(bucket)?.size ?? 0;
  }

  /** Buckets holding at least one object. */
  buckets(): IterableIterator<string> {
    return this.map.keys();
  }

  /** A counter that moves whenever a key leaves a bucket: equal values mean no bucket lost a key in between. */
  get removals(): number {
    return this.removed;
  }

  /** Buckets holding more than one object (two pods claiming one IP). */
  shared(): IterableIterator<string> {
    return this.crowded.keys();
  }

  /**
   * @internal ObjectSet keeps the index in step: files `key`, filed under `before`, as `next` (the
   * key's object now; undefined: gone) requires. Returns how it is filed now.
   */
  update(key: string, before: Filing, next: T | undefined, prev?: T): Filing {
    if (prev && next && this.spec.alike?.(prev, next)) return before;
    let after: Filing = next ? this.spec.buckets(next) : undefined;
    if (after !== undefined && typeof after !== 'string' && after.length === 0) after = undefined;
    if (sameFiling(before, after)) return before;
    const afterList = bucketList(after);
    for (const b of bucketList(before)) {
      if (afterList.includes(b)) continue;
      const m = this.map.get(b);
      if (!m) continue;
      m.delete(key);
      this.removed++;
      this.order.delete(b);
      if (m.size === 0) this.map.delete(b);
      else if (m.size === 1) this.crowded.delete(b);
    }
    for (const b of afterList) {
      let m = this.map.get(b);
      if (!m) this.map.set(b, (m = new Set()));
      if (m.has(key)) continue;
      m.add(key);
      this.order.delete(b);
      if (m.size === 2) this.crowded.add(b);
    }
    return after;
  }
}

/** The change log keeps at most this many entries (beyond, readers of older points run in full). */
const CHANGE_LOG_LIMIT = 200_000;

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
  /** Secondary indexes, by kind and by spec. */
  private readonly indexesByKind = new Map<string, ObjectIndex[]>();
  private readonly indexesBySpec = new Map<IndexSpec, ObjectIndex>();
  /** Per key of an indexed kind, how each of its kind's indexes (in indexesByKind order) files it. */
  private readonly filing = new Map<string, Filing[]>();
  /** Per change (version() - changeLog.length + i), the key changed and the object it held before. */
  private changeLog: { key: string; before: KObject | undefined }[] = [];

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
    if (namespace === undefined) return sorted.slice() as T[];
    // The list is sorted by namespace first: the namespace's objects are one run of it.
    const from = namespaceStart(sorted, namespace);
    let to = from;
    while (to < sorted.length && sorted[to].metadata.namespace === namespace) to++;
    return sorted.slice(from, to) as T[];
  }

  /** The index `spec` describes over this set (built on first use, then kept in step). */
  index<T extends KObject>(spec: IndexSpec<T>): ObjectIndex<T> {
    let index = this.indexesBySpec.get(spec as unknown as IndexSpec) as ObjectIndex<T> | undefined;
    if (index) return index;
    index = new ObjectIndex(spec, (key) => this.objects.get(key), () => this.list(spec.kind), () => this.count(spec.kind));
    let list = this.indexesByKind.get(spec.kind);
    if (!list) this.indexesByKind.set(spec.kind, (list = []));
    const at = list.length;
    for (const [key, obj] of this.byKind.get(spec.kind) ?? []) {
      let filed = this.filing.get(key);
      if (!filed) this.filing.set(key, (filed = []));
      filed[at] = index.update(key, undefined, obj as T);
    }
    this.indexesBySpec.set(spec as unknown as IndexSpec, index as unknown as ObjectIndex);
    list.push(index as unknown as ObjectIndex);
    return index;
  }

  /**
   * What changed since version() was `since`: each key changed since, with the object it held then
   * (undefined: it did not exist). Undefined when the log no longer reaches back that far.
   */
  changesSince(since: number): Map<string, KObject | undefined> | undefined {
    const first = this.changes - this.changeLog.length;
    if (since < first || since > this.changes) return undefined;
    const out = new Map<string, KObject | undefined>();
    for (let i = since - first; i < this.changeLog.length; i++) {
      const { key, before } = this.changeLog[i];
      if (!out.has(key)) out.set(key, before);
    }
    return out;
  }

  /** Drops change-log entries from before version() `since`: nobody will ask about them. */
  trimChanges(since: number): void {
    const first = this.changes - this.changeLog.length;
    if (since > first) this.changeLog = this.changeLog.slice(Math.min(since - first, this.changeLog.length));
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

  private changed(key: string, kind: string, from: KObject | undefined, to: KObject | undefined): void {
    this.changes++;
    if (this.changeLog.length >= CHANGE_LOG_LIMIT) this.changeLog = [];
    this.changeLog.push({ key, before: from });
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
    if (!(unchanged && prev)) this.changed(key, obj.kind, prev, obj);
    const indexes = this.indexesByKind.get(obj.kind);
    if (indexes) {
      let filed = this.filing.get(key);
      if (!filed) this.filing.set(key, (filed = []));
      for (let i = 0; i < indexes.length; i++) filed[i] = indexes[i].update(key, filed[i], obj, prev);
    }
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
    this.changed(key, obj.kind, obj, undefined);
    const indexes = this.indexesByKind.get(obj.kind);
    const filed = this.filing.get(key);
    if (indexes && filed) for (let i = 0; i < indexes.length; i++) indexes[i].update(key, filed[i], undefined);
    this.filing.delete(key);
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

/** Index of the first object of `namespace` in a compareObjects-sorted list (or where it would go). */
function namespaceStart(sorted: readonly KObject[], namespace: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid].metadata.namespace ?? '') < namespace) lo = mid + 1;
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
