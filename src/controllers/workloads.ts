/**
 * Workloads to Pods, in the order the controllers converge: garbage collection of what lost its
 * owner, Deployments → ReplicaSets, then each ReplicaSet, StatefulSet and DaemonSet → Pods.
 */
import type { ReconcileContext } from './context.ts';
import { reconcileDaemonSets } from './daemonset.ts';
import { reconcileDeployments } from './deployment.ts';
import { collectGarbage } from './ownership.ts';
import { PodsByOwner } from './pods-by-owner.ts';
import { reconcileReplicaSets } from './replicaset.ts';
import { reconcileStatefulSets } from './statefulset.ts';

export function reconcileWorkloads(ctx: ReconcileContext): void {
  collectGarbage(ctx);
  reconcileDeployments(ctx);
  const pods = new PodsByOwner(ctx.objects);
  reconcileReplicaSets(ctx, pods);
  reconcileStatefulSets(ctx, pods);
  reconcileDaemonSets(ctx, pods);
}
