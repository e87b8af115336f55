/**
 * ObjectMeta, labels, annotations and label selectors, as apimachinery validates them
 * (ValidateObjectMeta, ValidateLabels, ValidateAnnotations, ValidateLabelSelector).
 */
import type { KindInfo } from '../kinds.ts';
import { dns1035LabelErrors, dns1123LabelErrors, dns1123SubdomainErrors, labelValueFormatErrors, qualifiedNameErrors } from './formats.ts';
import type { Path, Problems } from './problems.ts';
import { list, rec, str, type Rec } from './values.ts';

export type NameRule = (name: string) => string[];

/** Which name format each kind's API validation uses (Service: NameIsDNS1035Label upstream). */
export function nameRuleFor(kind: string): NameRule {
  switch (kind) {
    case 'Namespace':
    case 'StatefulSet':
      return dns1123LabelErrors;
    case 'Service':
      return dns1035LabelErrors;
    default:
      return dns1123SubdomainErrors;
  }
}

const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

export function validateObjectMeta(obj: Rec, info: KindInfo, p: Problems): void {
  const meta = rec(obj.metadata) ?? {};
  const path: Path = ['metadata'];
  const rule = nameRuleFor(info.kind);
  const generateName = str(meta.generateName);
  if (generateName) p.invalidEach([...path, 'generateName'], generateName, rule(generateName.replace(/-$/, 'a')));
  const name = str(meta.name);
  if (!name) {
    if (generateName) p.required([...path, 'name'], 'podnet needs a name: generateName is not supported');
    else p.required([...path, 'name'], 'name or generateName is required');
  } else p.invalidEach([...path, 'name'], name, rule(name));
  if (info.namespaced) {
    const ns = str(meta.namespace);
    if (!ns) p.required([...path, 'namespace']);
    else p.invalidEach([...path, 'namespace'], ns, dns1123LabelErrors(ns));
  }
  validateLabels(meta.labels, [...path, 'labels'], p);
  validateAnnotations(meta.annotations, [...path, 'annotations'], p);
}

/** ValidateLabels: errors sit at the map's path; the line points at the offending key. */
export function validateLabels(labels: unknown, path: Path, p: Problems): void {
  for (const [k, v] of Object.entries(rec(labels) ?? {})) {
    p.invalidEach(path, k, qualifiedNameErrors(k), [...path, k]);
    if (typeof v === 'string') p.invalidEach(path, v, labelValueFormatErrors(v), [...path, k]);
  }
}

export function validateAnnotations(annotations: unknown, path: Path, p: Problems): void {
  let size = 0;
  for (const [k, v] of Object.entries(rec(annotations) ?? {})) {
    p.invalidEach(path, k, qualifiedNameErrors(k.toLowerCase()), [...path, k]);
    size += k.length + (typeof v === 'string' ? v.length : 0);
  }
  if (size > TOTAL_ANNOTATION_SIZE_LIMIT) p.add(path, `Too long: may not be more than ${TOTAL_ANNOTATION_SIZE_LIMIT} bytes`);
}

/** ValidateLabelSelector (metav1): matchLabels as labels, each requirement's operator/values/key. */
export function validateLabelSelector(selector: unknown, path: Path, p: Problems): void {
  const sel = rec(selector);
  if (!sel) return;
  validateLabels(sel.matchLabels, [...path, 'matchLabels'], p);
  list(sel.matchExpressions).forEach((e, i) => {
    const expr = rec(e) ?? {};
    const at: Path = [...path, 'matchExpressions', i];
    const operator = expr.operator;
    const values = list(expr.values);
    if (operator === 'In' || operator === 'NotIn') {
      if (values.length === 0) p.required([...at, 'values'], "must be specified when `operator` is 'In' or 'NotIn'");
    } else if (operator === 'Exists' || operator === 'DoesNotExist') {
      if (values.length > 0) p.forbidden([...at, 'values'], "may not be specified when `operator` is 'Exists' or 'DoesNotExist'");
    } else if (typeof operator === 'string' || operator === undefined || operator === null) {
      p.invalid([...at, 'operator'], operator ?? '', 'not a valid selector operator');
    }
    const key = str(expr.key) ?? '';
    p.invalidEach([...at, 'key'], key, qualifiedNameErrors(key));
    values.forEach((v, j) => {
      if (typeof v === 'string') p.invalidEach([...at, 'values', j], v, labelValueFormatErrors(v));
    });
  });
}
