/**
 * Gateway API v1 → one frontend per Gateway of this controller's GatewayClasses
 * (ClusterConfig.gatewayController), plus the status the controller would write, as data.
 *
 * A route attaches to a parentRef's listeners (narrowed by sectionName and port) when at least one
 * listener accepts it: the route kind is allowed, its namespace is allowed (Same | All | Selector over
 * Namespace labels) and its hostnames intersect the listener's. The route then serves, on each such
 * listener, only the intersected hostnames.
 */
import { fromLabelSelector } from '../../api/selector.ts';
import type { Gateway, HTTPRoute } from '../../api/types.ts';
import type { ClusterView } from '../../cluster/view.ts';
import { compileFilters } from './filters.ts';
import { resolveBackendRef } from './gateway-backends.ts';
import { GATEWAY_GROUP, httpRouteSpec, listenerSpecs, type HTTPRouteRuleSpec, type ListenerSpec, type ParentRefSpec } from './gateway-spec.ts';
import { intersectHostnames } from './hostnames.ts';
import { buildHostIndex } from './host-index.ts';
import { compareGatewayEntries, compareCreationOrder } from './precedence.ts';
import { referencePermitted } from './reference-grants.ts';
import { certificateSecretProblem } from './tls-secrets.ts';
import type {
  BackendTarget, Condition, GatewayFrontend, GatewayStatus, HTTPRouteStatus, Listener, ListenerStatus, MatchEntry,
  PathMatchType, RouteFilter, RouteParentStatus, TLSCertificate,
} from './types.ts';

const HTTPROUTE_KIND = { group: GATEWAY_GROUP, kind: 'HTTPRoute' };

interface CompiledListener {
  spec: ListenerSpec;
  ok: boolean;
  supportsHTTPRoute: boolean;
  status: ListenerStatus;
  tls: TLSCertificate[];
  entries: MatchEntry[];
  routes: Set<string>;
}

interface CompiledGateway {
  gw: Gateway;
  namespace: string;
  listeners: CompiledListener[];
}

interface RuleAction {
  filters: RouteFilter[];
  backends: BackendTarget[];
}

const cond = (type: string, ok: boolean, reason: string, message: string, observedGeneration?: number): Condition => ({
  type,
  status: ok ? 'True' : 'False',
  reason,
  message,
  ...(observedGeneration !== undefined ? { observedGeneration } : {}),
});

export function compileGateways(view: ClusterView): { frontends: GatewayFrontend[]; routes: HTTPRouteStatus[]; gateways: GatewayStatus[] } {
  const controller = view.config.gatewayController;
  const ourClasses = new Set(view.gatewayClasses.filter((c) => c.spec.controllerName === controller).map((c) => c.metadata.name));
  const gateways = new Map<string, CompiledGateway>();
  for (const gw of view.gateways) {
    if (!ourClasses.has(gw.spec.gatewayClassName)) continue;
    const namespace = gw.metadata.namespace ?? 'default';
    gateways.set(`${namespace}/${gw.metadata.name}`, { gw, namespace, listeners: compileListeners(view, gw, namespace) });
  }

  const routeStatuses: HTTPRouteStatus[] = [];
  for (const route of [...view.httpRoutes].sort((a, b) => compareCreationOrder(a.metadata, b.metadata))) {
    const st = attachRoute(view, route, gateways, controller);
    if (st.parents.length) routeStatuses.push(st);
  }

  const frontends: GatewayFrontend[] = [];
  const gatewayStatuses: GatewayStatus[] = [];
  for (const [key, g] of gateways) {
    const listeners: Listener[] = [];
    for (const l of g.listeners) {
      l.status.attachedRoutes = l.routes.size;
      if (!l.ok) continue;
      listeners.push({
        name: l.spec.name,
        port: l.spec.port,
        protocol: l.spec.protocol as 'HTTP' | 'HTTPS',
        ...(l.spec.hostname ? { hostname: l.spec.hostname } : {}),
        hosts: buildHostIndex(l.entries, compareGatewayEntries),
        tls: l.tls,
      });
    }
    const gen = g.gw.metadata.generation;
    const anyOk = listeners.length > 0;
    gatewayStatuses.push({
      gateway: key,
      conditions: [
        cond('Accepted', anyOk, anyOk ? 'Accepted' : 'ListenersNotValid', anyOk ? 'Gateway accepted' : 'no listener is valid', gen),
        cond('Programmed', anyOk, anyOk ? 'Programmed' : 'Invalid', anyOk ? 'Gateway programmed' : 'no listener can be programmed', gen),
      ],
      listeners: g.listeners.map((l) => l.status),
    });
    frontends.push({ kind: 'gateway', namespace: g.namespace, name: g.gw.metadata.name, gatewayClassName: g.gw.spec.gatewayClassName, listeners });
  }
  return { frontends, routes: routeStatuses, gateways: gatewayStatuses };
}

