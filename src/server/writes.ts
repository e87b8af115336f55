/**
 * The one path every API write takes: the whole desired object goes through the same pipeline as
 * `podnet apply` (defaults → validation → controllers → one atomic commit), so a write through the
 * API and one through the CLI mean the same. Around it: resourceVersion preconditions (409),
 * `fieldValidation` (Strict → 400 for unknown or duplicate fields; Warn → dropped with a warning;
 * Ignore → dropped), `dryRun=All`, and the field managers of the written object.
 */
import type { SourcedObject } from '../api/decode.ts';
import { InvalidInputError, type InputError } from '../api/errors.ts';
import type { KObject } from '../api/types.ts';
import type { ClusterConfig } from '../cluster/config.ts';
import { keyOf } from '../cluster/object-set.ts';
import { ConflictError, nextGeneration, type Store, type WatchEvent } from '../cluster/store.ts';
import { applyObjects, deleteObjects } from '../controllers/apply.ts';
import type { ManagedFieldsTable } from './managed-fields-table.ts';
import { recordUpdate, type ManagedFieldsEntry } from './managed-fields.ts';
import { isObject, type JsonObject } from './patch.ts';
import { apiVersionOfResource, type ServedResource } from './resources.ts';
import { alreadyExists, badRequest, conflict, invalid, StatusError } from './status.ts';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export function parseFieldValidation(value: string | null): FieldValidation {
  if (value === null || value === '' || value === 'Warn') return 'Warn';
  if (value === 'Strict' || value === 'Ignore') return value;
  throw badRequest(`fieldValidation parameter unsupported: ${value}; must be one of Strict, Warn, Ignore`);
}

export interface WriteOptions {
  dryRun: boolean;
  fieldValidation: FieldValidation;
  /** Duplicate keys found while decoding the body (strict decoding errors). */
  duplicates?: string[];
  /** Manager of the fields this write changes (Update); `undefined` = leave field ownership as computed by the caller. */
  fieldManager?: string;
  /** Ownership decided by a server-side apply, used instead of recording an Update. */
  managedFields?: ManagedFieldsEntry[];
  /** managedFields the request itself set (a client migrating ownership): the base of this Update. */
  requestManagedFields?: ManagedFieldsEntry[];
  subresource?: 'status';
  /** resourceVersion the client based its write on; a different stored one is a 409. */
  expectResourceVersion?: string;
}

export interface WriteResult {
  object: KObject;
  /** True when the stored object changed (false for no-op writes). */
  changed: boolean;
  warnings: string[];
  events: WatchEvent[];
}

const UNKNOWN_FIELD = /^unknown field "(.*)"$/;

/** `spec.ports[0].foo`, `metadata.labels["a.b"]` → segments (the inverse of formatFieldPath). */
export function parseFieldPath(text: string): (string | number)[] {
  const out: (string | number)[] = [];
  const re = /([A-Za-z_$][A-Za-z0-9_$-]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]|\./gy;
  let m: RegExpExecArray | null;
  while (re.lastIndex < text.length && (m = re.exec(text)) !== null) {
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(Number(m[2]));
    else if (m[3] !== undefined) out.push(JSON.parse(m[3]) as string);
  }
  return out;
}

function dropField(obj: unknown, path: readonly (string | number)[]): void {
  let cur: unknown = obj;
  for (const seg of path.slice(0, -1)) {
    if (cur === null || typeof cur !== 'object') return;
    cur = (cur as Record<string | number, unknown>)[seg];
  }
  const last = path[path.length - 1];
  if (isObject(cur) && typeof last === 'string') delete cur[last];
}

export class ObjectWriter {
  constructor(
    private readonly store: Store,
    private readonly config: () => ClusterConfig,
    private readonly managed: ManagedFieldsTable,
    private readonly now: () => Date = () => new Date(),
  ) {}

  timestamp(): string {
    return this.now().toISOString().replace(/\.\d{3}Z$/, 'Z');
  }

