/**
 * Kubernetes protobuf request bodies (`application/vnd.kubernetes.protobuf`), as kubectl's typed
 * clients send them (`kubectl create configmap|secret|deployment|namespace|service|ingress`, `kubectl run`):
 * the 4-byte magic `k8s\0`, then a runtime.Unknown whose typeMeta names the kind and whose `raw`
 * holds the object's message. The object becomes the JSON object a JSON client would have sent for
 * the same Go value, so defaulting, validation, fieldValidation and dryRun see no difference.
 *
 * Go's generated marshallers write every non-pointer field, zero or not, and omit nil pointers. So
 * a zero scalar (or a zero Time / IntOrString) of a non-pointer field means "unset" and is left out,
 * as `omitempty` leaves it out of JSON; fields marked `(podnet.ptr)` keep their zero (`replicas: 0`).
 * Present sub-messages stay, even empty (`status: {}`), as Go's JSON writes them. A field number
 * the schema does not know is refused (415) rather than dropped.
 *
 * The wire format is protobufjs's (reflection from our .proto files in ./schema); the mapping to
 * JSON is ours because it follows Go's struct tags, which no generic protobuf→JSON mapping knows.
 */
import protobuf from 'protobufjs';
import { apiVersionOf, kindInfo } from '../../api/kinds.ts';
import { loadSchema } from './schema.ts';

/** The prefix of every Kubernetes protobuf payload. */
export const PROTOBUF_MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

/** Why a body could not be decoded: 400 for malformed bytes, 415 for what podnet's schema lacks. */
export class ProtobufDecodeError extends Error {
  constructor(
    message: string,
    readonly code: 400 | 415,
  ) {
    super(message);
  }
}

/** The proto package of each group/version whose kinds the schema holds (all but Gateway API: CRDs upstream). */
const PACKAGES: Readonly<Record<string, string>> = {
  v1: 'k8s.io.api.core.v1',
  'apps/v1': 'k8s.io.api.apps.v1',
  'networking.k8s.io/v1': 'k8s.io.api.networking.v1',
  'discovery.k8s.io/v1': 'k8s.io.api.discovery.v1',
};

/** The message of a served kind (`v1`, `Pod` → k8s.io.api.core.v1.Pod); undefined when the schema has none. */
export function messageTypeOf(apiVersion: string, kind: string): protobuf.Type | undefined {
  const info = kindInfo(kind);
  if (!info || apiVersionOf(info) !== apiVersion || !Object.hasOwn(PACKAGES, apiVersion)) return undefined;
  // A kind added to these groups before its message is in ./schema has no protobuf form yet.
  return (loadSchema().lookup(`${PACKAGES[apiVersion]}.${kind}`, protobuf.Type) as protobuf.Type | null) ?? undefined;
}

const META = '.k8s.io.apimachinery.pkg.apis.meta.v1';
const TIME = `${META}.Time`;
const FIELDS_V1 = `${META}.FieldsV1`;
const INT_OR_STRING = '.k8s.io.apimachinery.pkg.util.intstr.IntOrString';
const QUANTITY = '.k8s.io.apimachinery.pkg.api.resource.Quantity';

type Message = protobuf.Message & Record<string, unknown> & { $unknowns?: Uint8Array[] };

/** Decodes a protobuf body into the JSON object (apiVersion and kind first). */
export function decodeProtobufObject(body: Uint8Array): Record<string, unknown> {
  if (body.length < PROTOBUF_MAGIC.length || !PROTOBUF_MAGIC.equals(body.subarray(0, PROTOBUF_MAGIC.length))) {
    throw new ProtobufDecodeError(`provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]`, 400);
  }
  const root = loadSchema();
  const unknownType = root.lookupType('k8s.io.apimachinery.pkg.runtime.Unknown');
  const unknown = decodeMessage(unknownType, body.subarray(PROTOBUF_MAGIC.length));
  const envelope = toJSON(unknownType, unknown);
  if (envelope.contentEncoding) throw new ProtobufDecodeError(`protobuf content encoding ${JSON.stringify(envelope.contentEncoding)} is not supported`, 415);
  const typeMeta = (envelope.typeMeta ?? {}) as { apiVersion?: string; kind?: string };
  const apiVersion = typeMeta.apiVersion ?? '';
  const kind = typeMeta.kind ?? '';
  if (!kind) throw new ProtobufDecodeError(`Object 'Kind' is missing in the protobuf envelope`, 400);
  if (!apiVersion) throw new ProtobufDecodeError(`Object 'apiVersion' is missing in the protobuf envelope`, 400);
  // DeleteOptions travel in every group/version (kubectl drain deletes pods with a typed client).
  const type = kind === 'DeleteOptions' ? root.lookupType(`${META.slice(1)}.DeleteOptions`) : messageTypeOf(apiVersion, kind);
  if (!type) throw new ProtobufDecodeError(`podnet cannot decode ${apiVersion} ${kind} from protobuf; send it as application/json`, 415);
  const raw = (unknown.raw as Uint8Array | undefined) ?? new Uint8Array(); // the bytes as decoded (envelope.raw is their base64)
  return { apiVersion, kind, ...toJSON(type, decodeMessage(type, raw)) };
}

