/**
 * Secret validation (pkg/apis/core/validation ValidateSecret, ValidateSecretUpdate): data keys are config
 * keys, values base64 (the JSON decoding of `[]byte`), at most 1 MiB of decoded data in all, and the
 * keys each well-known type requires. Runs on defaulted objects, where stringData is already merged
 * into data (as upstream validates after conversion, so errors name `data[key]`).
 */
import { decodeBase64 } from '../base64.ts';
import { SECRET_TYPES, TLS_CERT_KEY, TLS_PRIVATE_KEY_KEY } from '../types.ts';
import { configMapKeyErrors } from './formats.ts';
import type { Path, Problems } from './problems.ts';
import { bool, rec, str, type Rec } from './values.ts';

/** core/v1 MaxSecretSize. */
export const MAX_SECRET_SIZE = 1024 * 1024;

const DOCKERCFG_KEY = '.dockercfg';
const DOCKER_CONFIG_JSON_KEY = '.dockerconfigjson';
const SERVICE_ACCOUNT_NAME_KEY = 'kubernetes.io/service-account.name';
const REDACTED = '<secret contents redacted>';

/** The decoded bytes of each data value that is valid base64 (invalid ones are reported). */
function decodedData(obj: Rec, p: Problems): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  for (const [key, value] of Object.entries(rec(obj.data) ?? {})) {
    if (typeof value !== 'string') continue; // the structural pass reports it
    const r = decodeBase64(value);
    if (r.ok) out.set(key, r.bytes);
    else p.add(['data', key], `illegal base64 data at input byte ${r.offset}`);
  }
  return out;
}

/** What Go's json.Unmarshal into map[string]interface{} says about `bytes`, or undefined when it parses. */
function jsonObjectError(bytes: Uint8Array): string | undefined {
  const text = new TextDecoder().decode(bytes);
  if (text.trim() === '') return 'unexpected end of JSON input';
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return `invalid JSON: ${(err as Error).message}`;
  }
  if (value === null || (typeof value === 'object' && !Array.isArray(value))) return undefined;
  const kind = Array.isArray(value) ? 'array' : typeof value === 'boolean' ? 'bool' : typeof value;
  return `json: cannot unmarshal ${kind} into Go value of type map[string]interface {}`;
}

export function validateSecret(obj: Rec, p: Problems): void {
  const data = decodedData(obj, p);
  const keys = Object.keys(rec(obj.data) ?? {});
  let total = 0;
  for (const key of keys) {
    p.invalidEach(['data', key], key, configMapKeyErrors(key));
    total += data.get(key)?.length ?? 0;
  }
  if (total > MAX_SECRET_SIZE) p.add(['data'], `Too long: may not be more than ${MAX_SECRET_SIZE} bytes`);

  const has = (key: string): boolean => keys.includes(key);
  const dataKey = (key: string): Path => ['data', key];
  switch (str(obj.type) ?? '') {
    case SECRET_TYPES.serviceAccountToken: {
      const annotations = rec(rec(obj.metadata)?.annotations);
      if (!str(annotations?.[SERVICE_ACCOUNT_NAME_KEY])) p.required(['metadata', 'annotations', SERVICE_ACCOUNT_NAME_KEY]);
      break;
    }
    case SECRET_TYPES.dockercfg:
    case SECRET_TYPES.dockerConfigJson: {
      const key = obj.type === SECRET_TYPES.dockercfg ? DOCKERCFG_KEY : DOCKER_CONFIG_JSON_KEY;
      if (!has(key)) {
        p.required(dataKey(key));
        break;
      }
      const bytes = data.get(key);
      const err = bytes && jsonObjectError(bytes);
      if (err) p.invalid(dataKey(key), REDACTED, err);
      break;
    }
    case SECRET_TYPES.basicAuth:
      // Either may be empty, but one of them must be present.
      if (!has('username') && !has('password')) {
        p.required(dataKey('username'));
        p.required(dataKey('password'));
      }
      break;
    case SECRET_TYPES.sshAuth: {
      // Required non-empty (a value that is not base64 is already reported).
      const undecodable = has('ssh-privatekey') && !data.has('ssh-privatekey');
      if (!data.get('ssh-privatekey')?.length && !undecodable) p.required(dataKey('ssh-privatekey'));
      break;
    }
    case SECRET_TYPES.tls:
      if (!has(TLS_CERT_KEY)) p.required(dataKey(TLS_CERT_KEY));
      if (!has(TLS_PRIVATE_KEY_KEY)) p.required(dataKey(TLS_PRIVATE_KEY_KEY));
      break;
    default:
  }
}

function sameMap(a: unknown, b: unknown): boolean {
  const x = rec(a) ?? {};
  const y = rec(b) ?? {};
  const kx = Object.keys(x);
  return kx.length === Object.keys(y).length && kx.every((k) => k in y && x[k] === y[k]);
}

const IMMUTABLE_WHEN_SET = 'field is immutable when `immutable` is set';

/** The `immutable: true` rule shared by Secret and ConfigMap updates. */
function validateImmutableData(next: Rec, prev: Rec, fields: readonly string[], p: Problems): void {
  if (bool(prev.immutable) !== true) return;
  if (bool(next.immutable) !== true) p.forbidden(['immutable'], IMMUTABLE_WHEN_SET);
  for (const f of fields) if (!sameMap(next[f], prev[f])) p.forbidden([f], IMMUTABLE_WHEN_SET);
}

/** ValidateSecretUpdate's own rules (the object itself is validated by validateSecret). */
export function validateSecretUpdate(next: Rec, prev: Rec, p: Problems): void {
  const type = str(next.type) || str(prev.type) || '';
  const old = str(prev.type) ?? '';
  if (type !== old) p.invalid(['type'], type, 'field is immutable');
  validateImmutableData(next, prev, ['data'], p);
}

/** ValidateConfigMapUpdate's own rules. */
export function validateConfigMapUpdate(next: Rec, prev: Rec, p: Problems): void {
  validateImmutableData(next, prev, ['data', 'binaryData'], p);
}
