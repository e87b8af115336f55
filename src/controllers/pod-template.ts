/**
 * Pods from a workload's template, as the ReplicaSet, StatefulSet and DaemonSet controllers build
 * them (controller.GetPodFromTemplate): template labels and annotations copied, the spec deep-copied,
 * a controller reference to the owner. Also the pod lifecycle predicates the controllers share.
 */
import type { Container, ContainerPort, KObject, Labels, Pod, PodSpec, PodTemplateSpec } from '../api/types.ts';
import { objectKey } from '../api/kinds.ts';
import { uidFor } from './names.ts';
import { ownerReferenceTo } from './ownership.ts';
import { sameContent } from './object-changes.ts';

export interface PodIdentity {
  name: string;
  namespace: string;
  /** The generateName upstream would have used (`<owner>-`), kept for fidelity with real pods. */
  generateName?: string;
  /** Labels the controller adds on top of the template's (pod-template-hash, pod-name, …). */
  labels?: Labels;
}

export function podFromTemplate(template: PodTemplateSpec, owner: KObject, id: PodIdentity, spec?: (spec: PodSpec) => PodSpec): Pod {
  const tmeta = template.metadata ?? {};
  const podSpec = structuredClone(template.spec);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: id.name,
      ...(id.generateName ? { generateName: id.generateName } : {}),
      namespace: id.namespace,
      // Set now (the Store keeps a uid given on create) so EndpointSlice targetRefs name it at once.
      uid: uidFor(objectKey('Pod', id.namespace, id.name)),
      labels: { ...(tmeta.labels ?? {}), ...(id.labels ?? {}) },
      ...(tmeta.annotations ? { annotations: { ...tmeta.annotations } } : {}),
      ownerReferences: [ownerReferenceTo(owner)],
    },
    spec: spec ? spec(podSpec) : podSpec,
  };
}

export function isTerminal(pod: Pod): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

/** controller.IsPodActive: neither finished nor being deleted; only active pods count as replicas. */
export function isPodActive(pod: Pod): boolean {
  return !isTerminal(pod) && !pod.metadata.deletionTimestamp;
}

export function isPodReady(pod: Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/**
 * Labels controllers stamp per revision or per pod. Left out of the drift check because a dump's
 * values come from the real cluster's revision objects, which podnet cannot recompute.
 */
const REVISION_LABELS = new Set(['pod-template-hash', 'controller-revision-hash', 'pod-template-generation', 'apps.kubernetes.io/pod-index']);

function portKey(p: ContainerPort, hostNetwork: boolean): string {
  // With hostNetwork the API server defaults hostPort to containerPort.
  const hostPort = p.hostPort ?? (hostNetwork ? p.containerPort : 0);
  return `${p.name ?? ''}/${p.containerPort}/${p.protocol ?? 'TCP'}/${hostPort}`;
}

function containerMatches(want: Container, have: Container | undefined, wantHostNet: boolean, haveHostNet: boolean): boolean {
  if (!have || (want.image ?? '') !== (have.image ?? '')) return false;
  const a = (want.ports ?? []).map((p) => portKey(p, wantHostNet)).sort();
  const b = (have.ports ?? []).map((p) => portKey(p, haveHostNet)).sort();
  return a.length === b.length && a.every((k, i) => k === b[i]);
}

/**
 * Whether an existing pod still reflects `desired` (what the controller would create now) in what
 * the network sees: labels, containers' images and ports, host networking, hostname/subdomain, DNS
 * settings. Extra labels and containers on the pod (admission webhooks, sidecar injection) are
 * tolerated, so pods imported from a real cluster are not mistaken for outdated ones.
 */
export function podMatchesDesired(pod: Pod, desired: Pod): boolean {
  const have = pod.metadata.labels ?? {};
  for (const [k, v] of Object.entries(desired.metadata.labels ?? {})) {
    if (!REVISION_LABELS.has(k) && have[k] !== v) return false;
  }
  const ws = desired.spec;
  const hs = pod.spec;
  if (!!ws.hostNetwork !== !!hs.hostNetwork) return false;
  if ((ws.hostname ?? '') !== (hs.hostname ?? '') || (ws.subdomain ?? '') !== (hs.subdomain ?? '')) return false;
  if ((ws.dnsPolicy ?? 'ClusterFirst') !== (hs.dnsPolicy ?? 'ClusterFirst') || !sameContent(ws.dnsConfig ?? null, hs.dnsConfig ?? null)) return false;
  for (const list of ['containers', 'initContainers'] as const) {
    const byName = new Map((hs[list] ?? []).map((c) => [c.name, c]));
    for (const c of ws[list] ?? []) if (!containerMatches(c, byName.get(c.name), !!ws.hostNetwork, !!hs.hostNetwork)) return false;
  }
  return true;
}
