/**
 * Pods a Service selects (spec.selector: every key=value must match, pods of the Service's namespace
 * only), answered from an index by namespace and label pair so thousands of Services over thousands of
 * pods stay cheap: only the pods carrying the rarest selector pair are checked. A namespace is
 * indexed when a Service there first asks, so namespaces without selector Services cost nothing.
 */
import type { Labels, Pod, Service } from '../api/types.ts';

export class ServicePodIndex {
  /** Pods by namespace; a namespace's label index is built the first time a Service there asks. */
  private readonly byNamespace = new Map<string, Pod[]>();
  private readonly byPair = new Map<string, Map<string, Pod[]>>();

  /** `pods` in namespace/name order; results keep that order. */
  constructor(pods: readonly Pod[]) {
    for (const pod of pods) {
      const ns = pod.metadata.namespace ?? '';
      let list = this.byNamespace.get(ns);
      if (!list) this.byNamespace.set(ns, (list = []));
      list.push(pod);
    }
  }

  private pairs(namespace: string): Map<string, Pod[]> {
    let index = this.byPair.get(namespace);
    if (index) return index;
    index = new Map();
    for (const pod of this.byNamespace.get(namespace) ?? []) {
      for (const [k, v] of Object.entries(pod.metadata.labels ?? {})) {
        const key = pairKey(k, v);
        let list = index.get(key);
        if (!list) index.set(key, (list = []));
        list.push(pod);
      }
    }
    this.byPair.set(namespace, index);
    return index;
  }

  /** Pods matching a non-empty map selector in `namespace`. */
  select(namespace: string, selector: Labels): Pod[] {
    const pairs = Object.entries(selector);
    if (!pairs.length) return [];
    const index = this.pairs(namespace);
    let smallest: Pod[] | undefined;
    for (const [k, v] of pairs) {
      const list = index.get(pairKey(k, v));
      if (!list) return [];
      if (!smallest || list.length < smallest.length) smallest = list;
    }
    return (smallest ?? []).filter((p) => pairs.every(([k, v]) => p.metadata.labels?.[k] === v));
  }
}

const pairKey = (k: string, v: string): string => `${k}\u0000${v}`;

/**
 * A Service whose pods the controllers track: a non-empty selector and not ExternalName. An empty
 * selector `{}` does not survive the API server's storage (it reads back as no selector).
 */
export function hasSelector(service: Service): boolean {
  return (service.spec?.type ?? 'ClusterIP') !== 'ExternalName' && Object.keys(service.spec?.selector ?? {}).length > 0;
}
