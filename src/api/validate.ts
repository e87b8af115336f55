/**
 * Validation as the API server does it (pkg/apis/<group>/validation): every problem of every object, each
 * with file:line, object and field path. Runs on defaulted objects.
 *
 * Two passes per object, like the API server: strict decoding (types and unknown fields, see
 * validation/schema.ts), then the semantic rules of its kind. Semantic problems at or under a path that
 * already failed decoding are dropped, so one mistake is reported once.
 */
import type { SourcedObject } from './decode.ts';
import { formatFieldPath, type InputError } from './errors.ts';
import type { KObject } from './types.ts';
import type { ValidationContext } from './validation/context.ts';
import { validateEndpointSlice, validateEndpoints } from './validation/endpoints.ts';
import { validateGateway, validateGatewayClass, validateHTTPRoute, validateReferenceGrant } from './validation/gateway.ts';
import { validateIngress, validateIngressClass } from './validation/ingress.ts';
import { validateObjectMeta } from './validation/meta.ts';
import { validateNetworkPolicy } from './validation/networkpolicy.ts';
import { validateConfigMap, validateNode } from './validation/node.ts';
import { validatePod } from './validation/pod.ts';
import { isPrefix, Problems, type Problem } from './validation/problems.ts';
import { checkStructure } from './validation/schema.ts';
import { KIND_SCHEMAS } from './validation/schemas.ts';
import { validateConfigMapUpdate, validateSecret, validateSecretUpdate } from './validation/secret.ts';
import { validateService } from './validation/service.ts';
import { rec, str, type Rec } from './validation/values.ts';
import { validateWorkload } from './validation/workloads.ts';

export type { ValidationContext } from './validation/context.ts';

type KindValidator = (obj: Rec, p: Problems, ctx: ValidationContext) => void;

const VALIDATORS: Readonly<Record<string, KindValidator>> = {
  Namespace: () => {},
  Node: validateNode,
  Pod: validatePod,
  Service: (o, p, ctx) => validateService(o, ctx, p),
  Endpoints: validateEndpoints,
  ConfigMap: validateConfigMap,
  Secret: validateSecret,
  EndpointSlice: validateEndpointSlice,
  NetworkPolicy: validateNetworkPolicy,
  Ingress: validateIngress,
  IngressClass: validateIngressClass,
  GatewayClass: validateGatewayClass,
  Gateway: validateGateway,
  HTTPRoute: validateHTTPRoute,
  ReferenceGrant: validateReferenceGrant,
  Deployment: (o, p) => validateWorkload('Deployment', o, p),
  ReplicaSet: (o, p) => validateWorkload('ReplicaSet', o, p),
  StatefulSet: (o, p) => validateWorkload('StatefulSet', o, p),
  DaemonSet: (o, p) => validateWorkload('DaemonSet', o, p),
};

/** The rules that compare an update with the stored object (ValidateXUpdate), beyond validating the new one. */
const UPDATE_VALIDATORS: Readonly<Record<string, (next: Rec, prev: Rec, p: Problems) => void>> = {
  Secret: validateSecretUpdate,
  ConfigMap: validateConfigMapUpdate,
};

/** `Kind ns/name` or `Kind name`, as errors name an object. */
function describe(obj: Rec): string {
  const meta = rec(obj.metadata);
  const ns = str(meta?.namespace);
  return `${String(obj.kind)} ${ns ? `${ns}/` : ''}${str(meta?.name) ?? '<unnamed>'}`;
}

/** The problems of one object: structural first, then semantic ones not already covered. */
export function objectProblems(s: SourcedObject, ctx: ValidationContext): Problem[] {
  const obj = s.object as Rec;
  const structural = new Problems();
  const schema = KIND_SCHEMAS[s.info.kind];
  if (schema) checkStructure(obj, schema, [], structural);
  const semantic = new Problems();
  validateObjectMeta(obj, s.info, semantic);
  VALIDATORS[s.info.kind]?.(obj, semantic, ctx);
  const broken = structural.list.map((e) => e.path);
  return [...structural.list, ...semantic.list.filter((e) => !broken.some((b) => isPrefix(b, e.path)))];
}

export function validateObjects(objects: readonly SourcedObject[], ctx: ValidationContext): InputError[] {
  const errors: InputError[] = [];
  for (const s of objects) {
    const object = describe(s.object as Rec);
    for (const e of objectProblems(s, ctx)) {
      const error: InputError = { file: s.source.file, line: s.source.lineOf(e.at ?? e.path), object, reason: e.reason };
      if (e.path.length) error.field = formatFieldPath(e.path);
      errors.push(error);
    }
  }
  return errors;
}

/**
 * The update rules of objects that replace a stored one (`previous` returns the stored object of
 * the same key, or undefined for a create): an immutable Secret's data, a Secret's type. Run
 * after validateObjects, on defaulted objects.
 */
export function validateObjectUpdates(objects: readonly SourcedObject[], previous: (s: SourcedObject) => KObject | undefined): InputError[] {
  const errors: InputError[] = [];
  for (const s of objects) {
    const rule = UPDATE_VALIDATORS[s.info.kind] as ((next: Rec, prev: Rec, p: Problems) => void) | undefined;
    if (!rule) continue;
    const prev = previous(s);
    if (!prev || prev.kind !== s.object.kind) continue;
    const p = new Problems();
    rule(s.object as Rec, prev as unknown as Rec, p);
    for (const e of p.list) {
      const error: InputError = { file: s.source.file, line: s.source.lineOf(e.at ?? e.path), object: describe(s.object as Rec), reason: e.reason };
      if (e.path.length) error.field = formatFieldPath(e.path);
      errors.push(error);
    }
  }
  return errors;
}
