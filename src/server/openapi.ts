/**
 * OpenAPI v3 (`/openapi/v3` index and one document per group/version), generated from the
 * served-resource table. kubectl reads it to learn that the server validates fields itself: for
 * `apply`/`create` it looks up the PATCH operation of the object's GroupVersionKind and checks for a
 * `fieldValidation` query parameter; then it sends `fieldValidation=Strict` instead of validating
 * client-side.
 *
 * Built-in kinds have full component schemas (openapi-schemas.ts) with `x-kubernetes-group-version-kind`,
 * for `kubectl explain`, and the patch-merge-keys kubectl's client-side apply computes strategic merge
 * patches from. Kinds without such a schema (Gateway API: CRDs upstream) get a stub without GVK, so
 * kubectl falls back to its own handling (merge patches for kinds it does not compile in).
 */
import { createHash } from 'node:crypto';
import { KUBE_VERSION } from './discovery.ts';
import { kindSchemas, schemaNameOf } from './openapi-schemas.ts';
import { messageTypeOf } from './protobuf/index.ts';
import { groupVersions, resourcesOf, type ServedResource } from './resources.ts';

type Doc = Record<string, unknown>;

const param = (name: string, description: string, inQuery = true): Doc => ({ name, in: inQuery ? 'query' : 'path', description, schema: { type: inQuery && name === 'force' ? 'boolean' : 'string', uniqueItems: true }, ...(inQuery ? {} : { required: true }) });

const DRY_RUN = param('dryRun', 'When present, indicates that modifications should not be persisted. Valid values: All.');
const FIELD_MANAGER = param('fieldManager', 'fieldManager is a name associated with the actor or entity that is making these changes.');
const FIELD_VALIDATION = param('fieldValidation', 'fieldValidation instructs the server on how to handle objects in the request containing unknown or duplicate fields. Valid values: Ignore, Warn (default), Strict.');
const FORCE = param('force', 'Force is going to "force" Apply requests. It means user will re-acquire conflicting fields owned by other people.');
const PRETTY = param('pretty', "If 'true', then the output is pretty printed.");
const LIST_PARAMS = ['allowWatchBookmarks', 'continue', 'fieldSelector', 'labelSelector', 'limit', 'resourceVersion', 'resourceVersionMatch', 'sendInitialEvents', 'timeoutSeconds', 'watch'].map((n) => param(n, n));

function schemaName(r: ServedResource): string {
  const type = messageTypeOf(r.group ? `${r.group}/${r.version}` : r.version, r.kind);
  if (type) return schemaNameOf(type);
  const group = r.group === '' ? 'core' : r.group.split('.')[0];
  return `io.podnet.${group}.${r.version}.${r.kind}`;
}

const ref = (r: ServedResource): Doc => ({ $ref: `#/components/schemas/${schemaName(r)}` });

function op(r: ServedResource, action: string, verb: string, parameters: Doc[], opts: { body?: string[]; list?: boolean } = {}): Doc {
  const gvk = { group: r.group, version: r.version, kind: r.kind };
  const schema = opts.list ? { type: 'object', properties: { items: { type: 'array', items: ref(r) } } } : ref(r);
  return {
    description: `${verb} ${r.kind}`,
    operationId: `${verb}${r.namespaced ? 'Namespaced' : ''}${r.kind}${opts.list ? 'List' : ''}`,
    parameters,
    ...(opts.body ? { requestBody: { content: Object.fromEntries(opts.body.map((t) => [t, { schema: t.includes('patch') ? { type: 'object' } : ref(r) }])), required: true } } : {}),
    responses: { '200': { description: 'OK', content: { 'application/json': { schema } } }, '401': { description: 'Unauthorized' } },
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': gvk,
  };
}

const PATCH_TYPES = ['application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json'];

function pathsOf(r: ServedResource, prefix: string): Record<string, Doc> {
  const paths: Record<string, Doc> = {};
  const collection = r.namespaced ? `${prefix}/namespaces/{namespace}/${r.plural}` : `${prefix}/${r.plural}`;
  const nsParam = r.namespaced ? [param('namespace', 'object name and auth scope, such as for teams and projects', false)] : [];
  const nameParam = param('name', `name of the ${r.kind}`, false);
  const writable = r.verbs.includes('create');
  paths[collection] = {
    parameters: [...nsParam, PRETTY],
    get: op(r, 'list', 'list', LIST_PARAMS, { list: true }),
    ...(writable ? { post: op(r, 'post', 'create', [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION], { body: ['application/json', 'application/yaml'] }) } : {}),
    ...(writable ? { delete: op(r, 'deletecollection', 'deleteCollection', [DRY_RUN, ...LIST_PARAMS]) } : {}),
  };
  paths[`${collection}/{name}`] = {
    parameters: [nameParam, ...nsParam, PRETTY],
    get: op(r, 'get', 'read', []),
    ...(writable
      ? {
          put: op(r, 'put', 'replace', [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION], { body: ['application/json', 'application/yaml'] }),
          patch: op(r, 'patch', 'patch', [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION, FORCE], { body: PATCH_TYPES }),
          delete: op(r, 'delete', 'delete', [DRY_RUN, param('gracePeriodSeconds', 'grace period'), param('propagationPolicy', 'propagation policy')]),
        }
      : {}),
  };
  if (r.namespaced) paths[`${prefix}/${r.plural}`] = { parameters: [PRETTY], get: op(r, 'list', 'list', LIST_PARAMS, { list: true }) };
  for (const s of r.subresources) {
    if (s.name !== 'status' && s.name !== 'scale') continue;
    paths[`${collection}/{name}/${s.name}`] = {
      parameters: [nameParam, ...nsParam, PRETTY],
      get: op(r, 'get', `read${s.name}`, []),
      put: op(r, 'put', `replace${s.name}`, [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION], { body: ['application/json'] }),
      patch: op(r, 'patch', `patch${s.name}`, [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION, FORCE], { body: PATCH_TYPES }),
    };
  }
  return paths;
}

