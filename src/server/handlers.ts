/**
 * The REST verbs on resources: get, list (+ watch), create, update, patch (merge, strategic, JSON,
 * apply), delete, deletecollection, and the status, scale and log subresources. Each handler checks
 * the request the way the API server does (identity in body vs URL, namespace existence,
 * preconditions) and then hands the complete desired object to the ObjectWriter.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { objectKey } from '../api/kinds.ts';
import { parseSelector, SelectorSyntaxError, type Selector } from '../api/selector.ts';
import type { KObject, Pod } from '../api/types.ts';
import { compareObjects, keyOf } from '../cluster/object-set.ts';
import type { Store } from '../cluster/store.ts';
import { bodyFormatOf, decodeBody, patchTypeOf, readBody } from './body.ts';
import type { EventRecorder } from './events.ts';
import type { LogRequest, PodRuntime } from './exec.ts';
import { FieldSelectorError, parseFieldSelector, type FieldSelector } from '../api/field-selector.ts';
import { ApplyConflictError, serverSideApply, type ManagedFieldsEntry } from './managed-fields.ts';
import type { ManagedFieldsTable } from './managed-fields-table.ts';
import { negotiate, type Representation } from './media.ts';
import { isObject, jsonPatch, mergePatch, PatchError, strategicMergePatch } from './patch.ts';
import { apiVersionOfResource } from './resources.ts';
import { sendJSON } from './respond.ts';
import type { Route } from './router.ts';
import {
  alreadyExists, badRequest, conflict, forbidden, invalid, methodNotAllowed, notFound, StatusError, successStatus,
} from './status.ts';
import { parseIncludeObject, toTable } from './table.ts';
import { serveWatch } from './watch.ts';
import { parseFieldValidation, type ObjectWriter } from './writes.ts';

export interface ApiContext {
  store: Store;
  writer: ObjectWriter;
  managed: ManagedFieldsTable;
  events: EventRecorder;
  /** The pod runtime now: the dataplane can come up (or go down) while the server runs. */
  runtime(): PodRuntime | undefined;
  bookmarkIntervalMs: number;
  /** Registers a cleanup for server close (open watches, log streams). */
  track(fn: () => void): () => void;
}

type ResourceRoute = Extract<Route, { type: 'resource' }>;

interface Request {
  req: IncomingMessage;
  res: ServerResponse;
  query: URLSearchParams;
  route: ResourceRoute;
  api: ApiContext;
}

const PROTECTED_NAMESPACES = new Set(['default', 'kube-system', 'kube-public']);

/** Subresources whose writes only touch `.status` of the main object. */
const STATUS_KINDS = new Set(['Pod', 'Service', 'Node', 'Namespace', 'Ingress', 'Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet', 'Gateway', 'GatewayClass', 'HTTPRoute']);

export async function handleResource(r: Request): Promise<void> {
  const { route, req } = r;
  const { resource, name, subresource } = route;
  if (resource.namespaced && route.namespace === undefined && name !== undefined) throw notFound(resource, name);
  const method = req.method ?? 'GET';
  if (name === undefined) {
    switch (method) {
      case 'GET':
        return listOrWatch(r);
      case 'POST':
        return create(r);
      case 'DELETE':
        return deleteCollection(r);
    }
    throw methodNotAllowed(`the server does not allow this method on the requested resource`);
  }
  if (subresource === 'log') {
    if (method !== 'GET') throw methodNotAllowed('pods/log supports GET only');
    return logs(r);
  }
  if (subresource === 'exec' || subresource === 'attach') {
    throw badRequest(`Upgrade request required: ${subresource} needs a WebSocket (v5.channel.k8s.io) connection`);
  }
  if (subresource === 'scale') return scale(r, method);
  switch (method) {
    case 'GET':
      return get(r);
    case 'PUT':
      return update(r);
    case 'PATCH':
      return patch(r);
    case 'DELETE':
      if (subresource) break;
      return remove(r);
  }
  throw methodNotAllowed(`the server does not allow this method on the requested resource`);
}

// ---- reading ----

function representation(r: Request): Representation {
  return negotiate(r.req.headers.accept, { table: true });
}

