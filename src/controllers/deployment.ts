/**
 * Deployment controller (pkg/controller/deployment), at its converged state: the ReplicaSet whose
 * template equals the Deployment's (ignoring the pod-template-hash label) runs spec.replicas pods and
 * every other ReplicaSet the Deployment owns is scaled to 0. When none matches, a new one is created,
 * named `<deployment>-<pod-template-hash>`, the hash added to its selector, labels and template; a
 * ReplicaSet already owned (a dump's, or an earlier revision rolled back to) is reused, not recreated.
 */
import type { Deployment, KObject, PodTemplateSpec, ReplicaSet } from '../api/types.ts';
import { objectKey } from '../api/kinds.ts';
import type { ReconcileContext } from './context.ts';
import { podTemplateHash, uidFor } from './names.ts';
import { sameContent, putIfChanged } from './object-changes.ts';
import { controllerRef, ensureOwnerUID, isControlledBy, ownerReferenceTo } from './ownership.ts';

export const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';
const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
const DESIRED_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/desired-replicas';
const MAX_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/max-replicas';

/** Enough attempts to step past any realistic run of hash collisions. */
const MAX_COLLISIONS = 100;

function withoutHashLabel(template: PodTemplateSpec): PodTemplateSpec {
  const labels = { ...(template.metadata?.labels ?? {}) };
  delete labels[POD_TEMPLATE_HASH_LABEL];
  return { ...template, metadata: { ...(template.metadata ?? {}), labels } };
}

/** deploymentutil.EqualIgnoreHash. */
export function equalIgnoreHash(a: PodTemplateSpec, b: PodTemplateSpec): boolean {
  return sameContent(withoutHashLabel(a), withoutHashLabel(b));
}

/** maxSurge resolved against `replicas` (RollingUpdate default 25%, rounded up; Recreate: none). */
function maxSurge(d: Deployment, replicas: number): number {
  const strategy = d.spec.strategy as { type?: string; rollingUpdate?: { maxSurge?: number | string } } | undefined;
  if (strategy?.type === 'Recreate') return 0;
  const v = strategy?.rollingUpdate?.maxSurge ?? '25%';
  if (typeof v === 'number') return v;
  const m = /^(\d+)%$/.exec(v);
  return m ? Math.ceil((Number(m[1]) * replicas) / 100) : 0;
}

function revisionOf(rs: ReplicaSet): number {
  const n = Number(rs.metadata.annotations?.[REVISION_ANNOTATION]);
  return Number.isInteger(n) ? n : 0;
}

/** Reconciles `only` (in namespace/name order; default: every Deployment). */
export function reconcileDeployments(ctx: ReconcileContext, only?: readonly Deployment[]): void {
  const { objects } = ctx;
  const owned = new Map<string, ReplicaSet[]>();
  for (const rs of objects.list<ReplicaSet>('ReplicaSet')) {
    const ref = controllerRef(rs);
    if (ref?.kind !== 'Deployment') continue;
    const key = `${rs.metadata.namespace}/${ref.name}`;
    owned.set(key, [...(owned.get(key) ?? []), rs]);
  }

  for (const listed of only ?? objects.list<Deployment>('Deployment')) {
    const sets = owned.get(`${listed.metadata.namespace}/${listed.metadata.name}`) ?? [];
    const d = ensureOwnerUID(objects, listed, sets);
    const replicas = d.spec.replicas ?? 1;
    const matching = sets.filter((rs) => equalIgnoreHash(rs.spec.template, d.spec.template));
    // Several matches (only in odd dumps): prefer the one already running, then the newest revision.
    matching.sort((a, b) => Number((b.spec.replicas ?? 1) > 0) - Number((a.spec.replicas ?? 1) > 0) || revisionOf(b) - revisionOf(a));
    let current: KObject | undefined = matching[0];
    if (current) {
      const rs = current as ReplicaSet;
      if ((rs.spec.replicas ?? 1) !== replicas) putIfChanged(objects, rs, { ...rs, spec: { ...rs.spec, replicas } });
    } else {
      current = createReplicaSet(ctx, d, replicas, sets);
    }
    for (const rs of sets) {
      if (rs === current || (rs.spec.replicas ?? 1) === 0) continue;
      putIfChanged(objects, rs, { ...rs, spec: { ...rs.spec, replicas: 0 } });
    }
  }
}

function createReplicaSet(ctx: ReconcileContext, d: Deployment, replicas: number, sets: readonly ReplicaSet[]): ReplicaSet | undefined {
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
    const revision = Math.max(0, ...sets.map(revisionOf)) + 1;
    const rs: ReplicaSet = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name,
        namespace: ns,
        uid: uidFor(objectKey('ReplicaSet', ns, name)),
        labels,
        annotations: {
          [DESIRED_REPLICAS_ANNOTATION]: String(replicas),
          [MAX_REPLICAS_ANNOTATION]: String(replicas + maxSurge(d, replicas)),
          [REVISION_ANNOTATION]: String(revision),
        },
        ownerReferences: [ownerReferenceTo(d)],
      },
      spec: {
        replicas,
        ...(d.spec.minReadySeconds !== undefined ? { minReadySeconds: d.spec.minReadySeconds } : {}),
        selector: { ...structuredClone(d.spec.selector), matchLabels: { ...(d.spec.selector.matchLabels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash } },
        template: { ...structuredClone(d.spec.template), metadata: { ...structuredClone(d.spec.template.metadata ?? {}), labels: { ...labels } } },
      },
    };
    if (existing) return putIfChanged(objects, existing, { ...existing, spec: { ...existing.spec, replicas } });
    objects.put(rs);
    return rs;
  }
  ctx.warnings.push(`Deployment ${ns}/${d.metadata.name}: no free ReplicaSet name after ${MAX_COLLISIONS} hash collisions; no pods created`);
  return undefined;
}
