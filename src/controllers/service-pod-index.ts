/**
 * Pods a Service selects (spec.selector: every key=value must match, pods of the Service's namespace
 * only), answered from an index by namespace and label pair so thousands of Services over thousands of
 * pods stay cheap: only the pods carrying the rarest selector pair are checked.
 */
import type { Labels, Pod, Service } from '../api/types.ts';

export class ServicePodIndex {
  private readonly byPair = new Map<string, Pod[]>();

  /** `pods` in namespace/name order; results keep that order. */
  constructor(pods: readonly Pod[]) {
    for (const pod of pods) {
      const ns = pod.metadata.namespace ?? '';
      for (const [k, v] of Object.entries(pod.metadata.labels ?? {})) {
        const key = pairKey(ns, k, v);
        let list = this.byPair.get(key);
        if (!list) this.byPair.set(key, (list = []));
        list.push(pod);
      }
    }
  }

  /** Pods matching a non-empty map selector in `namespace`. */
  select(namespace: string, selector: Labels): Pod[] {
    const pairs = Object.entries(selector);
    if (!pairs.length) return [];
    let smallest: Pod[] | undefined;
    for (const [k, v] of pairs) {
      const list = this.byPair.get(pairKey(namespace, k, v));
      if (!list) return [];
      if (!smallest || list.length < smallest.length) smallest = list;
    }
    return (smallest ?? []).filter((p) => pairs.every(([k, v]) => p.metadata.labels?.[k] === v));
  }
}

const pairKey = (ns: string, k: string, v: string): string => `${ns}\u0000${k}\u0000${v}`;

/**
 * A Service whose pods the controllers track: a non-empty selector and not ExternalName. An empty
 * selector `{}` does not survive the API server's storage (it reads back as no selector).
 */
export function hasSelector(service: Service): boolean {
  return (service.spec?.type ?? 'ClusterIP') !== 'ExternalName' && Object.keys(service.spec?.selector ?? {}).length > 0;
}
