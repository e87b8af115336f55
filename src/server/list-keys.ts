/**
 * How lists of the served kinds merge: the `patchMergeKey`/`patchStrategy` tags strategic merge patch
 * reads, and the `listMapKeys` server-side apply reads (k8s.io/api types.go). A list not named here
 * is atomic: a patch or an applied configuration replaces it whole.
 */

export interface ListSemantics {
  /** Strategic merge patch key (patchMergeKey); undefined = replace the list. */
  mergeKey?: string;
  /** Server-side apply keys (listType=map, listMapKeys); undefined with `set` = listType=set. */
  mapKeys?: string[];
  /** A list of scalars merged as a set (patchStrategy=merge on []string, listType=set). */
  set?: boolean;
}

const WORKLOADS = new Set(['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet']);

const byName: ListSemantics = { mergeKey: 'name', mapKeys: ['name'] };

/** Lists inside a PodSpec (`podspec.` = Pod `spec.` or a workload's `spec.template.spec.`). */
const POD_SPEC_LISTS: Record<string, ListSemantics> = {
  'podspec.containers': byName,
  'podspec.initContainers': byName,
  'podspec.ephemeralContainers': byName,
  'podspec.volumes': byName,
  'podspec.imagePullSecrets': byName,
  'podspec.resourceClaims': byName,
  'podspec.schedulingGates': byName,
  'podspec.evictionResponders': byName,
  'podspec.hostAliases': { mergeKey: 'ip', mapKeys: ['ip'] },
  'podspec.topologySpreadConstraints': { mergeKey: 'topologyKey', mapKeys: ['topologyKey', 'whenUnsatisfiable'] },
};

const CONTAINER_LISTS: Record<string, ListSemantics> = {
  ports: { mergeKey: 'containerPort', mapKeys: ['containerPort', 'protocol'] },
  env: byName,
  volumeMounts: { mergeKey: 'mountPath', mapKeys: ['mountPath'] },
  volumeDevices: { mergeKey: 'devicePath', mapKeys: ['devicePath'] },
  resizePolicy: { mapKeys: ['resourceName'] },
};

const BY_KIND: Record<string, Record<string, ListSemantics>> = {
  Service: { 'spec.ports': { mergeKey: 'port', mapKeys: ['port', 'protocol'] } },
  Node: { 'status.addresses': { mergeKey: 'type', mapKeys: ['type'] }, 'spec.podCIDRs': { set: true } },
  Pod: { 'status.podIPs': { mergeKey: 'ip', mapKeys: ['ip'] }, 'status.hostIPs': { mergeKey: 'ip', mapKeys: ['ip'] } },
  Gateway: { 'spec.listeners': byName, 'status.listeners': byName },
};

/**
 * The list semantics at `path` (field names only, list indices left out) of an object of `kind`.
 */
export function listSemantics(kind: string, path: readonly string[]): ListSemantics {
  const last = path[path.length - 1];
  if (last === 'ownerReferences' && path[path.length - 2] === 'metadata') return { mergeKey: 'uid', mapKeys: ['uid'] };
  if (last === 'finalizers' && path[path.length - 2] === 'metadata') return { set: true };
  if (last === 'conditions' && path[path.length - 2] === 'status') return { mergeKey: 'type', mapKeys: ['type'] };
  const dotted = path.join('.');
  const own = BY_KIND[kind]?.[dotted];
  if (own) return own;
  const podPath = podSpecRelative(kind, path);
  if (podPath) {
    const p = podPath.join('.');
    if (POD_SPEC_LISTS[`podspec.${p}`]) return POD_SPEC_LISTS[`podspec.${p}`];
    if (podPath.length === 2 && /^(containers|initContainers|ephemeralContainers)$/.test(podPath[0]) && CONTAINER_LISTS[podPath[1]]) {
      return CONTAINER_LISTS[podPath[1]];
    }
  }
  return {};
}

/** The path relative to the PodSpec it lies in, if any. */
function podSpecRelative(kind: string, path: readonly string[]): readonly string[] | undefined {
  if (kind === 'Pod' && path[0] === 'spec') return path.slice(1);
  if (WORKLOADS.has(kind) && path[0] === 'spec' && path[1] === 'template' && path[2] === 'spec') return path.slice(3);
  return undefined;
}

/** Default values of key fields a manifest may leave out (`protocol: TCP`). */
export function keyFieldValue(item: Record<string, unknown>, key: string): unknown {
  const v = item[key];
  if (v === undefined && key === 'protocol') return 'TCP';
  return v;
}
