/**
 * Output helpers shared by commands: kubectl-style tables, JSON/YAML printing, and the usage error.
 */
import { stringify } from 'yaml';

/** Bad usage (unknown resource type, missing flag): exit code 2 with a one-line message. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A table as kubectl prints it: upper-case headers, columns separated by 3 spaces, no borders. */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('   ').trimEnd();
  return [line(headers), ...rows.map(line)].join('\n') + '\n';
}

export function printJSON(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function printYAML(value: unknown): void {
  process.stdout.write(stringify(value, { lineWidth: 0 }));
}

/** Validates an `-o` value against what the command supports. */
export function outputFormat<T extends string>(value: string | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!allowed.includes(value as T)) throw new UsageError(`unable to match a printer suitable for the output format "${value}", allowed formats are: ${allowed.join(',')}`);
  return value as T;
}

/** `-f` is repeatable: commander collects values with this. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
