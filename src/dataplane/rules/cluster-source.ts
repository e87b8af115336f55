/**
 * Where a node's rules agent reads the cluster, as kube-proxy reads the API server: the persisted
 * store in $PODNET_HOME (so `podnet apply` while up is seen and reconciled), or a snapshot file
 * `up` wrote for a cluster built from `-f` manifests (fixed: nothing else can change it).
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { KObject } from '../../api/types.ts';
import type { ClusterConfig } from '../../cluster/config.ts';
import { FileBackend } from '../../cluster/file-backend.ts';
import { Store } from '../../cluster/store.ts';
import { ClusterView } from '../../cluster/view.ts';

export type ClusterSource = { kind: 'store'; dir: string } | { kind: 'snapshot'; file: string };

export interface LoadedCluster {
  view: ClusterView;
  /** The store revision (0 for a snapshot): what `probe` waits for the agents to have applied. */
  revision: number;
}

interface Snapshot {
  config: ClusterConfig;
  objects: KObject[];
}

/** Files whose change means the cluster changed (the store's log and snapshot). */
export function sourceFiles(src: ClusterSource): string[] {
  return src.kind === 'store' ? [join(src.dir, 'log.jsonl'), join(src.dir, 'snapshot.json')] : [src.file];
}

export function loadCluster(src: ClusterSource, fallback: ClusterConfig): LoadedCluster {
  if (src.kind === 'store') {
    const store = new Store({ backend: new FileBackend(src.dir) });
    return { view: new ClusterView(store.list(), store.config ?? fallback), revision: store.revision };
  }
  const snap = JSON.parse(readFileSync(src.file, 'utf8')) as Snapshot;
  return { view: new ClusterView(snap.objects, snap.config), revision: 0 };
}

/** The store's current revision (0 for a snapshot). */
export function currentRevision(src: ClusterSource): number {
  return src.kind === 'store' ? new Store({ backend: new FileBackend(src.dir) }).revision : 0;
}

/** Writes the objects the agents need (what kube-proxy and a policy agent watch) for a snapshot source. */
export function writeSnapshot(file: string, view: ClusterView): void {
  const objects: KObject[] = [...view.namespaces, ...view.nodes, ...view.pods, ...view.services, ...view.endpointSlices, ...view.networkPolicies];
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, JSON.stringify({ config: view.config, objects } satisfies Snapshot));
  renameSync(tmp, file);
}
