/**
 * Defaulting as the API server does it on create (SetDefaults_* in pkg/apis/<group>/v1/defaults.go,
 * the `+default` markers of the types, the Service registry's IP-family defaults and the Gateway API
 * CRDs' `default:` values). Pure: returns a new object; never touches fields the user set, and leaves
 * fields of the wrong type alone for validation to report.
 */
import { encodeUTF8Base64 } from './base64.ts';
import { parseIP } from './cidr.ts';
import { kindInfo } from './kinds.ts';
import type { KObject } from './types.ts';

type Rec = Record<string, unknown>;

function rec(v: unknown): Rec | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Rec) : undefined;
}

/** The records of a list field (entries of another shape are skipped). */
function records(v: unknown): Rec[] {
  return Array.isArray(v) ? v.map(rec).filter((x): x is Rec => x !== undefined) : [];
}

/** Sets `o[key] = value` when the field is absent (undefined or null, as Go's zero value). */
function setDefault(o: Rec, key: string, value: unknown): void {
  if (o[key] === undefined || o[key] === null) o[key] = value;
}

/** Absent or the empty string: what Go's zero-value checks (`== ""`) treat as unset. */
function unset(v: unknown): boolean {
  return v === undefined || v === null || v === '';
}

/** Options the API server takes from its flags. */
export interface DefaultingOptions {
  /** The cluster's primary service IP family (from --service-cluster-ip-range); default IPv4. */
  primaryIPFamily?: 'IPv4' | 'IPv6';
}

export function defaultObject(obj: KObject, options: DefaultingOptions = {}): KObject {
  const out = structuredClone(obj);
  const o = out as unknown as Rec;
  const meta = rec(o.metadata);
  // BeforeCreate clears metadata.namespace on cluster-scoped kinds.
  const info = kindInfo(out.kind);
  if (info && !info.namespaced && meta && meta.namespace !== undefined) delete meta.namespace;
  const defaulter = DEFAULTERS[out.kind];
  if (defaulter) defaulter(o, options);
  return out;
}

const DEFAULTERS: Record<string, (o: Rec, options: DefaultingOptions) => void> = {
  Service: defaultService,
  Secret: defaultSecret,
  Pod: (o) => {
    const spec = rec(o.spec);
    if (spec) defaultPod(spec);
  },
  Endpoints: (o) => {
    for (const subset of records(o.subsets)) for (const port of records(subset.ports)) setDefault(port, 'protocol', 'TCP');
  },
  EndpointSlice: (o) => {
    for (const port of records(o.ports)) {
      setDefault(port, 'name', '');
      setDefault(port, 'protocol', 'TCP');
    }
  },
  NetworkPolicy: defaultNetworkPolicy,
  IngressClass: (o) => {
    const params = rec(rec(o.spec)?.parameters);
    if (params) setDefault(params, 'scope', 'Cluster');
  },
  // apps/v1 SetDefaults_Deployment/StatefulSet/DaemonSet: update strategies, history and deadlines.
  Deployment: (o) => {
    defaultWorkload(o, true);
    const spec = rec(o.spec);
    if (!spec) return;
    const strategy = defaultStrategy(spec, 'strategy');
    const rolling = strategy?.type === 'RollingUpdate' ? defaultRecord(strategy, 'rollingUpdate') : undefined;
    if (rolling) {
      setDefault(rolling, 'maxUnavailable', '25%');
      setDefault(rolling, 'maxSurge', '25%');
    }
    setDefault(spec, 'revisionHistoryLimit', 10);
    setDefault(spec, 'progressDeadlineSeconds', 600);
  },
  ReplicaSet: (o) => defaultWorkload(o, true),
  StatefulSet: (o) => {
    defaultWorkload(o, true);
    const spec = rec(o.spec);
    if (!spec) return;
    setDefault(spec, 'podManagementPolicy', 'OrderedReady');
    const strategy = rec(spec.updateStrategy);
    // An unset type gets RollingUpdate with a partition; a set type only fills an existing rollingUpdate.
    if (!strategy?.type) {
      const defaulted = defaultStrategy(spec, 'updateStrategy');
      if (defaulted) defaultRecord(defaulted, 'rollingUpdate');
    }
    const rolling = rec(rec(spec.updateStrategy)?.rollingUpdate);
    if (rec(spec.updateStrategy)?.type === 'RollingUpdate' && rolling) setDefault(rolling, 'partition', 0);
    const retention = defaultRecord(spec, 'persistentVolumeClaimRetentionPolicy');
    if (retention) {
      setDefault(retention, 'whenDeleted', 'Retain');
      setDefault(retention, 'whenScaled', 'Retain');
    }
    setDefault(spec, 'revisionHistoryLimit', 10);
  },
  DaemonSet: (o) => {
    defaultWorkload(o, false);
    const spec = rec(o.spec);
    if (!spec) return;
    const strategy = defaultStrategy(spec, 'updateStrategy');
    const rolling = strategy?.type === 'RollingUpdate' ? defaultRecord(strategy, 'rollingUpdate') : undefined;
    if (rolling) {
      setDefault(rolling, 'maxUnavailable', 1);
      setDefault(rolling, 'maxSurge', 0);
    }
    setDefault(spec, 'revisionHistoryLimit', 10);
  },
  Gateway: defaultGateway,
  HTTPRoute: defaultHTTPRoute,
};

