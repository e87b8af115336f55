/**
 * Deployment controller (pkg/controller/deployment), at its converged state: the ReplicaSet whose
 * template equals the Deployment's (ignoring the pod-template-hash label) runs spec.replicas pods and
 * every other ReplicaSet the Deployment owns is scaled to 0. When none matches, a new one is created,
 * named `<deployment>-<pod-template-hash>`, the hash added to its selector, labels and template; a
 * ReplicaSet already owned (a dump's, or an earlier revision rolled back to) is reused, not recreated.
 */
import type { Deployment, KObject, PodTemplateSpec, ReplicaSet } from '../api/types.ts';
import { objectKey } from '../api/kinds.ts';
import { keyOf, type IndexSpec, type ObjectSet } from '../cluster/object-set.ts';
import { PodsByOwner } from './pods-by-owner.ts';
import type { ReconcileContext } from './context.ts';
import { podTemplateHash, uidFor } from './names.ts';
import { sameContent, putIfChanged } from './object-changes.ts';
import { controllerRef, ensureOwnerUID, isControlledBy, ownerReferenceTo } from './ownership.ts';

export const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';
const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
const DESIRED_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/desired-replicas';
const MAX_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/max-replicas';

const REVISION_HISTORY_ANNOTATION = 'deployment.kubernetes.io/revision-history';

/** Deployment annotations never copied to its ReplicaSets (deploymentutil's annotationsToSkip). */
const NOT_COPIED = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  REVISION_ANNOTATION,
  REVISION_HISTORY_ANNOTATION,
  DESIRED_REPLICAS_ANNOTATION,
  MAX_REPLICAS_ANNOTATION,
  'deprecated.deployment.rollback.to',
]);

/**
 * The new ReplicaSet's annotations as SetNewReplicaSetAnnotations leaves them: the Deployment's own
 * (kubernetes.io/change-cause, …) copied over, the revision raised to `revision` when lower (the old
 * one appended to revision-history), desired and max replicas.
 */
function newReplicaSetAnnotations(d: Deployment, rs: ReplicaSet | undefined, revision: number, replicas: number): Record<string, string> {
  const out: Record<string, string> = { ...(rs?.metadata.annotations ?? {}) };
  for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) if (!NOT_COPIED.has(k)) out[k] = v;
  const old = rs ? revisionOf(rs) : 0;
  if (old < revision) {
    out[REVISION_ANNOTATION] = String(revision);
    if (old > 0) out[REVISION_HISTORY_ANNOTATION] = out[REVISION_HISTORY_ANNOTATION] ? `${out[REVISION_HISTORY_ANNOTATION]},${old}` : String(old);
  }
  out[DESIRED_REPLICAS_ANNOTATION] = String(replicas);
  out[MAX_REPLICAS_ANNOTATION] = String(replicas + maxSurge(d, replicas));
  return out;
}

/** Enough attempts to step past any realistic run of hash collisions. */
const MAX_COLLISIONS = 100;

/** Container lists of a pod spec whose `resources` is a Go struct (not a pointer) upstream. */
const CONTAINER_LISTS = ['containers', 'initContainers', 'ephemeralContainers'];

/**
 * `resources: {}` dropped: upstream compares the decoded Go structs, where an empty ResourceRequirements
 * equals an absent one, and kubectl's rollout undo sends the template back with `resources: {}`.
 */
function withoutEmptyResources(spec: PodTemplateSpec['spec']): PodTemplateSpec['spec'] {
  const s = spec as unknown as Record<string, unknown>;
  let out: Record<string, unknown> | undefined;
  for (const list of CONTAINER_LISTS) {
    const containers = s[list];
    if (!Array.isArray(containers)) continue;
    const isEmpty = (c: Record<string, unknown>): boolean => typeof c.resources === 'object' && c.resources !== null && Object.keys(c.resources).length === 0;
    if (!(containers as Record<string, unknown>[]).some(isEmpty)) continue;
    out ??= { ...s };
    out[list] = (containers as Record<string, unknown>[]).map((c) => {
      if (!isEmpty(c)) return c;
      const { resources: _empty, ...rest } = c;
      return rest;
    });
  }
  return (out ?? s) as unknown as PodTemplateSpec['spec'];
}

function withoutHashLabel(template: PodTemplateSpec): PodTemplateSpec {
  const labels = { ...(template.metadata?.labels ?? {}) };
  delete labels[POD_TEMPLATE_HASH_LABEL];
  return { ...template, metadata: { ...(template.metadata ?? {}), labels }, spec: withoutEmptyResources(template.spec) };
}

