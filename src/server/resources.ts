/**
 * The REST resources the server serves: every kind of the KINDS table, plus core/v1 Events, which only
 * the server keeps (kubectl describe lists them). Discovery, OpenAPI and routing all read this table.
 */
import { KINDS, type KindInfo } from '../api/kinds.ts';

export interface Subresource {
  name: string;
  kind: string;
  verbs: string[];
}

export interface ServedResource {
  kind: string;
  group: string;
  version: string;
  plural: string;
  singular: string;
  shortNames: string[];
  namespaced: boolean;
  categories: string[];
  verbs: string[];
  subresources: Subresource[];
  /** The kind-table entry when the store holds this kind (writes run the apply pipeline). */
  info?: KindInfo;
}

const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

const status = (kind: string): Subresource => ({ name: 'status', kind, verbs: ['get', 'patch', 'update'] });

function subresourcesOf(kind: string): Subresource[] {
  switch (kind) {
    case 'Pod':
      return [
        { name: 'attach', kind: 'PodAttachOptions', verbs: ['create', 'get'] },
        { name: 'exec', kind: 'PodExecOptions', verbs: ['create', 'get'] },
        { name: 'log', kind: 'Pod', verbs: ['get'] },
        { name: 'portforward', kind: 'PodPortForwardOptions', verbs: ['create', 'get'] },
        status('Pod'),
      ];
    case 'Service':
    case 'Node':
    case 'Namespace':
    case 'Ingress':
    case 'Gateway':
    case 'GatewayClass':
    case 'HTTPRoute':
      return [status(kind)];
    case 'Deployment':
    case 'ReplicaSet':
    case 'StatefulSet':
      return [{ name: 'scale', kind: 'Scale', verbs: ['get', 'patch', 'update'] }, status(kind)];
    case 'DaemonSet':
      return [status(kind)];
    default:
      return [];
  }
}

function fromKind(info: KindInfo, version: string): ServedResource {
  const categories = info.inAll ? ['all'] : [];
  return {
    kind: info.kind,
    group: info.group,
    version,
    plural: info.plural,
    singular: info.singular,
    shortNames: info.shortNames,
    namespaced: info.namespaced,
    categories,
    verbs: info.kind === 'Namespace' ? ALL_VERBS.filter((v) => v !== 'deletecollection') : ALL_VERBS,
    subresources: subresourcesOf(info.kind),
    info,
  };
}

/** core/v1 Events, recorded by the server itself (see events.ts). */
export const EVENTS: ServedResource = {
  kind: 'Event',
  group: '',
  version: 'v1',
  plural: 'events',
  singular: 'event',
  shortNames: ['ev'],
  namespaced: true,
  categories: [],
  verbs: ['get', 'list', 'watch'],
  subresources: [],
};

/** Other served versions of a kind (`alsoAccepts` in the same group): same objects, another apiVersion. */
function alternateVersions(info: KindInfo): string[] {
  return (info.alsoAccepts ?? []).filter((av) => av.startsWith(`${info.group}/`)).map((av) => av.slice(info.group.length + 1));
}

/** Preferred versions first, so discovery's preferredVersion and kind lookups pick them. */
export const RESOURCES: readonly ServedResource[] = [
  ...KINDS.map((k) => fromKind(k, k.version)),
  EVENTS,
  ...KINDS.flatMap((k) => alternateVersions(k).map((v) => fromKind(k, v))),
];

export interface GroupVersion {
  group: string;
  version: string;
}

/** Group/versions in discovery order: core first, then groups in table order, preferred version first. */
export function groupVersions(): GroupVersion[] {
  const seen = new Set<string>();
  const out: GroupVersion[] = [];
  for (const r of RESOURCES) {
    const id = `${r.group}/${r.version}`;
    if (!seen.has(id)) {
      seen.add(id);
      out.push({ group: r.group, version: r.version });
    }
  }
  return out;
}

export function resourcesOf(group: string, version: string): ServedResource[] {
  return RESOURCES.filter((r) => r.group === group && r.version === version);
}

const byPath = new Map(RESOURCES.map((r) => [`${r.group}/${r.version}/${r.plural}`, r]));
const byKind = new Map<string, ServedResource>();
for (const r of RESOURCES) if (!byKind.has(r.kind)) byKind.set(r.kind, r);

export function findResource(group: string, version: string, plural: string): ServedResource | undefined {
  return byPath.get(`${group}/${version}/${plural}`);
}

export function resourceForKind(kind: string): ServedResource | undefined {
  return byKind.get(kind);
}

export function apiVersionOfResource(r: GroupVersion): string {
  return r.group ? `${r.group}/${r.version}` : r.version;
}
