/**
 * Incremental reconcile: a pass runs only the controllers whose inputs changed since they last ran
 * on the same working set. A controller is skipped when
 * - the ClusterConfig is the one of its last run,
 * - no object of a kind it reads (READS) changed since then — its own writes included, so what it
 *   sees is exactly what it left, and a controller run on its own result changes nothing —, and
 * - its last run did not depend on that apply's sources or deleted keys (they steer conflict blame,
 *   orphan adoption and generated names; a run without them may differ), nor does this one.
 * Everything else runs in full, in PIPELINE order, so the outcome is that of a full pass. Skipped
 * controllers report no warnings (a full pass repeats those of unrelated objects).
 */
import type { ObjectSet } from '../cluster/object-set.ts';
import type { ReconcileContext } from './context.ts';
import { PIPELINE, READS } from './reconcile.ts';

interface Run {
  /** Versions of the kinds it reads, as its run left them. */
  seen: number[];
  /** Whether that run had sources or deleted keys of a kind it reads. */
  sensitive: boolean;
}

const kindOfKey = (key: string): string => key.slice(0, key.indexOf('/'));

function versions(objects: ObjectSet, reads: readonly string[] | '*'): number[] {
  return reads === '*' ? [objects.version()] : reads.map((k) => objects.version(k));
}

export class IncrementalReconciler {
  private config: string | undefined;
  private runs = new Map<string, Run>();
  private saved: { config: string | undefined; runs: Map<string, Run> } | undefined;

  /**
   * Runs the pipeline over `ctx` (every controller when `full`); returns the names of the
   * controllers that ran. `ctx.objects` must be the working set earlier passes ran on.
   */
  reconcile(ctx: ReconcileContext, full = false): string[] {
    this.saved = { config: this.config, runs: new Map(this.runs) };
    const config = JSON.stringify(ctx.config);
    const all = full || config !== this.config;
    this.config = config;
    const steering = new Set<string>();
    for (const s of ctx.sources.values()) steering.add(s.object.kind);
    for (const key of ctx.deleted ?? []) steering.add(kindOfKey(key));
    const ran: string[] = [];
    for (const [name, controller] of PIPELINE) {
      const reads = READS[name] ?? '*';
      const sensitive = steering.size > 0 && (reads === '*' || reads.some((k) => steering.has(k)));
      const last = this.runs.get(name);
      if (!all && !sensitive && last && !last.sensitive && sameVersions(last.seen, versions(ctx.objects, reads))) continue;
      controller(ctx);
      ran.push(name);
      this.runs.set(name, { seen: versions(ctx.objects, reads), sensitive });
    }
    return ran;
  }

  /** Forgets what the last reconcile recorded: its changes were discarded. */
  discard(): void {
    if (!this.saved) return;
    this.config = this.saved.config;
    this.runs = this.saved.runs;
    this.saved = undefined;
  }
}

function sameVersions(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
