/**
 * Scheduler: binds unscheduled pods to nodes (nodeName, nodeSelector, taints/tolerations, least-loaded).
 */
import type { ReconcileContext } from './context.ts';

export function reconcileScheduler(ctx: ReconcileContext): void {
  void ctx;
}
