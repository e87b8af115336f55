/**
 * The Store: typed objects with etcd-like revisions. One global revision doubles as every object's
 * resourceVersion; a commit is a transaction (all of it or nothing) and yields watch events.
 * Persistence is a Backend so a file log (default), memory (tests, ephemeral clusters) or, later,
 * etcd can sit behind the same semantics.
 */
import { createHash } from 'node:crypto';
import type { KObject } from '../api/types.ts';
import type { ClusterConfig } from './config.ts';
import { jsonEqual } from './json-equal.ts';
import { keyOf } from './object-set.ts';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface WatchEvent {
  type: WatchEventType;
  object: KObject;
}

/** One committed transaction, as a Backend persists it. */
export interface TxnRecord {
  revision: number;
  puts: KObject[];
  deletes: string[];
  config?: ClusterConfig;
}

export interface BackendState {
  revision: number;
  objects: KObject[];
  config?: ClusterConfig;
}

export interface Backend {
  /** The last durable state (snapshot + replayed log). */
  load(): BackendState;
  /** Makes one transaction durable before returning. */
  append(txn: TxnRecord, current: () => BackendState): void;
  /** Drops all state. */
  reset(): void;
}

/** Keeps nothing beyond the process; may start from a given state (an ephemeral copy of a cluster). */
export class MemoryBackend implements Backend {
  constructor(private readonly initial: BackendState = { revision: 0, objects: [] }) {}
  load(): BackendState {
    return this.initial;
  }
  append(): void {}
  reset(): void {}
}

/** 410 Gone: the requested revision is older than the kept event window. */
export class ExpiredError extends Error {
  constructor(revision: number, oldest: number) {
    super(`too old resource version: ${revision} (${oldest})`);
    this.name = 'ExpiredError';
  }
}

/** 409 Conflict: a precondition on resourceVersion did not hold. */
export class ConflictError extends Error {
  constructor(readonly key: string, message: string) {
    super(message);
    this.name = 'ConflictError';
  }
}

export interface Change {
  /** Objects to create or replace (keyed by kind/namespace/name). */
  puts?: KObject[];
  /** Keys to delete. */
  deletes?: string[];
  /** Per key, the resourceVersion the caller last saw; a mismatch aborts the whole commit. */
  preconditions?: Record<string, string>;
  config?: ClusterConfig;
}

type Listener = (event: WatchEvent, revision: number) => void;

const EVENT_WINDOW = 10_000;

export interface StoreOptions {
  backend?: Backend;
  /** Clock for creationTimestamp; injectable so tests are deterministic. */
  now?: () => Date;
}

export class Store {
  private readonly backend: Backend;
  private readonly now: () => Date;
  private objects = new Map<string, KObject>();
  private rev = 0;
  private cfg: ClusterConfig | undefined;
  private readonly events: { revision: number; event: WatchEvent }[] = [];
  private readonly listeners = new Set<Listener>();

  constructor(options: StoreOptions = {}) {
    this.backend = options.backend ?? new MemoryBackend();
    this.now = options.now ?? (() => new Date());
    const state = this.backend.load();
    this.rev = state.revision;
    this.cfg = state.config;
    for (const o of state.objects) this.objects.set(keyOf(o), o);
  }

  get revision(): number {
    return this.rev;
  }

  /** The ClusterConfig the state was built with, if any was recorded. */
  get config(): ClusterConfig | undefined {
    return this.cfg;
  }

  get(key: string): KObject | undefined {
    return this.objects.get(key);
  }

  list(): KObject[] {
    return [...this.objects.values()];
  }

  /** An in-memory copy of this store's current state: changes to it are never persisted. */
  ephemeralCopy(): Store {
    return new Store({ backend: new MemoryBackend({ revision: this.rev, objects: this.list(), config: this.cfg }), now: this.now });
  }

