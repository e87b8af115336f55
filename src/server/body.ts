/**
 * Request bodies: read with a size limit (the API server's 3 MiB), decoded by Content-Type. JSON is
 * parsed as JSON (duplicate keys are strict-decoding errors when the client asks for Strict); YAML
 * as YAML 1.1, the way kubectl reads manifests; Kubernetes protobuf (./protobuf) becomes the same JSON
 * object. Anything unreadable is a 400 Status, never a crash.
 */
import type { IncomingMessage } from 'node:http';
import { parseAllDocuments } from 'yaml';
import { contentTypeOf } from './media.ts';
import { decodeProtobufObject, ProtobufDecodeError } from './protobuf/index.ts';
import { badRequest, StatusError, tooLarge, unsupportedMediaType } from './status.ts';

/** kube-apiserver's maxRequestBodyBytes default. */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > limit) {
    req.resume();
    throw tooLarge(limit);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      req.resume();
      throw tooLarge(limit);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export type BodyFormat = 'json' | 'yaml' | 'protobuf';

/** What kubectl's typed clients (`kubectl create configmap`, `kubectl run`) send. */
export const PROTOBUF_MEDIA_TYPE = 'application/vnd.kubernetes.protobuf';

/** The patch type a PATCH Content-Type names. */
export type PatchType = 'merge' | 'strategic' | 'json' | 'apply';

export function patchTypeOf(contentType: string | undefined): PatchType {
  switch (contentTypeOf(contentType)) {
    case 'application/merge-patch+json':
      return 'merge';
    case 'application/strategic-merge-patch+json':
      return 'strategic';
    case 'application/json-patch+json':
      return 'json';
    case 'application/apply-patch+yaml':
    case 'application/apply-patch+cbor':
      if (contentTypeOf(contentType).endsWith('cbor')) break;
      return 'apply';
  }
  throw unsupportedMediaType(contentType ?? '');
}

/** The format of an object body (POST/PUT). */
export function bodyFormatOf(contentType: string | undefined): BodyFormat {
  const t = contentTypeOf(contentType);
  if (t === '' || t === 'application/json') return 'json';
  if (t === 'application/yaml') return 'yaml';
  if (t === PROTOBUF_MEDIA_TYPE) return 'protobuf';
  throw unsupportedMediaType(contentType ?? '');
}

export interface Decoded {
  value: unknown;
  /** Keys that appear twice in one mapping (`metadata.name`), for strict field validation. */
  duplicates: string[];
}

/** Parses a body; `checkDuplicates` reparses JSON to find duplicate keys (JSON.parse keeps the last). */
export function decodeBody(body: Buffer, format: BodyFormat, checkDuplicates: boolean): Decoded {
  if (format === 'protobuf') return { value: decodeProtobuf(body), duplicates: [] }; // protobuf has no duplicate keys
  const text = body.toString('utf8');
  if (!text.trim()) throw badRequest('the body of the request was empty');
  if (format === 'json') {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw badRequest(`couldn't get version/kind; json parse error: ${(err as Error).message}`);
    }
    return { value, duplicates: checkDuplicates ? duplicateKeys(text) : [] };
  }
  return decodeYAML(text);
}

function decodeProtobuf(body: Buffer): unknown {
  if (!body.length) throw badRequest('the body of the request was empty');
  try {
    return decodeProtobufObject(body);
  } catch (err) {
    if (!(err instanceof ProtobufDecodeError)) throw err;
    throw err.code === 415 ? new StatusError(415, 'UnsupportedMediaType', err.message) : badRequest(err.message);
  }
}

function decodeYAML(text: string): Decoded {
  const docs = parseAllDocuments(text, { version: '1.1', uniqueKeys: false, prettyErrors: false });
  const list = Array.isArray(docs) ? docs : [docs];
  const real = list.filter((d) => d.contents !== null);
  if (real.length !== 1) throw badRequest(real.length ? 'the body must hold exactly one YAML document' : 'the body of the request was empty');
  const doc = real[0];
  if (doc.errors.length) throw badRequest(`error converting YAML to JSON: yaml: ${doc.errors[0].message.split('\n')[0]}`);
  const dupDoc = parseAllDocuments(text, { version: '1.1', uniqueKeys: true, prettyErrors: false });
  const duplicates = (Array.isArray(dupDoc) ? dupDoc : [dupDoc]).flatMap((d) => duplicateMessages(text, d.errors));
  return { value: doc.toJS({ maxAliasCount: 1000 }), duplicates };
}

/** `duplicate field "name"`, naming the key found at the error's offset. */
function duplicateMessages(text: string, errors: readonly { code: string; pos: [number, number] }[]): string[] {
  return errors
    .filter((e) => e.code === 'DUPLICATE_KEY')
    .map((e) => {
      const rest = text.slice(e.pos[0]);
      const m = /^"((?:[^"\\]|\\.)*)"/.exec(rest) ?? /^'([^']*)'/.exec(rest) ?? /^([^:\s]+)/.exec(rest);
      return `duplicate field ${JSON.stringify(m ? m[1] : '?')}`;
    });
}

/** Duplicate keys of a JSON text, as `json: duplicate field "name"` messages. */
function duplicateKeys(text: string): string[] {
  const docs = parseAllDocuments(text, { version: '1.2', uniqueKeys: true, prettyErrors: false });
  const list = Array.isArray(docs) ? docs : [docs];
  return list.flatMap((d) => duplicateMessages(text, d.errors).map((m) => `json: ${m}`));
}
