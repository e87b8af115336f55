/**
 * Input errors in the shape the API server reports them (field path + reason), plus where in the
 * user's files the offending object or field is, so every error reads `file:line: Kind ns/name: field: reason`.
 */

export interface InputError {
  file?: string;
  line?: number;
  /** `Kind namespace/name` (or `Kind name`) of the object, when known. */
  object?: string;
  /** Field path as the API server prints it: `spec.ports[0].port`. */
  field?: string;
  reason: string;
}

export function formatInputError(e: InputError): string {
  const where = e.file ? `${e.file}${e.line ? `:${e.line}` : ''}: ` : '';
  const obj = e.object ? `${e.object}: ` : '';
  const field = e.field ? `${e.field}: ` : '';
  return `${where}${obj}${field}${e.reason}`;
}

/** Thrown when input is rejected; carries every error found, never just the first. */
export class InvalidInputError extends Error {
  constructor(readonly errors: InputError[]) {
    super(errors.map(formatInputError).join('\n'));
    this.name = 'InvalidInputError';
  }
}

/** Field path segments → `spec.ports[0].port`. */
export function formatFieldPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

// The API server's field.Error vocabulary (k8s.io/apimachinery/pkg/util/validation/field).
export const reasons = {
  invalid: (value: unknown, detail: string) => `Invalid value: ${JSON.stringify(value)}: ${detail}`,
  required: (detail?: string) => (detail ? `Required value: ${detail}` : 'Required value'),
  unsupported: (value: unknown, supported: readonly string[]) =>
    `Unsupported value: ${JSON.stringify(value)}: supported values: ${supported.map((s) => `"${s}"`).join(', ')}`,
  duplicate: (value: unknown) => `Duplicate value: ${JSON.stringify(value)}`,
  forbidden: (detail: string) => `Forbidden: ${detail}`,
  tooMany: (actual: number, max: number) => `Too many: ${actual}: must have at most ${max} items`,
};
