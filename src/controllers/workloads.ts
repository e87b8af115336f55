/**
 * Workloads to Pods: Deployment → ReplicaSet → Pods, StatefulSet ordinals, DaemonSet one per eligible node, garbage collection of orphans.
 */
import type { ReconcileContext } from './context.ts';

export function reconcileWorkloads(ctx: ReconcileContext): void {
  void ctx;
}
