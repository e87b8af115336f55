/**
 * Discovery documents: `/version`, legacy discovery (`/api`, `/apis`, `/api/v1`, `/apis/<g>/<v>`) and
 * aggregated discovery (apidiscovery.k8s.io/v2 APIGroupDiscoveryList on `/api` and `/apis`), built
 * from the served-resource table so kubectl's resource names, short names and `all` category resolve
 * exactly as the CLI's do.
 */
import { apiVersionOfResource, groupVersions, RESOURCES, resourcesOf, type ServedResource } from './resources.ts';

/** The Kubernetes release whose API this server speaks (kubectl picks behaviour from `minor`). */
export const KUBE_VERSION = { major: '1', minor: '33', gitVersion: 'v1.33.0-podnet' };

export function versionInfo(): Record<string, string> {
  return {
    major: KUBE_VERSION.major,
    minor: KUBE_VERSION.minor,
    gitVersion: KUBE_VERSION.gitVersion,
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2025-01-01T00:00:00Z',
    goVersion: 'go1.24.0',
    compiler: 'gc',
    platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
  };
}

interface GroupEntry {
  name: string;
  versions: string[];
}

/** Named groups with their versions, preferred first. */
function namedGroups(): GroupEntry[] {
  const groups = new Map<string, string[]>();
  for (const gv of groupVersions()) {
    if (!gv.group) continue;
    const list = groups.get(gv.group) ?? [];
    list.push(gv.version);
    groups.set(gv.group, list);
  }
  return [...groups].map(([name, versions]) => ({ name, versions }));
}

export function apiVersions(serverAddress: string): unknown {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

function apiGroup(g: GroupEntry): unknown {
  const versions = g.versions.map((version) => ({ groupVersion: `${g.name}/${version}`, version }));
  return { name: g.name, versions, preferredVersion: versions[0] };
}

export function apiGroupList(): unknown {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: namedGroups().map(apiGroup) };
}

/** `/apis/<group>`: one APIGroup, or undefined when not served. */
export function apiGroupDoc(group: string): unknown {
  const g = namedGroups().find((x) => x.name === group);
  return g ? { kind: 'APIGroup', apiVersion: 'v1', ...(apiGroup(g) as object) } : undefined;
}

/** `/api/v1`, `/apis/<g>/<v>`: APIResourceList with subresources as `pods/log` entries. */
export function apiResourceList(group: string, version: string): unknown {
  const served = resourcesOf(group, version);
  if (!served.length) return undefined;
  const resources: unknown[] = [];
  for (const r of served) {
    resources.push({
      name: r.plural,
      singularName: r.singular,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: r.verbs,
      ...(r.shortNames.length ? { shortNames: r.shortNames } : {}),
      ...(r.categories.length ? { categories: r.categories } : {}),
    });
    for (const s of r.subresources) {
      resources.push({ name: `${r.plural}/${s.name}`, singularName: '', namespaced: r.namespaced, kind: s.kind, verbs: s.verbs });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: apiVersionOfResource({ group, version }), resources };
}

function discoveryResource(r: ServedResource): unknown {
  return {
    resource: r.plural,
    responseKind: { group: r.group, version: r.version, kind: r.kind },
    scope: r.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: r.singular,
    verbs: r.verbs,
    ...(r.shortNames.length ? { shortNames: r.shortNames } : {}),
    ...(r.categories.length ? { categories: r.categories } : {}),
    ...(r.subresources.length
      ? {
          subresources: r.subresources.map((s) => ({
            subresource: s.name,
            responseKind: { group: s.kind === r.kind ? r.group : s.kind === 'Scale' ? 'autoscaling' : '', version: 'v1', kind: s.kind },
            verbs: s.verbs,
          })),
        }
      : {}),
  };
}

/**
 * Aggregated discovery for `/api` (core only) or `/apis` (named groups). The response must carry the
 * exact Content-Type `application/json;g=apidiscovery.k8s.io;v=<v>;as=APIGroupDiscoveryList`.
 */
export function aggregatedDiscovery(core: boolean, version: 'v2' | 'v2beta1'): unknown {
  const groups: GroupEntry[] = core ? [{ name: '', versions: ['v1'] }] : namedGroups();
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: `apidiscovery.k8s.io/${version}`,
    metadata: {},
    items: groups.map((g) => ({
      metadata: { name: g.name, creationTimestamp: null },
      versions: g.versions.map((v) => ({
        version: v,
        resources: RESOURCES.filter((r) => r.group === g.name && r.version === v).map(discoveryResource),
        freshness: 'Current',
      })),
    })),
  };
}

export function aggregatedContentType(version: 'v2' | 'v2beta1'): string {
  return `application/json;g=apidiscovery.k8s.io;v=${version};as=APIGroupDiscoveryList`;
}
