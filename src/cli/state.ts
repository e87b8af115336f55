/**
 * Where the CLI's cluster comes from: the persisted state in $PODNET_HOME (default `.podnet/` in the
 * cwd), or, for query commands given `-f`, an ephemeral in-memory cluster built from those files.
 */
import { resolve } from 'node:path';
import { decodePaths } from '../api/decode.ts';
import { loadClusterConfig, type ClusterConfig } from '../cluster/config.ts';
import { FileBackend } from '../cluster/file-backend.ts';
import { Store } from '../cluster/store.ts';
import { ClusterView } from '../cluster/view.ts';
import { applyObjects, reconcileStore } from '../controllers/apply.ts';

export function stateDir(): string {
  return resolve(process.env.PODNET_HOME || '.podnet');
}

export function openStore(): Store {
  return new Store({ backend: new FileBackend(stateDir()) });
}

/**
 * The config to use: an explicit `--config` wins; else the one the state was built with; else defaults.
 */
export function effectiveConfig(store: Store | undefined, configFile: string | undefined): ClusterConfig {
  if (configFile) return loadClusterConfig(configFile);
  return store?.config ?? loadClusterConfig(undefined);
}

export interface QuerySource {
  /** Manifests for an ephemeral cluster (`-f`, repeatable); empty = the persisted cluster. */
  file?: string[];
  config?: string;
}

/** Builds the cluster a query command looks at, with warnings printed to stderr. */
export function loadCluster(source: QuerySource): { store: Store; view: ClusterView; config: ClusterConfig } {
  if (source.file?.length) {
    const store = new Store();
    const config = loadClusterConfig(source.config);
    const decoded = decodePaths(source.file);
    for (const w of decoded.warnings) process.stderr.write(`Warning: ${w}\n`);
    const result = applyObjects(store, decoded.objects, config);
    for (const w of result.warnings) process.stderr.write(`Warning: ${w}\n`);
    return { store, view: new ClusterView(store.list(), config), config };
  }
  let store = openStore();
  const config = effectiveConfig(store, source.config);
  if (source.config) {
    // A query under another config must not rewrite the persisted cluster.
    store = store.ephemeralCopy();
    reconcileStore(store, config);
  }
  return { store, view: new ClusterView(store.list(), config), config };
}