/** deploymentutil.EqualIgnoreHash (semantic: an empty `resources` equals none). */
export function equalIgnoreHash(a: PodTemplateSpec, b: PodTemplateSpec): boolean {
  return sameContent(withoutHashLabel(a), withoutHashLabel(b));
}

type Strategy = { type?: string; rollingUpdate?: { maxSurge?: number | string; maxUnavailable?: number | string } } | undefined;

/** intstr.GetScaledValueFromIntOrPercent: a count as given, `N%` of `total` rounded up or down (anything else: 0). */
function scaled(v: number | string, total: number, roundUp: boolean): number {
  if (typeof v === 'number') return v;
  const m = /^(\d+)%$/.exec(v);
  if (!m) return 0;
  const x = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(x) : Math.floor(x);
}

/** maxSurge resolved against `replicas` (RollingUpdate default 25%, rounded up; Recreate: none). */
function maxSurge(d: Deployment, replicas: number): number {
  const strategy = d.spec.strategy as Strategy;
  if (strategy?.type === 'Recreate') return 0;
  return scaled(strategy?.rollingUpdate?.maxSurge ?? '25%', replicas, true);
}

/** deploymentutil.MaxUnavailable: RollingUpdate's maxUnavailable (default 25%, rounded down), at least 1 when maxSurge is 0. */
export function maxUnavailable(d: Deployment): number {
  const desired = d.spec.replicas ?? 1;
  const strategy = d.spec.strategy as Strategy;
  if (strategy?.type === 'Recreate' || desired === 0) return 0;
  let unavailable = scaled(strategy?.rollingUpdate?.maxUnavailable ?? '25%', desired, false);
  if (maxSurge(d, desired) === 0 && unavailable === 0) unavailable = 1;
  return Math.min(unavailable, desired);
}

function revisionOf(rs: ReplicaSet): number {
  const n = Number(rs.metadata.annotations?.[REVISION_ANNOTATION]);
  return Number.isInteger(n) ? n : 0;
}

/** ReplicaSets by the key of the Deployment controlling them (kept in step by the working set). */
export const REPLICASETS_BY_DEPLOYMENT: IndexSpec<ReplicaSet> = {
  kind: 'ReplicaSet',
  alike: (a, b) => a.metadata === b.metadata,
  buckets: (rs) => {
    const ref = controllerRef(rs);
    return ref?.kind === 'Deployment' ? objectKey('Deployment', rs.metadata.namespace, ref.name) : undefined;
  },
};

/** Reconciles `only` (in namespace/name order; default: every Deployment). */
export function reconcileDeployments(ctx: ReconcileContext, only?: readonly Deployment[]): void {
  const { objects } = ctx;
  const owned = objects.index(REPLICASETS_BY_DEPLOYMENT);

  for (const listed of only ?? objects.list<Deployment>('Deployment')) {
    const sets = owned.sorted(keyOf(listed));
    const d = ensureOwnerUID(objects, listed, sets);
    const replicas = d.spec.replicas ?? 1;
    const matching = sets.filter((rs) => equalIgnoreHash(rs.spec.template, d.spec.template));
    // Several matches (only in odd dumps): prefer the one already running, then the newest revision.
    matching.sort((a, b) => Number((b.spec.replicas ?? 1) > 0) - Number((a.spec.replicas ?? 1) > 0) || revisionOf(b) - revisionOf(a));
    const found: ReplicaSet | undefined = matching[0];
    if ((d.spec as { paused?: boolean }).paused && !(found && (found.spec.replicas ?? 1) > 0)) {
      scalePaused(objects, d, sets, replicas);
      continue;
    }
    // The new ReplicaSet's revision follows every other one's (a rolled-back-to set moves up).
    const revision = Math.max(0, ...sets.filter((rs) => rs !== found).map(revisionOf)) + 1;
    let current: KObject | undefined = found;
    if (found) {
      const annotations = newReplicaSetAnnotations(d, found, revision, replicas);
      current = putIfChanged(objects, found, { ...found, metadata: { ...found.metadata, annotations }, spec: { ...found.spec, replicas } });
    } else {
      current = createReplicaSet(ctx, d, replicas, revision);
    }
    for (const rs of sets) {
      if (rs === found || (rs.spec.replicas ?? 1) === 0) continue;
      putIfChanged(objects, rs, { ...rs, spec: { ...rs.spec, replicas: 0 } });
    }
    cleanupOldReplicaSets(objects, d, sets.filter((rs) => rs !== found));
    // SetDeploymentRevision: the Deployment carries its new ReplicaSet's revision.
    const newRevision = current?.metadata.annotations?.[REVISION_ANNOTATION];
    if (newRevision && d.metadata.annotations?.[REVISION_ANNOTATION] !== newRevision) {
      objects.put({ ...d, metadata: { ...d.metadata, annotations: { ...(d.metadata.annotations ?? {}), [REVISION_ANNOTATION]: newRevision } } });
    }
  }
}

