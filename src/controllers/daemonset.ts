/**
 * DaemonSet controller (pkg/controller/daemon): one pod per eligible node. A node is eligible when
 * the template's nodeName (if any), nodeSelector and required node affinity match it and its
 * NoSchedule/NoExecute taints are tolerated — counting the tolerations the controller adds to every
 * daemon pod (not-ready, unreachable, disk/memory/pid-pressure, unschedulable, and network-unavailable
 * for hostNetwork pods), so cordoned nodes still run daemons. Pods are named `<set>-<5 characters>`
 * and bound to their node: upstream pins them with a metadata.name node affinity for the scheduler;
 * podnet sets that affinity and spec.nodeName. Pods on nodes no longer eligible are deleted; a pod
 * whose template no longer matches, or that failed, is replaced.
 */
import type { DaemonSet, Node, Pod, PodSpec, Toleration } from '../api/types.ts';
import { keyOf } from '../cluster/object-set.ts';
import { objectKey } from '../api/kinds.ts';
import type { ReconcileContext } from './context.ts';
import { generatedName, podTemplateHash } from './names.ts';
import { podMatchesNode, type Affinity } from './node-affinity.ts';
import { ensureOwnerUID } from './ownership.ts';
import { isTerminal, podFromTemplate, podMatchesDesired } from './pod-template.ts';
import type { PodsByOwner } from './pods-by-owner.ts';
import { effectiveTaints, untoleratedTaint } from './taints.ts';
import { REVISION_HASH_LABEL } from './statefulset.ts';

/** util.AddOrUpdateDaemonPodTolerations. */
export function daemonTolerations(spec: PodSpec): Toleration[] {
  const added: Toleration[] = [
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
  ];
  if (spec.hostNetwork) added.push({ key: 'node.kubernetes.io/network-unavailable', operator: 'Exists', effect: 'NoSchedule' });
  const out = [...(spec.tolerations ?? [])];
  for (const t of added) {
    // Same key, operator, value and effect (Toleration.MatchToleration) is replaced, anything else kept.
    const i = out.findIndex((o) => o.key === t.key && o.effect === t.effect && (o.operator ?? 'Equal') === t.operator && (o.value ?? '') === '');
    if (i >= 0) out[i] = t;
    else out.push(t);
  }
  return out;
}

/** Whether the DaemonSet should run a pod on `node` (NodeShouldRunDaemonPod's predicates). */
export function shouldRunOn(ds: DaemonSet, node: Node): boolean {
  const spec = ds.spec.template.spec;
  if (spec.nodeName && spec.nodeName !== node.metadata.name) return false;
  if (!podMatchesNode(spec, node)) return false;
  return untoleratedTaint(effectiveTaints(node), daemonTolerations(spec)) === undefined;
}

/** util.ReplaceDaemonSetPodNodeNameNodeAffinity: the required terms become "metadata.name In [node]". */
function pinnedAffinity(affinity: Affinity | undefined, nodeName: string): Affinity {
  const required = { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In' as const, values: [nodeName] }] }] };
  return { ...(affinity ?? {}), nodeAffinity: { ...(affinity?.nodeAffinity ?? {}), requiredDuringSchedulingIgnoredDuringExecution: required } };
}

function targetNode(pod: Pod): string | undefined {
  if (pod.spec.nodeName) return pod.spec.nodeName;
  const terms = (pod.spec.affinity as Affinity | undefined)?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  for (const term of terms) {
    for (const f of term.matchFields ?? []) if (f.key === 'metadata.name' && f.operator === 'In' && f.values?.length === 1) return f.values[0];
  }
  return undefined;
}

/** Reconciles `only` (in namespace/name order; default: every DaemonSet). */
export function reconcileDaemonSets(ctx: ReconcileContext, pods: PodsByOwner, only?: readonly DaemonSet[]): void {
  const { objects } = ctx;
  const nodes = objects.list<Node>('Node');
  for (const listed of only ?? objects.list<DaemonSet>('DaemonSet')) {
    const owned = pods.ownedBy(listed);
    const ds = ensureOwnerUID(objects, listed, owned);
    const ns = ds.metadata.namespace ?? 'default';
    const hash = podTemplateHash(ds.spec.template);
    const byNode = new Map<string, Pod[]>();
    for (const pod of owned) {
      if (pod.metadata.deletionTimestamp) continue;
      const n = targetNode(pod) ?? '';
      byNode.set(n, [...(byNode.get(n) ?? []), pod]);
    }
    const eligible = new Set<string>();
    for (const node of nodes) {
      const nodeName = node.metadata.name;
      if (!shouldRunOn(ds, node)) continue;
      eligible.add(nodeName);
      const desired = (name: string): Pod =>
        podFromTemplate(ds.spec.template, ds, { name, namespace: ns, generateName: `${ds.metadata.name}-`, labels: { [REVISION_HASH_LABEL]: hash } }, (spec) => ({
          ...spec,
          nodeName,
          affinity: pinnedAffinity(spec.affinity as Affinity | undefined, nodeName),
          tolerations: daemonTolerations(spec),
        }));
      const [keep, ...extra] = byNode.get(nodeName) ?? [];
      for (const pod of extra) objects.delete(keyOf(pod));
      if (keep && !isTerminal(keep) && podMatchesDesired(keep, desired(keep.metadata.name))) continue;
      if (keep) objects.delete(keyOf(keep));
      let name: string;
      let attempt = 0;
      do name = generatedName(`${ds.metadata.name}-`, `${ns}/${ds.metadata.name}/${nodeName}/${hash}#${attempt++}`);
      while (objects.get('Pod', ns, name) || ctx.deleted?.has(objectKey('Pod', ns, name)));
      objects.put(desired(name));
    }
    for (const [nodeName, list] of byNode) {
      if (!eligible.has(nodeName)) for (const pod of list) objects.delete(keyOf(pod));
    }
  }
}
