/**
 * Where the cluster components in pods (DNS, ingress proxy) read the cluster from. `up` writes the
 * view it built as a snapshot file (objects + the ClusterConfig), so a component answers from exactly
 * what `up` wired — also for an ephemeral `-f` cluster. When `up` ran on the persisted cluster
 * (`$PODNET_HOME`), the snapshot names that state directory and the component follows it: every
 * `podnet apply` is picked up without a restart, under the config `up` used.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KObject } from '../../api/types.ts';
import type { ClusterConfig } from '../../cluster/config.ts';
import { FileBackend } from '../../cluster/file-backend.ts';
import { canonicalJSON, Store } from '../../cluster/store.ts';
import { ClusterView } from '../../cluster/view.ts';
import { reconcileStore } from '../../controllers/apply.ts';
import { StateWatcher } from '../dns/state-watch.ts';

export interface ClusterSnapshotFile {
  config: ClusterConfig;
  objects: KObject[];
  /** The persisted cluster's state directory to follow; absent for an ephemeral (`-f`) cluster. */
  follow?: string;
}

/** The Secrets Ingress `tls` entries name: the only Secrets a component reads (the controller's certificates). */
function tlsSecrets(view: ClusterView): KObject[] {
  const out = new Map<string, KObject>();
  for (const ing of view.ingresses) {
    for (const t of ing.spec.tls ?? []) {
      const s = t.secretName ? view.get('Secret', ing.metadata.namespace, t.secretName) : undefined;
      if (s) out.set(`${ing.metadata.namespace}/${t.secretName}`, s);
    }
  }
  return [...out.values()];
}

/** Every object a view holds (the kinds it indexes, which are the kinds the components read). */
export function viewObjects(view: ClusterView): KObject[] {
  return [...tlsSecrets(view),
    ...view.namespaces, ...view.nodes, ...view.pods, ...view.services, ...view.endpointSlices, ...view.endpoints,
    ...view.networkPolicies, ...view.ingresses, ...view.ingressClasses, ...view.gatewayClasses, ...view.gateways,
    ...view.httpRoutes, ...view.referenceGrants, ...view.deployments, ...view.replicaSets, ...view.statefulSets,
    ...view.daemonSets, ...view.configMaps,
  ];
}

export function writeClusterSnapshot(file: string, view: ClusterView, follow?: string): void {
  const snap: ClusterSnapshotFile = { config: view.config, objects: viewObjects(view), ...(follow ? { follow } : {}) };
  writeFileSync(file, JSON.stringify(snap));
}

/** The cluster a component serves, reloaded when the followed state directory changes. */
export class ClusterSource {
  private readonly snap: ClusterSnapshotFile;
  private readonly watcher?: StateWatcher;
  private onChange?: () => void;

  constructor(file: string) {
    this.snap = JSON.parse(readFileSync(file, 'utf8')) as ClusterSnapshotFile;
    // Fingerprinted now, before the first load: a change made while the component starts is seen once it watches.
    const dir = this.snap.follow;
    if (dir) this.watcher = new StateWatcher([join(dir, 'log.jsonl'), join(dir, 'snapshot.json')], () => this.onChange?.(), 250);
  }

  get following(): string | undefined {
    return this.snap.follow;
  }

  /** The current cluster: the snapshot, or the followed store seen under `up`'s config. */
  load(): ClusterView {
    if (!this.snap.follow) return new ClusterView(this.snap.objects, this.snap.config);
    let store = new Store({ backend: new FileBackend(this.snap.follow) });
    if (!store.config || canonicalJSON(store.config) !== canonicalJSON(this.snap.config)) {
      // `up --config` on a persisted cluster: look at it under that config without rewriting it.
      store = store.ephemeralCopy();
      reconcileStore(store, this.snap.config);
    }
    return new ClusterView(store.list(), this.snap.config);
  }

  /** Calls onChange after the followed store changed since this source was opened (never for a snapshot-only source). */
  watch(onChange: () => void): void {
    if (!this.watcher) return;
    this.onChange = onChange;
    this.watcher.start();
    this.watcher.check();
  }

  stop(): void {
    this.watcher?.stop();
  }
}