  /**
   * Writes `desired` (a complete object) for `resource`; `before` is the stored object it replaces.
   * Synchronous from the precondition check to the commit, so concurrent requests serialize here.
   */
  write(resource: ServedResource, desired: KObject, before: KObject | undefined, opts: WriteOptions): WriteResult {
    const info = resource.info;
    if (!info) throw new StatusError(405, 'MethodNotAllowed', `${resource.plural} are read-only`);
    const key = keyOf(desired);
    const current = this.store.get(key);
    if (opts.expectResourceVersion !== undefined && opts.expectResourceVersion !== '' && current?.metadata.resourceVersion !== opts.expectResourceVersion) {
      throw conflict(resource, desired.metadata.name);
    }
    const warnings: string[] = [];
    const strictErrors = (opts.duplicates ?? []).map((d) => d);
    if (strictErrors.length && opts.fieldValidation === 'Strict') throw strictDecoding(resource, strictErrors);
    if (strictErrors.length && opts.fieldValidation === 'Warn') warnings.push(...strictErrors);

    let object = desired;
    for (let attempt = 0; ; attempt++) {
      try {
        return this.commit(resource, key, object, before, opts, warnings);
      } catch (err) {
        if (err instanceof ConflictError) throw conflict(resource, desired.metadata.name);
        if (!(err instanceof InvalidInputError)) throw err;
        const unknown = err.errors.filter((e) => UNKNOWN_FIELD.test(e.reason));
        const rest = err.errors.filter((e) => !UNKNOWN_FIELD.test(e.reason));
        if (unknown.length && (opts.fieldValidation === 'Strict' || attempt > 0)) {
          throw strictDecoding(resource, unknown.map((e) => e.reason));
        }
        if (rest.length || !unknown.length) throw invalidStatus(resource, desired, rest.length ? rest : err.errors);
        // Warn / Ignore: drop the unknown fields, as decoding into Go structs would, and retry once.
        object = structuredClone(object);
        for (const e of unknown) {
          const m = UNKNOWN_FIELD.exec(e.reason);
          if (m) dropField(object, parseFieldPath(m[1]));
          if (opts.fieldValidation === 'Warn') warnings.push(e.reason);
        }
      }
    }
  }

  private commit(resource: ServedResource, key: string, object: KObject, before: KObject | undefined, opts: WriteOptions, warnings: string[]): WriteResult {
    const info = resource.info!;
    const sourced: SourcedObject = { object: stripForStore(object), info, source: REQUEST_SOURCE };
    const result = applyObjects(this.store, [sourced], this.config(), { dryRun: opts.dryRun });
    warnings.push(...result.warnings);
    const live = this.store.get(key);
    const stored = opts.dryRun ? dryRunAnswer(result.results[0].object, live, opts.subresource === 'status') : (live ?? result.results[0].object);
    const changed = result.events.some((e) => keyOf(e.object) === key) || (opts.dryRun && result.results[0].action !== 'unchanged');
    const entries = opts.managedFields ?? this.ownership(resource, object, before, opts);
    if (!opts.dryRun) this.managed.set(key, stored.metadata.uid ?? '', entries);
    return { object: this.managed.decorate(key, opts.dryRun ? { ...stored, metadata: { ...stored.metadata, managedFields: entries } } : stored), changed, warnings, events: result.events };
  }

  private ownership(resource: ServedResource, after: KObject, before: KObject | undefined, opts: WriteOptions): ManagedFieldsEntry[] {
    const entries = opts.requestManagedFields ?? (before ? this.managed.entries(keyOf(before), before.metadata.uid) : []);
    if (!opts.fieldManager) return entries;
    return recordUpdate({
      entries,
      manager: opts.fieldManager,
      apiVersion: apiVersionOfResource(resource),
      before,
      after,
      subresource: opts.subresource,
      now: this.timestamp(),
    });
  }

  /**
   * A create, committed together with the other creates that arrive in the same turn of the event
   * loop: the apply pipeline runs the controllers over the whole store, so one pass for many creates
   * is what makes bulk creation fast. A batch that fails is retried one create at a time, so every
   * request still gets its own answer and an invalid object never takes others down.
   */
  create(resource: ServedResource, desired: KObject, opts: WriteOptions): Promise<WriteResult> {
    if (opts.dryRun || opts.duplicates?.length) return Promise.resolve().then(() => this.write(resource, desired, undefined, opts));
    return new Promise((resolve, reject) => {
      this.pending.push({ resource, desired, opts, resolve, reject });
      if (this.pending.length === 1) setImmediate(() => this.flush());
    });
  }

  private pending: PendingCreate[] = [];

