/**
 * The columns `kubectl get` prints per kind (and the extra ones of `-o wide`), computed from the
 * objects' own fields the way kubectl's table printers read them.
 */
import type {
  ConfigMap, DaemonSet, Deployment, EndpointSlice, Endpoints, Gateway, GatewayClass, HTTPRoute, Ingress, IngressClass,
  KObject, LabelSelector, Namespace, NetworkPolicy, Node, Pod, ReplicaSet, Secret, Service, StatefulSet,
} from '../../api/types.ts';

export interface Columns<T extends KObject = KObject> {
  headers: string[];
  wideHeaders?: string[];
  row(obj: T, now: Date): string[];
  wideRow?(obj: T): string[];
}

/** kubectl's HumanDuration: 0s..2m as seconds, then minutes, hours, days, years. */
export function humanAge(created: string | undefined, now: Date): string {
  if (!created) return '<unknown>';
  const secs = Math.max(0, Math.floor((now.getTime() - Date.parse(created)) / 1000));
  if (secs < 120) return `${secs}s`;
  const mins = Math.floor(secs / 60);
  if (mins < 10) return `${mins}m${secs % 60 ? `${secs % 60}s` : ''}`;
  if (mins < 180) return `${mins}m`;
  const hours = Math.floor(mins / 60);
  if (hours < 8) return `${hours}h${mins % 60 ? `${mins % 60}m` : ''}`;
  if (hours < 48) return `${hours}h`;
  const days = Math.floor(hours / 24);
  if (days < 8) return `${days}d${hours % 24 ? `${hours % 24}h` : ''}`;
  if (days < 365 * 2) return `${days}d`;
  return `${Math.floor(days / 365)}y`;
}

const age = (o: KObject, now: Date): string => humanAge(o.metadata.creationTimestamp, now);
const none = (s: string | undefined): string => (s === undefined || s === '' ? '<none>' : s);

/** Formats a selector as kubectl does: `a=b,c in (x,y)`; `<none>` for empty. */
export function formatLabelSelector(sel: LabelSelector | undefined): string {
  const parts = Object.entries(sel?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of sel?.matchExpressions ?? []) {
    const vals = (e.values ?? []).join(',');
    if (e.operator === 'In') parts.push(`${e.key} in (${vals})`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${vals})`);
    else if (e.operator === 'Exists') parts.push(e.key);
    else parts.push(`!${e.key}`);
  }
  return parts.length ? parts.join(',') : '<none>';
}

function podReady(p: Pod): string {
  const total = p.spec.containers.length;
  const statuses = p.status?.containerStatuses as { ready?: boolean }[] | undefined;
  if (statuses) return `${statuses.filter((s) => s.ready).length}/${total}`;
  const ready = p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
  return `${ready ? total : 0}/${total}`;
}

function podStatus(p: Pod): string {
  if (p.metadata.deletionTimestamp) return 'Terminating';
  const phase = p.status?.phase ?? 'Pending';
  if (phase === 'Pending' && p.spec.nodeName && !p.status?.podIP) return 'ContainerCreating';
  return phase;
}

function podRestarts(p: Pod): string {
  const statuses = (p.status?.containerStatuses as { restartCount?: number }[] | undefined) ?? [];
  return String(statuses.reduce((n, s) => n + (s.restartCount ?? 0), 0));
}

function serviceExternalIP(s: Service): string {
  const type = s.spec.type ?? 'ClusterIP';
  const ext = s.spec.externalIPs ?? [];
  switch (type) {
    case 'ExternalName':
      return s.spec.externalName ?? '<none>';
    case 'LoadBalancer': {
      const lb = (s.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? i.hostname ?? '').filter(Boolean);
      const all = [...lb, ...ext];
      return all.length ? all.join(',') : '<pending>';
    }
    default:
      return ext.length ? ext.join(',') : '<none>';
  }
}

function servicePorts(s: Service): string {
  const ports = s.spec.ports ?? [];
  if (!ports.length) return '<none>';
  return ports.map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`).join(',');
}

/** kubectl shows at most three endpoints and "+ N more...". */
function endpointsList(items: string[]): string {
  if (!items.length) return '<none>';
  const shown = items.slice(0, 3).join(',');
  return items.length > 3 ? `${shown} + ${items.length - 3} more...` : shown;
}

