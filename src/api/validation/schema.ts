/**
 * A small structural schema language and its checker: the strict decoding `kubectl --validate=strict`
 * and the API server do before any semantic validation (wrong JSON types, unknown fields).
 * `null` is accepted everywhere, as Go's JSON decoding treats it as "unset".
 */
import { formatFieldPath, reasons } from '../errors.ts';
import type { Path, Problems } from './problems.ts';

export type Schema =
  | { type: 'string' | 'integer' | 'number' | 'boolean' | 'any' | 'intOrString' }
  | { type: 'list'; items: Schema }
  | { type: 'map'; values: Schema }
  | { type: 'object'; fields: Readonly<Record<string, Schema>> };

export const str: Schema = { type: 'string' };
export const int: Schema = { type: 'integer' };
export const bool: Schema = { type: 'boolean' };
export const any: Schema = { type: 'any' };
export const intOrString: Schema = { type: 'intOrString' };
/** Resource quantities (`cpu: 100m` or `cpu: 1`). */
export const quantity: Schema = intOrString;
export const listOf = (items: Schema): Schema => ({ type: 'list', items });
export const mapOf = (values: Schema): Schema => ({ type: 'map', values });
export const strings: Schema = listOf(str);
export const stringMap: Schema = mapOf(str);

/** A closed object: every field typed, anything else is an unknown field. */
export function obj(fields: Record<string, Schema>): Schema {
  return { type: 'object', fields };
}

/**
 * A closed object whose field names are all known but whose content podnet does not interpret
 * (`names`), plus typed fields for what networking reads (`typed`).
 */
export function known(names: readonly string[], typed: Record<string, Schema> = {}): Schema {
  const fields: Record<string, Schema> = {};
  for (const n of names) fields[n] = any;
  return obj({ ...fields, ...typed });
}

function jsonType(v: unknown): string {
  if (Array.isArray(v)) return 'list';
  if (typeof v === 'object') return 'map';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function shown(v: unknown): unknown {
  if (Array.isArray(v)) return 'array';
  if (v !== null && typeof v === 'object') return 'object';
  return v;
}

function wrongType(problems: Problems, path: Path, v: unknown, expected: string): void {
  problems.add(path, reasons.invalid(shown(v), `expected ${expected}, got ${jsonType(v)}`));
}

/** Checks `value` against `schema`, adding a problem for every type mismatch and unknown field. */
export function checkStructure(value: unknown, schema: Schema, path: Path, problems: Problems): void {
  if (value === null || value === undefined || schema.type === 'any') return;
  switch (schema.type) {
    case 'string':
      if (typeof value !== 'string') wrongType(problems, path, value, 'string');
      return;
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value)) wrongType(problems, path, value, 'integer');
      return;
    case 'number':
      if (typeof value !== 'number') wrongType(problems, path, value, 'number');
      return;
    case 'boolean':
      if (typeof value !== 'boolean') wrongType(problems, path, value, 'boolean');
      return;
    case 'intOrString':
      if (typeof value !== 'string' && !(typeof value === 'number' && Number.isInteger(value))) wrongType(problems, path, value, 'integer or string');
      return;
    case 'list':
      if (!Array.isArray(value)) return wrongType(problems, path, value, 'list');
      value.forEach((item, i) => checkStructure(item, schema.items, [...path, i], problems));
      return;
    case 'map':
      if (typeof value !== 'object' || Array.isArray(value)) return wrongType(problems, path, value, 'map');
      for (const [k, v] of Object.entries(value)) checkStructure(v, schema.values, [...path, k], problems);
      return;
    case 'object':
      if (typeof value !== 'object' || Array.isArray(value)) return wrongType(problems, path, value, 'map');
      for (const [k, v] of Object.entries(value)) {
        const field = schema.fields[k];
        if (field) checkStructure(v, field, [...path, k], problems);
        else problems.add([...path, k], `unknown field ${JSON.stringify(formatFieldPath([...path, k]))}`);
      }
      return;
  }
}
