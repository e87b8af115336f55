/**
 * A tiny cluster for the pod-side controller tests: manifests are applied through the real pipeline
 * (`applyObjects` on a fresh Store with a fixed clock), and objects are read back by kind/ns/name.
 *
 * Address plan shared by these tests (ClusterConfig defaults): podCIDR 10.244.0.0/16 cut into /24
 * node blocks, serviceCIDR 10.96.0.0/12 (kubernetes 10.96.0.1, kube-dns 10.96.0.10), node network
 * 172.18.0.0/16 (gateway .1, nodes from .2), nodes node-1 and node-2.
 */
import { decodeText, type DecodeResult, type SourcedObject } from '../../src/api/decode.ts';
import type { InputError } from '../../src/api/errors.ts';
import { objectKey } from '../../src/api/kinds.ts';
import type { KObject, Node, Pod } from '../../src/api/types.ts';
import { defaultClusterConfig, type ClusterConfig } from '../../src/cluster/config.ts';
import { Store } from '../../src/cluster/store.ts';
import { applyObjects, deleteObjects, reconcileStore, type ApplyResult } from '../../src/controllers/apply.ts';

export function decode(text: string, file = 'manifest.yaml'): SourcedObject[] {
  const result: DecodeResult = { objects: [], warnings: [] };
  const errors: InputError[] = [];
  decodeText(text, file, result, errors);
  if (errors.length) throw new Error(errors.map((e) => e.reason).join('\n'));
  return result.objects;
}

export function config(overrides: Partial<ClusterConfig> = {}): ClusterConfig {
  return { ...defaultClusterConfig(), ...overrides };
}

export class Cluster {
  readonly store = new Store({ now: () => new Date('2024-01-01T00:00:00Z') });
  last?: ApplyResult;

  constructor(readonly cfg: ClusterConfig = config()) {}

  apply(text: string, file = 'manifest.yaml'): ApplyResult {
    this.last = applyObjects(this.store, decode(text, file), this.cfg);
    return this.last;
  }

  delete(...keys: string[]): void {
    deleteObjects(this.store, keys, this.cfg);
  }

  /** Runs the controllers again over the stored state; returns the change events (none when idempotent). */
  reconcile(): string[] {
    return reconcileStore(this.store, this.cfg).map((e) => `${e.type} ${e.object.kind} ${e.object.metadata.namespace ?? ''}/${e.object.metadata.name}`);
  }

  get<T extends KObject = KObject>(kind: string, namespace: string | undefined, name: string): T | undefined {
    return this.store.get(objectKey(kind, namespace, name)) as T | undefined;
  }

  list<T extends KObject = KObject>(kind: string, namespace?: string): T[] {
    return this.store
      .list()
      .filter((o) => o.kind === kind && (namespace === undefined || o.metadata.namespace === namespace))
      .sort((a, b) => `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`)) as T[];
  }

  pods(namespace = 'default'): Pod[] {
    return this.list<Pod>('Pod', namespace);
  }

  node(name: string): Node {
    const n = this.get<Node>('Node', undefined, name);
    if (!n) throw new Error(`no node ${name}`);
    return n;
  }
}

/** `name ip node` per pod, the shape most expectations are written in. */
export function podLines(pods: readonly Pod[]): string[] {
  return pods.map((p) => `${p.metadata.name} ${p.status?.podIP ?? '-'} ${p.spec.nodeName ?? '-'}`);
}

export function internalIP(node: Node): string | undefined {
  return node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
}

/** A minimal valid pod manifest. */
export function podYAML(name: string, o: { node?: string; ip?: string; hostNetwork?: boolean; namespace?: string; labels?: Record<string, string>; extraSpec?: string[]; status?: string[] } = {}): string {
  const lines = [
    'apiVersion: v1',
    'kind: Pod',
    'metadata:',
    `  name: ${name}`,
    `  namespace: ${o.namespace ?? 'default'}`,
    `  labels: ${JSON.stringify(o.labels ?? { app: name })}`,
    'spec:',
    ...(o.node ? [`  nodeName: ${o.node}`] : []),
    ...(o.hostNetwork ? ['  hostNetwork: true'] : []),
    ...(o.extraSpec ?? []).map((l) => `  ${l}`),
    '  containers:',
    '  - name: main',
    '    image: nginx',
  ];
  if (o.ip) lines.push('status:', '  phase: Running', `  podIP: ${o.ip}`, '  podIPs:', `  - ip: ${o.ip}`);
  else if (o.status) lines.push('status:', ...o.status.map((l) => `  ${l}`));
  return lines.join('\n') + '\n---\n';
}
