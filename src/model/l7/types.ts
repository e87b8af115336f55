/**
 * The compiled route table (the IR every L7 consumer executes): frontends (the Ingress controller and
 * each Gateway) → listeners → host groups → ordered match entries → filters + weighted backends.
 * The model evaluates it directly, the Node proxy executes it, the nginx renderer translates it.
 */
import type { SegmentTrie } from './paths.ts';

/** One backend reference as resolved against the cluster. */
export interface BackendTarget {
  /** `namespace/service:port` */
  key: string;
  namespace: string;
  service: string;
  /** The Service port (number) the reference names or resolves to. */
  port?: number;
  weight: number;
  /** Set when requests sent to this backend cannot be served. */
  invalid?: { status: 500 | 503; reason: string; message: string };
  /** Ready `ip:port` addresses (target ports from the EndpointSlices), sorted. */
  endpoints: string[];
}

export interface HeaderValue {
  name: string;
  value: string;
}

export interface PathModifier {
  type: 'ReplaceFullPath' | 'ReplacePrefixMatch';
  value: string;
}

export type RouteFilter =
  | { type: 'RequestHeaderModifier'; set: HeaderValue[]; add: HeaderValue[]; remove: string[] }
  | { type: 'ResponseHeaderModifier'; set: HeaderValue[]; add: HeaderValue[]; remove: string[] }
  | { type: 'RequestRedirect'; scheme?: string; hostname?: string; port?: number; path?: PathModifier; statusCode: number }
  | { type: 'URLRewrite'; hostname?: string; path?: PathModifier }
  | { type: 'RequestMirror'; backend: BackendTarget; percent: number }
  /** A filter this implementation cannot execute: requests it would process fail (never skipped). */
  | { type: 'Unsupported'; filterType: string; reason: string };

export type PathMatchType = 'Exact' | 'Prefix' | 'RegularExpression';

export interface StringMatch {
  /** Header names are compared lowercase; query parameter names as written. */
  name: string;
  type: 'Exact' | 'RegularExpression';
  value: string;
}

/** Where a match entry came from. */
export interface RuleSource {
  kind: 'Ingress' | 'HTTPRoute';
  namespace: string;
  name: string;
  /** Index in spec.rules. */
  rule: number;
  /** Ingress: index in rules[].http.paths; HTTPRoute: index in rules[].matches. */
  match: number;
  ruleName?: string;
  creationTimestamp?: string;
}

/** One match of one rule: the unit precedence orders. */
export interface MatchEntry {
  /** e.g. `HTTPRoute default/web rules[0].matches[1]` */
  id: string;
  source: RuleSource;
  /** The host pattern of the group the entry sits in; undefined = any host. */
  hostname?: string;
  path: { type: PathMatchType; value: string };
  method?: string;
  headers: StringMatch[];
  queryParams: StringMatch[];
  filters: RouteFilter[];
  backends: BackendTarget[];
  /** Rule-level failure that applies to every request matching it (e.g. invalid filter). */
  ruleError?: { status: number; reason: string; message: string };
}

/** The match entries for one host pattern, indexed by path. */
export interface HostGroup {
  hostname?: string;
  /** Every entry, in precedence order (explanations and renderers read this). */
  entries: MatchEntry[];
  exact: Map<string, MatchEntry[]>;
  prefix: SegmentTrie<MatchEntry>;
  regex: MatchEntry[];
  /** Ingress only: the spec.defaultBackend that takes what no path of this host matches. */
  defaultBackend?: DefaultBackend;
}

export interface DefaultBackend {
  ingress: string;
  backend: BackendTarget;
}

/** Host patterns → groups. */
export interface HostIndex {
  exact: Map<string, HostGroup>;
  wildcard: Map<string, HostGroup>;
  any?: HostGroup;
}

export interface TLSCertificate {
  /** Host patterns (Ingress tls[].hosts / listener hostname); empty = any SNI. */
  hosts: string[];
  /** `namespace/name` of the kubernetes.io/tls Secret. */
  secret: string;
  /**
   * Set when the cluster's Secret cannot serve (missing, no tls.crt/tls.key, no PEM keypair):
   * ingress-nginx logs it and serves its default certificate for these hosts. The entry stays, so
   * the SNI name still selects it: a proxy given the certificate some other way (`ingress serve
   * --tls-secret` files) serves that one.
   */
  problem?: { reason: string; message: string };
}

export interface IngressFrontend {
  kind: 'ingress';
  controller: string;
  /** IngressClass names this controller owns. */
  classes: string[];
  /** `namespace/name` of every Ingress routed here. */
  ingresses: string[];
  hosts: HostIndex;
  /** In Ingress creation order. */
  tls: TLSCertificate[];
  /** Catch-all: the oldest Ingress defaultBackend of the class. */
  defaultBackend?: DefaultBackend;
}

export interface Listener {
  name: string;
  port: number;
  protocol: 'HTTP' | 'HTTPS';
  hostname?: string;
  hosts: HostIndex;
  tls: TLSCertificate[];
}

export interface GatewayFrontend {
  kind: 'gateway';
  namespace: string;
  name: string;
  gatewayClassName: string;
  listeners: Listener[];
}

export type Frontend = IngressFrontend | GatewayFrontend;

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  observedGeneration?: number;
}

export interface RouteParentStatus {
  parentRef: { group: string; kind: string; namespace: string; name: string; sectionName?: string; port?: number };
  controllerName: string;
  conditions: Condition[];
}

export interface HTTPRouteStatus {
  route: string;
  parents: RouteParentStatus[];
}

export interface ListenerStatus {
  name: string;
  attachedRoutes: number;
  supportedKinds: { group: string; kind: string }[];
  conditions: Condition[];
}

export interface GatewayStatus {
  gateway: string;
  conditions: Condition[];
  listeners: ListenerStatus[];
}

export interface IngressStatus {
  ingress: string;
  /** The IngressClass that selected it, when one of ours did. */
  ingressClass?: string;
  /** True when this controller routes it (its status may then carry our address). */
  routed: boolean;
  reason: string;
}

export interface L7Status {
  httpRoutes: HTTPRouteStatus[];
  gateways: GatewayStatus[];
  ingresses: IngressStatus[];
}

export interface RouteTable {
  ingress?: IngressFrontend;
  gateways: GatewayFrontend[];
  status: L7Status;
}

/** An HTTP request as the frontend sees it. */
export interface L7Request {
  scheme: 'http' | 'https';
  /** Host header (a port in it is ignored for matching). */
  host: string;
  /** The port the request arrived on (selects Gateway listeners). */
  port: number;
  /** Path without the query. */
  path: string;
  /** Raw query string, without `?`. */
  query: string;
  method: string;
  /** Lowercase names; repeated headers joined with `, `. */
  headers: Record<string, string>;
}
