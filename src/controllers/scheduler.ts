/**
 * Scheduler (kube-scheduler's filter plugins, with a deterministic score): a pod with spec.nodeName
 * stays where it is. Every other pod, in namespace/name order, is bound to a node that passes the
 * filters — NodeUnschedulable (spec.unschedulable unless tolerated), NodeAffinity (nodeSelector and
 * required node affinity), TaintToleration (NoSchedule/NoExecute taints) — choosing the node with the
 * fewest pods, ties broken by node name. A pod no node fits stays Pending with condition PodScheduled
 * False, reason Unschedulable, and the scheduler's "0/N nodes are available: …" message.
 */
import type { Node, Pod, PodCondition } from '../api/types.ts';
import type { ReconcileContext } from './context.ts';
import { podMatchesNode } from './node-affinity.ts';
import { putIfChanged } from './object-changes.ts';
import { ACTIVE_PODS_BY_NODE, UNSCHEDULED_PODS } from './pod-indexes.ts';
import { UNSCHEDULABLE_TAINT, untoleratedTaint } from './taints.ts';

/** Why a node was filtered out: the first failing plugin, in the default profile's order, in its words. */
export function filterReason(pod: Pod, node: Node): string | undefined {
  if (node.spec?.unschedulable && untoleratedTaint([UNSCHEDULABLE_TAINT], pod.spec.tolerations)) return 'node(s) were unschedulable';
  const taint = untoleratedTaint(node.spec?.taints, pod.spec.tolerations);
  if (taint) return `node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`;
  if (!podMatchesNode(pod.spec, node)) return "node(s) didn't match Pod's node affinity/selector";
  return undefined;
}

/** framework.FitError's message: the reasons counted, sorted, joined. */
export function unschedulableMessage(nodeCount: number, reasons: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const r of reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
  const parts = [...counts].map(([r, n]) => `${n} ${r}`).sort();
  return `0/${nodeCount} nodes are available${parts.length ? `: ${parts.join(', ')}` : ''}.`;
}

function isUnschedulableStatus(pod: Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'PodScheduled' && c.status === 'False') ?? false;
}

export function reconcileScheduler(ctx: ReconcileContext): void {
  const { objects } = ctx;
  const nodes = objects.list<Node>('Node');
  // A node's load: the pods bound to it, neither finished nor being deleted.
  const active = objects.index(ACTIVE_PODS_BY_NODE);
  const load = new Map<string, number>(nodes.map((n) => [n.metadata.name, active.count(n.metadata.name)]));
  const pending = objects.index(UNSCHEDULED_PODS).sorted('');

  // Filters depend only on a pod's constraints, which replicas share: evaluate once per distinct set.
  const feasibility = new Map<string, { feasible: Node[]; reasons: string[] }>();
  for (const pod of pending) {
    const { nodeSelector, tolerations, affinity } = pod.spec;
    const signature = nodeSelector || tolerations || affinity ? JSON.stringify([nodeSelector, tolerations, affinity]) : '';
    let fit = feasibility.get(signature);
    if (!fit) {
      fit = { feasible: [], reasons: [] };
      for (const node of nodes) {
        const reason = filterReason(pod, node);
        if (reason) fit.reasons.push(reason);
        else fit.feasible.push(node);
      }
      feasibility.set(signature, fit);
    }
    const reasons = fit.reasons;
    let best: Node | undefined;
    for (const node of fit.feasible) {
      if (!best || (load.get(node.metadata.name) ?? 0) < (load.get(best.metadata.name) ?? 0)) best = node;
    }
    const id = `${pod.metadata.namespace}/${pod.metadata.name}`;
    if (!best) {
      const message = unschedulableMessage(nodes.length, reasons);
      ctx.warnings.push(`Pod ${id} stays Pending: ${message}`);
      const condition: PodCondition = { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message };
      putIfChanged(objects, pod, { ...pod, status: { ...(pod.status ?? {}), phase: 'Pending', conditions: [condition] } });
      continue;
    }
    const nodeName = best.metadata.name;
    load.set(nodeName, (load.get(nodeName) ?? 0) + 1);
    // A pod that waited as Unschedulable starts afresh: the kubelet writes its status from here.
    const { status, ...rest } = pod;
    objects.put({ ...rest, spec: { ...pod.spec, nodeName }, ...(status && !isUnschedulableStatus(pod) ? { status } : {}) } as Pod);
  }
}
