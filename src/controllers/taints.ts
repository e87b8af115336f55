/**
 * Taints and tolerations as the scheduler and the DaemonSet controller read them
 * (k8s.io/api/core/v1 Toleration.ToleratesTaint, v1helper.FindMatchingUntoleratedTaint).
 */
import type { Node, Taint, Toleration } from '../api/types.ts';

/**
 * An empty effect matches every effect; an empty key (with operator Exists) matches every key;
 * Exists matches any value, Equal (or no operator) the exact value.
 */
export function toleratesTaint(toleration: Toleration, taint: Taint): boolean {
  if (toleration.effect && toleration.effect !== taint.effect) return false;
  if (toleration.key && toleration.key !== taint.key) return false;
  switch (toleration.operator ?? 'Equal') {
    case 'Exists':
      return true;
    case 'Equal':
      return (toleration.value ?? '') === (taint.value ?? '');
    default:
      return false;
  }
}

/** Effects that keep a pod off a node; PreferNoSchedule only lowers a node's score. */
const FILTERING_EFFECTS = new Set<Taint['effect']>(['NoSchedule', 'NoExecute']);

/** The first NoSchedule/NoExecute taint of `taints` that no toleration tolerates. */
export function untoleratedTaint(taints: readonly Taint[] | undefined, tolerations: readonly Toleration[] | undefined): Taint | undefined {
  return (taints ?? []).find((t) => FILTERING_EFFECTS.has(t.effect) && !(tolerations ?? []).some((tol) => toleratesTaint(tol, t)));
}

/** The taint the node lifecycle controller puts on a node with spec.unschedulable (TaintNodesByCondition). */
export const UNSCHEDULABLE_TAINT: Taint = { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' };

/** The node's taints, plus node.kubernetes.io/unschedulable:NoSchedule when cordoned. */
export function effectiveTaints(node: Node): Taint[] {
  const taints = [...(node.spec?.taints ?? [])];
  if (node.spec?.unschedulable && !taints.some((t) => t.key === UNSCHEDULABLE_TAINT.key)) taints.push(UNSCHEDULABLE_TAINT);
  return taints;
}