function defaultService(o: Rec, options: DefaultingOptions): void {
  const spec = rec(o.spec);
  if (!spec) return;
  if (unset(spec.sessionAffinity)) spec.sessionAffinity = 'None';
  if (spec.sessionAffinity === 'None') delete spec.sessionAffinityConfig;
  if (spec.sessionAffinity === 'ClientIP') {
    const timeout = rec(rec(spec.sessionAffinityConfig)?.clientIP)?.timeoutSeconds;
    if (timeout === undefined || timeout === null) spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: 10800 } };
  }
  if (unset(spec.type)) spec.type = 'ClusterIP';
  const type = spec.type;
  for (const port of records(spec.ports)) {
    if (unset(port.protocol)) port.protocol = 'TCP';
    const noTarget = port.targetPort === undefined || port.targetPort === null || port.targetPort === 0 || port.targetPort === '';
    if (noTarget && typeof port.port === 'number') port.targetPort = port.port;
  }
  const externalIPs = Array.isArray(spec.externalIPs) ? spec.externalIPs : [];
  const externallyAccessible = type === 'LoadBalancer' || type === 'NodePort' || (type === 'ClusterIP' && externalIPs.length > 0);
  if (externallyAccessible && unset(spec.externalTrafficPolicy)) spec.externalTrafficPolicy = 'Cluster';
  if (type === 'NodePort' || type === 'LoadBalancer' || type === 'ClusterIP') setDefault(spec, 'internalTrafficPolicy', 'Cluster');
  if (type === 'LoadBalancer') {
    setDefault(spec, 'allocateLoadBalancerNodePorts', true);
    for (const ing of records(rec(rec(o.status)?.loadBalancer)?.ingress)) if (!unset(ing.ip)) setDefault(ing, 'ipMode', 'VIP');
  }
  if (type !== 'ExternalName') defaultIPFamilies(spec, options);
}

/**
 * The Service registry's family defaults (initIPFamilyFields): SingleStack in the family of the
 * requested clusterIP or the cluster's primary family; a headless Service without selector gets
 * RequireDualStack (it then carries the primary family only on a single-stack cluster).
 */
function defaultIPFamilies(spec: Rec, options: DefaultingOptions): void {
  const headless = spec.clusterIP === 'None';
  const selectorless = Object.keys(rec(spec.selector) ?? {}).length === 0;
  if (spec.ipFamilyPolicy === undefined || spec.ipFamilyPolicy === null)
    spec.ipFamilyPolicy = headless && selectorless ? 'RequireDualStack' : 'SingleStack';
  if (spec.ipFamilies === undefined || spec.ipFamilies === null) {
    const ip = typeof spec.clusterIP === 'string' ? parseIP(spec.clusterIP) : undefined;
    spec.ipFamilies = [ip ? (ip.family === 4 ? 'IPv4' : 'IPv6') : (options.primaryIPFamily ?? 'IPv4')];
  }
}

/** SetDefaults_PodSpec + container ports; `pod` adds what only SetDefaults_Pod does (host ports). */
function defaultPodSpec(spec: Rec): void {
  if (unset(spec.dnsPolicy)) spec.dnsPolicy = 'ClusterFirst';
  if (unset(spec.restartPolicy)) spec.restartPolicy = 'Always';
  for (const field of ['containers', 'initContainers', 'ephemeralContainers']) {
    for (const c of records(spec[field])) for (const port of records(c.ports)) if (unset(port.protocol)) port.protocol = 'TCP';
  }
}

function defaultPod(spec: Rec): void {
  defaultPodSpec(spec);
  // With host networking every container port is also a host port.
  if (spec.hostNetwork === true) {
    for (const field of ['containers', 'initContainers']) {
      for (const c of records(spec[field]))
        for (const port of records(c.ports)) if (port.hostPort === undefined || port.hostPort === null || port.hostPort === 0) port.hostPort = port.containerPort;
    }
  }
}

