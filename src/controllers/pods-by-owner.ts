/**
 * The pods each workload controls, and the orphans (no controller reference) a workload may adopt,
 * indexed once per reconcile so every controller is linear in the number of pods.
 */
import type { KObject, Pod } from '../api/types.ts';
import type { ObjectSet } from '../cluster/object-set.ts';
import { controllerRef } from './ownership.ts';

const ownerKey = (kind: string, namespace: string | undefined, name: string): string => `${kind}/${namespace ?? ''}/${name}`;

export class PodsByOwner {
  private readonly owned = new Map<string, Pod[]>();
  private readonly orphanPods = new Map<string, Pod[]>();

  constructor(objects: ObjectSet) {
    for (const pod of objects.list<Pod>('Pod')) {
      const ref = controllerRef(pod);
      const key = ref ? ownerKey(ref.kind, pod.metadata.namespace, ref.name) : pod.metadata.namespace ?? '';
      const map = ref ? this.owned : this.orphanPods;
      let list = map.get(key);
      if (!list) map.set(key, (list = []));
      list.push(pod);
    }
  }

  /** Pods whose controller reference names `owner` (sorted by name). */
  ownedBy(owner: KObject): Pod[] {
    return [...(this.owned.get(ownerKey(owner.kind, owner.metadata.namespace, owner.metadata.name)) ?? [])];
  }

  /** Pods in `namespace` without a controller (sorted by name). */
  orphans(namespace: string | undefined): readonly Pod[] {
    return this.orphanPods.get(namespace ?? '') ?? [];
  }

  /** Records that `pod` (an orphan) now belongs to `owner`, so no other workload adopts it. */
  adopted(pod: Pod, owner: KObject): void {
    const ns = pod.metadata.namespace ?? '';
    const list = this.orphanPods.get(ns);
    if (list) this.orphanPods.set(ns, list.filter((p) => p.metadata.name !== pod.metadata.name));
    const key = ownerKey(owner.kind, owner.metadata.namespace, owner.metadata.name);
    this.owned.set(key, [...(this.owned.get(key) ?? []), pod]);
  }
}