function decodeMessage(type: protobuf.Type, bytes: Uint8Array): Message {
  const reader = protobuf.Reader.create(bytes);
  reader.discardUnknown = false; // unknown fields land in $unknowns, so they can be refused
  try {
    return type.decode(reader) as Message;
  } catch (err) {
    throw new ProtobufDecodeError(`cannot decode the protobuf body as ${type.fullName.slice(1)}: ${(err as Error).message}`, 400);
  }
}

const WIRE_TYPES = ['varint', '64-bit', 'length-delimited', 'start-group', 'end-group', '32-bit'];

/** The first unknown field of a message, named by message, number and wire type. */
function unknownField(type: protobuf.Type, raw: Uint8Array): ProtobufDecodeError {
  const tag = protobuf.Reader.create(raw).uint32();
  const number = tag >>> 3;
  const wire = WIRE_TYPES[tag & 7] ?? `wire type ${tag & 7}`;
  const known = type.fieldsById[number];
  const what = known
    ? `field ${number} (${known.name}) arrived as ${wire}, which does not match its type ${known.map ? 'map' : known.type}`
    : `field ${number} (${wire}) is not in podnet's schema`;
  return new ProtobufDecodeError(`podnet cannot decode this protobuf body: ${type.fullName.slice(1)} ${what}; send the object as application/json`, 415);
}

const option = (f: protobuf.Field, name: string): unknown => f.options?.[`(podnet.${name})`];

function toJSON(type: protobuf.Type, m: Message): Record<string, unknown> {
  if (m.$unknowns?.length) throw unknownField(type, m.$unknowns[0]);
  const out: Record<string, unknown> = {};
  for (const f of type.fieldsArray) {
    if (!Object.prototype.hasOwnProperty.call(m, f.name)) continue;
    const v = m[f.name];
    const name = (option(f, 'json') as string | undefined) ?? f.name;
    if (f.map) {
      const entries = Object.entries(v as Record<string, unknown>);
      if (entries.length) out[name] = Object.fromEntries(entries.map(([k, x]) => [k, element(f, x)]));
    } else if (f.repeated) {
      const list = v as unknown[];
      if (list.length) out[name] = list.map((x) => element(f, x));
    } else {
      const j = single(f, v, option(f, 'ptr') === true);
      if (j === undefined) continue;
      if (option(f, 'inline') === true) Object.assign(out, j);
      else out[name] = j;
    }
  }
  return out;
}

/** A map value or list element: zeros are real values here (a label `a: ""`). */
function element(f: protobuf.Field, v: unknown): unknown {
  const t = f.resolvedType;
  if (t instanceof protobuf.Type) return messageJSON(t, v as Message, true);
  return scalar(f.type, v, true);
}

function single(f: protobuf.Field, v: unknown, keepZero: boolean): unknown {
  const t = f.resolvedType;
  if (t instanceof protobuf.Type) return messageJSON(t, v as Message, keepZero);
  return scalar(f.type, v, keepZero);
}

/** Messages with a JSON form of their own (Time, IntOrString, Quantity, FieldsV1); others recurse. */
function messageJSON(t: protobuf.Type, m: Message, keepZero: boolean): unknown {
  switch (t.fullName) {
    case TIME: {
      toJSON(t, m); // refuses unknown fields
      const seconds = toNumber(m.seconds ?? 0);
      if (seconds === 0 && !Object.prototype.hasOwnProperty.call(m, 'seconds')) return keepZero ? null : undefined; // the zero Time is written as an empty message
      const date = new Date(seconds * 1000);
      if (Number.isNaN(date.getTime())) throw new ProtobufDecodeError(`a Time of ${seconds} seconds is out of range`, 400);
      // Like upstream, only whole seconds are kept (JSON carries none).
      return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
    }
    case INT_OR_STRING: {
      toJSON(t, m);
      const isString = toNumber(m.type ?? 0) === 1;
      const value = isString ? String(m.strVal ?? '') : toNumber(m.intVal ?? 0);
      if (!keepZero && (value === '' || value === 0)) return undefined;
      return value;
    }
    case QUANTITY:
      toJSON(t, m);
      return String(m.string ?? '0');
    case FIELDS_V1: {
      toJSON(t, m);
      const raw = m.Raw as Uint8Array | undefined;
      if (!raw?.length) return keepZero ? {} : undefined;
      try {
        return JSON.parse(Buffer.from(raw).toString('utf8')) as unknown;
      } catch (err) {
        throw new ProtobufDecodeError(`fieldsV1 does not hold JSON: ${(err as Error).message}`, 400);
      }
    }
  }
  return toJSON(t, m);
}

function scalar(type: string, v: unknown, keepZero: boolean): unknown {
  let value: unknown = v;
  if (type === 'bytes') value = Buffer.from(v as Uint8Array).toString('base64');
  else if (typeof v === 'object' && v !== null) value = toNumber(v); // a Long (64-bit integers)
  if (!keepZero && (value === '' || value === 0 || value === false)) return undefined;
  return value;
}

function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'object' && v !== null && 'toNumber' in v) return (v as { toNumber(): number }).toNumber();
  return Number(v);
}