function schemaOf(r: ServedResource): Doc {
  return {
    description: `${r.kind} (${r.group || 'core'}/${r.version}), as podnet serves it; fields follow the Kubernetes API reference.`,
    type: 'object',
    properties: {
      apiVersion: { type: 'string', description: 'APIVersion defines the versioned schema of this representation of an object.' },
      kind: { type: 'string', description: 'Kind is a string value representing the REST resource this object represents.' },
      metadata: { type: 'object', description: "Standard object's metadata." },
    },
  };
}

function prefixOf(group: string, version: string): string {
  return group ? `/apis/${group}/${version}` : `/api/${version}`;
}

const docs = new Map<string, { body: string; hash: string }>();

/** The per-group/version document as JSON text, and its hash (for `?hash=` and caching). */
export function openapiGroupVersion(group: string, version: string): { body: string; hash: string } | undefined {
  const id = `${group}/${version}`;
  const cached = docs.get(id);
  if (cached) return cached;
  const served = resourcesOf(group, version);
  if (!served.length) return undefined;
  const paths: Record<string, Doc> = {};
  const schemas: Record<string, Doc> = {};
  for (const r of served) {
    Object.assign(paths, pathsOf(r, prefixOf(group, version)));
    const stub = schemaOf(r);
    const full = kindSchemas(r.group, r.version, r.kind, String(stub.description));
    if (full) Object.assign(schemas, full.schemas);
    else schemas[schemaName(r)] = stub;
  }
  const doc = {
    openapi: '3.0.0',
    info: { title: 'Kubernetes (podnet)', version: KUBE_VERSION.gitVersion },
    paths,
    components: { schemas },
  };
  const body = JSON.stringify(doc);
  const hash = createHash('sha512').update(body).digest('hex').toUpperCase();
  const entry = { body, hash };
  docs.set(id, entry);
  return entry;
}

/** `/openapi/v3`: where each group/version document lives (with its hash, so clients can cache). */
export function openapiIndex(): Doc {
  const paths: Record<string, Doc> = {};
  for (const { group, version } of groupVersions()) {
    const doc = openapiGroupVersion(group, version);
    if (!doc) continue;
    const key = prefixOf(group, version).slice(1);
    paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${doc.hash}` };
  }
  return { paths };
}

// ---- OpenAPI v2 ----

function protoString(field: number, s: string): Buffer {
  const b = Buffer.from(s);
  return Buffer.concat([Buffer.from([(field << 3) | 2]), varint(b.length), b]);
}

function protoMessage(field: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([(field << 3) | 2]), varint(body.length), body]);
}

function varint(n: number): Buffer {
  const out: number[] = [];
  let v = n;
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return Buffer.from(out);
}

/** The media type kubectl asks /openapi/v2 for (it accepts nothing else). */
export const OPENAPI_V2_PROTOBUF = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

/**
 * `/openapi/v2`: a valid document without definitions (gnostic openapi_v2.Document: swagger = 1,
 * info = 2 {title = 1, version = 2}). kubectl falls back to it when a kind has no v3 path (a kind
 * podnet does not serve): with no schema it skips client-side validation and reports the real
 * problem, `no matches for kind "X"`, instead of "failed to download openapi".
 */
export function openapiV2(protobuf: boolean): { body: Buffer; contentType: string } {
  if (protobuf) {
    const info = Buffer.concat([protoString(1, 'Kubernetes (podnet)'), protoString(2, KUBE_VERSION.gitVersion)]);
    return { body: Buffer.concat([protoString(1, '2.0'), protoMessage(2, info)]), contentType: OPENAPI_V2_PROTOBUF };
  }
  const doc = { swagger: '2.0', info: { title: 'Kubernetes (podnet)', version: KUBE_VERSION.gitVersion }, paths: {}, definitions: {} };
  return { body: Buffer.from(JSON.stringify(doc)), contentType: 'application/json' };
}
