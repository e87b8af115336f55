/**
 * URL → what is asked for. The REST layout of the API server:
 *   /api/v1[/namespaces/{ns}]/{resource}[/{name}[/{subresource}]]
 *   /apis/{group}/{version}[/namespaces/{ns}]/{resource}[/{name}[/{subresource}]]
 * plus /version, /healthz, discovery and OpenAPI documents. `namespaces/{name}/status` is the
 * Namespace's own subresource, not a namespaced collection.
 */
import { findResource, type ServedResource } from './resources.ts';

export type Route =
  | { type: 'version' }
  | { type: 'health'; name: string }
  | { type: 'api' }
  | { type: 'apis' }
  | { type: 'group'; group: string }
  | { type: 'resourceList'; group: string; version: string }
  | { type: 'openapiIndex' }
  | { type: 'openapiGroupVersion'; group: string; version: string }
  | { type: 'openapiV2' }
  | {
      type: 'resource';
      resource: ServedResource;
      /** Namespace of the request (undefined: cluster-scoped kind, or a list across all namespaces). */
      namespace?: string;
      name?: string;
      subresource?: string;
    };

export class RouteError extends Error {
  constructor(readonly kind: 'notFound' | 'unknownResource', message: string) {
    super(message);
  }
}

const HEALTH = new Set(['healthz', 'livez', 'readyz']);

function decode(seg: string): string {
  try {
    return decodeURIComponent(seg);
  } catch {
    return seg;
  }
}

/** Parses a request path; undefined = 404 for a path no handler knows. */
export function route(pathname: string): Route | undefined {
  const segs = pathname.split('/').filter(Boolean).map(decode);
  if (!segs.length) return undefined;
  const [head, ...rest] = segs;
  if (head === 'version' && !rest.length) return { type: 'version' };
  if (HEALTH.has(head)) return { type: 'health', name: head };
  if (head === 'openapi') {
    if (rest[0] === 'v2' && rest.length === 1) return { type: 'openapiV2' };
    if (rest[0] !== 'v3') return undefined;
    if (rest.length === 1) return { type: 'openapiIndex' };
    if (rest[1] === 'api' && rest.length === 3) return { type: 'openapiGroupVersion', group: '', version: rest[2] };
    if (rest[1] === 'apis' && rest.length === 4) return { type: 'openapiGroupVersion', group: rest[2], version: rest[3] };
    return undefined;
  }
  if (head === 'api') {
    if (!rest.length) return { type: 'api' };
    return resourceRoute('', rest[0], rest.slice(1));
  }
  if (head === 'apis') {
    if (!rest.length) return { type: 'apis' };
    if (rest.length === 1) return { type: 'group', group: rest[0] };
    return resourceRoute(rest[0], rest[1], rest.slice(2));
  }
  return undefined;
}

/** API groups kubectl commands post to that podnet does not serve, with what a user should know instead. */
const UNSERVED_GROUPS: Readonly<Record<string, string>> = {
  'authorization.k8s.io': 'podnet serves no authorization API (authorization.k8s.io, used by kubectl auth can-i): there is no RBAC, and every request carrying the kubeconfig\'s token is allowed',
  autoscaling: 'podnet serves no autoscaling API (HorizontalPodAutoscalers, used by kubectl autoscale): no metrics exist to scale on; use kubectl scale',
  batch: 'podnet serves no batch API (Jobs, CronJobs): podnet models long-running workloads only (Deployments, ReplicaSets, StatefulSets, DaemonSets, Pods)',
  'authentication.k8s.io': 'podnet serves no authentication API (authentication.k8s.io, used by kubectl auth whoami): the only identity is the kubeconfig\'s token, allowed everything',
};

function resourceRoute(group: string, version: string, segs: string[]): Route | undefined {
  const unserved = Object.hasOwn(UNSERVED_GROUPS, group) ? UNSERVED_GROUPS[group] : undefined;
  if (unserved) throw new RouteError('unknownResource', unserved);
  if (!segs.length) return { type: 'resourceList', group, version };
  let namespace: string | undefined;
  let rest = segs;
  // namespaces/{ns}/{resource}…, unless it is the Namespace itself (namespaces/{name}[/status|finalize]).
  if (segs[0] === 'namespaces' && segs.length >= 3 && segs[2] !== 'status' && segs[2] !== 'finalize') {
    namespace = segs[1];
    rest = segs.slice(2);
  }
  const [plural, name, subresource, ...extra] = rest;
  if (extra.length) return undefined;
  const resource = findResource(group, version, plural);
  if (!resource) throw new RouteError('unknownResource', `the server could not find the requested resource`);
  if (namespace !== undefined && !resource.namespaced) return undefined;
  if (subresource !== undefined && !resource.subresources.some((s) => s.name === subresource)) return undefined;
  return {
    type: 'resource',
    resource,
    ...(namespace !== undefined ? { namespace } : {}),
    ...(name !== undefined ? { name } : {}),
    ...(subresource !== undefined ? { subresource } : {}),
  };
}
