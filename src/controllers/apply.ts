/**
 * Apply and delete: decoded objects → defaults → validation → controllers → one atomic commit.
 * Any invalid object or reconcile conflict rejects the whole request; the store is untouched.
 */
import { defaultObject } from '../api/defaults.ts';
import type { SourcedObject } from '../api/decode.ts';
import { InvalidInputError, type InputError } from '../api/errors.ts';
import type { KObject, Service } from '../api/types.ts';
import { validateObjects } from '../api/validate.ts';
import type { ClusterConfig } from '../cluster/config.ts';
import { describeObject, keyOf, ObjectSet } from '../cluster/object-set.ts';
import { deterministicUID, type Store, type WatchEvent } from '../cluster/store.ts';
import type { ReconcileContext } from './context.ts';
import { reconcile } from './reconcile.ts';

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
  if (errors.length) throw new InvalidInputError(errors);

  const before = new Map(store.list().map((o) => [keyOf(o), o]));
  const objects = new ObjectSet(before.values());
  const sources = new Map<string, SourcedObject>();
  for (const s of prepared) {
    const key = keyOf(s.object);
    const prev = before.get(key);
    const next = carryOver(prev, s.object);
    // The uid exists before controllers run, so references they write (targetRef, ownerReferences)
    // are final on the first apply; it is the one the Store would assign.
    next.metadata = { ...next.metadata, uid: prev?.metadata.uid ?? next.metadata.uid ?? deterministicUID(key, store.revision + 1) };
    objects.put(next);
    sources.set(key, { ...s, object: next });
  }
  const ctx: ReconcileContext = { objects, config, sources, errors: [], warnings: [] };
  reconcile(ctx);
  if (ctx.errors.length) throw new InvalidInputError(ctx.errors);

  const events = options.dryRun ? [] : commitDiff(store, before, objects, config);
  const changedKeys = new Set(events.map((e) => keyOf(e.object)));
  const results = prepared.map((s) => {
    const key = keyOf(s.object);
    const prev = before.get(key);
    const changed = changedKeys.has(key);
    const action: ApplyAction = !prev ? 'created' : changed || options.dryRun ? 'configured' : 'unchanged';
    return { object: objects.byKey(key) ?? s.object, action };
  });
  return { results, events, warnings: ctx.warnings };
}

/** Deletes objects by key, then lets controllers converge (garbage collection, endpoints). */
export function deleteObjects(store: Store, keys: readonly string[], config: ClusterConfig): { deleted: KObject[]; events: WatchEvent[] } {
  const before = new Map(store.list().map((o) => [keyOf(o), o]));
  const objects = new ObjectSet(before.values());
  const deleted: KObject[] = [];
  for (const key of keys) {
    const obj = objects.byKey(key);
    if (obj && objects.delete(key)) deleted.push(obj);
  }
  const ctx: ReconcileContext = { objects, config, sources: new Map(), errors: [], warnings: [], deleted: new Set(keys) };
  reconcile(ctx);
  if (ctx.errors.length) throw new InvalidInputError(ctx.errors);
  // A controller that recreated a deleted object under the same name (a StatefulSet pod) made a new
  // object: it gets a new uid and creation time, so clients waiting for the old one see it go.
  for (const key of keys) {
    const again = objects.byKey(key);
    const old = before.get(key);
    if (!again || !old) continue;
    const { creationTimestamp: _ct, ...meta } = again.metadata;
    objects.put({ ...again, metadata: { ...meta, uid: deterministicUID(key, store.revision + 1) } });
  }
  return { deleted, events: commitDiff(store, before, objects, config) };
}

/** Re-runs the controllers over the stored state (e.g. after a config change). */
export function reconcileStore(store: Store, config: ClusterConfig): WatchEvent[] {
  return applyObjects(store, [], config).events;
}

function commitDiff(store: Store, before: Map<string, KObject>, after: ObjectSet, config: ClusterConfig): WatchEvent[] {
  const puts: KObject[] = [];
  for (const o of after.values()) if (before.get(keyOf(o)) !== o) puts.push(o);
  const deletes = [...before.keys()].filter((k) => !after.has(k));
  return store.commit({ puts, deletes, config });
}