function endpointsColumn(e: Endpoints): string {
  const items: string[] = [];
  for (const ss of e.subsets ?? []) {
    for (const a of ss.addresses ?? []) {
      if (!ss.ports?.length) items.push(a.ip);
      for (const p of ss.ports ?? []) items.push(`${a.ip}:${p.port}`);
    }
  }
  return endpointsList(items);
}

function nodeStatus(n: Node): string {
  const ready = n.status?.conditions?.find((c) => c.type === 'Ready');
  const status = ready?.status === 'True' ? 'Ready' : 'NotReady';
  return n.spec?.unschedulable ? `${status},SchedulingDisabled` : status;
}

function nodeRoles(n: Node): string {
  const roles = Object.keys(n.metadata.labels ?? {})
    .filter((k) => k.startsWith('node-role.kubernetes.io/'))
    .map((k) => k.slice('node-role.kubernetes.io/'.length))
    .filter(Boolean);
  return roles.length ? roles.sort().join(',') : '<none>';
}

const conditionStatus = (o: KObject, type: string): string => {
  const conds = ((o.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions) ?? [];
  return conds.find((c) => c.type === type)?.status ?? 'Unknown';
};

const statusNum = (o: KObject, field: string): number => Number((o.status as Record<string, unknown> | undefined)?.[field] ?? 0);

export const COLUMNS: Record<string, Columns<never>> = {
  Namespace: { headers: ['NAME', 'STATUS', 'AGE'], row: (o: Namespace, now) => [o.metadata.name, o.status?.phase ?? 'Active', age(o, now)] },
  Node: {
    headers: ['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION'],
    wideHeaders: ['INTERNAL-IP', 'EXTERNAL-IP', 'POD-CIDR'],
    row: (o: Node, now) => [o.metadata.name, nodeStatus(o), nodeRoles(o), age(o, now), String((o.status?.nodeInfo as { kubeletVersion?: string } | undefined)?.kubeletVersion ?? 'podnet')],
    wideRow: (o: Node) => [
      none(o.status?.addresses?.find((a) => a.type === 'InternalIP')?.address),
      none(o.status?.addresses?.find((a) => a.type === 'ExternalIP')?.address),
      none(o.spec?.podCIDR),
    ],
  },
  Pod: {
    headers: ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE'],
    wideHeaders: ['IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES'],
    row: (o: Pod, now) => [o.metadata.name, podReady(o), podStatus(o), podRestarts(o), age(o, now)],
    wideRow: (o: Pod) => [none(o.status?.podIP), none(o.spec.nodeName), '<none>', '<none>'],
  },
  Service: {
    headers: ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE'],
    wideHeaders: ['SELECTOR'],
    row: (o: Service, now) => [o.metadata.name, o.spec.type ?? 'ClusterIP', none(o.spec.clusterIP), serviceExternalIP(o), servicePorts(o), age(o, now)],
    wideRow: (o: Service) => [o.spec.selector ? none(Object.entries(o.spec.selector).map(([k, v]) => `${k}=${v}`).join(',')) : '<none>'],
  },
  Endpoints: { headers: ['NAME', 'ENDPOINTS', 'AGE'], row: (o: Endpoints, now) => [o.metadata.name, endpointsColumn(o), age(o, now)] },
  EndpointSlice: {
    headers: ['NAME', 'ADDRESSTYPE', 'PORTS', 'ENDPOINTS', 'AGE'],
    row: (o: EndpointSlice, now) => [
      o.metadata.name,
      o.addressType,
      (o.ports ?? []).length ? (o.ports ?? []).map((p) => String(p.port ?? '<unset>')).join(',') : '<unset>',
      endpointsList((o.endpoints ?? []).flatMap((e) => e.addresses)),
      age(o, now),
    ],
  },
  NetworkPolicy: { headers: ['NAME', 'POD-SELECTOR', 'AGE'], row: (o: NetworkPolicy, now) => [o.metadata.name, formatLabelSelector(o.spec.podSelector), age(o, now)] },
  Ingress: {
    headers: ['NAME', 'CLASS', 'HOSTS', 'ADDRESS', 'PORTS', 'AGE'],
    row: (o: Ingress, now) => {
      const hosts = (o.spec.rules ?? []).map((r) => r.host ?? '*');
      const addr = (o.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? i.hostname ?? '').filter(Boolean);
      return [o.metadata.name, none(o.spec.ingressClassName), hosts.length ? hosts.join(',') : '*', addr.join(','), o.spec.tls?.length ? '80, 443' : '80', age(o, now)];
    },
  },
  IngressClass: { headers: ['NAME', 'CONTROLLER', 'PARAMETERS', 'AGE'], row: (o: IngressClass, now) => [o.metadata.name, none(o.spec.controller), '<none>', age(o, now)] },
  GatewayClass: { headers: ['NAME', 'CONTROLLER', 'ACCEPTED', 'AGE'], row: (o: GatewayClass, now) => [o.metadata.name, o.spec.controllerName, conditionStatus(o, 'Accepted'), age(o, now)] },
  Gateway: {
    headers: ['NAME', 'CLASS', 'ADDRESS', 'PROGRAMMED', 'AGE'],
    row: (o: Gateway, now) => {
      const addrs = ((o.status as { addresses?: { value: string }[] } | undefined)?.addresses ?? []).map((a) => a.value);
      return [o.metadata.name, o.spec.gatewayClassName, addrs.join(','), conditionStatus(o, 'Programmed'), age(o, now)];
    },
  },
  HTTPRoute: { headers: ['NAME', 'HOSTNAMES', 'AGE'], row: (o: HTTPRoute, now) => [o.metadata.name, JSON.stringify((o.spec.hostnames as string[] | undefined) ?? []), age(o, now)] },
  ReferenceGrant: { headers: ['NAME', 'AGE'], row: (o: KObject, now) => [o.metadata.name, age(o, now)] },
  Deployment: {
    headers: ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE'],
    wideHeaders: ['CONTAINERS', 'IMAGES', 'SELECTOR'],
    row: (o: Deployment, now) => [o.metadata.name, `${statusNum(o, 'readyReplicas')}/${o.spec.replicas ?? 1}`, String(statusNum(o, 'updatedReplicas')), String(statusNum(o, 'availableReplicas')), age(o, now)],
    wideRow: (o: Deployment) => [o.spec.template.spec.containers.map((c) => c.name).join(','), o.spec.template.spec.containers.map((c) => c.image ?? '').join(','), formatLabelSelector(o.spec.selector)],
  },
  ReplicaSet: {
    headers: ['NAME', 'DESIRED', 'CURRENT', 'READY', 'AGE'],
    row: (o: ReplicaSet, now) => [o.metadata.name, String(o.spec.replicas ?? 1), String(statusNum(o, 'replicas')), String(statusNum(o, 'readyReplicas')), age(o, now)],
  },
  StatefulSet: { headers: ['NAME', 'READY', 'AGE'], row: (o: StatefulSet, now) => [o.metadata.name, `${statusNum(o, 'readyReplicas')}/${o.spec.replicas ?? 1}`, age(o, now)] },
  DaemonSet: {
    headers: ['NAME', 'DESIRED', 'CURRENT', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'NODE SELECTOR', 'AGE'],
    row: (o: DaemonSet, now) => [
      o.metadata.name,
      String(statusNum(o, 'desiredNumberScheduled')),
      String(statusNum(o, 'currentNumberScheduled')),
      String(statusNum(o, 'numberReady')),
      String(statusNum(o, 'updatedNumberScheduled')),
      String(statusNum(o, 'numberAvailable')),
      none(Object.entries(o.spec.template.spec.nodeSelector ?? {}).map(([k, v]) => `${k}=${v}`).join(',')),
      age(o, now),
    ],
  },
  ConfigMap: { headers: ['NAME', 'DATA', 'AGE'], row: (o: ConfigMap, now) => [o.metadata.name, String(Object.keys(o.data ?? {}).length), age(o, now)] },
  // printSecret: the type and the number of data keys (stringData is never stored).
  Secret: { headers: ['NAME', 'TYPE', 'DATA', 'AGE'], row: (o: Secret, now) => [o.metadata.name, o.type ?? '', String(Object.keys(o.data ?? {}).length), age(o, now)] },
};