  private flush(): void {
    const batch = this.pending;
    this.pending = [];
    const one = (p: PendingCreate): void => {
      try {
        if (this.store.get(keyOf(p.desired))) throw alreadyExists(p.resource, p.desired.metadata.name);
        p.resolve(this.write(p.resource, p.desired, undefined, p.opts));
      } catch (err) {
        p.reject(err);
      }
    };
    const keys = new Set<string>();
    const unique = new Set(
      batch.filter((p) => {
        const key = keyOf(p.desired);
        if (keys.has(key) || this.store.get(key)) return false;
        keys.add(key);
        return true;
      }),
    );
    if (unique.size < 2) {
      for (const p of batch) one(p);
      return;
    }
    const before = this.store.revision;
    let events: WatchEvent[];
    let warnings: string[];
    try {
      const sourced = [...unique].map((p): SourcedObject => ({ object: stripForStore(p.desired), info: p.resource.info!, source: REQUEST_SOURCE }));
      const result = applyObjects(this.store, sourced, this.config());
      events = result.events;
      warnings = result.warnings;
    } catch (err) {
      if (this.store.revision !== before) {
        // Never expected (applyObjects commits all or nothing); thrown here it would end the server.
        for (const p of batch) p.reject(new Error(`a failed batch of creates committed: ${(err as Error).message}`));
        return;
      }
      for (const p of batch) one(p);
      return;
    }
    for (const p of batch) {
      if (!unique.has(p)) {
        one(p); // a duplicate in the batch: now AlreadyExists
        continue;
      }
      const key = keyOf(p.desired);
      const stored = this.store.get(key);
      if (!stored) {
        p.reject(new Error(`created object ${key} is missing after commit`));
        continue;
      }
      const entries = this.ownership(p.resource, p.desired, undefined, p.opts);
      this.managed.set(key, stored.metadata.uid ?? '', entries);
      p.resolve({ object: this.managed.decorate(key, stored), changed: true, warnings, events });
    }
  }

  /** Deletes stored objects by key (controllers converge in the same commit); dry-run on a copy. */
  delete(keys: string[], dryRun: boolean, orphan = false): { deleted: KObject[]; events: WatchEvent[] } {
    const target = dryRun ? this.store.ephemeralCopy() : this.store;
    try {
      const result = deleteObjects(target, keys, this.config(), { orphan });
      if (!dryRun) for (const k of keys) this.managed.delete(k);
      return result;
    } catch (err) {
      if (err instanceof InvalidInputError) throw new StatusError(422, 'Invalid', err.message);
      throw err;
    }
  }
}

interface PendingCreate {
  resource: ServedResource;
  desired: KObject;
  opts: WriteOptions;
  resolve(r: WriteResult): void;
  reject(err: unknown): void;
}

const REQUEST_SOURCE = { file: '', line: 0, lineOf: (): number => 0 };

/**
 * A dry-run update answered as the API server answers it (what `kubectl diff` shows as MERGED): the
 * live object's identity and resourceVersion, generation counted up when the spec changes, and the
 * live status (the registry's PrepareForUpdate keeps it; no controller runs on a dry run upstream).
 */
function dryRunAnswer(object: KObject, live: KObject | undefined, statusWrite: boolean): KObject {
  if (!live) return object;
  const meta = { ...object.metadata };
  meta.uid = live.metadata.uid;
  meta.creationTimestamp = live.metadata.creationTimestamp;
  meta.resourceVersion = live.metadata.resourceVersion;
  meta.generation = nextGeneration(live, object); // the Store's rule at commit
  const out = { ...object, metadata: meta } as KObject;
  if (!statusWrite) {
    if (live.status !== undefined) out.status = live.status;
    else delete out.status;
  }
  return out;
}

/** Field managers live beside the store (see managed-fields-table.ts), not in it. */
function stripForStore(obj: KObject): KObject {
  if (!('managedFields' in obj.metadata)) return obj;
  const { managedFields: _mf, ...meta } = obj.metadata;
  return { ...obj, metadata: meta as KObject['metadata'] };
}

function strictDecoding(resource: ServedResource, messages: string[]): StatusError {
  return badRequest(`${resource.kind} in version "${resource.version}" cannot be handled as a ${resource.kind}: strict decoding error: ${messages.join(', ')}`);
}

function invalidStatus(resource: ServedResource, obj: KObject, errors: readonly InputError[]): StatusError {
  // Errors about another object (a controller's allocation conflict) name it in the reason.
  const own = errors.map((e) => (e.object && !e.object.endsWith(` ${obj.metadata.namespace ? `${obj.metadata.namespace}/` : ''}${obj.metadata.name}`) ? { ...e, reason: `${e.object}: ${e.reason}` } : e));
  return invalid(resource.kind, resource.group, obj.metadata.name, own);
}

export type { JsonObject };
