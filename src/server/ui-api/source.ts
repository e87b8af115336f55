/**
 * Where the UI's cluster lives: the persisted state directory (reloaded when another process, e.g.
 * `podnet apply`, changed its files, so the UI follows the CLI live), or a Store held in memory
 * (`podnet ui -f`, or the API server's own store when `podnet serve` mounts the UI).
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { ClusterConfig } from '../../cluster/config.ts';
import { FileBackend } from '../../cluster/file-backend.ts';
import { Store } from '../../cluster/store.ts';

export interface ClusterSource {
  /** `persisted`: applies are written to the state directory; `memory`: they live as long as the process. */
  readonly kind: 'persisted' | 'memory';
  /** A description for the UI header (`state in /x/.podnet`, `in memory, from examples/shop`). */
  readonly description: string;
  /** The current store (a persisted source reopens it when the files changed underneath). */
  store(): Store;
  config(): ClusterConfig;
  /** Called after this process committed to the store, so the change is not mistaken for an outside one. */
  committed(): void;
}

/** A store the caller owns (ephemeral cluster, or the API server's live store). */
export function memorySource(store: Store, config: () => ClusterConfig, description = 'in memory'): ClusterSource {
  return { kind: 'memory', description, store: () => store, config, committed: () => undefined };
}

/** Size and mtime of the state files: a cheap "did anyone write?" check. */
function stamp(dir: string): string {
  return ['snapshot.json', 'log.jsonl']
    .map((f) => {
      try {
        const st = statSync(join(dir, f));
        return `${st.size}:${st.mtimeMs}`;
      } catch {
        return '-';
      }
    })
    .join('|');
}

/**
 * The persisted cluster in `dir`. `config` overrides the recorded ClusterConfig (as `--config` does
 * for `podnet apply`); otherwise the recorded one, else `fallback`.
 */
export function persistedSource(dir: string, fallback: ClusterConfig, override?: ClusterConfig): ClusterSource {
  let store = new Store({ backend: new FileBackend(dir) });
  let seen = stamp(dir);
  return {
    kind: 'persisted',
    description: `state in ${dir}`,
    store() {
      const now = stamp(dir);
      if (now !== seen) {
        store = new Store({ backend: new FileBackend(dir) });
        seen = now;
      }
      return store;
    },
    config: () => override ?? store.config ?? fallback,
    committed() {
      seen = stamp(dir);
    },
  };
}
