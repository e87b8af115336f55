/**
 * apps/v1 workload validation (pkg/apis/apps/validation): replicas, selector (required, non-empty,
 * must match the template's labels) and the pod template (a PodSpec whose restartPolicy is Always).
 */
import { fromLabelSelector } from '../selector.ts';
import type { LabelSelector } from '../types.ts';
import { validateLabelSelector, validateLabels, validateAnnotations } from './meta.ts';
import { validatePodSpec } from './pod.ts';
import type { Path, Problems } from './problems.ts';
import { has, list, num, rec, str, stringMap, type Rec } from './values.ts';

export function validateWorkload(kind: string, obj: Rec, p: Problems): void {
  const spec = rec(obj.spec) ?? {};
  const sp: Path = ['spec'];
  if (kind !== 'DaemonSet') nonNegative(spec.replicas, [...sp, 'replicas'], p);
  nonNegative(spec.minReadySeconds, [...sp, 'minReadySeconds'], p);
  nonNegative(spec.revisionHistoryLimit, [...sp, 'revisionHistoryLimit'], p);

  const selector = rec(spec.selector);
  let selectorUsable = false;
  if (!selector) p.required([...sp, 'selector']);
  else {
    const before = p.list.length;
    validateLabelSelector(selector, [...sp, 'selector'], p);
    selectorUsable = p.list.length === before;
    if (Object.keys(rec(selector.matchLabels) ?? {}).length + list(selector.matchExpressions).length === 0) {
      p.invalid([...sp, 'selector'], selector, `empty selector is invalid for ${kind.toLowerCase()}`);
      selectorUsable = false;
    }
  }

  const template = rec(spec.template);
  const tp: Path = [...sp, 'template'];
  if (!template) return p.required(tp);
  const meta = rec(template.metadata) ?? {};
  validateLabels(meta.labels, [...tp, 'metadata', 'labels'], p);
  validateAnnotations(meta.annotations, [...tp, 'metadata', 'annotations'], p);
  if (selectorUsable && !fromLabelSelector(selector as LabelSelector).matches(stringMap(meta.labels)))
    p.invalid([...tp, 'metadata', 'labels'], stringMap(meta.labels), '`selector` does not match template `labels`');
  const podSpec = rec(template.spec) ?? {};
  validatePodSpec(podSpec, [...tp, 'spec'], p);
  const restartPolicy = str(podSpec.restartPolicy);
  if (restartPolicy && restartPolicy !== 'Always') p.unsupported([...tp, 'spec', 'restartPolicy'], restartPolicy, ['Always']);
  if (has(podSpec, 'activeDeadlineSeconds')) p.forbidden([...tp, 'spec', 'activeDeadlineSeconds'], `activeDeadlineSeconds in ${kind} is not Supported`);
  if (list(podSpec.ephemeralContainers).length > 0) p.forbidden([...tp, 'spec', 'ephemeralContainers'], 'ephemeral containers not allowed in pod template');

  if (kind === 'StatefulSet') {
    const policy = str(spec.podManagementPolicy);
    if (policy !== undefined && policy !== 'OrderedReady' && policy !== 'Parallel')
      p.invalid([...sp, 'podManagementPolicy'], policy, "must be 'OrderedReady' or 'Parallel'");
    nonNegative(rec(spec.ordinals)?.start, [...sp, 'ordinals', 'start'], p);
  }
}

function nonNegative(v: unknown, path: Path, p: Problems): void {
  const n = num(v);
  if (n !== undefined && n < 0) p.invalid(path, n, 'must be greater than or equal to 0');
}
