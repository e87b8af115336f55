/**
 * Apply and delete: decoded objects → defaults → validation → controllers → one atomic commit.
 * Any invalid object or reconcile conflict rejects the whole request; the store is untouched.
 */
import { defaultObject } from '../api/defaults.ts';
import type { SourcedObject } from '../api/decode.ts';
import { InvalidInputError, type InputError } from '../api/errors.ts';
import type { KObject, Service } from '../api/types.ts';
import { validateObjects, validateObjectUpdates } from '../api/validate.ts';
import type { ClusterConfig } from '../cluster/config.ts';
import { describeObject, keyOf, ObjectSet } from '../cluster/object-set.ts';
import { deterministicUID, type Store, type WatchEvent } from '../cluster/store.ts';
import type { ReconcileContext } from './context.ts';
import { IncrementalReconciler } from './incremental.ts';
import { DEPENDENT_KINDS } from './ownership.ts';

export type ApplyAction = 'created' | 'configured' | 'unchanged';

export interface ApplyResult {
  /** Per user-supplied object, in input order: `kind/name` as kubectl prints it, and what happened. */
  results: { object: KObject; action: ApplyAction }[];
  /** Every change the commit made, controllers' included. */
  events: WatchEvent[];
  warnings: string[];
}

export interface ApplyOptions {
  dryRun?: boolean;
  /**
   * Run every controller on a working set freshly read from the store, instead of only those whose
   * inputs changed on the kept one (the reference incremental passes are tested against).
   */
  full?: boolean;
}

/** Metadata the server owns: ignored on input (a dump's resourceVersion must not be taken as a precondition). */
function stripServerMetadata(obj: KObject): KObject {
  const { resourceVersion: _rv, managedFields: _mf, generation: _g, selfLink: _sl, ...meta } = obj.metadata;
  return { ...obj, metadata: meta as KObject['metadata'] };
}

/**
 * What `kubectl apply` keeps from the live object because the manifest does not own it: status (a
 * subresource) and the values the API server allocated (ClusterIP, nodePorts).
 */
function carryOver(prev: KObject | undefined, next: KObject): KObject {
  if (!prev) return next;
  const out = { ...next };
  if (out.status === undefined && prev.status !== undefined) out.status = prev.status;
  if (next.kind === 'Service' && prev.kind === 'Service') {
    const p = (prev as Service).spec;
    const spec = { ...(next as Service).spec };
    const sameType = (spec.type ?? 'ClusterIP') === (p.type ?? 'ClusterIP');
    if (spec.clusterIP === undefined && p.clusterIP !== undefined && spec.type !== 'ExternalName') {
      spec.clusterIP = p.clusterIP;
      if (p.clusterIPs) spec.clusterIPs = p.clusterIPs;
    }
    if (sameType && spec.ports && p.ports) {
      spec.ports = spec.ports.map((port) => {
        if (port.nodePort !== undefined) return port;
        const old = p.ports!.find((o) => o.port === port.port && (o.protocol ?? 'TCP') === (port.protocol ?? 'TCP'));
        return old?.nodePort !== undefined ? { ...port, nodePort: old.nodePort } : port;
      });
    }
    if (sameType && spec.healthCheckNodePort === undefined && p.healthCheckNodePort !== undefined) spec.healthCheckNodePort = p.healthCheckNodePort;
    (out as Service).spec = spec;
  }
  return out;
}

function duplicateErrors(input: readonly SourcedObject[]): InputError[] {
  const seen = new Map<string, SourcedObject>();
  const errors: InputError[] = [];
  for (const s of input) {
    const o = s.object;
    if (typeof o.metadata?.name !== 'string') continue; // validation reports it
    const key = keyOf({ ...o, metadata: { ...o.metadata, namespace: s.info.namespaced ? (o.metadata.namespace ?? 'default') : undefined } });
    const first = seen.get(key);
    if (first) {
      errors.push({
        file: s.source.file,
        line: s.source.line,
        object: describeObject(o),
        reason: `Duplicate value: the same object is also defined at ${first.source.file}:${first.source.line}`,
      });
    } else seen.set(key, s);
  }
  return errors;
}

/**
 * The working set of a Store, kept from one pass to the next so a pass costs what it changes, not
 * what is stored. Between passes it holds exactly the stored objects; the Store stays the source of
 * truth: a commit made elsewhere (or a revision that does not match) and the copy is rebuilt.
 */
