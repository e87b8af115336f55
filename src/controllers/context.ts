/**
 * What every controller works on: the cluster's objects (a mutable working copy that is committed
 * atomically afterwards), the ClusterConfig, and sinks for problems. Controllers are deterministic
 * functions of these; they never read clocks or randomness.
 */
import type { InputError } from '../api/errors.ts';
import type { ClusterConfig } from '../cluster/config.ts';
import type { ObjectSet } from '../cluster/object-set.ts';
import type { SourcedObject } from '../api/decode.ts';
import type { KObject } from '../api/types.ts';

export interface ReconcileContext {
  objects: ObjectSet;
  config: ClusterConfig;
  /** Keys of objects the user supplied in this apply, with their sources (for error positions). */
  sources: Map<string, SourcedObject>;
  /** Conflicts found while reconciling (e.g. two Services claiming one ClusterIP): they reject the apply. */
  errors: InputError[];
  warnings: string[];
  /**
   * Keys the user deleted in this request. Controllers that generate names skip them, as a real
   * control plane's random suffix would: a replacement pod never takes the deleted pod's name.
   */
  deleted?: ReadonlySet<string>;
  /**
   * Set by incremental passes for the controllers that narrow their work to it (CHANGE_DRIVEN in
   * reconcile.ts): every key changed since the controller last ran — plus the sources and deleted
   * keys of that run — with the object it held then (undefined: absent). Everything else is as that
   * run left it. Unset: the controller looks at everything.
   */
  changes?: ReadonlyMap<string, KObject | undefined>;
}

export type Controller = (ctx: ReconcileContext) => void;
