/**
 * Workload status as the controllers report it once their pods run (what `kubectl get deploy,rs,sts,ds`
 * prints): replica counts from the pods each workload controls, readiness from the pods' Ready
 * condition. Available = ready (podnet has no clock, so minReadySeconds always has elapsed). Runs
 * after pod IPAM, which decides readiness. Fields upstream marks omitempty are left out when zero;
 * other status fields (collisionCount) are kept. observedGeneration is the generation being committed
 * (the controllers see every change in the pass that makes it). Deployments get upstream's Available
 * and Progressing conditions (pkg/controller/deployment/sync.go calculateStatus, progress.go), without
 * times: controllers read no clock, and the API marks lastUpdateTime/lastTransitionTime optional.
 */
import type { DaemonSet, Deployment, KObject, Node, Pod, ReplicaSet, StatefulSet } from '../api/types.ts';
import type { ReconcileContext } from './context.ts';
import { shouldRunOn } from './daemonset.ts';
import { REPLICASETS_BY_DEPLOYMENT, equalIgnoreHash, maxUnavailable } from './deployment.ts';
import { pendingGeneration } from './generation.ts';
import { sameContent } from './object-changes.ts';
import { isPodActive, isPodReady, podMatchesDesired } from './pod-template.ts';
import { PodsByOwner } from './pods-by-owner.ts';
import { changedOrControlling, controllerKey, existing, kindOfKey } from './change-scope.ts';
import { keyOf } from '../cluster/object-set.ts';
import { statefulSetPod, statefulSetRevision } from './statefulset.ts';

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

interface DeploymentCondition {
  type: string;
  status: string;
  reason: string;
  message: string;
}

/**
 * deploymentutil.SetDeploymentCondition: an unchanged condition stays where it is; a changed one
 * moves to the end. podnet converges in one pass, so a message naming another ReplicaSet counts as
 * a change too (upstream passes through ReplicaSetUpdated on the way).
 */
function setCondition(conditions: readonly DeploymentCondition[], c: DeploymentCondition): DeploymentCondition[] {
  const cur = conditions.find((x) => x.type === c.type);
  if (cur && cur.status === c.status && cur.reason === c.reason && cur.message === c.message) return [...conditions];
  return [...conditions.filter((x) => x.type !== c.type), c];
}

/**
 * The workloads whose status the changes can alter (incremental passes): those changed, the
 * controllers of changed pods, the Deployments of changed ReplicaSets, and every DaemonSet when a
 * node changed (eligibility). Undefined: all of them.
 */
function affected(ctx: ReconcileContext): Map<string, KObject[]> | undefined {
  const { changes } = ctx;
  if (!changes) return undefined;
  const replicaSets = changedOrControlling(ctx, changes, 'ReplicaSet', 'Pod');
  const deployments = [...changes.keys()].filter((key) => kindOfKey(key) === 'Deployment');
  // A Deployment counts its ReplicaSets' pods.
  for (const key of replicaSets) {
    for (const obj of [ctx.objects.byKey(key), changes.get(key)]) {
      const owner = obj && controllerKey(obj, 'Deployment');
      if (owner) deployments.push(owner);
    }
  }
  const nodeChanged = [...changes.keys()].some((key) => kindOfKey(key) === 'Node');
  return new Map<string, KObject[]>([
    ['ReplicaSet', existing(ctx, replicaSets)],
    ['Deployment', existing(ctx, deployments)],
    ['StatefulSet', existing(ctx, changedOrControlling(ctx, changes, 'StatefulSet', 'Pod'))],
    ['DaemonSet', nodeChanged ? ctx.objects.list('DaemonSet') : existing(ctx, changedOrControlling(ctx, changes, 'DaemonSet', 'Pod'))],
  ]);
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
    putStatus(ctx, rs, withCounts(rs.status, { replicas, fullyLabeledReplicas: fullyLabeled, readyReplicas: r, availableReplicas: r, observedGeneration: pendingGeneration(objects, rs) }, ['replicas']));
  }

  const setsByDeployment = objects.index(REPLICASETS_BY_DEPLOYMENT);
  for (const d of only<Deployment>('Deployment')) {
    let replicas = 0;
    let readyCount = 0;
    let updated = 0;
    let newSet: ReplicaSet | undefined;
    for (const rs of setsByDeployment.sorted(keyOf(d))) {
      const c = counts(rs);
      replicas += c.replicas;
      readyCount += c.ready;
      if (equalIgnoreHash(rs.spec.template, d.spec.template)) {
        updated += c.replicas;
        newSet ??= rs;
      }
    }
    const desired = d.spec.replicas ?? 1;
    const unavailable = Math.max(0, desired - readyCount);
    const status = withCounts(d.status, { replicas, updatedReplicas: updated, readyReplicas: readyCount, availableReplicas: readyCount, unavailableReplicas: unavailable, observedGeneration: pendingGeneration(objects, d) }, []);
    let conditions = (status.conditions as DeploymentCondition[] | undefined) ?? [];
    conditions = readyCount >= desired - maxUnavailable(d)
      ? setCondition(conditions, { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' })
      : setCondition(conditions, { type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.' });
    if ((d.spec as { paused?: boolean }).paused) {
      // checkPausedConditions: a paused Deployment's progress is unknown.
      conditions = setCondition(conditions, { type: 'Progressing', status: 'Unknown', reason: 'DeploymentPaused', message: 'Deployment is paused' });
    } else if (newSet) {
      // DeploymentComplete: every replica updated and available, no old one left.
      const complete = updated === desired && replicas === desired && readyCount === desired;
      conditions = complete
        ? setCondition(conditions, { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: `ReplicaSet "${newSet.metadata.name}" has successfully progressed.` })
        : setCondition(conditions, { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', message: `ReplicaSet "${newSet.metadata.name}" is progressing.` });
    }
    status.conditions = conditions;
    putStatus(ctx, d, status);
  }

  for (const sts of only<StatefulSet>('StatefulSet')) {
    const observedGeneration = pendingGeneration(objects, sts);
    const active = pods.ownedBy(sts).filter(isPodActive);
    const r = ready(active);
    const current = active.filter((p) => {
      const ordinal = Number(p.metadata.name.slice(sts.metadata.name.length + 1));
      return Number.isInteger(ordinal) && podMatchesDesired(p, statefulSetPod(sts, ordinal));
    }).length;
    const status = sts.status as Record<string, unknown> | undefined;
    const revision = statefulSetRevision(sts);
    // A dump's revision names are kept until the template changes; then, converged in this pass,
    // every pod runs the new revision, which becomes both the update and the current one.
    const before = objects.original(keyOf(sts)) as StatefulSet | undefined;
    const templateChanged = !!before && !sameContent(before.spec.template, sts.spec.template);
    const updateRevision = templateChanged ? revision : ((status?.updateRevision as string | undefined) ?? revision);
    const currentRevision = templateChanged && current === active.length ? updateRevision : ((status?.currentRevision as string | undefined) ?? revision);
    putStatus(ctx, sts, withCounts(status, {
      replicas: active.length,
      readyReplicas: r,
      currentReplicas: current,
      updatedReplicas: current,
      availableReplicas: r,
      currentRevision,
      updateRevision,
      observedGeneration,
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
      observedGeneration: pendingGeneration(objects, ds),
    }, ['currentNumberScheduled', 'numberMisscheduled', 'desiredNumberScheduled', 'numberReady']));
  }
}