function defaultWorkload(o: Rec, hasReplicas: boolean): void {
  const spec = rec(o.spec);
  if (!spec) return;
  if (hasReplicas) setDefault(spec, 'replicas', 1);
  const podSpec = rec(rec(spec.template)?.spec);
  if (podSpec) defaultPodSpec(podSpec);
}

/** `parent[field]` as a record, created empty when absent; undefined when it is not one (validation reports it). */
function defaultRecord(parent: Rec, field: string): Rec | undefined {
  if (parent[field] === undefined || parent[field] === null) parent[field] = {};
  return rec(parent[field]);
}

/** A workload's update strategy with its type defaulted to RollingUpdate. */
function defaultStrategy(spec: Rec, field: 'strategy' | 'updateStrategy'): Rec | undefined {
  const strategy = defaultRecord(spec, field);
  if (strategy && !strategy.type) strategy.type = 'RollingUpdate';
  return strategy;
}

function defaultNetworkPolicy(o: Rec): void {
  const spec = rec(o.spec);
  if (!spec) return;
  // Any policy without policyTypes implies Ingress, and Egress iff it has egress rules.
  if (!Array.isArray(spec.policyTypes) || spec.policyTypes.length === 0) {
    if (spec.policyTypes === undefined || spec.policyTypes === null || Array.isArray(spec.policyTypes)) {
      const egress = Array.isArray(spec.egress) && spec.egress.length > 0;
      spec.policyTypes = egress ? ['Ingress', 'Egress'] : ['Ingress'];
    }
  }
  for (const direction of ['ingress', 'egress']) {
    for (const rule of records(spec[direction])) for (const port of records(rule.ports)) setDefault(port, 'protocol', 'TCP');
  }
}

function defaultGateway(o: Rec): void {
  for (const listener of records(rec(o.spec)?.listeners)) {
    setDefault(listener, 'allowedRoutes', { namespaces: { from: 'Same' } });
    const allowed = rec(listener.allowedRoutes);
    if (allowed) {
      setDefault(allowed, 'namespaces', { from: 'Same' });
      const namespaces = rec(allowed.namespaces);
      if (namespaces) setDefault(namespaces, 'from', 'Same');
    }
    const tls = rec(listener.tls);
    if (tls) setDefault(tls, 'mode', 'Terminate');
  }
}

/**
 * SetDefaults_Secret (type Opaque) and the v1 → internal conversion, which merges `stringData` into
 * `data` (a stringData key wins over the same data key) so stringData is never stored. A stringData
 * that is not a map of strings is left for validation to report.
 */
function defaultSecret(o: Rec): void {
  if (unset(o.type)) o.type = 'Opaque';
  const stringData = rec(o.stringData);
  if (o.stringData === null) delete o.stringData;
  if (!stringData || !Object.values(stringData).every((v) => typeof v === 'string')) return;
  const data = rec(o.data) ?? (o.data === undefined || o.data === null ? {} : undefined);
  if (!data) return;
  for (const [k, v] of Object.entries(stringData)) data[k] = encodeUTF8Base64(v as string);
  o.data = data;
  delete o.stringData;
}

function defaultBackendObjectRef(ref: Rec): void {
  setDefault(ref, 'group', '');
  setDefault(ref, 'kind', 'Service');
}

function defaultFilters(filters: unknown): void {
  for (const f of records(filters)) {
    const mirror = rec(rec(f.requestMirror)?.backendRef);
    if (mirror) defaultBackendObjectRef(mirror);
  }
}

function defaultHTTPRoute(o: Rec): void {
  const spec = rec(o.spec);
  if (!spec) return;
  for (const ref of records(spec.parentRefs)) {
    setDefault(ref, 'group', 'gateway.networking.k8s.io');
    setDefault(ref, 'kind', 'Gateway');
  }
  setDefault(spec, 'rules', [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }] }]);
  for (const rule of records(spec.rules)) {
    setDefault(rule, 'matches', [{ path: { type: 'PathPrefix', value: '/' } }]);
    for (const match of records(rule.matches)) {
      setDefault(match, 'path', { type: 'PathPrefix', value: '/' });
      const path = rec(match.path);
      if (path) {
        setDefault(path, 'type', 'PathPrefix');
        setDefault(path, 'value', '/');
      }
      for (const field of ['headers', 'queryParams']) for (const m of records(match[field])) setDefault(m, 'type', 'Exact');
    }
    defaultFilters(rule.filters);
    for (const ref of records(rule.backendRefs)) {
      defaultBackendObjectRef(ref);
      setDefault(ref, 'weight', 1);
      defaultFilters(ref.filters);
    }
  }
}