function compileListeners(view: ClusterView, gw: Gateway, namespace: string): CompiledListener[] {
  const gen = gw.metadata.generation;
  const specs = listenerSpecs(gw.spec.listeners ?? []);
  const seen: ListenerSpec[] = [];
  return specs.map((spec) => {
    const problems: Condition[] = [];
    let ok = true;
    const supported = spec.protocol === 'HTTP' || spec.protocol === 'HTTPS';
    if (!supported) {
      ok = false;
      problems.push(cond('Accepted', false, 'UnsupportedProtocol', `protocol ${spec.protocol} is not supported (HTTP, HTTPS)`, gen));
    }
    let kinds = [HTTPROUTE_KIND];
    let kindsOk = true;
    if (spec.allowedRoutes.kinds) {
      kinds = spec.allowedRoutes.kinds.filter((k) => (k.group ?? GATEWAY_GROUP) === GATEWAY_GROUP && k.kind === 'HTTPRoute').map(() => HTTPROUTE_KIND);
      kindsOk = kinds.length === spec.allowedRoutes.kinds.length;
      if (!kindsOk) problems.push(cond('ResolvedRefs', false, 'InvalidRouteKinds', 'allowedRoutes.kinds names kinds other than HTTPRoute', gen));
    }
    if (!supported) kinds = [];
    const tls: TLSCertificate[] = [];
    if (supported && spec.protocol === 'HTTPS') {
      const refs = spec.tls?.certificateRefs ?? [];
      if (!refs.length) {
        ok = false;
        problems.push(cond('ResolvedRefs', false, 'InvalidCertificateRef', 'HTTPS listener has no tls.certificateRefs', gen));
      }
      for (const r of refs) {
        const ns = r.namespace ?? namespace;
        if ((r.group ?? '') !== '' || (r.kind ?? 'Secret') !== 'Secret') {
          ok = false;
          problems.push(cond('ResolvedRefs', false, 'InvalidCertificateRef', `certificateRef ${r.kind}/${r.name} is not a Secret`, gen));
        } else if (!referencePermitted(view, { group: GATEWAY_GROUP, kind: 'Gateway', namespace, name: gw.metadata.name }, { group: '', kind: 'Secret', namespace: ns, name: r.name })) {
          ok = false;
          problems.push(cond('ResolvedRefs', false, 'RefNotPermitted', `no ReferenceGrant in namespace ${ns} allows Gateways from ${namespace} to reference Secret ${r.name}`, gen));
        } else {
          // Core support is a Secret of type kubernetes.io/tls; a missing or malformed one is an invalid ref.
          const problem = certificateSecretProblem(view, ns, r.name, 'gateway');
          if (problem) {
            ok = false;
            problems.push(cond('ResolvedRefs', false, 'InvalidCertificateRef', problem.message, gen));
          } else tls.push({ hosts: spec.hostname ? [spec.hostname] : [], secret: `${ns}/${r.name}` });
        }
      }
    }
    // Two listeners on one port conflict when their protocols differ, or when hostnames are equal.
    const clash = seen.find((s) => s.port === spec.port && (s.protocol !== spec.protocol || (s.hostname ?? '') === (spec.hostname ?? '')));
    if (clash && supported) {
      ok = false;
      const reason = clash.protocol !== spec.protocol ? 'ProtocolConflict' : 'HostnameConflict';
      problems.push(cond('Conflicted', true, reason, `conflicts with listener ${clash.name} on port ${spec.port}`, gen));
    }
    seen.push(spec);
    const type = (t: string): Condition | undefined => problems.find((p) => p.type === t);
    const conditions: Condition[] = [
      type('Accepted') ?? cond('Accepted', !clash, clash ? 'Conflicted' : 'Accepted', clash ? 'listener conflicts' : 'listener accepted', gen),
      type('ResolvedRefs') ?? cond('ResolvedRefs', true, 'ResolvedRefs', 'all references resolved', gen),
      cond('Programmed', ok, ok ? 'Programmed' : 'Invalid', ok ? 'listener programmed' : 'listener is invalid', gen),
      type('Conflicted') ?? cond('Conflicted', false, 'NoConflicts', 'no conflicts', gen),
    ];
    return {
      spec,
      ok,
      supportsHTTPRoute: ok && kinds.length > 0,
      status: { name: spec.name, attachedRoutes: 0, supportedKinds: kinds, conditions },
      tls,
      entries: [],
      routes: new Set<string>(),
    };
  });
}