function present(r: Request, obj: KObject): KObject {
  const av = apiVersionOfResource(r.route.resource);
  const decorated = r.route.resource.info ? r.api.managed.decorate(keyOf(obj), obj) : obj;
  return decorated.apiVersion === av ? decorated : { ...decorated, apiVersion: av };
}

function storedKey(route: ResourceRoute, name: string): string {
  return objectKey(route.resource.kind, route.resource.namespaced ? route.namespace : undefined, name);
}

function lookup(r: Request, name: string): KObject | undefined {
  if (r.route.resource.kind === 'Event') return r.api.events.list().find((e) => e.metadata.namespace === r.route.namespace && e.metadata.name === name);
  return r.api.store.get(storedKey(r.route, name));
}

function mustGet(r: Request): KObject {
  const name = r.route.name!;
  const obj = lookup(r, name);
  if (!obj) throw notFound(r.route.resource, name);
  return obj;
}

function respondObject(r: Request, code: number, obj: KObject, warnings: readonly string[] = []): void {
  const rep = representation(r);
  if (rep.as === 'Table') {
    const table = toTable(r.route.resource, [present(r, obj)], { version: rep.version, includeObject: parseIncludeObject(r.query.get('includeObject')), resourceVersion: obj.metadata.resourceVersion });
    sendJSON(r.res, code, table, { warnings });
    return;
  }
  sendJSON(r.res, code, present(r, obj), { warnings, yaml: rep.as === 'object' && rep.yaml });
}

function get(r: Request): void {
  const obj = mustGet(r);
  if (r.route.subresource === 'status' && !STATUS_KINDS.has(obj.kind)) throw notFound(r.route.resource, r.route.name!);
  respondObject(r, 200, obj);
}

interface Selection {
  labels?: Selector;
  fields?: FieldSelector;
}

function selection(r: Request): Selection {
  const labelText = r.query.get('labelSelector');
  let labels: Selector | undefined;
  if (labelText) {
    try {
      labels = parseSelector(labelText);
    } catch (err) {
      if (err instanceof SelectorSyntaxError) throw badRequest(`unable to parse requirement: ${err.message}`);
      throw err;
    }
  }
  try {
    return { labels, fields: parseFieldSelector(r.query.get('fieldSelector'), r.route.resource.kind) };
  } catch (err) {
    if (err instanceof FieldSelectorError) throw badRequest(err.message);
    throw err;
  }
}

function inScope(r: Request, o: KObject): boolean {
  return o.kind === r.route.resource.kind && (r.route.namespace === undefined || o.metadata.namespace === r.route.namespace);
}

function matches(sel: Selection, o: KObject): boolean {
  return (!sel.labels || sel.labels.matches(o.metadata.labels)) && (!sel.fields || sel.fields.matches(o));
}

/** Objects of the route's resource, sorted as etcd keys are (namespace, name); cached per revision. */
const sortedCache = new WeakMap<Store, { revision: number; byKind: Map<string, KObject[]> }>();

function sortedOfKind(store: Store, kind: string): KObject[] {
  let cache = sortedCache.get(store);
  if (!cache || cache.revision !== store.revision) {
    cache = { revision: store.revision, byKind: new Map() };
    sortedCache.set(store, cache);
  }
  let list = cache.byKind.get(kind);
  if (!list) {
    list = store.list().filter((o) => o.kind === kind).sort(compareObjects);
    cache.byKind.set(kind, list);
  }
  return list;
}

function candidates(r: Request): KObject[] {
  if (r.route.resource.kind === 'Event') return [...r.api.events.list()].sort(compareObjects);
  return sortedOfKind(r.api.store, r.route.resource.kind);
}

interface ContinueToken {
  rv: string;
  /** Namespace and name of the last item returned. */
  ns: string;
  name: string;
}

function parseContinue(text: string | null): ContinueToken | undefined {
  if (!text) return undefined;
  try {
    const t = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as ContinueToken;
    if (typeof t.ns === 'string' && typeof t.name === 'string' && typeof t.rv === 'string') return t;
  } catch {
    // fall through
  }
  throw badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
}

