/**
 * OpenAPI v3 component schemas of the built-in kinds, generated from the protobuf schema
 * (./protobuf/schema: upstream's fields with their JSON names, embedded structs and strategic merge
 * patch tags). Named as upstream names them (`io.k8s.api.core.v1.Container`), with the kind's
 * schema carrying `x-kubernetes-group-version-kind`, which is what `kubectl explain` looks for.
 *
 * kubectl's client-side apply finds the same schema and computes its strategic merge patch from
 * `x-kubernetes-patch-merge-key` / `x-kubernetes-patch-strategy`; these come from the same Go
 * struct tags as kubectl's compiled-in types, so the patches are the ones it would compute without
 * OpenAPI. Every field is listed (an apply warns about a field missing from the schema);
 * descriptions come from openapi-descriptions.ts.
 */
import protobuf from 'protobufjs';
import { DESCRIPTIONS } from './openapi-descriptions.ts';
import { messageTypeOf } from './protobuf/index.ts';

type Doc = Record<string, unknown>;

const META = 'k8s.io.apimachinery.pkg.apis.meta.v1';

/** Messages whose JSON form is a scalar (their Go types marshal themselves). */
const SPECIAL: Readonly<Record<string, Doc>> = {
  [`${META}.Time`]: { type: 'string', format: 'date-time', description: 'A timestamp in RFC 3339 form, in whole seconds (2024-01-02T03:04:05Z).' },
  [`${META}.MicroTime`]: { type: 'string', format: 'date-time', description: 'A timestamp in RFC 3339 form with microseconds.' },
  [`${META}.FieldsV1`]: { type: 'object', description: 'The set of fields a manager owns, in the fieldsV1 format.' },
  // oneOf without a type, as upstream: explain names these <IntOrString> / <Quantity>.
  'k8s.io.apimachinery.pkg.util.intstr.IntOrString': {
    oneOf: [{ type: 'integer' }, { type: 'string' }],
    format: 'int-or-string',
    'x-kubernetes-int-or-string': true,
    description: 'A number or a string (a port number or name, an absolute number or a percentage).',
  },
  'k8s.io.apimachinery.pkg.api.resource.Quantity': { oneOf: [{ type: 'string' }, { type: 'number' }], description: 'A resource quantity: a number with an optional suffix (500m, 1Gi).' },
};

const SCALARS: Readonly<Record<string, Doc>> = {
  string: { type: 'string' },
  bytes: { type: 'string', format: 'byte' },
  bool: { type: 'boolean' },
  int32: { type: 'integer', format: 'int32' },
  int64: { type: 'integer', format: 'int64' },
  double: { type: 'number', format: 'double' },
  float: { type: 'number', format: 'float' },
};

/** Upstream's schema name: the Go package path with the domain reversed (k8s.io.api.core.v1.Pod → io.k8s.api.core.v1.Pod). */
export const schemaNameOf = (t: protobuf.Type): string => t.fullName.replace(/^\.k8s\.io\./, 'io.k8s.');
const nameOf = schemaNameOf;
const refTo = (t: protobuf.Type): Doc => ({ $ref: `#/components/schemas/${nameOf(t)}` });
const option = (f: protobuf.Field, name: string): unknown => f.options?.[`(podnet.${name})`];

/** Adds the schemas of `type` and every message it reaches to `out`. */
function addMessage(type: protobuf.Type, out: Record<string, Doc>): void {
  const name = nameOf(type);
  if (out[name]) return;
  const special = SPECIAL[type.fullName.slice(1)];
  if (special) {
    out[name] = special;
    return;
  }
  out[name] = {}; // reserve: messages refer to each other in cycles (JSONSchemaProps-like trees)
  const description = DESCRIPTIONS[type.name];
  out[name] = { type: 'object', ...(description ? { description } : {}), properties: properties(type, out) };
}

function properties(type: protobuf.Type, out: Record<string, Doc>): Record<string, Doc> {
  const props: Record<string, Doc> = {};
  for (const f of type.fieldsArray) {
    const t = f.resolvedType;
    if (option(f, 'inline') === true && t instanceof protobuf.Type) {
      Object.assign(props, properties(t, out)); // embedded Go struct: its fields are the parent's
      continue;
    }
    const value = t instanceof protobuf.Type ? (addMessage(t, out), { allOf: [refTo(t)] }) : SCALARS[f.type] ?? { type: 'string' };
    const schema: Doc = f.map ? { type: 'object', additionalProperties: value } : f.repeated ? { type: 'array', items: value } : { ...value };
    const jsonName = (option(f, 'json') as string | undefined) ?? f.name;
    const description = DESCRIPTIONS[`${type.name}.${jsonName}`];
    if (description) schema.description = description;
    const mergeKey = option(f, 'patch_merge_key');
    const strategy = option(f, 'patch_strategy');
    if (typeof mergeKey === 'string') schema['x-kubernetes-patch-merge-key'] = mergeKey;
    if (typeof strategy === 'string') schema['x-kubernetes-patch-strategy'] = strategy;
    props[jsonName] = schema;
  }
  return props;
}

/**
 * The component schemas for a kind (its own, with GVK, and all it reaches), or undefined for kinds
 * the protobuf schema does not hold (Gateway API kinds: CRDs upstream).
 */
export function kindSchemas(group: string, version: string, kind: string, description: string): { name: string; schemas: Record<string, Doc> } | undefined {
  const type = messageTypeOf(group ? `${group}/${version}` : version, kind);
  if (!type) return undefined;
  const schemas: Record<string, Doc> = {};
  addMessage(type, schemas);
  const name = nameOf(type);
  const own = schemas[name] as { properties: Record<string, Doc> };
  schemas[name] = {
    type: 'object',
    description: DESCRIPTIONS[kind] ?? description,
    properties: {
      apiVersion: { type: 'string', description: 'The versioned schema of this representation of an object.' },
      kind: { type: 'string', description: 'The REST resource this object represents.' },
      ...own.properties,
    },
    'x-kubernetes-group-version-kind': [{ group, version, kind }],
  };
  return { name, schemas };
}
