/**
 * ReplicaSet controller (pkg/controller/replicaset): keeps spec.replicas active pods. Pods it controls
 * count (a dump's pods keep their names and IPs); orphans matching its selector are adopted; missing
 * pods are created as `<replicaset>-<5 characters>` (generateName, here derived from the set's name
 * and a counter); surplus pods go in upstream's deletion order — unscheduled, then pending, then not
 * ready — and, among equals, the highest name first.
 */
import { fromLabelSelector } from '../api/selector.ts';
import type { Pod, ReplicaSet } from '../api/types.ts';
import { keyOf } from '../cluster/object-set.ts';
import { objectKey } from '../api/kinds.ts';
import type { ReconcileContext } from './context.ts';
import { generatedName } from './names.ts';
import { ensureOwnerUID, withControllerRef } from './ownership.ts';
import { isPodActive, isPodReady, podFromTemplate } from './pod-template.ts';
import type { PodsByOwner } from './pods-by-owner.ts';

const PHASE_RANK: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

/** Lower deletes first (controller.ActivePods' ranking, ties broken by name, highest first). */
function deletionOrder(a: Pod, b: Pod): number {
  const scheduled = Number(!!a.spec.nodeName) - Number(!!b.spec.nodeName);
  if (scheduled) return scheduled;
  const phase = (PHASE_RANK[a.status?.phase ?? 'Running'] ?? 2) - (PHASE_RANK[b.status?.phase ?? 'Running'] ?? 2);
  if (phase) return phase;
  // A pod without status has not been seen by a kubelet yet: it becomes ready in this reconcile.
  const ready = Number(!a.status || isPodReady(a)) - Number(!b.status || isPodReady(b));
  if (ready) return ready;
  return a.metadata.name < b.metadata.name ? 1 : a.metadata.name > b.metadata.name ? -1 : 0;
}

/** Reconciles `only` (in namespace/name order; default: every ReplicaSet). */
export function reconcileReplicaSets(ctx: ReconcileContext, pods: PodsByOwner, only?: readonly ReplicaSet[]): void {
  const { objects } = ctx;
  for (const listed of only ?? objects.list<ReplicaSet>('ReplicaSet')) {
    let owned = pods.ownedBy(listed);
    const rs = ensureOwnerUID(objects, listed, owned);
    const ns = rs.metadata.namespace;
    const selector = fromLabelSelector(rs.spec.selector);
    if (!selector.empty) {
      for (const orphan of pods.orphans(ns)) {
        if (!isPodActive(orphan) || !selector.matches(orphan.metadata.labels)) continue;
        const adopted = withControllerRef(orphan, rs);
        objects.put(adopted);
        owned = [...owned, adopted];
      }
    }
    const active = owned.filter(isPodActive);
    const desired = rs.spec.replicas ?? 1;
    if (active.length > desired) {
      for (const pod of [...active].sort(deletionOrder).slice(0, active.length - desired)) objects.delete(keyOf(pod));
      continue;
    }
    let counter = 0;
    for (let missing = desired - active.length; missing > 0; missing--) {
      let name: string;
      do name = generatedName(`${rs.metadata.name}-`, `${ns}/${rs.metadata.name}#${counter++}`);
      while (objects.get('Pod', ns, name) || ctx.deleted?.has(objectKey('Pod', ns, name)));
      objects.put(podFromTemplate(rs.spec.template, rs, { name, namespace: ns ?? 'default', generateName: `${rs.metadata.name}-` }));
    }
  }
}