function namespaceAllowed(view: ClusterView, l: ListenerSpec, gatewayNs: string, routeNs: string): boolean {
  const from = l.allowedRoutes.namespaces.from;
  if (from === 'All') return true;
  if (from === 'Same') return gatewayNs === routeNs;
  if (from === 'Selector') {
    const ns = view.namespace(routeNs);
    const labels = ns?.metadata.labels ?? { 'kubernetes.io/metadata.name': routeNs };
    return fromLabelSelector(l.allowedRoutes.namespaces.selector ?? {}).matches(labels);
  }
  return false;
}

function compileRules(view: ClusterView, ns: string, rules: readonly HTTPRouteRuleSpec[]): RuleAction[] {
  return rules.map((r) => ({
    filters: compileFilters(view, ns, r.filters),
    backends: r.backendRefs.map((b) => resolveBackendRef(view, ns, b)),
  }));
}

/** The first reference problem of a route (NoReadyEndpoints is not a reference problem). */
function resolvedRefs(actions: readonly RuleAction[], gen?: number): Condition {
  for (const a of actions) {
    const targets = [...a.backends, ...a.filters.flatMap((f) => (f.type === 'RequestMirror' ? [f.backend] : []))];
    const bad = targets.find((b) => b.invalid && b.invalid.reason !== 'NoReadyEndpoints');
    if (bad?.invalid) return cond('ResolvedRefs', false, bad.invalid.reason, bad.invalid.message, gen);
  }
  return cond('ResolvedRefs', true, 'ResolvedRefs', 'all references resolved', gen);
}

function attachRoute(view: ClusterView, route: HTTPRoute, gateways: Map<string, CompiledGateway>, controller: string): HTTPRouteStatus {
  const ns = route.metadata.namespace ?? 'default';
  const key = `${ns}/${route.metadata.name}`;
  const gen = route.metadata.generation;
  const spec = httpRouteSpec(route.spec);
  const actions = compileRules(view, ns, spec.rules);
  const refs = resolvedRefs(actions, gen);
  const parents: RouteParentStatus[] = [];
  for (const p of spec.parentRefs) {
    if (p.group !== GATEWAY_GROUP || p.kind !== 'Gateway') continue;
    const gwNs = p.namespace ?? ns;
    const g = gateways.get(`${gwNs}/${p.name}`);
    if (!g) continue; // not a Gateway of ours: another controller (or none) owns this parent's status
    const accepted = acceptOnGateway(view, route, ns, spec.hostnames, p, g, actions, spec.rules, gen);
    parents.push({
      parentRef: { group: p.group, kind: p.kind, namespace: gwNs, name: p.name, ...(p.sectionName ? { sectionName: p.sectionName } : {}), ...(p.port !== undefined ? { port: p.port } : {}) },
      controllerName: controller,
      conditions: [accepted, refs],
    });
  }
  return { route: key, parents };
}

