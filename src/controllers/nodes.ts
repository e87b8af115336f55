/**
 * Nodes: the Node objects given, else the names of ClusterConfig.nodes; a pod being applied with a
 * spec.nodeName no Node has creates that node (as if its kubelet had registered). Every node gets
 * what its kubelet would register: the well-known labels kubernetes.io/hostname, kubernetes.io/os
 * and kubernetes.io/arch (nodeSelectors such as CoreDNS's `kubernetes.io/os: linux` rely on them)
 * and a Ready condition when none is given. Stored pods bound to a node that no longer exists are
 * deleted, as the pod garbage collector does, so their controllers replace them elsewhere.
 */
import type { Node, NodeCondition, Pod } from '../api/types.ts';
import { compareObjects, keyOf } from '../cluster/object-set.ts';
import type { ReconcileContext } from './context.ts';
import { putIfChanged } from './object-changes.ts';
import { boundNode, PODS_BY_NODE } from './pod-indexes.ts';

/** kubeadm's control-plane node role label and taint. */
export const CONTROL_PLANE_ROLE = 'node-role.kubernetes.io/control-plane';

/** A kubeadm static control-plane pod (kube-apiserver, etcd, …), as a dump lists its mirror pod. */
function isControlPlanePod(pod: Pod): boolean {
  return pod.metadata.labels?.tier === 'control-plane';
}

/**
 * A node reconstructed from a dump that runs kubeadm's control-plane pods gets kubeadm's role label
 * and NoSchedule taint, so workloads (and DaemonSets not tolerating it) stay off it as they did.
 */
function asControlPlane(node: Node): Node {
  return {
    ...node,
    metadata: { ...node.metadata, labels: { ...(node.metadata.labels ?? {}), [CONTROL_PLANE_ROLE]: '' } },
    spec: { ...(node.spec ?? {}), taints: [...(node.spec?.taints ?? []), { key: CONTROL_PLANE_ROLE, effect: 'NoSchedule' }] },
  };
}

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

/** Whether a pod is one the user supplied in this apply, without building a key per stored pod. */
function sourcePods(ctx: ReconcileContext): (pod: Pod) => boolean {
  const byNamespace = new Map<string, Set<string>>();
  // Sources are keyed by keyOf(s.object): the kind, namespace and name say the same as the key.
  for (const s of ctx.sources.values()) {
    if (s.object.kind !== 'Pod') continue;
    const ns = s.object.metadata.namespace ?? '';
    let names = byNamespace.get(ns);
    if (!names) byNamespace.set(ns, (names = new Set()));
    names.add(s.object.metadata.name);
  }
  return (pod) => byNamespace.get(pod.metadata.namespace ?? '')?.has(pod.metadata.name) ?? false;
}

export function reconcileNodes(ctx: ReconcileContext): void {
  const { objects, config } = ctx;
  const byNode = objects.index(PODS_BY_NODE);
  const isSource = sourcePods(ctx);

  // Nodes this apply creates for pods naming them: what those pods show is all we know of them.
  const reconstructed = new Set<string>();
  for (const s of ctx.sources.values()) {
    if (s.object.kind !== 'Pod') continue;
    const pod = objects.byKey(keyOf(s.object)) as Pod | undefined;
    const n = pod && boundNode(pod);
    if (n !== undefined && !objects.get('Node', undefined, n)) reconstructed.add(n);
  }

  // Only pods bound to a node that does not exist (yet) have anything to do: those being applied
  // register it, the others go.
  const missing = [...byNode.buckets()].filter((n) => !objects.get('Node', undefined, n));

  if (objects.count('Node') === 0) {
    // A dump's pods name the nodes of another cluster: then those are the cluster, not config.nodes.
    const foreign = [...byNode.buckets()].some((n) => !config.nodes.includes(n));
    if (!foreign) for (const name of config.nodes) objects.put(newNode(name));
  }

  // In namespace/name order: the first such pod decides what the node is.
  const pods = missing.flatMap((n) => byNode.objects(n)).sort(compareObjects);
  // Node lookups by name, kept in step with the nodes this loop puts.
  const nodes = new Map<string, Node | undefined>();
  const nodeNamed = (name: string): Node | undefined => {
    if (!nodes.has(name)) nodes.set(name, objects.get<Node>('Node', undefined, name));
    return nodes.get(name);
  };
  const putNode = (node: Node): void => {
    objects.put(node);
    nodes.set(node.metadata.name, node);
  };
  for (const pod of pods) {
    const nodeName = boundNode(pod)!;
    const existing = nodeNamed(nodeName);
    if (!isSource(pod)) {
      if (!existing) objects.delete(keyOf(pod));
      continue;
    }
    if (!existing) putNode(isControlPlanePod(pod) ? asControlPlane(newNode(nodeName)) : newNode(nodeName));
    else if (isControlPlanePod(pod) && reconstructed.has(nodeName) && existing.metadata.labels?.[CONTROL_PLANE_ROLE] === undefined) putNode(asControlPlane(existing));
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
