/**
 * Workload status as the controllers report it once their pods run (what `kubectl get deploy,rs,sts,ds`
 * prints): replica counts from the pods each workload controls, readiness from the pods' Ready
 * condition. Available = ready (podnet has no clock, so minReadySeconds always has elapsed). Runs
 * after pod IPAM, which decides readiness. Fields upstream marks omitempty are left out when zero;
 * other status fields (conditions, observedGeneration, collisionCount) are kept.
 */
import type { DaemonSet, Deployment, KObject, Node, Pod, ReplicaSet, StatefulSet } from '../api/types.ts';
import type { ReconcileContext } from './context.ts';
import { shouldRunOn } from './daemonset.ts';
import { equalIgnoreHash } from './deployment.ts';
import { podTemplateHash } from './names.ts';
import { sameContent } from './object-changes.ts';
import { controllerRef } from './ownership.ts';
import { isPodActive, isPodReady, podMatchesDesired } from './pod-template.ts';
import { PodsByOwner } from './pods-by-owner.ts';
import { statefulSetPod } from './statefulset.ts';

type Counts = Record<string, number | string>;

/** `status` merged with `counts`; omitempty fields at zero are dropped, required ones kept. */
function withCounts(status: unknown, counts: Counts, required: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = { ...((status as Record<string, unknown> | undefined) ?? {}) };
  for (const [k, v] of Object.entries(counts)) {
    if (v === 0 && !required.includes(k)) delete out[k];
    else out[k] = v;
  }
  return out;
}

function putStatus(ctx: ReconcileContext, obj: KObject, status: Record<string, unknown>): void {
  if (!sameContent(obj.status ?? {}, status)) ctx.objects.put({ ...obj, status });
}

const ready = (pods: readonly Pod[]): number => pods.filter(isPodReady).length;

export function reconcileWorkloadStatus(ctx: ReconcileContext): void {
  const { objects } = ctx;
  const pods = new PodsByOwner(objects);

  const rsCounts = new Map<string, { replicas: number; ready: number }>();
  for (const rs of objects.list<ReplicaSet>('ReplicaSet')) {
    const active = pods.ownedBy(rs).filter(isPodActive);
    const templateLabels = rs.spec.template.metadata?.labels ?? {};
    const fullyLabeled = active.filter((p) => Object.entries(templateLabels).every(([k, v]) => p.metadata.labels?.[k] === v)).length;
    const r = ready(active);
    rsCounts.set(`${rs.metadata.namespace}/${rs.metadata.name}`, { replicas: active.length, ready: r });
    putStatus(ctx, rs, withCounts(rs.status, { replicas: active.length, fullyLabeledReplicas: fullyLabeled, readyReplicas: r, availableReplicas: r }, ['replicas']));
  }

  const setsByDeployment = new Map<string, ReplicaSet[]>();
  for (const rs of objects.list<ReplicaSet>('ReplicaSet')) {
    const ref = controllerRef(rs);
    if (ref?.kind !== 'Deployment') continue;
    const key = `${rs.metadata.namespace}/${ref.name}`;
    setsByDeployment.set(key, [...(setsByDeployment.get(key) ?? []), rs]);
  }
  for (const d of objects.list<Deployment>('Deployment')) {
    let replicas = 0;
    let readyCount = 0;
    let updated = 0;
    for (const rs of setsByDeployment.get(`${d.metadata.namespace}/${d.metadata.name}`) ?? []) {
      const c = rsCounts.get(`${rs.metadata.namespace}/${rs.metadata.name}`) ?? { replicas: 0, ready: 0 };
      replicas += c.replicas;
      readyCount += c.ready;
      if (equalIgnoreHash(rs.spec.template, d.spec.template)) updated += c.replicas;
    }
    const unavailable = Math.max(0, (d.spec.replicas ?? 1) - readyCount);
    putStatus(ctx, d, withCounts(d.status, { replicas, updatedReplicas: updated, readyReplicas: readyCount, availableReplicas: readyCount, unavailableReplicas: unavailable }, []));
  }

  for (const sts of objects.list<StatefulSet>('StatefulSet')) {
    const active = pods.ownedBy(sts).filter(isPodActive);
    const r = ready(active);
    const current = active.filter((p) => {
      const ordinal = Number(p.metadata.name.slice(sts.metadata.name.length + 1));
      return Number.isInteger(ordinal) && podMatchesDesired(p, statefulSetPod(sts, ordinal));
    }).length;
    const status = sts.status as Record<string, unknown> | undefined;
    const revision = `${sts.metadata.name}-${podTemplateHash(sts.spec.template)}`;
    putStatus(ctx, sts, withCounts(status, {
      replicas: active.length,
      readyReplicas: r,
      currentReplicas: current,
      updatedReplicas: current,
      availableReplicas: r,
      currentRevision: (status?.currentRevision as string | undefined) ?? revision,
      updateRevision: (status?.updateRevision as string | undefined) ?? revision,
    }, ['replicas', 'availableReplicas']));
  }

  const nodes = objects.list<Node>('Node');
  for (const ds of objects.list<DaemonSet>('DaemonSet')) {
    const eligible = new Set(nodes.filter((n) => shouldRunOn(ds, n)).map((n) => n.metadata.name));
    const active = pods.ownedBy(ds).filter(isPodActive);
    const scheduled = active.filter((p) => p.spec.nodeName && eligible.has(p.spec.nodeName));
    const r = ready(scheduled);
    putStatus(ctx, ds, withCounts(ds.status, {
      currentNumberScheduled: scheduled.length,
      numberMisscheduled: active.length - scheduled.length,
      desiredNumberScheduled: eligible.size,
      numberReady: r,
      updatedNumberScheduled: scheduled.length,
      numberAvailable: r,
      numberUnavailable: Math.max(0, eligible.size - r),
    }, ['currentNumberScheduled', 'numberMisscheduled', 'desiredNumberScheduled', 'numberReady']));
  }
}
