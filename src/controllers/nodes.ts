/**
 * Nodes: the Node objects given, else the names of ClusterConfig.nodes; a pod being applied with a
 * spec.nodeName no Node has creates that node (as if its kubelet had registered). Every node gets
 * what its kubelet would register: the well-known labels kubernetes.io/hostname, kubernetes.io/os
 * and kubernetes.io/arch (nodeSelectors such as CoreDNS's `kubernetes.io/os: linux` rely on them)
 * and a Ready condition when none is given. Stored pods bound to a node that no longer exists are
 * deleted, as the pod garbage collector does, so their controllers replace them elsewhere.
 */
import type { Node, NodeCondition, Pod } from '../api/types.ts';
import { keyOf } from '../cluster/object-set.ts';
import type { ReconcileContext } from './context.ts';
import { putIfChanged } from './object-changes.ts';

export function newNode(name: string): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: wellKnownLabels(name) },
    spec: {},
    status: { conditions: [readyCondition()] },
  };
}

function wellKnownLabels(name: string): Record<string, string> {
  return { 'kubernetes.io/arch': 'amd64', 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux' };
}

function readyCondition(): NodeCondition {
  return { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' };
}

export function reconcileNodes(ctx: ReconcileContext): void {
  const { objects, config } = ctx;
  const pods = objects.list<Pod>('Pod');
  const bound = (p: Pod): string | undefined => (typeof p.spec?.nodeName === 'string' && p.spec.nodeName !== '' ? p.spec.nodeName : undefined);

  if (objects.list('Node').length === 0) {
    // A dump's pods name the nodes of another cluster: then those are the cluster, not config.nodes.
    const foreign = pods.some((p) => {
      const n = bound(p);
      return n !== undefined && !config.nodes.includes(n);
    });
    if (!foreign) for (const name of config.nodes) objects.put(newNode(name));
  }

  for (const pod of pods) {
    const nodeName = bound(pod);
    if (nodeName === undefined || objects.get('Node', undefined, nodeName)) continue;
    if (ctx.sources.has(keyOf(pod))) objects.put(newNode(nodeName));
    else objects.delete(keyOf(pod));
  }

  for (const node of objects.list<Node>('Node')) {
    const labels = node.metadata.labels ?? {};
    const wanted = wellKnownLabels(node.metadata.name);
    const missingLabel = Object.keys(wanted).some((k) => labels[k] === undefined);
    const hasConditions = (node.status?.conditions?.length ?? 0) > 0;
    if (!missingLabel && hasConditions) continue;
    putIfChanged(objects, node, {
      ...node,
      metadata: { ...node.metadata, labels: { ...wanted, ...labels } },
      status: { ...(node.status ?? {}), conditions: hasConditions ? node.status?.conditions : [readyCondition()] },
    });
  }
}
