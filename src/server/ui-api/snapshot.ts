/**
 * One revision of the cluster as the models see it: the ClusterView and what is derived from it
 * (policy index, CNI profile, route table), built once per revision and shared by every request.
 */
import { formatInputError, type InputError } from '../../api/errors.ts';
import type { ClusterConfig } from '../../cluster/config.ts';
import type { Store } from '../../cluster/store.ts';
import { ClusterView } from '../../cluster/view.ts';
import { cniProfile, type CNIProfile } from '../../model/cni/index.ts';
import { compileRouteTable } from '../../model/l7/index.ts';
import type { RouteTable } from '../../model/l7/index.ts';
import { PolicyIndex } from '../../model/policy/index.ts';
import type { UIError } from './api-types.ts';
import type { ClusterSource } from './source.ts';

export const uiError = (e: InputError): UIError => ({ ...e, message: formatInputError(e) });

export class Snapshot {
  readonly view: ClusterView;
  private policyIndex?: PolicyIndex;
  private profile?: CNIProfile;
  private routes?: RouteTable;
  /** Per-request-key caches (matrices are the expensive part). */
  readonly memo = new Map<string, unknown>();

  constructor(readonly revision: number, readonly config: ClusterConfig, objects: Store) {
    this.view = new ClusterView(objects.list(), config);
  }

  get index(): PolicyIndex {
    return (this.policyIndex ??= new PolicyIndex(this.view));
  }

  get cni(): CNIProfile {
    return (this.profile ??= cniProfile(this.config));
  }

  get routeTable(): RouteTable {
    return (this.routes ??= compileRouteTable(this.view));
  }

  /** Invalid stored policies: the policy model refuses to answer while there are any (as the CLI exits 2). */
  get problems(): UIError[] {
    return this.index.problems.map(uiError);
  }

  cached<T>(key: string, build: () => T): T {
    if (this.memo.has(key)) return this.memo.get(key) as T;
    const value = build();
    this.memo.set(key, value);
    return value;
  }
}

/** Keeps the snapshot of the source's current revision. */
export class SnapshotCache {
  private current?: { store: Store; revision: number; configKey: string; snapshot: Snapshot };

  constructor(readonly source: ClusterSource) {}

  get(): Snapshot {
    const store = this.source.store();
    const config = this.source.config();
    const configKey = JSON.stringify(config);
    const c = this.current;
    if (c && c.store === store && c.revision === store.revision && c.configKey === configKey) return c.snapshot;
    const snapshot = new Snapshot(store.revision, config, store);
    this.current = { store, revision: store.revision, configKey, snapshot };
    return snapshot;
  }
}
