/**
 * Expectations files (`apiVersion: podnet/v1alpha1`, `kind: Expectations`, `checks: [...]`) and their
 * evaluation. Each check is one key naming its kind, plus `expect` and an optional `name`.
 */
import { LineCounter, parseDocument, isMap, isSeq, type Node as YamlNode } from 'yaml';
import { InvalidInputError, type InputError } from '../../api/errors.ts';
import type { ClusterView } from '../../cluster/view.ts';
import { CheckArgumentError } from './check.ts';
import { CHECK_KINDS } from './kinds.ts';

export interface Check {
  index: number;
  kind: string;
  name?: string;
  args: unknown;
  expect: unknown;
  line: number;
}

export interface CheckResult {
  index: number;
  name?: string;
  kind: string;
  passed: boolean;
  expected: unknown;
  actual: unknown;
  message: string;
}

export interface VerifyReport {
  summary: { passed: number; failed: number };
  results: CheckResult[];
}

/** Parses an Expectations document; throws InvalidInputError listing every structural problem. */
export function parseExpectations(text: string, file: string): Check[] {
  const lc = new LineCounter();
  const doc = parseDocument(text, { version: '1.1', lineCounter: lc, uniqueKeys: true });
  const lineOf = (node: unknown): number => lc.linePos((node as YamlNode | undefined)?.range?.[0] ?? 0).line;
  if (doc.errors.length) throw new InvalidInputError(doc.errors.map((e) => ({ file, line: lc.linePos(e.pos[0]).line, reason: `invalid YAML: ${e.message.split('\n')[0]}` })));
  const errors: InputError[] = [];
  const raw = doc.toJS() as Record<string, unknown> | null;
  if (!raw || typeof raw !== 'object' || !isMap(doc.contents)) throw new InvalidInputError([{ file, line: 1, reason: 'an Expectations file must be a mapping' }]);
  if (raw.apiVersion !== 'podnet/v1alpha1') errors.push({ file, line: lineOf(doc.get('apiVersion', true)), field: 'apiVersion', reason: `Unsupported value: ${JSON.stringify(raw.apiVersion)}: supported values: "podnet/v1alpha1"` });
  if (raw.kind !== 'Expectations') errors.push({ file, line: lineOf(doc.get('kind', true)), field: 'kind', reason: `Unsupported value: ${JSON.stringify(raw.kind)}: supported values: "Expectations"` });
  for (const k of Object.keys(raw)) if (!['apiVersion', 'kind', 'metadata', 'checks'].includes(k)) errors.push({ file, line: lineOf(doc.get(k, true)), field: k, reason: 'unknown field' });
  const checksNode = doc.get('checks', true);
  const checks: Check[] = [];
  if (!Array.isArray(raw.checks) || !isSeq(checksNode)) {
    errors.push({ file, line: lineOf(checksNode ?? doc.contents), field: 'checks', reason: 'Required value: a list of checks' });
  } else {
    raw.checks.forEach((c: unknown, index: number) => {
      const line = lineOf(checksNode.items[index]);
      const field = `checks[${index}]`;
      if (!c || typeof c !== 'object' || Array.isArray(c)) {
        errors.push({ file, line, field, reason: 'must be a mapping: {<kind>: {...}, expect: ...}' });
        return;
      }
      const { expect, name, ...rest } = c as Record<string, unknown>;
      const kinds = Object.keys(rest);
      if (kinds.length !== 1) {
        errors.push({ file, line, field, reason: kinds.length ? `exactly one check kind per check, found ${kinds.join(', ')}` : 'no check kind (e.g. endpoints, reach, dns)' });
        return;
      }
      if (!('expect' in (c as object))) errors.push({ file, line, field: `${field}.expect`, reason: 'Required value' });
      if (name !== undefined && typeof name !== 'string') errors.push({ file, line, field: `${field}.name`, reason: 'must be a string' });
      checks.push({ index, kind: kinds[0], name: name as string | undefined, args: rest[kinds[0]], expect, line });
    });
  }
  if (errors.length) throw new InvalidInputError(errors);
  return checks;
}

/**
 * Evaluates checks against a cluster. Malformed check arguments are bad input (InvalidInputError);
 * an unknown kind is a failed result, never a crash.
 */
export function runChecks(view: ClusterView, checks: readonly Check[], file: string): VerifyReport {
  const results: CheckResult[] = [];
  const errors: InputError[] = [];
  for (const c of checks) {
    const kind = CHECK_KINDS[c.kind];
    const base = { index: c.index, ...(c.name ? { name: c.name } : {}), kind: c.kind };
    if (!kind) {
      results.push({ ...base, passed: false, expected: c.expect, actual: null, message: `unsupported check kind ${JSON.stringify(c.kind)} (supported: ${Object.keys(CHECK_KINDS).join(', ')})` });
      continue;
    }
    try {
      results.push({ ...base, ...kind.evaluate(view, c.args, c.expect) });
    } catch (err) {
      if (!(err instanceof CheckArgumentError)) throw err;
      errors.push({ file, line: c.line, field: `checks[${c.index}].${err.field}`, reason: err.message });
    }
  }
  if (errors.length) throw new InvalidInputError(errors);
  const passed = results.filter((r) => r.passed).length;
  return { summary: { passed, failed: results.length - passed }, results };
}
