/**
 * Label selectors: the structured form (matchLabels + matchExpressions, as in NetworkPolicy and
 * workloads) and the string form (`-l app=web,tier!=db,env in (a,b),!legacy`, as kubectl and the API
 * server's labelSelector parameter take it). Parse once, match many; parsing reports every problem.
 */
import type { LabelSelector, Labels } from './types.ts';
import { labelValueFormatErrors, qualifiedNameErrors } from './validation/formats.ts';

export type RequirementOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';

export interface Requirement {
  key: string;
  operator: RequirementOperator;
  values: string[];
}

/** A compiled selector. An empty requirement list matches everything. */
export interface Selector {
  requirements: Requirement[];
  matches(labels: Labels | undefined): boolean;
  /** True for the selector that matches everything (`{}`). */
  empty: boolean;
}

/** Validates a label key (`[prefix/]name`); returns the API server's messages, empty when valid. */
export function labelKeyErrors(key: string): string[] {
  return qualifiedNameErrors(key);
}

/** Validates a label value; returns the API server's messages, empty when valid. */
export function labelValueErrors(value: string): string[] {
  return labelValueFormatErrors(value);
}

function compile(requirements: Requirement[]): Selector {
  return {
    requirements,
    empty: requirements.length === 0,
    matches(labels) {
      const l = labels ?? {};
      for (const r of requirements) {
        const has = Object.prototype.hasOwnProperty.call(l, r.key);
        switch (r.operator) {
          case 'In':
            if (!has || !r.values.includes(l[r.key])) return false;
            break;
          case 'NotIn':
            // NotIn also matches objects that lack the key.
            if (has && r.values.includes(l[r.key])) return false;
            break;
          case 'Exists':
            if (!has) return false;
            break;
          case 'DoesNotExist':
            if (has) return false;
            break;
        }
      }
      return true;
    },
  };
}

export const everything: Selector = compile([]);

export interface SelectorProblem {
  /** Path relative to the selector, e.g. `matchExpressions[0].values`. */
  field: string;
  reason: string;
}

/** Checks a structured LabelSelector the way the API server validates it. */
export function labelSelectorProblems(sel: LabelSelector | undefined): SelectorProblem[] {
  const problems: SelectorProblem[] = [];
  if (!sel) return problems;
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) {
    for (const e of labelKeyErrors(k)) problems.push({ field: `matchLabels`, reason: `Invalid value: ${JSON.stringify(k)}: ${e}` });
    if (typeof v !== 'string') problems.push({ field: `matchLabels[${JSON.stringify(k)}]`, reason: `Invalid value: ${JSON.stringify(v)}: must be a string` });
    else for (const e of labelValueErrors(v)) problems.push({ field: `matchLabels`, reason: `Invalid value: ${JSON.stringify(v)}: ${e}` });
  }
  (sel.matchExpressions ?? []).forEach((expr, i) => {
    const base = `matchExpressions[${i}]`;
    for (const e of labelKeyErrors(expr.key ?? '')) problems.push({ field: `${base}.key`, reason: `Invalid value: ${JSON.stringify(expr.key)}: ${e}` });
    const values = expr.values ?? [];
    switch (expr.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) problems.push({ field: `${base}.values`, reason: 'Required value: must be specified when `operator` is \'In\' or \'NotIn\'' });
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0) problems.push({ field: `${base}.values`, reason: 'Forbidden: may not be specified when `operator` is \'Exists\' or \'DoesNotExist\'' });
        break;
      default:
        problems.push({ field: `${base}.operator`, reason: `Unsupported value: ${JSON.stringify(expr.operator)}: supported values: "In", "NotIn", "Exists", "DoesNotExist"` });
    }
    values.forEach((v, j) => {
      for (const e of labelValueErrors(v)) problems.push({ field: `${base}.values[${j}]`, reason: `Invalid value: ${JSON.stringify(v)}: ${e}` });
    });
  });
  return problems;
}

/**
 * Compiles a structured selector (assumed valid). `undefined` compiles to "everything"; callers that
 * must treat a missing selector as "nothing" (e.g. Service without selector) check that themselves.
 */
export function fromLabelSelector(sel: LabelSelector | undefined): Selector {
  if (!sel) return everything;
  const reqs: Requirement[] = Object.entries(sel.matchLabels ?? {}).map(([key, v]) => ({ key, operator: 'In', values: [v] }));
  for (const e of sel.matchExpressions ?? []) reqs.push({ key: e.key, operator: e.operator, values: [...(e.values ?? [])] });
  return compile(reqs);
}

/** A map selector (Service.spec.selector, nodeSelector): every pair must match. */
export function fromMap(map: Labels): Selector {
  return compile(Object.entries(map).map(([key, v]) => ({ key, operator: 'In', values: [v] })));
}

export class SelectorSyntaxError extends Error {
  constructor(readonly input: string, detail: string) {
    super(`unable to parse requirement: ${detail}`);
    this.name = 'SelectorSyntaxError';
  }
}

/** Parses kubectl's string syntax: `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`. */
export function parseSelector(text: string): Selector {
  const reqs: Requirement[] = [];
  for (const part of splitTopLevel(text.trim())) {
    const t = part.trim();
    if (t === '') throw new SelectorSyntaxError(text, 'found \'\', expected: identifier');
    let m: RegExpExecArray | null;
    if ((m = /^!\s*([^\s!=(),]+)$/.exec(t))) reqs.push(checked(text, m[1], 'DoesNotExist', []));
    else if ((m = /^([^\s!=(),]+)\s+(in|notin)\s*\(([^()]*)\)$/.exec(t))) {
      const values = m[3].split(',').map((v) => v.trim());
      if (values.length === 1 && values[0] === '') throw new SelectorSyntaxError(text, `for '${m[2]}' operator, at least one value is required`);
      reqs.push(checked(text, m[1], m[2] === 'in' ? 'In' : 'NotIn', values));
    } else if ((m = /^([^\s!=(),]+)\s*(==|=|!=)\s*([^\s!=(),]*)$/.exec(t))) reqs.push(checked(text, m[1], m[2] === '!=' ? 'NotIn' : 'In', [m[3]]));
    else if ((m = /^([^\s!=(),]+)$/.exec(t))) reqs.push(checked(text, m[1], 'Exists', []));
    else throw new SelectorSyntaxError(text, `cannot parse '${t}'`);
  }
  return compile(reqs);
}

function checked(input: string, key: string, operator: RequirementOperator, values: string[]): Requirement {
  const ke = labelKeyErrors(key);
  if (ke.length) throw new SelectorSyntaxError(input, `invalid label key "${key}": ${ke[0]}`);
  for (const v of values) {
    const ve = labelValueErrors(v);
    if (ve.length) throw new SelectorSyntaxError(input, `invalid label value: "${v}": ${ve[0]}`);
  }
  return { key, operator, values };
}

/** Splits on commas outside parentheses. */
function splitTopLevel(text: string): string[] {
  if (text === '') return [];
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  return parts;
}