function acceptOnGateway(
  view: ClusterView, route: HTTPRoute, ns: string, hostnames: string[], p: ParentRefSpec, g: CompiledGateway,
  actions: RuleAction[], rules: readonly HTTPRouteRuleSpec[], gen?: number,
): Condition {
  const selected = g.listeners.filter((l) => (p.sectionName === undefined || l.spec.name === p.sectionName) && (p.port === undefined || l.spec.port === p.port));
  if (!selected.length) {
    const what = [p.sectionName !== undefined ? `sectionName ${p.sectionName}` : '', p.port !== undefined ? `port ${p.port}` : ''].filter(Boolean).join(' and ');
    return cond('Accepted', false, 'NoMatchingParent', `Gateway ${g.namespace}/${g.gw.metadata.name} has no listener with ${what}`, gen);
  }
  const allowed = selected.filter((l) => l.supportsHTTPRoute && namespaceAllowed(view, l.spec, g.namespace, ns));
  if (!allowed.length) {
    return cond('Accepted', false, 'NotAllowedByListeners', `no selected listener of Gateway ${g.namespace}/${g.gw.metadata.name} allows HTTPRoutes from namespace ${ns}`, gen);
  }
  const attached = allowed.map((l) => ({ l, hosts: intersectHostnames(l.spec.hostname, hostnames) })).filter((x) => x.hosts === undefined || x.hosts.length > 0);
  if (!attached.length) {
    return cond('Accepted', false, 'NoMatchingListenerHostname', `no hostname of the route intersects the listeners' hostnames (${allowed.map((x) => x.spec.hostname ?? '*').join(', ')})`, gen);
  }
  const key = `${ns}/${route.metadata.name}`;
  for (const { l, hosts } of attached) {
    if (l.routes.has(key)) continue;
    l.routes.add(key);
    l.entries.push(...routeEntries(route, ns, rules, actions, hosts));
  }
  return cond('Accepted', true, 'Accepted', `attached to listener(s) ${attached.map((x) => x.l.spec.name).join(', ')}`, gen);
}

const PATH_TYPES: Record<string, PathMatchType> = { Exact: 'Exact', PathPrefix: 'Prefix', RegularExpression: 'RegularExpression' };

function routeEntries(route: HTTPRoute, ns: string, rules: readonly HTTPRouteRuleSpec[], actions: RuleAction[], hosts: string[] | undefined): MatchEntry[] {
  const out: MatchEntry[] = [];
  for (const hostname of hosts ?? [undefined]) {
    rules.forEach((rule, ri) => {
      rule.matches.forEach((m, mi) => {
        // First header/query entry of a name wins; later duplicates are ignored (spec).
        const headers = dedupe(m.headers.map((h) => ({ name: h.name.toLowerCase(), type: h.type === 'RegularExpression' ? 'RegularExpression' as const : 'Exact' as const, value: h.value })));
        const queryParams = dedupe(m.queryParams.map((q) => ({ name: q.name, type: q.type === 'RegularExpression' ? 'RegularExpression' as const : 'Exact' as const, value: q.value })));
        const type = PATH_TYPES[m.path.type];
        out.push({
          id: `HTTPRoute ${ns}/${route.metadata.name} rules[${ri}].matches[${mi}]`,
          source: {
            kind: 'HTTPRoute', namespace: ns, name: route.metadata.name, rule: ri, match: mi,
            ...(rule.name ? { ruleName: rule.name } : {}),
            ...(route.metadata.creationTimestamp ? { creationTimestamp: route.metadata.creationTimestamp } : {}),
          },
          ...(hostname !== undefined ? { hostname } : {}),
          path: { type: type ?? 'Prefix', value: m.path.value },
          ...(m.method ? { method: m.method } : {}),
          headers,
          queryParams,
          filters: actions[ri].filters,
          backends: actions[ri].backends,
          ...(type === undefined ? { ruleError: { status: 500, reason: 'UnsupportedValue', message: `path match type ${m.path.type} is not supported` } } : {}),
        });
      });
    });
  }
  return out;
}

function dedupe<T extends { name: string }>(list: T[]): T[] {
  const seen = new Set<string>();
  return list.filter((x) => (seen.has(x.name) ? false : (seen.add(x.name), true)));
}


