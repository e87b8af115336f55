/**
 * Network expectations as code: the contract of one check kind (`endpoints`, `reach`, `dns`, …).
 * A check kind is pure: it reads a ClusterView and answers passed/expected/actual.
 */
import type { ClusterView } from '../../cluster/view.ts';

export interface CheckOutcome {
  passed: boolean;
  /** What the expectation said, normalised (e.g. sorted) so it compares with `actual`. */
  expected: unknown;
  actual: unknown;
  /** One line a person reads when the check fails (or a note when it passes). */
  message: string;
}

/** The check's arguments or expectation are malformed: bad input (exit 2), not a failed check. */
export class CheckArgumentError extends Error {
  constructor(
    /** Path inside the check, e.g. `endpoints.service` or `expect`. */
    readonly field: string,
    reason: string,
  ) {
    super(reason);
    this.name = 'CheckArgumentError';
  }
}

export interface CheckKind {
  /** Evaluates `args` (the value under the check's kind key) against `expect`. */
  evaluate(view: ClusterView, args: unknown, expect: unknown): CheckOutcome;
}

/** `ns/name` → parts; a bare name means the `default` namespace, like kubectl. */
export function parseNamespacedName(text: unknown, field: string): { namespace: string; name: string } {
  if (typeof text !== 'string' || text === '') throw new CheckArgumentError(field, 'must be "namespace/name"');
  const parts = text.split('/');
  if (parts.length === 1) return { namespace: 'default', name: parts[0] };
  if (parts.length !== 2 || !parts[0] || !parts[1]) throw new CheckArgumentError(field, `must be "namespace/name", got ${JSON.stringify(text)}`);
  return { namespace: parts[0], name: parts[1] };
}

/** Order-insensitive equality of string lists (duplicates count). */
export function sameMultiset(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const x = [...a].sort();
  const y = [...b].sort();
  return x.every((v, i) => v === y[i]);
}
