/**
 * The error list one object's validation builds: field paths as segments (so the line of the field
 * can be found in the user's file) and reasons in the API server's words.
 */
import { reasons } from '../errors.ts';

export type Path = readonly (string | number)[];

export interface Problem {
  /** Field path as the API server names it. */
  path: Path;
  reason: string;
  /** Where to point in the file when that differs from `path` (e.g. the offending key of a map). */
  at?: Path;
}

export class Problems {
  readonly list: Problem[] = [];

  add(path: Path, reason: string, at?: Path): void {
    this.list.push(at ? { path, reason, at } : { path, reason });
  }

  invalid(path: Path, value: unknown, detail: string, at?: Path): void {
    this.add(path, reasons.invalid(value, detail), at);
  }

  /** One `Invalid value` per message, as the API server does for `for _, msg := range IsX(v)`. */
  invalidEach(path: Path, value: unknown, messages: readonly string[], at?: Path): void {
    for (const m of messages) this.invalid(path, value, m, at);
  }

  required(path: Path, detail?: string): void {
    this.add(path, reasons.required(detail));
  }

  unsupported(path: Path, value: unknown, supported: readonly string[]): void {
    this.add(path, reasons.unsupported(value, supported));
  }

  duplicate(path: Path, value: unknown): void {
    this.add(path, reasons.duplicate(value));
  }

  forbidden(path: Path, detail: string): void {
    this.add(path, reasons.forbidden(detail));
  }

  tooMany(path: Path, actual: number, max: number): void {
    this.add(path, reasons.tooMany(actual, max));
  }
}

/** True when `prefix` is `path` or one of its ancestors. */
export function isPrefix(prefix: Path, path: Path): boolean {
  return prefix.length <= path.length && prefix.every((seg, i) => seg === path[i]);
}
