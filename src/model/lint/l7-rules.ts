/**
 * Ingress and Gateway API rules: Ingresses no controller picks up, backends that do not exist, and
 * HTTPRoutes their Gateway did not accept — the status the controllers compute, as findings.
 */
import { SECRET_TYPES, type Ingress, type IngressBackend, type Secret } from '../../api/types.ts';
import { certificateSecretProblem, classifyIngress } from '../l7/index.ts';
import { ref, type LintRule } from './types.ts';

function backends(ing: Ingress): { field: string; backend: IngressBackend }[] {
  const out: { field: string; backend: IngressBackend }[] = [];
  if (ing.spec.defaultBackend) out.push({ field: 'spec.defaultBackend', backend: ing.spec.defaultBackend });
  (ing.spec.rules ?? []).forEach((r, i) => (r.http?.paths ?? []).forEach((p, j) => out.push({ field: `spec.rules[${i}].http.paths[${j}].backend`, backend: p.backend })));
  return out;
}

/** Every `tls[].secretName` of an Ingress, with its field path and the hosts of that entry. */
function tlsSecrets(ing: Ingress): { field: string; name: string; hosts: string[] }[] {
  return (ing.spec.tls ?? []).flatMap((t, i) => (t.secretName ? [{ field: `spec.tls[${i}].secretName`, name: t.secretName, hosts: t.hosts ?? [] }] : []));
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
    id: 'ingress-tls-secret-invalid',
    severity: 'error',
    title: 'Ingress TLS Secret missing or without a tls.crt/tls.key keypair',
    check: ({ view }) => view.ingresses.flatMap((ing) => tlsSecrets(ing).flatMap(({ field, name, hosts }) => {
      const ns = ing.metadata.namespace ?? 'default';
      const problem = certificateSecretProblem(view, ns, name, 'ingress-nginx');
      if (!problem) return [];
      const secret = view.get<Secret>('Secret', ns, name);
      return [{
        objects: [ref('Ingress', ing), ...(secret ? [ref('Secret', secret)] : [])],
        message: `${field}: ${problem.message}: the controller serves its default (self-signed) certificate for ${hosts.length ? hosts.join(', ') : 'these hosts'} instead`,
        fix: problem.reason === 'NotFound'
          ? `create it: kubectl create secret tls ${name} -n ${ns} --cert=CERT.pem --key=KEY.pem (the Secret must be in the Ingress namespace)`
          : `put a PEM certificate in tls.crt and its PEM private key in tls.key (kubectl create secret tls ${name} -n ${ns} --cert=… --key=…)`,
      }];
    })),
  },
  {
    id: 'ingress-tls-secret-type',
    severity: 'warning',
    title: 'Ingress TLS Secret not of type kubernetes.io/tls',
    check: ({ view }) => view.ingresses.flatMap((ing) => tlsSecrets(ing).flatMap(({ field, name }) => {
      const ns = ing.metadata.namespace ?? 'default';
      const secret = view.get<Secret>('Secret', ns, name);
      const type = secret?.type ?? SECRET_TYPES.opaque;
      if (!secret || type === SECRET_TYPES.tls || certificateSecretProblem(view, ns, name, 'ingress-nginx')) return [];
      return [{
        objects: [ref('Ingress', ing), ref('Secret', secret)],
        message: `${field} names Secret ${ns}/${name} of type ${type}: ingress-nginx reads its tls.crt/tls.key anyway, but the API server does not check the keypair of such a Secret, and Gateway listeners refuse it (InvalidCertificateRef)`,
        fix: `recreate it as type kubernetes.io/tls (kubectl create secret tls ${name} -n ${ns} --cert=… --key=…); the type cannot be changed in place`,
      }];
    })),
  },
  {
    id: 'gateway-listener-certificate-invalid',
    severity: 'error',
    title: 'HTTPS listener whose certificateRefs do not resolve',
    check: ({ routes }) => routes().status.gateways.flatMap((g) => g.listeners.flatMap((l) => l.conditions
      .filter((c) => c.type === 'ResolvedRefs' && c.status === 'False' && (c.reason === 'InvalidCertificateRef' || c.reason === 'RefNotPermitted'))
      .map((c) => ({
        objects: [`Gateway ${g.gateway} (${l.name})`],
        message: `listener ${l.name}: ResolvedRefs=False ${c.reason}: ${c.message}; the listener is not programmed and serves no routes`,
        fix: c.reason === 'RefNotPermitted'
          ? 'create a ReferenceGrant in the Secret\'s namespace allowing Gateways from the Gateway\'s namespace to reference Secrets'
          : 'point tls.certificateRefs at a Secret of type kubernetes.io/tls with tls.crt and tls.key in PEM (kubectl create secret tls …)',
      })))),
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
