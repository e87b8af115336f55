/**
 * HTTPRoute backendRefs → BackendTarget. A ref is invalid (its share of requests gets a 500) when it
 * names an unsupported kind (InvalidKind), a missing Service or port (BackendNotFound), or another
 * namespace without a ReferenceGrant there (RefNotPermitted). No ready endpoints → 503.
 */
import type { ClusterView } from '../../cluster/view.ts';
import { resolveServiceBackend } from './backends.ts';
import type { BackendRefSpec } from './gateway-spec.ts';
import { GATEWAY_GROUP } from './gateway-spec.ts';
import { referencePermitted } from './reference-grants.ts';
import type { BackendTarget } from './types.ts';

export function resolveBackendRef(view: ClusterView, routeNamespace: string, ref: BackendRefSpec): BackendTarget {
  const namespace = ref.namespace ?? routeNamespace;
  const key = `${namespace}/${ref.name}:${ref.port ?? ''}`;
  const base = { key, namespace, service: ref.name, weight: ref.weight, endpoints: [] as string[] };
  if (ref.group !== '' || ref.kind !== 'Service') {
    return { ...base, invalid: { status: 500, reason: 'InvalidKind', message: `backendRef kind ${ref.group ? `${ref.kind}.${ref.group}` : ref.kind} is not supported (Service only)` } };
  }
  if (!referencePermitted(view, { group: GATEWAY_GROUP, kind: 'HTTPRoute', namespace: routeNamespace, name: '' }, { group: '', kind: 'Service', namespace, name: ref.name })) {
    return { ...base, invalid: { status: 500, reason: 'RefNotPermitted', message: `no ReferenceGrant in namespace ${namespace} allows HTTPRoutes from ${routeNamespace} to reference Service ${ref.name}` } };
  }
  if (ref.port === undefined) {
    return { ...base, invalid: { status: 500, reason: 'BackendNotFound', message: `backendRef to Service ${namespace}/${ref.name} has no port` } };
  }
  return resolveServiceBackend(view, { namespace, name: ref.name, port: { number: ref.port }, weight: ref.weight }, 500);
}