/**
 * A paused Deployment rolls nothing out (sync.go: no new ReplicaSet is created, none is switched to);
 * it is only scaled: a single active ReplicaSet takes spec.replicas.
 */
function scalePaused(objects: ObjectSet, d: Deployment, sets: readonly ReplicaSet[], replicas: number): void {
  const active = sets.filter((rs) => (rs.spec.replicas ?? 1) > 0);
  const only = active.length === 1 ? active[0] : active.length === 0 && sets.length ? [...sets].sort((a, b) => revisionOf(b) - revisionOf(a))[0] : undefined;
  if (!only || (only.spec.replicas ?? 1) === replicas) return;
  const annotations = { ...(only.metadata.annotations ?? {}), [DESIRED_REPLICAS_ANNOTATION]: String(replicas), [MAX_REPLICAS_ANNOTATION]: String(replicas + maxSurge(d, replicas)) };
  objects.put({ ...only, metadata: { ...only.metadata, annotations }, spec: { ...only.spec, replicas } });
}

/**
 * cleanupDeployment: beyond spec.revisionHistoryLimit (default 10), the oldest revisions among the
 * old ReplicaSets scaled to 0 are deleted. Upstream waits for their pods to be gone; podnet converges
 * in one pass, so their pods (the ReplicaSet controller would delete them in this pass) go with them.
 */
function cleanupOldReplicaSets(objects: ObjectSet, d: Deployment, old: readonly ReplicaSet[]): void {
  const limit = (d.spec as { revisionHistoryLimit?: number }).revisionHistoryLimit ?? 10;
  const now = (rs: ReplicaSet): ReplicaSet | undefined => objects.get<ReplicaSet>('ReplicaSet', rs.metadata.namespace, rs.metadata.name);
  const cleanable = old.filter((rs) => (now(rs)?.spec.replicas ?? 1) === 0);
  if (cleanable.length <= limit) return;
  const byRevision = [...cleanable].sort((a, b) => revisionOf(a) - revisionOf(b) || (a.metadata.name < b.metadata.name ? -1 : 1));
  const pods = new PodsByOwner(objects);
  for (const rs of byRevision.slice(0, cleanable.length - limit)) {
    for (const pod of pods.ownedBy(rs)) objects.delete(keyOf(pod));
    objects.delete(keyOf(rs));
  }
}

function createReplicaSet(ctx: ReconcileContext, d: Deployment, replicas: number, revision: number): ReplicaSet | undefined {
  const { objects } = ctx;
  const ns = d.metadata.namespace;
  const start = (d.status as { collisionCount?: number } | undefined)?.collisionCount ?? 0;
  for (let collisions = start; collisions < start + MAX_COLLISIONS; collisions++) {
    const hash = podTemplateHash(d.spec.template, collisions);
    const name = `${d.metadata.name}-${hash}`;
    const existing = objects.get<ReplicaSet>('ReplicaSet', ns, name);
    // A name taken by another object (or by an owned set with another template) is a hash collision.
    if (existing && !(isControlledBy(existing, d) && equalIgnoreHash(existing.spec.template, d.spec.template))) continue;
    const labels = { ...(d.spec.template.metadata?.labels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash };
    const rs: ReplicaSet = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name,
        namespace: ns,
        uid: uidFor(objectKey('ReplicaSet', ns, name)),
        labels,
        annotations: newReplicaSetAnnotations(d, undefined, revision, replicas),
        ownerReferences: [ownerReferenceTo(d)],
      },
      spec: {
        replicas,
        ...(d.spec.minReadySeconds !== undefined ? { minReadySeconds: d.spec.minReadySeconds } : {}),
        selector: { ...structuredClone(d.spec.selector), matchLabels: { ...(d.spec.selector.matchLabels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash } },
        template: { ...structuredClone(d.spec.template), metadata: { ...structuredClone(d.spec.template.metadata ?? {}), labels: { ...labels } } },
      },
    };
    if (existing) return putIfChanged(objects, existing, { ...existing, metadata: { ...existing.metadata, annotations: newReplicaSetAnnotations(d, existing, revision, replicas) }, spec: { ...existing.spec, replicas } });
    objects.put(rs);
    return rs;
  }
  ctx.warnings.push(`Deployment ${ns}/${d.metadata.name}: no free ReplicaSet name after ${MAX_COLLISIONS} hash collisions; no pods created`);
  return undefined;
}
