/**
 * Builders shared by the controller tests. Pods are given explicitly everything the pod-side
 * controllers would otherwise fill in (node, IP, phase, Ready), so these tests exercise only the
 * Service-side controllers.
 */
import { decodeText, type DecodeResult, type SourcedObject } from '../../src/api/decode.ts';
import type { InputError } from '../../src/api/errors.ts';
import type { ContainerPort, KObject, Node, Pod, Service, ServiceSpec } from '../../src/api/types.ts';
import { defaultClusterConfig, type ClusterConfig } from '../../src/cluster/config.ts';
import { ObjectSet } from '../../src/cluster/object-set.ts';
import type { ReconcileContext } from '../../src/controllers/context.ts';

export function context(objects: readonly KObject[], config: Partial<ClusterConfig> = {}): ReconcileContext {
  return { objects: new ObjectSet(objects), config: { ...defaultClusterConfig(), ...config }, sources: new Map(), errors: [], warnings: [] };
}

export function service(name: string, spec: ServiceSpec, meta: Partial<Service['metadata']> = {}): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default', ...meta }, spec };
}

export interface PodOptions {
  labels?: Record<string, string>;
  ip?: string;
  node?: string;
  ready?: boolean;
  phase?: 'Pending' | 'Running' | 'Succeeded' | 'Failed';
  terminating?: boolean;
  ports?: ContainerPort[];
  hostname?: string;
  subdomain?: string;
  hostNetwork?: boolean;
  namespace?: string;
  uid?: string;
}

export function pod(name: string, o: PodOptions = {}): Pod {
  const p: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: o.namespace ?? 'default', labels: o.labels ?? { app: 'web' } },
    spec: { nodeName: o.node ?? 'node-1', containers: [{ name: 'c', image: 'nginx', ports: o.ports ?? [{ name: 'http', containerPort: 8080, protocol: 'TCP' }] }] },
    status: {
      phase: o.phase ?? 'Running',
      conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }],
    },
  };
  if (o.ip !== '') {
    p.status!.podIP = o.ip ?? '10.244.1.10';
    p.status!.podIPs = [{ ip: p.status!.podIP }];
  }
  if (o.uid) p.metadata.uid = o.uid;
  if (o.terminating) p.metadata.deletionTimestamp = '2024-01-01T00:00:00Z';
  if (o.hostname) p.spec.hostname = o.hostname;
  if (o.subdomain) p.spec.subdomain = o.subdomain;
  if (o.hostNetwork) p.spec.hostNetwork = true;
  return p;
}

export function node(name: string, ip: string, zone?: string, labels: Record<string, string> = {}): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...(zone ? { 'topology.kubernetes.io/zone': zone } : {}), ...labels } },
    status: { addresses: [{ type: 'InternalIP', address: ip }, { type: 'Hostname', address: name }] },
  };
}

/** Decodes manifest text as `podnet apply -f` would read it from `file`. */
export function manifests(text: string, file = 'manifest.yaml'): SourcedObject[] {
  const result: DecodeResult = { objects: [], warnings: [] };
  const errors: InputError[] = [];
  decodeText(text, file, result, errors);
  if (errors.length) throw new Error(errors.map((e) => e.reason).join('\n'));
  return result.objects;
}

/** Lines joined into one YAML text (keeps line numbers countable in tests). */
export function yaml(...lines: string[]): string {
  return lines.join('\n') + '\n';
}

export function ipValue(ip: string): number {
  return ip.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
}

/** True when `ip` lies in [from, to] (IPv4, inclusive). */
export function ipBetween(ip: string, from: string, to: string): boolean {
  const v = ipValue(ip);
  return v >= ipValue(from) && v <= ipValue(to);
}
