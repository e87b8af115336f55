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
import { controllerKey, existing, kindOfKey, versionsOf } from './change-scope.ts';
import { keyOf } from '../cluster/object-set.ts';
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

/**
 * The workloads whose status the changes can alter (incremental passes): those changed, the
 * controllers of changed pods, the Deployments of changed ReplicaSets, and every DaemonSet when a
 * node changed (eligibility). Undefined: all of them.
 */
function affected(ctx: ReconcileContext): Map<string, KObject[]> | undefined {
  if (!ctx.changes) return undefined;
  const keys = new Map<string, string[]>(['ReplicaSet', 'Deployment', 'StatefulSet', 'DaemonSet'].map((k) => [k, []]));
  for (const key of ctx.changes.keys()) {
    const kind = kindOfKey(key);
    keys.get(kind)?.push(key);
    if (kind === 'Node') for (const ds of ctx.objects.list('DaemonSet')) keys.get('DaemonSet')!.push(keyOf(ds));
  }
  for (const pod of versionsOf(ctx, ctx.changes, 'Pod')) {
    for (const kind of ['ReplicaSet', 'StatefulSet', 'DaemonSet']) {
      const owner = controllerKey(pod, kind);
      if (owner) keys.get(kind)!.push(owner);
    }
  }
  // A Deployment counts its ReplicaSets' pods.
  for (const key of keys.get('ReplicaSet')!) {
    const rs = ctx.objects.byKey(key);
    const before = ctx.changes.get(key);
    for (const obj of [rs, before]) {
      const owner = obj && controllerKey(obj, 'Deployment');
      if (owner) keys.get('Deployment')!.push(owner);
    }
  }
  return new Map([...keys].map(([kind, list]) => [kind, existing(ctx, list)]));
}

export function reconcileWorkloadStatus(ctx: ReconcileContext): void {
  const { objects } = ctx;
  const pods = new PodsByOwner(objects);
  const scope = affected(ctx);
  const only = <T extends KObject>(kind: string): T[] => (scope?.get(kind) as T[] | undefined) ?? objects.list<T>(kind);

  const counted = new Map<string, { active: Pod[]; replicas: number; ready: number }>();
  const counts = (rs: ReplicaSet): { active: Pod[]; replicas: number; ready: number } => {
    let c = counted.get(keyOf(rs));
    if (!c) {
      const active = pods.ownedBy(rs).filter(isPodActive);
      counted.set(keyOf(rs), (c = { active, replicas: active.length, ready: ready(active) }));
    }
    return c;
  };
  for (const rs of only<ReplicaSet>('ReplicaSet')) {
    const { active, replicas, ready: r } = counts(rs);
    const templateLabels = rs.spec.template.metadata?.labels ?? {};
    const fullyLabeled = active.filter((p) => Object.entries(templateLabels).every(([k, v]) => p.metadata.labels?.[k] === v)).length;
    putStatus(ctx, rs, withCounts(rs.status, { replicas, fullyLabeledReplicas: fullyLabeled, readyReplicas: r, availableReplicas: r }, ['replicas']));
  }

  const setsByDeployment = new Map<string, ReplicaSet[]>();
  for (const rs of objects.list<ReplicaSet>('ReplicaSet')) {
    const ref = controllerRef(rs);
    if (ref?.kind !== 'Deployment') continue;
    const key = `${rs.metadata.namespace}/${ref.name}`;
    setsByDeployment.set(key, [...(setsByDeployment.get(key) ?? []), rs]);
  }
  for (const d of only<Deployment>('Deployment')) {
    let replicas = 0;
    let readyCount = 0;
    let updated = 0;
    for (const rs of setsByDeployment.get(`${d.metadata.namespace}/${d.metadata.name}`) ?? []) {
      const c = counts(rs);
      replicas += c.replicas;
      readyCount += c.ready;
      if (equalIgnoreHash(rs.spec.template, d.spec.template)) updated += c.replicas;
    }
    const unavailable = Math.max(0, (d.spec.replicas ?? 1) - readyCount);
    putStatus(ctx, d, withCounts(d.status, { replicas, updatedReplicas: updated, readyReplicas: readyCount, availableReplicas: readyCount, unavailableReplicas: unavailable }, []));
  }

  for (const sts of only<StatefulSet>('StatefulSet')) {
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
  for (const ds of only<DaemonSet>('DaemonSet')) {
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
