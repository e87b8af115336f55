/**
 * Indexes of the working set's pods that the pod-side controllers query instead of walking every
 * pod on each pass (ObjectSet keeps them in step with every put and delete). Each bucket function
 * states exactly the predicate the controller's full walk applied, so a query answers what the walk
 * would have found.
 */
import { objectKey } from '../api/kinds.ts';
import type { Pod, PodStatus } from '../api/types.ts';
import type { IndexSpec } from '../cluster/object-set.ts';
import { canonicalIP } from './ip-allocator.ts';
import { controllerRef, WORKLOAD_KINDS } from './ownership.ts';
import { isTerminal } from './pod-template.ts';

/** The node a pod is bound to (spec.nodeName, when a non-empty string). */
export function boundNode(pod: Pod): string | undefined {
  const n = pod.spec?.nodeName;
  return typeof n === 'string' && n !== '' ? n : undefined;
}

/** Same spec and status objects (and deletion mark): filed alike by every index below that reads them. */
const sameSpecAndStatus = (a: Pod, b: Pod): boolean => a.spec === b.spec && a.status === b.status && a.metadata.deletionTimestamp === b.metadata.deletionTimestamp;

/** Pods by the node they are bound to. */
export const PODS_BY_NODE: IndexSpec<Pod> = { kind: 'Pod', buckets: boundNode, alike: (a, b) => a.spec === b.spec };

/** Pods the scheduler counts as a node's load: bound, neither finished nor being deleted. */
export const ACTIVE_PODS_BY_NODE: IndexSpec<Pod> = {
  kind: 'Pod',
  alike: sameSpecAndStatus,
  buckets: (pod) => (isTerminal(pod) || pod.metadata.deletionTimestamp ? undefined : boundNode(pod)),
};

/** Pods the scheduler has to place: no node, neither finished nor being deleted. */
export const UNSCHEDULED_PODS: IndexSpec<Pod> = {
  kind: 'Pod',
  alike: sameSpecAndStatus,
  buckets: (pod) => (isTerminal(pod) || pod.metadata.deletionTimestamp || pod.spec.nodeName ? undefined : ''),
};

/** Pods by the pod IP they hold (canonical text): not hostNetwork, not finished. */
export const PODS_BY_IP: IndexSpec<Pod> = {
  kind: 'Pod',
  alike: sameSpecAndStatus,
  buckets: (pod) => (pod.spec.hostNetwork || isTerminal(pod) ? undefined : canonicalIP(pod.status?.podIP)),
};

/** A status pod IPAM wrote when the node range was exhausted: retried, not kept. */
export function isContainerCreating(status: PodStatus | undefined): boolean {
  if (!status || status.phase !== 'Pending' || status.podIP) return false;
  const cs = status.containerStatuses as { state?: { waiting?: { reason?: string } } }[] | undefined;
  return !!cs?.length && cs.every((c) => c.state?.waiting?.reason === 'ContainerCreating');
}

/** Whether a status has every field pod IPAM fills in (then pod IPAM leaves the pod alone). */
export function isCompleteStatus(status: PodStatus | undefined): boolean {
  return !!status && status.phase !== undefined && !!status.podIP && !!status.podIPs && !!status.hostIP && !!status.hostIPs && !!status.conditions && status.containerStatuses !== undefined;
}

/**
 * Pods pod IPAM has something to do for, by node: bound, neither finished nor being deleted, and
 * without a complete status (a ContainerCreating status counts as none: it is retried).
 */
export const PODS_WANTING_IPAM: IndexSpec<Pod> = {
  kind: 'Pod',
  alike: sameSpecAndStatus,
  buckets: (pod) => {
    if (!pod.spec.nodeName || isTerminal(pod) || pod.metadata.deletionTimestamp) return undefined;
    const given = isContainerCreating(pod.status) ? undefined : pod.status;
    return isCompleteStatus(given) ? undefined : pod.spec.nodeName;
  },
};

const ownerKey = (kind: string, namespace: string | undefined, name: string): string => `${kind}/${namespace ?? ''}/${name}`;

/** Pods by their controller (`Kind/namespace/name`), or `orphan/namespace` without one. */
export const PODS_BY_CONTROLLER: IndexSpec<Pod> = {
  kind: 'Pod',
  alike: (a, b) => a.metadata === b.metadata,
  buckets: (pod) => {
    const ref = controllerRef(pod);
    return ref ? ownerKey(ref.kind, pod.metadata.namespace, ref.name) : `orphan/${pod.metadata.namespace ?? ''}`;
  },
};

export const controllerBucket = (owner: { kind: string; metadata: { namespace?: string; name: string } }): string => ownerKey(owner.kind, owner.metadata.namespace, owner.metadata.name);
export const orphanBucket = (namespace: string | undefined): string => `orphan/${namespace ?? ''}`;

/**
 * Pods the garbage collector may delete, by the key of each owner they reference: those with owner
 * references, all to workload kinds (an owner of another kind is never judged missing).
 */
export const PODS_BY_WORKLOAD_OWNER: IndexSpec<Pod> = {
  kind: 'Pod',
  alike: (a, b) => a.metadata === b.metadata,
  buckets: (pod) => {
    const refs = pod.metadata.ownerReferences ?? [];
    if (refs.length === 0 || !refs.every((r) => WORKLOAD_KINDS.includes(r.kind))) return undefined;
    return refs.map((r) => objectKey(r.kind, pod.metadata.namespace, r.name));
  },
};
