/**
 * Ingress v1 → the Ingress controller's frontend. Rules for one host from every Ingress of the
 * controller's classes merge into one host group; a request picks exactly one host group (exact host,
 * else the one-label wildcard, else the host-less rules — never falling back after a host matched),
 * then a path inside it, then that group's defaultBackend, then the controller's 404.
 */
import type { Ingress, IngressBackend } from '../../api/types.ts';
import type { ClusterView } from '../../cluster/view.ts';
import { resolveServiceBackend } from './backends.ts';
import { buildHostIndex, groupFor } from './host-index.ts';
import { classifyIngress } from './ingress-class.ts';
import { compareIngressEntries, compareCreationOrder } from './precedence.ts';
import { certificateSecretProblem } from './tls-secrets.ts';
import type { BackendTarget, DefaultBackend, IngressFrontend, IngressStatus, MatchEntry, TLSCertificate } from './types.ts';

export function compileIngresses(view: ClusterView): { frontend?: IngressFrontend; statuses: IngressStatus[] } {
  const controller = view.config.ingressController;
  const classes = view.ingressClasses.filter((c) => c.spec.controller === controller).map((c) => c.metadata.name);
  const statuses: IngressStatus[] = [];
  const routed: Ingress[] = [];
  for (const ing of view.ingresses) {
    const d = classifyIngress(ing, view.ingressClasses, controller);
    const key = `${ing.metadata.namespace ?? 'default'}/${ing.metadata.name}`;
    statuses.push({ ingress: key, ...(d.ingressClass ? { ingressClass: d.ingressClass } : {}), routed: d.routed, reason: d.reason });
    if (d.routed) routed.push(ing);
  }
  if (!routed.length && !classes.length) return { statuses };
  routed.sort((a, b) => compareCreationOrder(a.metadata, b.metadata));

  const entries: MatchEntry[] = [];
  const tls: TLSCertificate[] = [];
  const hostsOf = new Map<string, Set<string | undefined>>();
  for (const ing of routed) {
    const ns = ing.metadata.namespace ?? 'default';
    const hosts = new Set<string | undefined>();
    hostsOf.set(`${ns}/${ing.metadata.name}`, hosts);
    (ing.spec.rules ?? []).forEach((rule, ri) => {
      const host = rule.host ? rule.host.toLowerCase() : undefined;
      hosts.add(host);
      (rule.http?.paths ?? []).forEach((p, pi) => {
        entries.push({
          id: `Ingress ${ns}/${ing.metadata.name} rules[${ri}].http.paths[${pi}]`,
          source: { kind: 'Ingress', namespace: ns, name: ing.metadata.name, rule: ri, match: pi, creationTimestamp: ing.metadata.creationTimestamp },
          ...(host ? { hostname: host } : {}),
          // ImplementationSpecific is Prefix here (no ingress-nginx regex compatibility mode).
          path: { type: p.pathType === 'Exact' ? 'Exact' : 'Prefix', value: p.path || '/' },
          headers: [],
          queryParams: [],
          filters: [],
          backends: [ingressBackend(view, ns, p.backend)],
        });
      });
    });
    for (const t of ing.spec.tls ?? []) {
      if (!t.secretName) continue;
      const cert = { hosts: (t.hosts ?? []).map((h) => h.toLowerCase()), secret: `${ns}/${t.secretName}` };
      const problem = certificateSecretProblem(view, ns, t.secretName, 'ingress-nginx');
      tls.push(problem ? { ...cert, problem } : cert);
    }
  }
  const hosts = buildHostIndex(entries, compareIngressEntries);
  // A host with rules but no paths still claims the host (no fallback to host-less rules).
  for (const set of hostsOf.values()) for (const h of set) groupFor(hosts, h);

  let catchAll: DefaultBackend | undefined;
  for (const ing of routed) {
    if (!ing.spec.defaultBackend) continue;
    const ns = ing.metadata.namespace ?? 'default';
    const key = `${ns}/${ing.metadata.name}`;
    const def: DefaultBackend = { ingress: key, backend: ingressBackend(view, ns, ing.spec.defaultBackend) };
    catchAll ??= def;
    // The Ingress's own hosts take its default backend (oldest Ingress first, as routed is sorted).
    for (const h of hostsOf.get(key) ?? []) {
      const g = groupFor(hosts, h);
      g.defaultBackend ??= def;
    }
  }
  return {
    frontend: {
      kind: 'ingress',
      controller,
      classes,
      ingresses: routed.map((i) => `${i.metadata.namespace ?? 'default'}/${i.metadata.name}`),
      hosts,
      tls,
      ...(catchAll ? { defaultBackend: catchAll } : {}),
    },
    statuses,
  };
}

function ingressBackend(view: ClusterView, namespace: string, b: IngressBackend): BackendTarget {
  if (b.service) {
    return resolveServiceBackend(view, { namespace, name: b.service.name, port: b.service.port }, 503);
  }
  const r = b.resource;
  const key = `${namespace}/${r?.kind ?? 'resource'}/${r?.name ?? ''}`;
  return {
    key,
    namespace,
    service: '',
    weight: 1,
    endpoints: [],
    invalid: { status: 503, reason: 'UnsupportedBackend', message: `resource backend ${r?.apiGroup ?? ''}/${r?.kind ?? ''} ${r?.name ?? ''} is implementation-specific and not served` },
  };
}