/** Index of the first object after (namespace, name) in a list sorted by compareObjects. */
function indexAfter(sorted: readonly KObject[], token: ContinueToken): number {
  const probe = { metadata: { namespace: token.ns || undefined, name: token.name } } as KObject;
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (compareObjects(sorted[mid], probe) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function listOrWatch(r: Request): void {
  const { query, route, api } = r;
  const sel = selection(r);
  const rep = representation(r);
  const watch = query.get('watch');
  const rvParam = query.get('resourceVersion');
  if (rvParam && !/^\d+$/.test(rvParam)) throw badRequest(`invalid resource version: ${JSON.stringify(rvParam)}: must be a non-negative integer`);
  if (watch === 'true' || watch === '1') {
    const resource = route.resource;
    const events = resource.kind === 'Event';
    const stopper = { stop: (): void => {} };
    const untrack = api.track(() => stopper.stop());
    r.res.on('close', untrack);
    serveWatch(
      r.req,
      r.res,
      {
        revision: () => api.store.revision,
        current: () => candidates(r).filter((o) => inScope(r, o)),
        subscribe: (since, listener) => (events ? api.events.watch(listener) : api.store.watch(since, listener)),
        present: (o) => present(r, o),
      },
      {
        resource,
        matches: (o) => inScope(r, o) && matches(sel, o),
        inScope: (o) => inScope(r, o),
        resourceVersion: query.get('resourceVersion'),
        sendInitialEvents: query.get('sendInitialEvents') === 'true',
        allowBookmarks: query.get('allowWatchBookmarks') === 'true',
        timeoutSeconds: Number(query.get('timeoutSeconds') ?? 0) || 0,
        representation: rep,
        includeObject: parseIncludeObject(query.get('includeObject')),
        bookmarkIntervalMs: api.bookmarkIntervalMs,
      },
      (fn) => {
        stopper.stop = fn;
      },
    );
    return;
  }
  const revision = String(api.store.revision);
  const all = candidates(r);
  const token = parseContinue(query.get('continue'));
  // Table lists are for printing and kubectl prints them whole: one response instead of pages of 500
  // (a server may always return a complete list without `continue`). kubectl spends ~100 ms per page,
  // so this is what keeps `get pods -A` on 10,000 pods under a second. JSON lists are paged.
  const limit = rep.as === 'Table' ? 0 : Number(query.get('limit') ?? 0);
  // Sorted input: a page scans from the continue position and stops after `limit` matches.
  const items: KObject[] = [];
  let next: string | undefined;
  for (let i = token ? indexAfter(all, token) : 0; i < all.length; i++) {
    const o = all[i];
    if (!inScope(r, o) || !matches(sel, o)) continue;
    if (limit > 0 && items.length === limit) {
      const last = items[items.length - 1];
      next = Buffer.from(JSON.stringify({ rv: revision, ns: last.metadata.namespace ?? '', name: last.metadata.name })).toString('base64url');
      break;
    }
    items.push(o);
  }
  const metadata = { resourceVersion: revision, ...(next ? { continue: next } : {}) };
  if (rep.as === 'Table') {
    const table = toTable(route.resource, items.map((o) => present(r, o)), { version: rep.version, includeObject: parseIncludeObject(query.get('includeObject')), resourceVersion: revision });
    table.metadata = metadata;
    sendJSON(r.res, 200, table);
    return;
  }
  const list = { kind: `${route.resource.kind}List`, apiVersion: apiVersionOfResource(route.resource), metadata, items: items.map((o) => present(r, o)) };
  sendJSON(r.res, 200, list, { yaml: rep.as === 'object' && rep.yaml });
}

// ---- writing ----

interface WriteParams {
  dryRun: boolean;
  fieldValidation: ReturnType<typeof parseFieldValidation>;
  fieldManager: string | undefined;
}

function writeParams(r: Request): WriteParams {
  const dry = r.query.getAll('dryRun');
  for (const d of dry) if (d !== 'All') throw badRequest(`Invalid dry run parameter: ${JSON.stringify(d)}: supported values: "All"`);
  const fieldManager = r.query.get('fieldManager') ?? undefined;
  if (fieldManager !== undefined && fieldManager.length > 128) throw badRequest(`fieldManager: Too long: may not be more than 128 bytes`);
  return { dryRun: dry.length > 0, fieldValidation: parseFieldValidation(r.query.get('fieldValidation')), fieldManager };
}

/** The manager of an update that names none: the user agent's program name (`kubectl`, `node`). */
function defaultManager(req: IncomingMessage): string {
  const ua = req.headers['user-agent'] ?? 'unknown';
  return ua.split('/')[0].slice(0, 128) || 'unknown';
}

async function decodeObject(r: Request, strict: boolean): Promise<{ obj: KObject; duplicates: string[] }> {
  const format = bodyFormatOf(r.req.headers['content-type']);
  const body = await readBody(r.req);
  const decoded = decodeBody(body, format, strict);
  return { obj: checkShape(r, decoded.value, body), duplicates: decoded.duplicates };
}

/** The body must be an object of the URL's kind, group and version. */
function checkShape(r: Request, value: unknown, body: Buffer | string): KObject {
  const resource = r.route.resource;
  if (!isObject(value)) throw badRequest(`the body of the request must be a JSON or YAML object, not ${Array.isArray(value) ? 'a list' : typeof value}`);
  const expected = apiVersionOfResource(resource);
  // As the API server decodes with the endpoint's group/version/kind as defaults, both may be left out.
  if (value.kind === undefined || value.kind === '') value.kind = resource.kind;
  if (value.apiVersion === undefined || value.apiVersion === '') value.apiVersion = expected;
  const kind = value.kind;
  if (typeof kind !== 'string') throw badRequest(`Object 'Kind' is missing in '${String(body).slice(0, 200)}'`);
  const apiVersion = value.apiVersion;
  if (typeof apiVersion !== 'string') throw badRequest(`Object 'apiVersion' is missing in '${String(body).slice(0, 200)}'`);
  const accepted = resource.info ? [expected, ...(resource.info.alsoAccepts ?? []), resource.info.group ? `${resource.info.group}/${resource.info.version}` : resource.info.version] : [expected];
  if (!accepted.includes(apiVersion)) throw badRequest(`the API version in the data (${apiVersion}) does not match the expected API version (${expected})`);
  if (kind !== resource.kind) throw badRequest(`${kind} in version "${resource.version}" cannot be handled as a ${resource.kind}: the kind in the body (${kind}) does not match the resource ${resource.plural}`);
  if (value.metadata !== undefined && !isObject(value.metadata)) throw badRequest(`${kind} in version "${resource.version}" cannot be handled as a ${resource.kind}: metadata must be an object`);
  const obj = value as KObject;
  obj.metadata = { ...((value.metadata as KObject['metadata'] | undefined) ?? ({} as KObject['metadata'])) };
  return obj;
}

function checkNamespace(r: Request, obj: KObject): void {
  const resource = r.route.resource;
  if (!resource.namespaced) {
    if (obj.metadata.namespace) delete obj.metadata.namespace;
    return;
  }
  const ns = r.route.namespace;
  if (obj.metadata.namespace && ns && obj.metadata.namespace !== ns) {
    throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  obj.metadata.namespace = ns ?? obj.metadata.namespace;
}

function requireNamespaceExists(r: Request, obj: KObject): void {
  const ns = obj.metadata.namespace;
  if (!r.route.resource.namespaced || !ns) return;
  if (!r.api.store.get(objectKey('Namespace', undefined, ns))) throw notFound({ plural: 'namespaces', group: '' }, ns);
}

const GENERATE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

function generateName(prefix: string): string {
  let s = '';
  for (let i = 0; i < 5; i++) s += GENERATE_ALPHABET[Math.floor(Math.random() * GENERATE_ALPHABET.length)];
  return `${prefix}${s}`;
}

async function create(r: Request): Promise<void> {
  const params = writeParams(r);
  const { obj, duplicates } = await decodeObject(r, params.fieldValidation === 'Strict');
  const resource = r.route.resource;
  if (!resource.info) throw methodNotAllowed(`${resource.plural} are recorded by the server and cannot be created`);
  if (r.route.namespace === undefined && resource.namespaced) throw methodNotAllowed('create a namespaced object under /namespaces/{namespace}/');
  checkNamespace(r, obj);
  if (!obj.metadata.name) {
    if (typeof obj.metadata.generateName === 'string' && obj.metadata.generateName) obj.metadata.name = generateName(obj.metadata.generateName);
    else throw invalid(resource.kind, resource.group, '', [{ field: 'metadata.name', reason: 'Required value: name or generateName is required' }]);
  }
  if (typeof obj.metadata.name !== 'string') throw badRequest('metadata.name must be a string');
  requireNamespaceExists(r, obj);
  if (r.api.store.get(keyOf(obj))) throw alreadyExists(resource, obj.metadata.name);
  const result = await r.api.writer.create(resource, obj, {
    dryRun: params.dryRun,
    fieldValidation: params.fieldValidation,
    duplicates,
    fieldManager: params.fieldManager ?? defaultManager(r.req),
  });
  respondObject(r, 201, result.object, result.warnings);
}

/** A main-resource write never changes status; a status write changes nothing else. */
function scopeToSubresource(r: Request, current: KObject, desired: KObject): KObject {
  if (r.route.subresource === 'status') {
    const out = { ...current, status: desired.status };
    if (desired.status === undefined) delete out.status;
    return out;
  }
  if (!STATUS_KINDS.has(current.kind)) return desired;
  const out = { ...desired };
  if (current.status !== undefined) out.status = current.status;
  else delete out.status;
  return out;
}

async function update(r: Request): Promise<void> {
  const params = writeParams(r);
  const { obj, duplicates } = await decodeObject(r, params.fieldValidation === 'Strict');
  const resource = r.route.resource;
  if (!resource.info) throw methodNotAllowed(`${resource.plural} cannot be updated`);
  checkNamespace(r, obj);
  const name = r.route.name!;
  if (obj.metadata.name !== name) throw badRequest(`the name of the object (${String(obj.metadata.name)}) does not match the name on the URL (${name})`);
  const current = mustGet(r);
  const expect = obj.metadata.resourceVersion;
  if (expect && expect !== current.metadata.resourceVersion) throw conflict(resource, name);
  if (obj.metadata.uid && obj.metadata.uid !== current.metadata.uid) {
    throw conflict(resource, name, `Precondition failed: UID in precondition: ${obj.metadata.uid}, UID in object meta: ${current.metadata.uid}`);
  }
  const desired = scopeToSubresource(r, current, obj);
  const result = r.api.writer.write(resource, desired, current, {
    dryRun: params.dryRun,
    fieldValidation: params.fieldValidation,
    duplicates,
    requestManagedFields: requestedManagedFields(r, current, obj),
    fieldManager: params.fieldManager ?? defaultManager(r.req),
    expectResourceVersion: current.metadata.resourceVersion,
    subresource: r.route.subresource === 'status' ? 'status' : undefined,
  });
  respondObject(r, 200, result.object, result.warnings);
}

/**
 * managedFields a PUT or PATCH changed on purpose (kubectl migrating client-side apply ownership):
 * they replace the recorded ones. Unchanged or absent: undefined.
 */
function requestedManagedFields(r: Request, current: KObject, obj: KObject): ManagedFieldsEntry[] | undefined {
  const given = obj.metadata.managedFields;
  if (given === undefined) return undefined;
  const recorded = r.api.managed.entries(keyOf(current), current.metadata.uid);
  if (JSON.stringify(given) === JSON.stringify(recorded)) return undefined;
  const ok = Array.isArray(given) && given.every((e) => isObject(e) && typeof e.manager === 'string' && (e.operation === 'Apply' || e.operation === 'Update') && (e.fieldsV1 === undefined || isObject(e.fieldsV1)));
  if (!ok) throw invalid(r.route.resource.kind, r.route.resource.group, current.metadata.name, [{ field: 'metadata.managedFields', reason: 'Invalid value: must be a list of {manager, operation: Apply|Update, fieldsV1}' }]);
  return (given as ManagedFieldsEntry[]).map((e) => ({ ...e, fieldsType: 'FieldsV1', fieldsV1: e.fieldsV1 ?? {} }));
}

function withoutManagedFields(obj: KObject): KObject {
  const { managedFields: _m, ...meta } = obj.metadata;
  return { ...obj, metadata: meta as KObject['metadata'] };
}

function applyPatchBody(kind: string, type: 'merge' | 'strategic' | 'json', current: KObject, body: unknown): unknown {
  try {
    if (type === 'merge') return mergePatch(current, body);
    if (type === 'strategic') return strategicMergePatch(kind, current, body);
    return jsonPatch(current, body);
  } catch (err) {
    if (err instanceof PatchError) {
      if (err.code === 400) throw badRequest(err.message);
      throw new StatusError(422, 'Invalid', `the server rejected our request due to an error in our request: ${err.message}`);
    }
    throw err;
  }
}

async function patch(r: Request): Promise<void> {
  const params = writeParams(r);
  const type = patchTypeOf(r.req.headers['content-type']);
  const body = await readBody(r.req);
  const decoded = decodeBody(body, type === 'apply' ? 'yaml' : 'json', params.fieldValidation === 'Strict');
  const resource = r.route.resource;
  if (!resource.info) throw methodNotAllowed(`${resource.plural} cannot be patched`);
  const name = r.route.name!;
  if (type === 'apply') return serverSideApplyPatch(r, params, decoded.value, decoded.duplicates, body);
  const current = mustGet(r);
  const base = present(r, current);
  const patched = applyPatchBody(resource.kind, type, base, decoded.value);
  if (!isObject(patched)) throw badRequest('the patched object is not a JSON object');
  const obj = checkShape(r, patched, JSON.stringify(patched));
  if (obj.metadata.name !== name) throw badRequest(`the name of the object (${String(obj.metadata.name)}) does not match the name on the URL (${name})`);
  checkNamespace(r, obj);
  const expect = obj.metadata.resourceVersion;
  if (expect && expect !== current.metadata.resourceVersion) throw conflict(resource, name);
  const desired = scopeToSubresource(r, current, obj);
  const result = r.api.writer.write(resource, desired, current, {
    dryRun: params.dryRun,
    fieldValidation: params.fieldValidation,
    duplicates: decoded.duplicates,
    requestManagedFields: requestedManagedFields(r, current, obj),
    fieldManager: params.fieldManager ?? defaultManager(r.req),
    expectResourceVersion: current.metadata.resourceVersion,
    subresource: r.route.subresource === 'status' ? 'status' : undefined,
  });
  respondObject(r, 200, result.object, result.warnings);
}

async function serverSideApplyPatch(r: Request, params: WriteParams, value: unknown, duplicates: string[], body: Buffer): Promise<void> {
  const resource = r.route.resource;
  const name = r.route.name!;
  if (!params.fieldManager) throw badRequest('PATCH, application/apply-patch+yaml requires fieldManager to be set');
  const force = r.query.get('force') === 'true';
  const applied = checkShape(r, value, body);
  if (applied.metadata.name !== undefined && applied.metadata.name !== name) {
    throw badRequest(`the name of the object (${String(applied.metadata.name)}) does not match the name on the URL (${name})`);
  }
  applied.metadata.name = name;
  checkNamespace(r, applied);
  const { managedFields: _ignored, ...appliedMeta } = applied.metadata;
  const config = { ...applied, metadata: appliedMeta as KObject['metadata'] };
  const current = lookup(r, name);
  if (!current) requireNamespaceExists(r, config);
  if (config.metadata.resourceVersion && config.metadata.resourceVersion !== current?.metadata.resourceVersion) throw conflict(resource, name);
  const key = keyOf(config);
  let outcome;
  try {
    outcome = serverSideApply({
      entries: current ? r.api.managed.entries(key, current.metadata.uid) : [],
      manager: params.fieldManager,
      apiVersion: apiVersionOfResource(resource),
      live: current ? withoutManagedFields(present(r, current)) : undefined,
      applied: config,
      force,
      now: r.api.writer.timestamp(),
    });
  } catch (err) {
    if (err instanceof ApplyConflictError) {
      throw new StatusError(409, 'Conflict', err.message, {
        name,
        group: resource.group,
        kind: resource.plural,
        causes: err.conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with "${c.manager}" using ${c.apiVersion}`, field: c.field })),
      });
    }
    throw err;
  }
  const desired = current ? scopeToSubresource(r, current, outcome.object) : outcome.object;
  const result = r.api.writer.write(resource, desired, current, {
    dryRun: params.dryRun,
    fieldValidation: params.fieldValidation,
    duplicates,
    managedFields: outcome.entries,
    expectResourceVersion: current?.metadata.resourceVersion,
  });
  respondObject(r, current ? 200 : 201, result.object, result.warnings);
}

// ---- scale ----

function scaleOf(r: Request, obj: KObject): KObject {
  const spec = (obj.spec ?? {}) as { replicas?: number; selector?: { matchLabels?: Record<string, string> } };
  const status = (obj.status ?? {}) as { replicas?: number };
  const selector = Object.entries(spec.selector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name: obj.metadata.name, namespace: obj.metadata.namespace, uid: obj.metadata.uid, resourceVersion: obj.metadata.resourceVersion, creationTimestamp: obj.metadata.creationTimestamp },
    spec: { replicas: spec.replicas ?? 1 },
    status: { replicas: status.replicas ?? 0, selector },
  };
}

async function scale(r: Request, method: string): Promise<void> {
  const current = mustGet(r);
  if (method === 'GET') {
    sendJSON(r.res, 200, scaleOf(r, current));
    return;
  }
  if (method !== 'PUT' && method !== 'PATCH') throw methodNotAllowed('scale supports GET, PUT and PATCH');
  const params = writeParams(r);
  const body = await readBody(r.req);
  let next: unknown;
  if (method === 'PUT') next = decodeBody(body, bodyFormatOf(r.req.headers['content-type']), false).value;
  else {
    const type = patchTypeOf(r.req.headers['content-type']);
    const value = decodeBody(body, type === 'apply' ? 'yaml' : 'json', false).value;
    next = type === 'apply' ? mergePatch(scaleOf(r, current), value) : applyPatchBody('Scale', type, scaleOf(r, current), value);
  }
  const replicas = isObject(next) && isObject(next.spec) ? next.spec.replicas : undefined;
  if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
    throw invalid('Scale', 'autoscaling', r.route.name!, [{ field: 'spec.replicas', reason: `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0` }]);
  }
  const rv = isObject(next) && isObject(next.metadata) ? next.metadata.resourceVersion : undefined;
  if (typeof rv === 'string' && rv && rv !== current.metadata.resourceVersion) throw conflict(r.route.resource, r.route.name!);
  const desired = { ...current, spec: { ...(current.spec as object), replicas } };
  const result = r.api.writer.write(r.route.resource, desired, current, {
    dryRun: params.dryRun,
    fieldValidation: 'Ignore',
    fieldManager: params.fieldManager ?? defaultManager(r.req),
    expectResourceVersion: current.metadata.resourceVersion,
  });
  sendJSON(r.res, 200, scaleOf(r, result.object));
}

// ---- deleting ----

interface DeleteOptions {
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: string[];
  propagationPolicy?: string;
}

async function deleteOptions(r: Request): Promise<DeleteOptions> {
  const body = await readBody(r.req);
  if (!body.length || !body.toString('utf8').trim()) return {};
  const format = bodyFormatOf(r.req.headers['content-type']);
  const value = decodeBody(body, format === 'protobuf' ? format : 'json', false).value;
  if (!isObject(value)) throw badRequest('DeleteOptions must be a JSON object');
  if (format === 'protobuf' && value.kind !== 'DeleteOptions') throw badRequest(`the body of a delete must be DeleteOptions, not ${String(value.kind)}`);
  const opts = value as DeleteOptions;
  if (opts.propagationPolicy !== undefined && !['Orphan', 'Background', 'Foreground'].includes(opts.propagationPolicy)) {
    throw badRequest(`propagationPolicy: Unsupported value: ${JSON.stringify(opts.propagationPolicy)}: supported values: "Foreground", "Background", "Orphan"`);
  }
  return opts;
}

async function remove(r: Request): Promise<void> {
  const params = writeParams(r);
  const opts = await deleteOptions(r);
  const resource = r.route.resource;
  const name = r.route.name!;
  if (!resource.info) throw methodNotAllowed(`${resource.plural} cannot be deleted`);
  const current = mustGet(r);
  if (resource.kind === 'Namespace' && PROTECTED_NAMESPACES.has(name)) throw forbidden(resource, name, 'this namespace may not be deleted');
  const pre = opts.preconditions ?? {};
  if (pre.uid && pre.uid !== current.metadata.uid) {
    throw conflict(resource, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${current.metadata.uid}`);
  }
  if (pre.resourceVersion && pre.resourceVersion !== current.metadata.resourceVersion) {
    throw conflict(resource, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${current.metadata.resourceVersion}`);
  }
  const dryRun = params.dryRun || (opts.dryRun ?? []).includes('All');
  r.api.writer.delete([keyOf(current)], dryRun, opts.propagationPolicy === 'Orphan' || r.query.get('propagationPolicy') === 'Orphan');
  respondObject(r, 200, current);
}

async function deleteCollection(r: Request): Promise<void> {
  const params = writeParams(r);
  const opts = await deleteOptions(r);
  const resource = r.route.resource;
  if (!resource.info) throw methodNotAllowed(`${resource.plural} cannot be deleted`);
  const sel = selection(r);
  const victims = candidates(r).filter((o) => inScope(r, o) && matches(sel, o) && !(o.kind === 'Namespace' && PROTECTED_NAMESPACES.has(o.metadata.name)));
  r.api.writer.delete(victims.map(keyOf), params.dryRun, opts.propagationPolicy === 'Orphan' || r.query.get('propagationPolicy') === 'Orphan');
  sendJSON(r.res, 200, { kind: `${resource.kind}List`, apiVersion: apiVersionOfResource(resource), metadata: { resourceVersion: String(r.api.store.revision) }, items: victims.map((o) => present(r, o)) });
}

// ---- logs ----

export function containerOf(pod: Pod, requested: string | null): string {
  const names = [...(pod.spec.containers ?? []), ...((pod.spec.initContainers as { name: string }[] | undefined) ?? [])].map((c) => c.name);
  if (requested) {
    if (!names.includes(requested)) throw badRequest(`container ${requested} is not valid for pod ${pod.metadata.name}`);
    return requested;
  }
  const main = (pod.spec.containers ?? []).map((c) => c.name);
  const annotated = pod.metadata.annotations?.['kubectl.kubernetes.io/default-container'];
  if (annotated && main.includes(annotated)) return annotated;
  if (main.length === 1) return main[0];
  throw badRequest(`a container name must be specified for pod ${pod.metadata.name}, choose one of: [${main.join(' ')}]`);
}

/** The Status for exec/attach/logs while no dataplane runs the pod's containers. */
export function dataplaneDown(pod: KObject, what: string): StatusError {
  return new StatusError(
    503,
    'ServiceUnavailable',
    `podnet: cannot ${what} in pod ${pod.metadata.namespace}/${pod.metadata.name}: the podnet dataplane is not up, so no container runs (the API server simulates the control plane only)`,
    { name: pod.metadata.name, kind: 'pods' },
  );
}

async function logs(r: Request): Promise<void> {
  const pod = mustGet(r) as Pod;
  const q = r.query;
  const container = containerOf(pod, q.get('container'));
  const runtime = r.api.runtime();
  if (!runtime) throw dataplaneDown(pod, 'read logs');
  const num = (k: string): number | undefined => (q.get(k) === null ? undefined : Number(q.get(k)));
  const req: LogRequest = {
    pod,
    container,
    follow: q.get('follow') === 'true',
    tailLines: num('tailLines'),
    timestamps: q.get('timestamps') === 'true',
    previous: q.get('previous') === 'true',
    sinceSeconds: num('sinceSeconds'),
    limitBytes: num('limitBytes'),
  };
  const abort = new AbortController();
  const untrack = r.api.track(() => abort.abort());
  r.res.on('close', () => abort.abort());
  r.res.writeHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked' });
  r.res.flushHeaders();
  try {
    for await (const chunk of runtime.logs(req, abort.signal)) {
      if (abort.signal.aborted) break;
      r.res.write(chunk);
    }
  } finally {
    untrack();
    r.res.end();
  }
}

export { successStatus };