class WorkingSet {
  readonly objects: ObjectSet;
  /** Which controllers ran on this working set, so a pass can skip those whose inputs are unchanged. */
  readonly reconciler = new IncrementalReconciler();
  private revision: number;
  /** Each key's place in the Store's iteration order, so a diff lists changes as a full comparison would. */
  private readonly order = new Map<string, number>();
  private nextOrder = 0;
  /** Set when the Store commits something this copy did not. */
  private stale = false;
  private committing = false;
  private readonly unwatch: () => void;

  private constructor(private readonly store: Store) {
    const all = store.list();
    this.objects = new ObjectSet(all);
    for (const o of all) this.order.set(keyOf(o), this.nextOrder++);
    this.revision = store.revision;
    this.unwatch = store.watch(store.revision, () => {
      if (!this.committing) this.stale = true;
    });
  }

  private static readonly byStore = new WeakMap<Store, WorkingSet>();

  /** The store's working set (a fresh one when `fresh`), recording changes from now on. */
  static of(store: Store, fresh = false): WorkingSet {
    let ws = WorkingSet.byStore.get(store);
    if (fresh || !ws || ws.stale || ws.revision !== store.revision) {
      ws?.unwatch();
      ws = new WorkingSet(store);
      WorkingSet.byStore.set(store, ws);
    }
    ws.objects.track();
    return ws;
  }

  /** Forgets this pass's changes: the working set is the stored state again. */
  discard(): void {
    this.objects.rollback();
    this.reconciler.discard();
  }

  /**
   * Commits this pass's changes in one transaction. Puts come in the order the Store iterates them
   * (new keys after, in the order they were made), deletes in stored order. Afterwards the working
   * set holds what the Store stored (server metadata included).
   */
  commit(config: ClusterConfig): WatchEvent[] {
    const changed = this.objects.changedKeys();
    const rank = (key: string): number => this.order.get(key) ?? Infinity;
    const stayed: string[] = [];
    const inserted: string[] = [];
    const deletes: string[] = [];
    for (const key of changed) {
      if (!this.objects.has(key)) {
        if (this.objects.original(key)) deletes.push(key);
      } else if (this.objects.insertionOrder(key) === undefined) stayed.push(key);
      else inserted.push(key);
    }
    stayed.sort((a, b) => rank(a) - rank(b));
    inserted.sort((a, b) => this.objects.insertionOrder(a)! - this.objects.insertionOrder(b)!);
    deletes.sort((a, b) => rank(a) - rank(b));
    const puts = [...stayed, ...inserted].map((k) => this.objects.byKey(k)!);
    let events: WatchEvent[];
    this.committing = true;
    try {
      events = this.store.commit({ puts, deletes, config });
    } catch (err) {
      this.discard();
      throw err;
    } finally {
      this.committing = false;
    }
    this.objects.untrack();
    for (const key of [...stayed, ...inserted]) {
      const stored = this.store.get(key);
      if (stored) this.objects.put(stored, { unchanged: onlyBookkeeping(this.objects.byKey(key)!, stored) });
      if (!this.order.has(key)) this.order.set(key, this.nextOrder++);
    }
    for (const key of deletes) {
      this.objects.delete(key);
      this.order.delete(key);
    }
    this.revision = this.store.revision;
    return events;
  }
}

/** Server metadata no controller reads: the Store rewrites it on every commit. */
const BOOKKEEPING = new Set(['resourceVersion', 'creationTimestamp', 'generation']);

/**
 * Whether `stored` is `written` as the Store committed it, differing at most in bookkeeping
 * metadata (the Store copies everything else over as is).
 */
function onlyBookkeeping(written: KObject, stored: KObject): boolean {
  const a = written as unknown as Record<string, unknown>;
  const b = stored as unknown as Record<string, unknown>;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) if (k !== 'metadata' && a[k] !== b[k]) return false;
  const ma = written.metadata as Record<string, unknown>;
  const mb = stored.metadata as Record<string, unknown>;
  for (const k of new Set([...Object.keys(ma), ...Object.keys(mb)])) if (!BOOKKEEPING.has(k) && ma[k] !== mb[k]) return false;
  return true;
}

/**
 * Applies `input` to `store`. Throws InvalidInputError (nothing applied) when any object is invalid
 * or reconciling finds a conflict.
 */
