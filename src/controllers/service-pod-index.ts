/**
 * Pods a Service selects (spec.selector: every key=value must match, pods of the Service's namespace
 * only), answered from the working set's index of pods by namespace and label pair, kept in step
 * with every put and delete: only the pods carrying the rarest selector pair are checked, so
 * thousands of Services over thousands of pods stay cheap and a pass pays for no index rebuild.
 */
import type { Labels, Pod, Service } from '../api/types.ts';
import { type IndexSpec, type ObjectIndex, type ObjectSet } from '../cluster/object-set.ts';

const pairKey = (namespace: string, k: string, v: string): string => `${namespace}\u0000${k}\u0000${v}`;

/** Pods by `namespace, label key, label value`, one bucket per label the pod carries. */
export const PODS_BY_LABEL: IndexSpec<Pod> = {
  kind: 'Pod',
  alike: (a, b) => a.metadata.labels === b.metadata.labels && a.metadata.namespace === b.metadata.namespace,
  buckets: (pod) => {
    const labels = pod.metadata.labels;
    if (!labels) return undefined;
    const ns = pod.metadata.namespace ?? '';
    return Object.entries(labels).map(([k, v]) => pairKey(ns, k, v));
  },
};

/** Services with a selector, by `namespace, key, value` of each selector pair. */
export const SERVICES_BY_SELECTOR_PAIR: IndexSpec<Service> = {
  kind: 'Service',
  buckets: (svc) => {
    if (!hasSelector(svc)) return undefined;
    const ns = svc.metadata.namespace ?? '';
    return Object.entries(svc.spec.selector!).map(([k, v]) => pairKey(ns, k, v));
  },
};

/** The Services (with a selector) of `namespace` that select a pod labelled `labels`. */
export function servicesSelecting(objects: ObjectSet, namespace: string, labels: Labels | undefined): Service[] {
  if (!labels) return [];
  const index = objects.index(SERVICES_BY_SELECTOR_PAIR);
  const out = new Map<string, Service>();
  for (const [k, v] of Object.entries(labels)) {
    for (const svc of index.objects(pairKey(namespace, k, v))) if (selectorMatches(svc.spec.selector!, labels)) out.set(svc.metadata.name, svc);
  }
  return [...out.values()];
}

/** Whether `labels` carry every key=value of a (non-empty) map selector. */
export function selectorMatches(selector: Labels, labels: Labels | undefined): boolean {
  for (const [k, v] of Object.entries(selector)) if (labels?.[k] !== v) return false;
  return true;
}

export class ServicePodIndex {
  private readonly index: ObjectIndex<Pod>;

  constructor(objects: ObjectSet) {
    this.index = objects.index(PODS_BY_LABEL);
  }

  /** Pods matching a non-empty map selector in `namespace`, in namespace/name order. */
  select(namespace: string, selector: Labels): Pod[] {
    const pairs = Object.entries(selector);
    if (!pairs.length) return [];
    let smallest: string | undefined;
    for (const [k, v] of pairs) {
      const bucket = pairKey(namespace, k, v);
      const n = this.index.count(bucket);
      if (n === 0) return [];
      if (smallest === undefined || n < this.index.count(smallest)) smallest = bucket;
    }
    // The bucket's order is kept by the index between passes: no sort per Service and pass.
    return this.index.sorted(smallest!).filter((p) => selectorMatches(selector, p.metadata.labels));
  }
}

/**
 * A Service whose pods the controllers track: a non-empty selector and not ExternalName. An empty
 * selector `{}` does not survive the API server's storage (it reads back as no selector).
 */
export function hasSelector(service: Service): boolean {
  return (service.spec?.type ?? 'ClusterIP') !== 'ExternalName' && Object.keys(service.spec?.selector ?? {}).length > 0;
}
