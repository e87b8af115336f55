/**
 * Typed views of the Gateway API fields the model reads (api/types.ts keeps them loose), with the
 * API server's CRD defaults applied when a manifest skipped admission: listener
 * allowedRoutes.namespaces.from = Same, rule matches = [PathPrefix "/"], match path type PathPrefix,
 * header/query match type Exact, backendRef weight 1, redirect statusCode 302, parentRef group/kind.
 */
import type { LabelSelector } from '../../api/types.ts';

export const GATEWAY_GROUP = 'gateway.networking.k8s.io';

export interface ListenerSpec {
  name: string;
  port: number;
  protocol: string;
  hostname?: string;
  tls?: { mode?: string; certificateRefs?: SecretRefSpec[] };
  allowedRoutes: {
    namespaces: { from: 'Same' | 'All' | 'Selector' | string; selector?: LabelSelector };
    kinds?: { group?: string; kind: string }[];
  };
}

export interface SecretRefSpec {
  group?: string;
  kind?: string;
  name: string;
  namespace?: string;
}

export interface ParentRefSpec {
  group: string;
  kind: string;
  namespace?: string;
  name: string;
  sectionName?: string;
  port?: number;
}

export interface StringMatchSpec {
  type: string;
  name: string;
  value: string;
}

export interface HTTPRouteMatchSpec {
  path: { type: string; value: string };
  headers: StringMatchSpec[];
  queryParams: StringMatchSpec[];
  method?: string;
}

export interface BackendRefSpec {
  group: string;
  kind: string;
  name: string;
  namespace?: string;
  port?: number;
  weight: number;
  filters?: Record<string, unknown>[];
}

export interface HTTPRouteRuleSpec {
  name?: string;
  matches: HTTPRouteMatchSpec[];
  filters: Record<string, unknown>[];
  backendRefs: BackendRefSpec[];
}

export interface HTTPRouteSpec {
  parentRefs: ParentRefSpec[];
  hostnames: string[];
  rules: HTTPRouteRuleSpec[];
}

const obj = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

export function listenerSpecs(listeners: readonly Record<string, unknown>[]): ListenerSpec[] {
  return listeners.map((l) => {
    const ar = obj(l.allowedRoutes);
    const ns = obj(ar.namespaces);
    const tls = l.tls === undefined ? undefined : obj(l.tls);
    return {
      name: str(l.name) ?? '',
      port: num(l.port) ?? 0,
      protocol: str(l.protocol) ?? '',
      ...(str(l.hostname) ? { hostname: (l.hostname as string).toLowerCase() } : {}),
      ...(tls ? { tls: { mode: str(tls.mode) ?? 'Terminate', certificateRefs: arr(tls.certificateRefs).map((r) => obj(r) as unknown as SecretRefSpec) } } : {}),
      allowedRoutes: {
        namespaces: { from: str(ns.from) ?? 'Same', ...(ns.selector ? { selector: ns.selector as LabelSelector } : {}) },
        ...(ar.kinds !== undefined ? { kinds: arr(ar.kinds).map((k) => obj(k) as unknown as { group?: string; kind: string }) } : {}),
      },
    };
  });
}

function stringMatches(v: unknown): StringMatchSpec[] {
  return arr(v).map((m) => {
    const o = obj(m);
    return { type: str(o.type) ?? 'Exact', name: str(o.name) ?? '', value: str(o.value) ?? '' };
  });
}

export function httpRouteSpec(spec: Record<string, unknown>): HTTPRouteSpec {
  const rules = spec.rules === undefined ? [{}] : arr(spec.rules);
  return {
    parentRefs: arr(spec.parentRefs).map((p) => {
      const o = obj(p);
      return {
        group: str(o.group) ?? GATEWAY_GROUP,
        kind: str(o.kind) ?? 'Gateway',
        name: str(o.name) ?? '',
        ...(str(o.namespace) ? { namespace: o.namespace as string } : {}),
        ...(str(o.sectionName) ? { sectionName: o.sectionName as string } : {}),
        ...(num(o.port) !== undefined ? { port: o.port as number } : {}),
      };
    }),
    hostnames: arr(spec.hostnames).filter((h): h is string => typeof h === 'string').map((h) => h.toLowerCase()),
    rules: rules.map((r) => {
      const o = obj(r);
      const matches = o.matches === undefined || arr(o.matches).length === 0 ? [{}] : arr(o.matches);
      return {
        ...(str(o.name) ? { name: o.name as string } : {}),
        matches: matches.map((m) => {
          const mo = obj(m);
          const path = mo.path === undefined ? {} : obj(mo.path);
          return {
            path: { type: str(path.type) ?? 'PathPrefix', value: str(path.value) ?? '/' },
            headers: stringMatches(mo.headers),
            queryParams: stringMatches(mo.queryParams),
            ...(str(mo.method) ? { method: mo.method as string } : {}),
          };
        }),
        filters: arr(o.filters).map(obj),
        backendRefs: arr(o.backendRefs).map((b) => {
          const bo = obj(b);
          return {
            group: str(bo.group) ?? '',
            kind: str(bo.kind) ?? 'Service',
            name: str(bo.name) ?? '',
            ...(str(bo.namespace) ? { namespace: bo.namespace as string } : {}),
            ...(num(bo.port) !== undefined ? { port: bo.port as number } : {}),
            weight: num(bo.weight) ?? 1,
            ...(bo.filters !== undefined ? { filters: arr(bo.filters).map(obj) } : {}),
          };
        }),
      };
    }),
  };
}
