/**
 * HTTPRoute filters → executable RouteFilter values. Core: RequestHeaderModifier, RequestRedirect;
 * Extended: URLRewrite, RequestMirror, ResponseHeaderModifier. Anything else (ExtensionRef, CORS, …)
 * becomes `Unsupported`: the spec forbids skipping a filter, so matching requests get a 500.
 */
import type { ClusterView } from '../../cluster/view.ts';
import { resolveBackendRef } from './gateway-backends.ts';
import type { HeaderValue, PathModifier, RouteFilter } from './types.ts';

const obj = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

function headerValues(v: unknown): HeaderValue[] {
  return (Array.isArray(v) ? v : []).map((h) => ({ name: String(obj(h).name ?? '').toLowerCase(), value: String(obj(h).value ?? '') }));
}

function headerModifier(v: unknown): { set: HeaderValue[]; add: HeaderValue[]; remove: string[] } {
  const o = obj(v);
  return { set: headerValues(o.set), add: headerValues(o.add), remove: (Array.isArray(o.remove) ? o.remove : []).map((n) => String(n).toLowerCase()) };
}

function pathModifier(v: unknown): PathModifier | undefined {
  if (v === undefined) return undefined;
  const o = obj(v);
  if (o.type === 'ReplaceFullPath') return { type: 'ReplaceFullPath', value: String(o.replaceFullPath ?? '/') };
  return { type: 'ReplacePrefixMatch', value: String(o.replacePrefixMatch ?? '') };
}

export function compileFilters(view: ClusterView, routeNamespace: string, filters: readonly Record<string, unknown>[]): RouteFilter[] {
  return filters.map((f): RouteFilter => {
    switch (f.type) {
      case 'RequestHeaderModifier':
        return { type: 'RequestHeaderModifier', ...headerModifier(f.requestHeaderModifier) };
      case 'ResponseHeaderModifier':
        return { type: 'ResponseHeaderModifier', ...headerModifier(f.responseHeaderModifier) };
      case 'RequestRedirect': {
        const r = obj(f.requestRedirect);
        const path = pathModifier(r.path);
        return {
          type: 'RequestRedirect',
          ...(typeof r.scheme === 'string' ? { scheme: r.scheme } : {}),
          ...(typeof r.hostname === 'string' ? { hostname: r.hostname } : {}),
          ...(typeof r.port === 'number' ? { port: r.port } : {}),
          ...(path ? { path } : {}),
          statusCode: typeof r.statusCode === 'number' ? r.statusCode : 302,
        };
      }
      case 'URLRewrite': {
        const r = obj(f.urlRewrite);
        const path = pathModifier(r.path);
        return { type: 'URLRewrite', ...(typeof r.hostname === 'string' ? { hostname: r.hostname } : {}), ...(path ? { path } : {}) };
      }
      case 'RequestMirror': {
        const m = obj(f.requestMirror);
        const b = obj(m.backendRef);
        const backend = resolveBackendRef(view, routeNamespace, {
          group: typeof b.group === 'string' ? b.group : '',
          kind: typeof b.kind === 'string' ? b.kind : 'Service',
          name: String(b.name ?? ''),
          ...(typeof b.namespace === 'string' ? { namespace: b.namespace } : {}),
          ...(typeof b.port === 'number' ? { port: b.port } : {}),
          weight: 1,
        });
        const fraction = obj(m.fraction);
        const percent = typeof m.percent === 'number'
          ? m.percent
          : typeof fraction.numerator === 'number' ? (100 * fraction.numerator) / (typeof fraction.denominator === 'number' && fraction.denominator > 0 ? fraction.denominator : 100) : 100;
        return { type: 'RequestMirror', backend, percent };
      }
      default:
        return { type: 'Unsupported', filterType: String(f.type), reason: `filter type ${JSON.stringify(f.type)} is not supported by this implementation` };
    }
  });
}