  /**
   * Commits all changes at one new revision, assigning server-owned metadata (uid, resourceVersion,
   * creationTimestamp, generation). Objects equal to what is stored are left untouched.
   */
  commit(change: Change): WatchEvent[] {
    for (const [key, rv] of Object.entries(change.preconditions ?? {})) {
      const cur = this.objects.get(key);
      const curRV = cur?.metadata.resourceVersion;
      if (curRV !== rv) {
        throw new ConflictError(key, `the object ${key} has been modified; please apply your changes to the latest version and try again`);
      }
    }
    const revision = this.rev + 1;
    const rvText = String(revision);
    const events: WatchEvent[] = [];
    const puts: KObject[] = [];
    const timestamp = this.now().toISOString().replace(/\.\d{3}Z$/, 'Z');
    for (const incoming of change.puts ?? []) {
      const key = keyOf(incoming);
      let prev = this.objects.get(key);
      const meta = { ...incoming.metadata };
      const reincarnated = !!prev && !!meta.uid && !!prev.metadata.uid && meta.uid !== prev.metadata.uid;
      if (prev && !reincarnated && sameContent(prev, incoming)) continue;
      if (prev && reincarnated) {
        // Same name, new incarnation: the old object is deleted and a new one created.
        events.push({ type: 'DELETED', object: { ...prev, metadata: { ...prev.metadata, resourceVersion: rvText } } });
        prev = undefined;
      }
      if (prev) {
        meta.uid = prev.metadata.uid;
        meta.creationTimestamp = prev.metadata.creationTimestamp;
        meta.generation = nextGeneration(prev, incoming);
      } else {
        meta.uid ??= deterministicUID(key, revision);
        meta.creationTimestamp ??= timestamp;
        meta.generation ??= 1;
      }
      meta.resourceVersion = rvText;
      const stored = { ...incoming, metadata: meta } as KObject;
      puts.push(stored);
      events.push({ type: prev ? 'MODIFIED' : 'ADDED', object: stored });
    }
    const deletes: string[] = [];
    for (const key of change.deletes ?? []) {
      const prev = this.objects.get(key);
      if (!prev) continue;
      deletes.push(key);
      events.push({ type: 'DELETED', object: { ...prev, metadata: { ...prev.metadata, resourceVersion: rvText } } });
    }
    const configChanged = change.config !== undefined && JSON.stringify(change.config) !== JSON.stringify(this.cfg);
    if (!events.length && !configChanged) return [];
    const txn: TxnRecord = { revision, puts, deletes, ...(configChanged ? { config: change.config } : {}) };
    const nextCfg = configChanged ? change.config : this.cfg;
    // Memory changes only once the backend has the transaction, so a failing backend leaves it as it
    // was; the whole next state is built only if the backend asks for it (a snapshot).
    const apply = (objects: Map<string, KObject>): Map<string, KObject> => {
      for (const o of puts) objects.set(keyOf(o), o);
      for (const k of deletes) objects.delete(k);
      return objects;
    };
    this.backend.append(txn, () => ({ revision, objects: [...apply(new Map(this.objects)).values()], config: nextCfg }));
    apply(this.objects);
    this.cfg = nextCfg;
    this.rev = revision;
    for (const event of events) {
      this.events.push({ revision, event });
      for (const l of this.listeners) l(event, revision);
    }
    if (this.events.length > EVENT_WINDOW) this.events.splice(0, this.events.length - EVENT_WINDOW);
    return events;
  }

  /**
   * Watches from `sinceRevision` (exclusive): replays kept events newer than it, then streams.
   * Throws ExpiredError when events since then are no longer kept.
   */
  watch(sinceRevision: number, listener: Listener): () => void {
    const oldest = this.events.length ? this.events[0].revision - 1 : this.rev;
    if (sinceRevision < oldest) throw new ExpiredError(sinceRevision, oldest);
    for (const { revision, event } of this.events) if (revision > sinceRevision) listener(event, revision);
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  reset(): void {
    this.backend.reset();
    this.objects = new Map();
    this.rev = 0;
    this.cfg = undefined;
    this.events.length = 0;
  }
}

const SERVER_FIELDS = ['resourceVersion', 'uid', 'creationTimestamp', 'generation', 'managedFields'];

function stripServerFields(o: KObject): unknown {
  const meta: Record<string, unknown> = { ...o.metadata };
  for (const f of SERVER_FIELDS) delete meta[f];
  return { ...o, metadata: meta };
}

/** JSON with object keys sorted: equal content compares equal whatever order fields were written in. */
export function canonicalJSON(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k];
    return sorted;
  });
}

const isServerField = (key: string): boolean => SERVER_FIELDS.includes(key);

/** Equal content but for server metadata: canonicalJSON(stripServerFields(x)) alike, compared without the strings. */
function sameContent(a: KObject, b: KObject): boolean {
  if (hasToJSONAnywhere(a) || hasToJSONAnywhere(b)) return canonicalJSON(stripServerFields(a)) === canonicalJSON(stripServerFields(b));
  return jsonEqual(a, b, (k) => k === 'metadata') && jsonEqual(a.metadata, b.metadata, isServerField);
}

/** metadata.generation of `next` replacing `prev` (same incarnation): one more when its spec changed. */
export function nextGeneration(prev: KObject, next: KObject): number {
  return (prev.metadata.generation ?? 1) + (jsonEqual(prev.spec, next.spec) ? 0 : 1);
}

/** The top level and metadata are spread into copies by stripServerFields: a toJSON there would be lost. */
function hasToJSONAnywhere(o: KObject): boolean {
  return typeof (o as { toJSON?: unknown }).toJSON === 'function' || typeof (o.metadata as { toJSON?: unknown } | undefined)?.toJSON === 'function';
}

/** A UUID-shaped id derived from identity and revision: stable across replays, unique per incarnation. */
export function deterministicUID(key: string, revision: number): string {
  const h = createHash('sha1').update(`${key}@${revision}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16], 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
