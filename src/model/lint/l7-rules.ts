/**
 * Ingress and Gateway API rules: Ingresses no controller picks up, backends that do not exist, and
 * HTTPRoutes their Gateway did not accept — the status the controllers compute, as findings.
 */
import type { Ingress, IngressBackend } from '../../api/types.ts';
import { classifyIngress } from '../l7/index.ts';
import { ref, type LintRule } from './types.ts';

function backends(ing: Ingress): { field: string; backend: IngressBackend }[] {
  const out: { field: string; backend: IngressBackend }[] = [];
  if (ing.spec.defaultBackend) out.push({ field: 'spec.defaultBackend', backend: ing.spec.defaultBackend });
  (ing.spec.rules ?? []).forEach((r, i) => (r.http?.paths ?? []).forEach((p, j) => out.push({ field: `spec.rules[${i}].http.paths[${j}].backend`, backend: p.backend })));
  return out;
}

export const L7_RULES: LintRule[] = [
  {
    id: 'ingress-class-missing',
    severity: 'error',
    title: 'Ingress with no matching IngressClass',
    check: ({ view }) => view.ingresses.flatMap((ing) => {
      const d = classifyIngress(ing, view.ingressClasses, view.config.ingressController);
      if (d.reason !== 'ClassNotFound' && d.reason !== 'NoClass' && d.reason !== 'MultipleDefaultClasses') return [];
      return [{
        objects: [ref('Ingress', ing)],
        message: `${d.message}: no controller serves this Ingress`,
        fix: d.reason === 'ClassNotFound'
          ? `create IngressClass ${d.ingressClass} (spec.controller: ${view.config.ingressController}) or set spec.ingressClassName to an existing class (${view.ingressClasses.map((c) => c.metadata.name).join(', ') || 'none exist'})`
          : 'set spec.ingressClassName, or mark exactly one IngressClass with ingressclass.kubernetes.io/is-default-class: "true"',
      }];
    }),
  },
  {
    id: 'ingress-backend-missing',
    severity: 'error',
    title: 'Ingress backend Service or port missing',
    check: ({ view }) => view.ingresses.flatMap((ing) => backends(ing).flatMap(({ field, backend }) => {
      const b = backend.service;
      if (!b) return [];
      const ns = ing.metadata.namespace ?? 'default';
      const svc = view.service(ns, b.name);
      if (!svc) {
        return [{ objects: [ref('Ingress', ing)], message: `${field} names Service ${ns}/${b.name}, which does not exist: requests routed there get 503`, fix: `create Service ${b.name} in ${ns} or fix ${field}.service.name` }];
      }
      const ports = svc.spec.ports ?? [];
      const found = b.port?.number !== undefined ? ports.some((p) => p.port === b.port!.number) : b.port?.name !== undefined ? ports.some((p) => p.name === b.port!.name) : ports.length === 1;
      if (found) return [];
      const want = b.port?.number ?? b.port?.name ?? '(none)';
      return [{
        objects: [ref('Ingress', ing), ref('Service', svc)],
        message: `${field} asks for port ${want} of Service ${ns}/${b.name}, which has ports ${ports.map((p) => `${p.name ? `${p.name}:` : ''}${p.port}`).join(', ') || 'none'}: requests routed there get 503`,
        fix: `use one of the Service's ports in ${field}.service.port`,
      }];
    })),
  },
  {
    id: 'httproute-not-accepted',
    severity: 'error',
    title: 'HTTPRoute not accepted by its Gateway',
    check: ({ routes }) => routes().status.httpRoutes.flatMap((r) => r.parents.flatMap((p) => p.conditions.filter((c) => c.type === 'Accepted' && c.status === 'False').map((c) => ({
      objects: [`HTTPRoute ${r.route}`, `Gateway ${p.parentRef.namespace}/${p.parentRef.name}${p.parentRef.sectionName ? ` (${p.parentRef.sectionName})` : ''}`],
      message: `not accepted by ${p.parentRef.kind} ${p.parentRef.namespace}/${p.parentRef.name}: ${c.reason}: ${c.message}`,
      fix: c.reason === 'NotAllowedByListeners'
        ? 'allow the route\'s namespace in the listener\'s allowedRoutes.namespaces'
        : c.reason === 'NoMatchingListenerHostname'
          ? 'make spec.hostnames intersect a listener hostname'
          : c.reason === 'NoMatchingParent'
            ? 'fix parentRefs (name, sectionName, port) to a listener of the Gateway'
            : 'see podnet route --status for the Gateway\'s listeners',
    })))),
  },
];
