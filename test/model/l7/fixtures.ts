/**
 * Cluster objects for L7 tests, written as a user would after API-server defaulting (HTTPRoute matches
 * default to PathPrefix "/", backendRef weight 1, listener allowedRoutes from Same — written out here).
 */
import type { KObject } from '../../../src/api/types.ts';
import { ClusterView } from '../../../src/cluster/view.ts';
import { defaultClusterConfig, type ClusterConfig } from '../../../src/cluster/config.ts';
import { compileRouteTable, requestFromURL, routeRequest, type FrontendSelector, type RouteDecision } from '../../../src/model/l7/index.ts';

export const T0 = '2024-01-01T00:00:00Z';

export function namespace(name: string, labels: Record<string, string> = {}): KObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'kubernetes.io/metadata.name': name, ...labels } } };
}

const b64 = (s: string): string => Buffer.from(s).toString('base64');
/** PEM-framed placeholders: the model checks the PEM structure, not the X.509 contents. */
export const PEM_CERT = '-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n';
export const PEM_KEY = '-----BEGIN PRIVATE KEY-----\nMIIEfake\n-----END PRIVATE KEY-----\n';

/** A Secret as `kubectl create secret tls` makes it (type kubernetes.io/tls, tls.crt + tls.key), or with `data`/`type` overridden. */
export function tlsSecret(ns: string, name: string, opts: { type?: string; data?: Record<string, string> } = {}): KObject {
  const data = opts.data ?? { 'tls.crt': PEM_CERT, 'tls.key': PEM_KEY };
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: ns },
    type: opts.type ?? 'kubernetes.io/tls',
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])),
  };
}

let ipCounter = 1;

/**
 * A Service with one port per entry and an EndpointSlice with `ready` endpoints (and one not-ready
 * endpoint when `notReady` is set). Endpoint IPs are distinct per Service.
 */
export function service(ns: string, name: string, opts: { ports?: { name?: string; port: number; targetPort: number }[]; ready?: number; notReady?: number; ips?: string[] } = {}): KObject[] {
  const ports = opts.ports ?? [{ name: 'http', port: 80, targetPort: 8080 }];
  const ready = opts.ready ?? 1;
  const ips = opts.ips ?? Array.from({ length: ready }, () => `10.244.${Math.floor(ipCounter / 250)}.${(ipCounter++ % 250) + 1}`);
  const endpoints = [
    ...ips.map((ip) => ({ addresses: [ip], conditions: { ready: true } })),
    ...Array.from({ length: opts.notReady ?? 0 }, () => ({ addresses: [`10.244.200.${(ipCounter++ % 250) + 1}`], conditions: { ready: false } })),
  ];
  return [
    { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns }, spec: { clusterIP: `10.96.${Math.floor(ipCounter / 250)}.${(ipCounter++ % 250) + 1}`, ports: ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.targetPort, protocol: 'TCP' })) } },
    {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: `${name}-abcde`, namespace: ns, labels: { 'kubernetes.io/service-name': name } },
      addressType: 'IPv4',
      endpoints,
      ports: ports.map((p) => ({ name: p.name, port: p.targetPort, protocol: 'TCP' })),
    },
  ];
}

export function ingressClass(name: string, controller = 'k8s.io/ingress-nginx', isDefault = false, created = T0): KObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'IngressClass',
    metadata: { name, creationTimestamp: created, ...(isDefault ? { annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } } : {}) },
    spec: { controller },
  };
}

export interface PathSpec {
  path: string;
  pathType?: 'Exact' | 'Prefix' | 'ImplementationSpecific';
  service: string;
  port?: number | string;
}

export function ingress(ns: string, name: string, spec: { className?: string | null; rules?: { host?: string; paths?: PathSpec[] }[]; defaultBackend?: { service: string; port: number | string }; tls?: { hosts?: string[]; secretName?: string }[]; annotations?: Record<string, string>; created?: string }): KObject {
  const backend = (service: string, port: number | string = 80) => ({ service: { name: service, port: typeof port === 'number' ? { number: port } : { name: port } } });
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name, namespace: ns, creationTimestamp: spec.created ?? T0, ...(spec.annotations ? { annotations: spec.annotations } : {}) },
    spec: {
      ...(spec.className === null ? {} : { ingressClassName: spec.className ?? 'nginx' }),
      ...(spec.defaultBackend ? { defaultBackend: backend(spec.defaultBackend.service, spec.defaultBackend.port) } : {}),
      ...(spec.tls ? { tls: spec.tls } : {}),
      ...(spec.rules ? {
        rules: spec.rules.map((r) => ({
          ...(r.host ? { host: r.host } : {}),
          ...(r.paths ? { http: { paths: r.paths.map((p) => ({ path: p.path, pathType: p.pathType ?? 'Prefix', backend: backend(p.service, p.port) })) } } : {}),
        })),
      } : {}),
    },
  };
}

