/**
 * The kinds podnet serves: group/version, REST names and kubectl's short names.
 * One table, read by decoding, the CLI's resource-name resolution and the API server's discovery.
 */

export interface KindInfo {
  kind: string;
  group: string; // '' for the core group
  version: string;
  /** apiVersions accepted on input besides the preferred one (older served versions). */
  alsoAccepts?: string[];
  plural: string;
  singular: string;
  shortNames: string[];
  namespaced: boolean;
  /** kubectl's "all" category. */
  inAll?: boolean;
}

export const KINDS: readonly KindInfo[] = [
  { kind: 'Namespace', group: '', version: 'v1', plural: 'namespaces', singular: 'namespace', shortNames: ['ns'], namespaced: false },
  { kind: 'Node', group: '', version: 'v1', plural: 'nodes', singular: 'node', shortNames: ['no'], namespaced: false },
  { kind: 'Pod', group: '', version: 'v1', plural: 'pods', singular: 'pod', shortNames: ['po'], namespaced: true, inAll: true },
  { kind: 'Service', group: '', version: 'v1', plural: 'services', singular: 'service', shortNames: ['svc'], namespaced: true, inAll: true },
  { kind: 'Endpoints', group: '', version: 'v1', plural: 'endpoints', singular: 'endpoints', shortNames: ['ep'], namespaced: true },
  { kind: 'ConfigMap', group: '', version: 'v1', plural: 'configmaps', singular: 'configmap', shortNames: ['cm'], namespaced: true },
  { kind: 'Secret', group: '', version: 'v1', plural: 'secrets', singular: 'secret', shortNames: [], namespaced: true },
  { kind: 'EndpointSlice', group: 'discovery.k8s.io', version: 'v1', plural: 'endpointslices', singular: 'endpointslice', shortNames: [], namespaced: true },
  { kind: 'NetworkPolicy', group: 'networking.k8s.io', version: 'v1', plural: 'networkpolicies', singular: 'networkpolicy', shortNames: ['netpol'], namespaced: true },
  { kind: 'Ingress', group: 'networking.k8s.io', version: 'v1', plural: 'ingresses', singular: 'ingress', shortNames: ['ing'], namespaced: true },
  { kind: 'IngressClass', group: 'networking.k8s.io', version: 'v1', plural: 'ingressclasses', singular: 'ingressclass', shortNames: [], namespaced: false },
  { kind: 'GatewayClass', group: 'gateway.networking.k8s.io', version: 'v1', alsoAccepts: ['gateway.networking.k8s.io/v1beta1'], plural: 'gatewayclasses', singular: 'gatewayclass', shortNames: ['gc'], namespaced: false },
  { kind: 'Gateway', group: 'gateway.networking.k8s.io', version: 'v1', alsoAccepts: ['gateway.networking.k8s.io/v1beta1'], plural: 'gateways', singular: 'gateway', shortNames: ['gtw'], namespaced: true },
  { kind: 'HTTPRoute', group: 'gateway.networking.k8s.io', version: 'v1', alsoAccepts: ['gateway.networking.k8s.io/v1beta1'], plural: 'httproutes', singular: 'httproute', shortNames: [], namespaced: true },
  { kind: 'ReferenceGrant', group: 'gateway.networking.k8s.io', version: 'v1beta1', alsoAccepts: ['gateway.networking.k8s.io/v1'], plural: 'referencegrants', singular: 'referencegrant', shortNames: ['refgrant'], namespaced: true },
  { kind: 'Deployment', group: 'apps', version: 'v1', plural: 'deployments', singular: 'deployment', shortNames: ['deploy'], namespaced: true, inAll: true },
  { kind: 'ReplicaSet', group: 'apps', version: 'v1', plural: 'replicasets', singular: 'replicaset', shortNames: ['rs'], namespaced: true, inAll: true },
  { kind: 'StatefulSet', group: 'apps', version: 'v1', plural: 'statefulsets', singular: 'statefulset', shortNames: ['sts'], namespaced: true, inAll: true },
  { kind: 'DaemonSet', group: 'apps', version: 'v1', plural: 'daemonsets', singular: 'daemonset', shortNames: ['ds'], namespaced: true, inAll: true },
];

export function apiVersionOf(info: KindInfo): string {
  return info.group ? `${info.group}/${info.version}` : info.version;
}

const byKind = new Map(KINDS.map((k) => [k.kind, k]));

export function kindInfo(kind: string): KindInfo | undefined {
  return byKind.get(kind);
}

/** True when `apiVersion` is a version podnet accepts for `info`. */
export function acceptsApiVersion(info: KindInfo, apiVersion: string): boolean {
  return apiVersion === apiVersionOf(info) || (info.alsoAccepts ?? []).includes(apiVersion);
}

/**
 * Resolves what a user types after `get` (kind, plural, singular, short name, `kind.group`),
 * case-insensitively, like kubectl. `all` is expanded by the caller.
 */
export function resolveResource(name: string): KindInfo | undefined {
  const lower = name.toLowerCase();
  const [base, ...groupParts] = lower.split('.');
  const group = groupParts.join('.');
  return KINDS.find(
    (k) =>
      (group === '' || k.group === group) &&
      (k.kind.toLowerCase() === base || k.plural === base || k.singular === base || k.shortNames.includes(base)),
  );
}

/** The store key of an object: `Kind/namespace/name` or `Kind/name` for cluster-scoped kinds. */
export function objectKey(kind: string, namespace: string | undefined, name: string): string {
  return namespace ? `${kind}/${namespace}/${name}` : `${kind}/${name}`;
}
