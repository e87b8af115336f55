/**
 * A mutable set of objects keyed by `Kind/namespace/name`: the working copy that decoding fills and
 * controllers reconcile before one atomic commit to the Store.
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
    const all = [...(this.byKind.get(kind)?.values() ?? [])] as T[];
    const filtered = namespace === undefined ? all : all.filter((o) => o.metadata.namespace === namespace);
    return filtered.sort(compareObjects);
  }

  put(obj: KObject): void {
    const key = keyOf(obj);
    this.objects.set(key, obj);
    let kindMap = this.byKind.get(obj.kind);
    if (!kindMap) this.byKind.set(obj.kind, (kindMap = new Map()));
    kindMap.set(key, obj);
  }

  delete(key: string): boolean {
    const obj = this.objects.get(key);
    if (!obj) return false;
    this.objects.delete(key);
    this.byKind.get(obj.kind)?.delete(key);
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
}

export function compareObjects(a: KObject, b: KObject): number {
  const na = a.metadata.namespace ?? '';
  const nb = b.metadata.namespace ?? '';
  if (na !== nb) return na < nb ? -1 : 1;
  return a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0;
}