export function applyObjects(store: Store, input: readonly SourcedObject[], config: ClusterConfig, options: ApplyOptions = {}): ApplyResult {
  const prepared: SourcedObject[] = input.map((s) => {
    const obj = stripServerMetadata(s.object);
    if (s.info.namespaced) obj.metadata = { ...obj.metadata, namespace: obj.metadata?.namespace ?? 'default' };
    return { ...s, object: defaultObject(obj) };
  });
  const errors = [...duplicateErrors(prepared), ...validateObjects(prepared, config)];
  if (!errors.length) errors.push(...validateObjectUpdates(prepared, (s) => store.get(keyOf(s.object))));
  if (errors.length) throw new InvalidInputError(errors);

  const ws = WorkingSet.of(store, options.full);
  const objects = ws.objects;
  try {
    const sources = new Map<string, SourcedObject>();
    for (const s of prepared) {
      const key = keyOf(s.object);
      const prev = objects.original(key);
      const next = carryOver(prev, s.object);
      // The uid exists before controllers run, so references they write (targetRef, ownerReferences)
      // are final on the first apply; it is the one the Store would assign.
      next.metadata = { ...next.metadata, uid: prev?.metadata.uid ?? next.metadata.uid ?? deterministicUID(key, store.revision + 1) };
      objects.put(next);
      sources.set(key, { ...s, object: next });
    }
    const ctx: ReconcileContext = { objects, config, sources, errors: [], warnings: [] };
    ws.reconciler.reconcile(ctx, options.full);
    if (ctx.errors.length) throw new InvalidInputError(ctx.errors);

    const reconciled = prepared.map((s) => {
      const key = keyOf(s.object);
      return { key, prev: objects.original(key), object: objects.byKey(key) ?? s.object };
    });
    let events: WatchEvent[] = [];
    if (options.dryRun) ws.discard();
    else events = ws.commit(config);
    const changedKeys = new Set(events.map((e) => keyOf(e.object)));
    const results = reconciled.map(({ key, prev, object }) => {
      const changed = changedKeys.has(key);
      const action: ApplyAction = !prev ? 'created' : changed || options.dryRun ? 'configured' : 'unchanged';
      return { object, action };
    });
    return { results, events, warnings: ctx.warnings };
  } catch (err) {
    ws.discard();
    throw err;
  }
}

export interface DeleteOptions extends Pick<ApplyOptions, 'full'> {
  /**
   * propagationPolicy Orphan (`kubectl delete --cascade=orphan`): the deleted objects' dependents stay,
   * with the owner references to them removed (what the garbage collector's orphan finalizer does).
   */
  orphan?: boolean;
}

/** Deletes objects by key, then lets controllers converge (garbage collection, endpoints). */
export function deleteObjects(store: Store, keys: readonly string[], config: ClusterConfig, options: DeleteOptions = {}): { deleted: KObject[]; events: WatchEvent[] } {
  const ws = WorkingSet.of(store, options.full);
  const objects = ws.objects;
  try {
    const deleted: KObject[] = [];
    for (const key of keys) {
      const obj = objects.byKey(key);
      if (obj && objects.delete(key)) deleted.push(obj);
    }
    if (options.orphan) orphanDependents(objects, deleted);
    const ctx: ReconcileContext = { objects, config, sources: new Map(), errors: [], warnings: [], deleted: new Set(keys) };
    ws.reconciler.reconcile(ctx, options.full);
    if (ctx.errors.length) throw new InvalidInputError(ctx.errors);
    // A controller that recreated a deleted object under the same name (a StatefulSet pod) made a new
    // object: it gets a new uid and creation time, so clients waiting for the old one see it go.
    for (const key of keys) {
      const again = objects.byKey(key);
      const old = objects.original(key);
      if (!again || !old) continue;
      const { creationTimestamp: _ct, ...meta } = again.metadata;
      objects.put({ ...again, metadata: { ...meta, uid: deterministicUID(key, store.revision + 1) } });
    }
    return { deleted, events: ws.commit(config) };
  } catch (err) {
    ws.discard();
    throw err;
  }
}

/** Removes references to `owners` (by uid) from the objects of their namespaces that hold them. */
function orphanDependents(objects: ObjectSet, owners: readonly KObject[]): void {
  for (const owner of owners) {
    const uid = owner.metadata.uid;
    if (!uid) continue;
    for (const kind of DEPENDENT_KINDS) {
      for (const obj of objects.list(kind, owner.metadata.namespace ?? '')) {
        const refs = obj.metadata.ownerReferences;
        if (!refs?.some((r) => r.uid === uid)) continue;
        const kept = refs.filter((r) => r.uid !== uid);
        const { ownerReferences: _refs, ...meta } = obj.metadata;
        objects.put({ ...obj, metadata: kept.length ? { ...meta, ownerReferences: kept } : meta });
      }
    }
  }
}

/** Re-runs every controller over the stored state (e.g. after a config change): a full pass. */
export function reconcileStore(store: Store, config: ClusterConfig): WatchEvent[] {
  return applyObjects(store, [], config, { full: true }).events;
}
