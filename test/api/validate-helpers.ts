/**
 * Shared by the validation tests: decode a manifest text, prepare it as the apply pipeline does
 * (namespace default, defaulting), validate with the default cluster settings.
 */
import { decodeText, type DecodeResult } from '../../src/api/decode.ts';
import { defaultObject } from '../../src/api/defaults.ts';
import type { InputError } from '../../src/api/errors.ts';
import { validateObjects, type ValidationContext } from '../../src/api/validate.ts';

export const CTX: ValidationContext = { serviceCIDR: '10.96.0.0/12', nodePortRange: { base: 30000, size: 2768 } };

export function decode(text: string, file = 'm.yaml'): { result: DecodeResult; errors: InputError[] } {
  const result: DecodeResult = { objects: [], warnings: [] };
  const errors: InputError[] = [];
  decodeText(text, file, result, errors);
  return { result, errors };
}

/** Decode errors, or else validation errors of the prepared objects. */
export function validateText(text: string, ctx: ValidationContext = CTX): InputError[] {
  const { result, errors } = decode(text);
  if (errors.length) return errors;
  const prepared = result.objects.map((s) => {
    const obj = { ...s.object, metadata: { ...s.object.metadata } };
    if (s.info.namespaced && obj.metadata && typeof obj.metadata === 'object') obj.metadata.namespace ??= 'default';
    return { ...s, object: defaultObject(obj) };
  });
  return validateObjects(prepared, ctx);
}

/** `line: field: reason` per error — compact to compare in tests. */
export function brief(errors: readonly InputError[]): string[] {
  return errors.map((e) => `${e.line}: ${e.field ? `${e.field}: ` : ''}${e.reason}`);
}

/** Joins lines into a YAML document (keeps tests' line numbers readable). */
export function yaml(...lines: string[]): string {
  return lines.join('\n') + '\n';
}
