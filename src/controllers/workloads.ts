/**
 * Workloads to Pods, in the order the controllers converge: garbage collection of what lost its
 * owner, Deployments → ReplicaSets, then each ReplicaSet, StatefulSet and DaemonSet → Pods.
 *
 * On an incremental pass (ctx.changes) the workload controllers look only at the workloads the
 * changes so far can affect — everything else is as their last run left it: a Deployment whose
 * object or ReplicaSets changed; a ReplicaSet whose
 * object or pods changed, or whose selector matches a changed orphan pod (it may adopt it); a
 * StatefulSet whose object or any pod of its namespace changed (its pods are found by name); a
 * DaemonSet whose object or pods changed, or all of them when a node changed.
 */
import type { DaemonSet, Deployment, ReplicaSet, StatefulSet } from '../api/types.ts';
import { objectKey } from '../api/kinds.ts';
import { fromLabelSelector } from '../api/selector.ts';
import { keyOf } from '../cluster/object-set.ts';
import { changedOrControlling, changesSoFar, existing, kindOfKey, versionsOf, type Changes } from './change-scope.ts';
import type { ReconcileContext } from './context.ts';
import { reconcileDaemonSets } from './daemonset.ts';
import { reconcileDeployments } from './deployment.ts';
import { collectGarbage, controllerRef } from './ownership.ts';
import { PodsByOwner } from './pods-by-owner.ts';
import { reconcileReplicaSets } from './replicaset.ts';
import { reconcileStatefulSets } from './statefulset.ts';

export function reconcileWorkloads(ctx: ReconcileContext): void {
  const start = ctx.objects.version();
  collectGarbage(ctx);
  let changes = changesSoFar(ctx, start);
  reconcileDeployments(ctx, changes && deploymentsAffected(ctx, changes));
  const pods = new PodsByOwner(ctx.objects);
  changes = changesSoFar(ctx, start);
  reconcileReplicaSets(ctx, pods, changes && replicaSetsAffected(ctx, changes));
  changes = changesSoFar(ctx, start);
  reconcileStatefulSets(ctx, pods, changes && statefulSetsAffected(ctx, changes));
  changes = changesSoFar(ctx, start);
  reconcileDaemonSets(ctx, pods, changes && daemonSetsAffected(ctx, changes));
}

function deploymentsAffected(ctx: ReconcileContext, changes: Changes): Deployment[] {
  return existing<Deployment>(ctx, changedOrControlling(ctx, changes, 'Deployment', 'ReplicaSet'));
}

function replicaSetsAffected(ctx: ReconcileContext, changes: Changes): ReplicaSet[] {
  const keys = changedOrControlling(ctx, changes, 'ReplicaSet', 'Pod');
  // An orphan is adopted by a ReplicaSet whose selector matches it; at their last run none matched
  // the orphans there were, so only what orphans look like now matters.
  for (const [key] of changes) {
    if (kindOfKey(key) !== 'Pod') continue;
    const pod = ctx.objects.byKey(key);
    if (!pod || controllerRef(pod)) continue;
    for (const rs of ctx.objects.list<ReplicaSet>('ReplicaSet', pod.metadata.namespace ?? '')) {
      const selector = fromLabelSelector(rs.spec.selector);
      if (!selector.empty && selector.matches(pod.metadata.labels)) keys.push(keyOf(rs));
    }
  }
  return existing<ReplicaSet>(ctx, keys);
}

function statefulSetsAffected(ctx: ReconcileContext, changes: Changes): StatefulSet[] {
  const keys: string[] = [];
  for (const key of changes.keys()) if (kindOfKey(key) === 'StatefulSet') keys.push(key);
  const namespaces = new Set<string>();
  for (const pod of versionsOf(ctx, changes, 'Pod')) namespaces.add(pod.metadata.namespace ?? '');
  for (const ns of namespaces) for (const sts of ctx.objects.list<StatefulSet>('StatefulSet', ns)) keys.push(objectKey('StatefulSet', ns, sts.metadata.name));
  return existing<StatefulSet>(ctx, keys);
}

function daemonSetsAffected(ctx: ReconcileContext, changes: Changes): DaemonSet[] {
  for (const key of changes.keys()) if (kindOfKey(key) === 'Node') return ctx.objects.list<DaemonSet>('DaemonSet');
  return existing<DaemonSet>(ctx, changedOrControlling(ctx, changes, 'DaemonSet', 'Pod'));
}