export function gatewayClass(name = 'podnet', controllerName = 'podnet.dev/gateway-controller'): KObject {
  return { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name }, spec: { controllerName } };
}

export interface ListenerSpec {
  name: string;
  port?: number;
  protocol?: string;
  hostname?: string;
  from?: 'Same' | 'All' | 'Selector';
  selector?: Record<string, unknown>;
  kinds?: { group?: string; kind: string }[];
  tls?: Record<string, unknown>;
}

export function gateway(ns: string, name: string, listeners: ListenerSpec[], className = 'podnet'): KObject {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name, namespace: ns, generation: 1 },
    spec: {
      gatewayClassName: className,
      listeners: listeners.map((l) => ({
        name: l.name,
        port: l.port ?? 80,
        protocol: l.protocol ?? 'HTTP',
        ...(l.hostname ? { hostname: l.hostname } : {}),
        ...(l.tls ? { tls: l.tls } : {}),
        allowedRoutes: { namespaces: { from: l.from ?? 'Same', ...(l.selector ? { selector: l.selector } : {}) }, ...(l.kinds ? { kinds: l.kinds } : {}) },
      })),
    },
  };
}

export function httpRoute(ns: string, name: string, spec: Record<string, unknown>, created = T0): KObject {
  return { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name, namespace: ns, creationTimestamp: created, generation: 1 }, spec };
}

/** A rule as written after defaulting: matches default to PathPrefix "/", weights to 1. */
export function rule(opts: { matches?: Record<string, unknown>[]; backends?: { name: string; port?: number; weight?: number; namespace?: string; kind?: string; group?: string }[]; filters?: Record<string, unknown>[]; name?: string }): Record<string, unknown> {
  return {
    ...(opts.name ? { name: opts.name } : {}),
    matches: opts.matches ?? [{ path: { type: 'PathPrefix', value: '/' } }],
    ...(opts.filters ? { filters: opts.filters } : {}),
    ...(opts.backends ? { backendRefs: opts.backends.map((b) => ({ group: b.group ?? '', kind: b.kind ?? 'Service', name: b.name, ...(b.namespace ? { namespace: b.namespace } : {}), port: b.port ?? 80, weight: b.weight ?? 1 })) } : {}),
  };
}

export const pathMatch = (type: 'Exact' | 'PathPrefix' | 'RegularExpression', value: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({ path: { type, value }, ...extra });

export function referenceGrant(ns: string, name: string, fromNs: string, to: { kind: string; name?: string } = { kind: 'Service' }, fromKind = 'HTTPRoute'): KObject {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1beta1',
    kind: 'ReferenceGrant',
    metadata: { name, namespace: ns },
    spec: { from: [{ group: 'gateway.networking.k8s.io', kind: fromKind, namespace: fromNs }], to: [{ group: '', kind: to.kind, ...(to.name ? { name: to.name } : {}) }] },
  };
}

export function view(objects: KObject[], config: Partial<ClusterConfig> = {}): ClusterView {
  return new ClusterView(objects, { ...defaultClusterConfig(), ...config });
}

/** Routes a URL through the cluster's route table. */
export function route(objects: KObject[] | ClusterView, url: string, opts: { method?: string; headers?: string[] } & FrontendSelector = {}): RouteDecision {
  const v = objects instanceof ClusterView ? objects : view(objects);
  const { method, headers, ...sel } = opts;
  return routeRequest(compileRouteTable(v), requestFromURL(url, method, headers), sel);
}

/** `ns/svc:port` of the backend a decision sends everything to (undefined when split or none). */
export function onlyBackend(d: RouteDecision): string | undefined {
  const live = d.backends.filter((b) => b.share > 0);
  return live.length === 1 ? live[0].backend : undefined;
}
