/**
 * The pods each workload controls, and the orphans (no controller reference) a workload may adopt,
 * answered from the working set's pod index by controller, so a pass costs what the workloads own
 * rather than every pod. The index follows every put and delete: a pod adopted (its controller
 * reference written) leaves the orphans at once.
 */
import type { KObject, Pod } from '../api/types.ts';
import type { ObjectIndex, ObjectSet } from '../cluster/object-set.ts';
import { controllerBucket, orphanBucket, PODS_BY_CONTROLLER } from './pod-indexes.ts';

export class PodsByOwner {
  private readonly index: ObjectIndex<Pod>;

  constructor(objects: ObjectSet) {
    this.index = objects.index(PODS_BY_CONTROLLER);
  }

  /** Pods whose controller reference names `owner` (sorted by name). */
  ownedBy(owner: KObject): Pod[] {
    return this.index.sorted(controllerBucket(owner));
  }

  /** Pods in `namespace` without a controller (sorted by name). */
  orphans(namespace: string | undefined): readonly Pod[] {
    return this.index.sorted(orphanBucket(namespace));
  }
}
