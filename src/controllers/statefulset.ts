/**
 * StatefulSet controller (pkg/controller/statefulset): pods `<set>-<ordinal>` for ordinals
 * spec.ordinals.start … start+replicas-1, each with hostname = its name and subdomain =
 * spec.serviceName (its DNS identity under the governing headless Service), labelled
 * statefulset.kubernetes.io/pod-name, apps.kubernetes.io/pod-index and controller-revision-hash.
 * Pods outside the ordinal range are deleted (highest first on scale-down, as upstream); a pod whose
 * template no longer matches, or that failed, is recreated under the same name.
 */
import { fromLabelSelector } from '../api/selector.ts';
import type { Pod, StatefulSet } from '../api/types.ts';
import { keyOf } from '../cluster/object-set.ts';
import type { ReconcileContext } from './context.ts';
import { podTemplateHash } from './names.ts';
import { controllerRef, ensureOwnerUID, isControlledBy, withControllerRef } from './ownership.ts';
import { isTerminal, podFromTemplate, podMatchesDesired } from './pod-template.ts';
import type { PodsByOwner } from './pods-by-owner.ts';

export const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';
export const REVISION_HASH_LABEL = 'controller-revision-hash';

/** The revision name of `sts`'s current template (controller-revision-hash label, status.updateRevision). */
export function statefulSetRevision(sts: StatefulSet): string {
  return `${sts.metadata.name}-${podTemplateHash(sts.spec.template)}`;
}

export function statefulSetPod(sts: StatefulSet, ordinal: number): Pod {
  const name = `${sts.metadata.name}-${ordinal}`;
  const revision = statefulSetRevision(sts);
  const serviceName = sts.spec.serviceName;
  return podFromTemplate(
    sts.spec.template,
    sts,
    {
      name,
      namespace: sts.metadata.namespace ?? 'default',
      labels: { [REVISION_HASH_LABEL]: revision, [POD_NAME_LABEL]: name, [POD_INDEX_LABEL]: String(ordinal) },
    },
    (spec) => ({ ...spec, hostname: name, ...(serviceName ? { subdomain: serviceName } : {}) }),
  );
}

/** Reconciles `only` (in namespace/name order; default: every StatefulSet). */
export function reconcileStatefulSets(ctx: ReconcileContext, pods: PodsByOwner, only?: readonly StatefulSet[]): void {
  const { objects } = ctx;
  for (const listed of only ?? objects.list<StatefulSet>('StatefulSet')) {
    const owned = pods.ownedBy(listed);
    const sts = ensureOwnerUID(objects, listed, owned);
    const ns = sts.metadata.namespace;
    const start = (sts.spec.ordinals as { start?: number } | undefined)?.start ?? 0;
    const replicas = sts.spec.replicas ?? 1;
    const wanted = new Set<string>();
    for (let i = start; i < start + replicas; i++) wanted.add(`${sts.metadata.name}-${i}`);
    for (const pod of owned) if (!wanted.has(pod.metadata.name)) objects.delete(keyOf(pod));

    const selector = fromLabelSelector(sts.spec.selector);
    for (let ordinal = start; ordinal < start + replicas; ordinal++) {
      const desired = statefulSetPod(sts, ordinal);
      const existing = objects.get<Pod>('Pod', ns, desired.metadata.name);
      if (!existing) {
        objects.put(desired);
      } else if (isControlledBy(existing, sts)) {
        if (existing.metadata.deletionTimestamp) continue;
        if (isTerminal(existing) || !podMatchesDesired(existing, desired)) objects.put(desired);
      } else if (!controllerRef(existing) && !selector.empty && selector.matches(existing.metadata.labels)) {
        objects.put(withControllerRef(existing, sts));
      } else {
        ctx.warnings.push(`StatefulSet ${ns}/${sts.metadata.name}: pod ${desired.metadata.name} exists and belongs to another owner; ordinal ${ordinal} is not created`);
      }
    }
  }
}
