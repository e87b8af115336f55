/**
 * Incremental reconcile: a pass runs only the controllers whose inputs changed since they last ran
 * on the same working set. A controller is skipped when
 * - the ClusterConfig is the one of its last run,
 * - no object of a kind it reads (READS) changed since then — its own writes included, so what it
 *   sees is exactly what it left, and a controller run on its own result changes nothing —, and
 * - its last run did not depend on that apply's sources or deleted keys (they steer conflict blame,
 *   orphan adoption and generated names; a run without them may differ), nor does this one.
 * Everything else runs, in PIPELINE order, so the outcome is that of a full pass. A controller in
 * CHANGE_DRIVEN that runs is told what changed since its last run (ctx.changes: from the working
 * set's change log, plus that run's sources and deleted keys that may have steered it) and looks
 * only at what those changes affect: all the rest is as its last run left it, a fixed point.
 * Skipped controllers report no warnings (a full pass repeats those of unrelated objects).
 */
import type { KObject } from '../api/types.ts';
import type { ObjectSet } from '../cluster/object-set.ts';
import type { ReconcileContext } from './context.ts';
import { kindOfKey } from './change-scope.ts';
import { CHANGE_DRIVEN, PIPELINE, READS } from './reconcile.ts';

interface Run {
  /** Versions of the kinds it reads, as its run left them. */
  seen: number[];
  /** Whether that run had sources or deleted keys of a kind it reads. */
  sensitive: boolean;
  /** version() of the working set after it ran: its change log from there is what it has not seen. */
  mark: number;
  /** The sources and deleted keys of that run that may have steered it (CHANGE_DRIVEN's kinds). */
  steered: string[];
}

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
      const changes = !all && last && CHANGE_DRIVEN.has(name) ? changesFor(ctx.objects, last) : undefined;
      controller(changes ? { ...ctx, changes } : ctx);
      ran.push(name);
      const steeredBy = CHANGE_DRIVEN.get(name) ?? [];
      const steered = [...ctx.sources.keys(), ...(ctx.deleted ?? [])].filter((k) => steeredBy.includes(kindOfKey(k)));
      this.runs.set(name, { seen: versions(ctx.objects, reads), sensitive, mark: ctx.objects.version(), steered });
    }
    this.trim(ctx.objects);
    return ran;
  }

  /** Drops the change log no CHANGE_DRIVEN controller will ask about (a discarded pass's runs included). */
  private trim(objects: ObjectSet): void {
    let oldest = objects.version();
    for (const runs of [this.runs, this.saved?.runs]) {
      for (const name of CHANGE_DRIVEN.keys()) {
        const mark = runs?.get(name)?.mark;
        if (mark !== undefined && mark < oldest) oldest = mark;
      }
    }
    objects.trimChanges(oldest);
  }

  /** Forgets what the last reconcile recorded: its changes were discarded. */
  discard(): void {
    if (!this.saved) return;
    this.config = this.saved.config;
    this.runs = this.saved.runs;
    this.saved = undefined;
  }
}

/** What `last` has not seen: changes since, and what steered it (it may have kept them as given). */
function changesFor(objects: ObjectSet, last: Run): Map<string, KObject | undefined> | undefined {
  const changes = objects.changesSince(last.mark);
  if (!changes) return undefined;
  for (const key of last.steered) if (!changes.has(key)) changes.set(key, objects.byKey(key));
  return changes;
}

function sameVersions(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
