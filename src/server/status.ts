/**
 * `kind: Status` errors as the API server returns them (k8s.io/apimachinery/pkg/api/errors): the
 * HTTP code, a machine-readable `reason`, and `details` that kubectl prints and decides on (client-side
 * apply creates when a GET answers NotFound; `wait` retries on Conflict).
 */
import type { InputError } from '../api/errors.ts';

export type StatusReason =
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Invalid'
  | 'Gone'
  | 'Expired'
  | 'MethodNotAllowed'
  | 'NotAcceptable'
  | 'UnsupportedMediaType'
  | 'RequestEntityTooLarge'
  | 'InternalError'
  | 'ServiceUnavailable';

export interface StatusCause {
  reason?: string;
  message: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never> | { resourceVersion?: string };
  status: 'Success' | 'Failure';
  message?: string;
  reason?: StatusReason | string;
  details?: StatusDetails;
  code: number;
}

/** A request that ends in a Status; thrown anywhere in a handler, rendered once by the server. */
export class StatusError extends Error {
  constructor(
    readonly code: number,
    readonly reason: StatusReason,
    message: string,
    readonly details?: StatusDetails,
  ) {
    super(message);
    this.name = 'StatusError';
  }

  toStatus(): Status {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      ...(this.details ? { details: this.details } : {}),
      code: this.code,
    };
  }
}

/** What errors name a resource by: the plural and the group (`deployments.apps "web" not found`). */
export interface ResourceRef {
  plural: string;
  group: string;
}

const qualified = (r: ResourceRef): string => (r.group ? `${r.plural}.${r.group}` : r.plural);

export function successStatus(details?: StatusDetails): Status {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', ...(details ? { details } : {}), code: 200 };
}

export const notFound = (r: ResourceRef, name: string): StatusError =>
  new StatusError(404, 'NotFound', `${qualified(r)} "${name}" not found`, { name, group: r.group, kind: r.plural });

export const alreadyExists = (r: ResourceRef, name: string): StatusError =>
  new StatusError(409, 'AlreadyExists', `${qualified(r)} "${name}" already exists`, { name, group: r.group, kind: r.plural });

/** The optimistic-concurrency failure every client retries on. */
export const conflict = (r: ResourceRef, name: string, detail = 'the object has been modified; please apply your changes to the latest version and try again'): StatusError =>
  new StatusError(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(r)} "${name}": ${detail}`, { name, group: r.group, kind: r.plural });

export const badRequest = (message: string, causes?: StatusCause[]): StatusError =>
  new StatusError(400, 'BadRequest', message, causes ? { causes } : undefined);

export const methodNotAllowed = (message: string): StatusError => new StatusError(405, 'MethodNotAllowed', message);

/** 410 on a watch or list from a resourceVersion older than the kept history. */
export const expired = (message: string): StatusError => new StatusError(410, 'Expired', message);

export const unsupportedMediaType = (contentType: string): StatusError =>
  new StatusError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/merge-patch+json, application/strategic-merge-patch+json, application/json-patch+json, application/apply-patch+yaml; got ${JSON.stringify(contentType)}`);

export const tooLarge = (limit: number): StatusError =>
  new StatusError(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${limit}`);

export const unauthorized = (): StatusError => new StatusError(401, 'Unauthorized', 'Unauthorized');

export const forbidden = (r: ResourceRef, name: string, detail: string): StatusError =>
  new StatusError(403, 'Forbidden', `${qualified(r)} "${name}" is forbidden: ${detail}`, { name, group: r.group, kind: r.plural });

/** The field.Error type of a reason text, as StatusCause.reason names it (FieldValueInvalid, …). */
export function causeType(reason: string): string {
  if (reason.startsWith('Required value')) return 'FieldValueRequired';
  if (reason.startsWith('Unsupported value')) return 'FieldValueNotSupported';
  if (reason.startsWith('Duplicate value')) return 'FieldValueDuplicate';
  if (reason.startsWith('Forbidden')) return 'FieldValueForbidden';
  if (reason.startsWith('Too many')) return 'FieldValueTooMany';
  if (reason.startsWith('Too long')) return 'FieldValueTooLong';
  if (reason.startsWith('Not found')) return 'FieldValueNotFound';
  return 'FieldValueInvalid';
}

/**
 * 422 Invalid with every field error, worded as NewInvalid does:
 * `Service "web" is invalid: spec.ports[0].port: Invalid value: 0: …` (several: `[a, b]`).
 */
export function invalid(kind: string, group: string, name: string, errors: readonly InputError[]): StatusError {
  const causes: StatusCause[] = errors.map((e) => ({ reason: causeType(e.reason), message: e.reason, ...(e.field ? { field: e.field } : {}) }));
  const texts = errors.map((e) => (e.field ? `${e.field}: ${e.reason}` : e.reason));
  const list = texts.length === 1 ? texts[0] : `[${texts.join(', ')}]`;
  return new StatusError(422, 'Invalid', `${kind} "${name}" is invalid: ${list}`, { name, group, kind, causes });
}

export function internalError(err: unknown): StatusError {
  const msg = err instanceof Error ? err.message : String(err);
  return new StatusError(500, 'InternalError', `Internal error occurred: ${msg}`, { causes: [{ message: msg }] });
}
