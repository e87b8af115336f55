/**
 * The host link following the cluster while up (persisted clusters): a LoadBalancer or NodePort
 * Service added later gets the link `up` did not make, the last one removed takes it away, and the
 * routes follow the pool and the `externalTrafficPolicy: Local` Services' endpoints.
 *
 * It runs as a component in the underlay namespace (so `down` stops it with the rest), holding the
 * host's network namespace as an inherited file descriptor (`up` passes it): host-side commands
 * run under `nsenter --net=/proc/<own pid>/fd/<fd>`. What it did goes into the kube-system record
 * (`hostLink`, warnings) under the state lock the node agents' pod sync takes.
 */
import { canonicalJSON } from '../../cluster/store.ts';
import { DataplaneLayout } from '../state.ts';
import { ClusterSource } from './cluster-source.ts';
import { deleteHostLink, needsHostLink, planHostLink, setUpHostLink, updateHostRoutes, type HostLinkPlan } from './host-link.ts';
import { readKubeSystemRecord, writeKubeSystemRecord } from './start.ts';

/** The kube-system record changed under the lock the pod sync uses (state.lock in the dataplane dir). */
function updateRecord(layout: DataplaneLayout, change: (hostLink: HostLinkPlan | undefined, warnings: string[]) => { hostLink?: HostLinkPlan; warnings: string[] }): Promise<void> {
  return layout.withLock(() => {
    const record = readKubeSystemRecord(layout);
    if (!record) return;
    const next = change(record.hostLink, record.warnings);
    const { hostLink: _, ...rest } = record;
    writeKubeSystemRecord(layout, { ...rest, ...(next.hostLink ? { hostLink: next.hostLink } : {}), warnings: next.warnings });
  });
}

export interface HostLinkSyncOptions {
  sourceFile: string;
  dataplaneDir: string;
  /** A path to the host's network namespace, valid in this process. */
  hostNetns: string;
  log: (line: string) => void;
}

/** Syncs once per change (and retries a failed or premature sync every second). */
export class HostLinkSync {
  private readonly source: ClusterSource;
  private readonly layout: DataplaneLayout;
  private running?: Promise<void>;
  private dirty = false;
  private retry?: NodeJS.Timeout;
  private lastWarning = '';

  constructor(private readonly opts: HostLinkSyncOptions) {
    this.source = new ClusterSource(opts.sourceFile);
    this.layout = new DataplaneLayout(opts.dataplaneDir);
  }

  start(): void {
    this.source.watch(() => this.request());
    this.request();
  }

  stop(): void {
    this.source.stop();
    if (this.retry) clearTimeout(this.retry);
  }

  /** Resolves once the sync in flight (if any) has finished. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private request(): void {
    if (this.running) {
      this.dirty = true;
      return;
    }
    if (this.retry) clearTimeout(this.retry);
    this.retry = undefined;
    this.running = this.syncOnce()
      .catch((err: unknown) => {
        this.opts.log(`host link: sync failed: ${err instanceof Error ? err.message : String(err)}`);
        return false;
      })
      .then((done) => {
        this.running = undefined;
        if (this.dirty) {
          this.dirty = false;
          this.request();
        } else if (!done) {
          this.retry = setTimeout(() => this.request(), 1000);
          this.retry.unref();
        }
      });
  }

  /** One pass; false when it has to be tried again (up still running, a command failed). */
  private async syncOnce(): Promise<boolean> {
    const state = this.layout.read();
    // Until `up` has finished it owns the link (and the record).
    if (!state || state.phase !== 'up') return false;
    const current = readKubeSystemRecord(this.layout)?.hostLink;
    const view = this.source.load();
    const want = needsHostLink(view) ? planHostLink(state.topology, view) : undefined;
    if (canonicalJSON(want ?? null) === canonicalJSON(current ?? null)) return true;
    const { hostNetns, log } = this.opts;
    if (!want) {
      await deleteHostLink(state.prefix, hostNetns);
      await updateRecord(this.layout, (_, warnings) => ({ warnings }));
      log(`host link ${current?.link}: removed (no LoadBalancer or NodePort Service left)`);
      return true;
    }
    if (current && current.link === want.link && current.address === want.address && current.prefixLength === want.prefixLength) {
      try {
        await updateHostRoutes(current, want, hostNetns);
        await updateRecord(this.layout, (_, warnings) => ({ hostLink: want, warnings }));
        log(`host link ${want.link}: routes ${want.routes.map((r) => `${r.dst} via ${r.via.join('+')}`).join(', ') || 'none'}`);
        return true;
      } catch (err) {
        log(`host link ${want.link}: route update failed, rebuilding the link: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    const why = await setUpHostLink(want, state.topology, hostNetns);
    if (why) {
      await updateRecord(this.layout, (_, warnings) => ({ warnings: warnings.includes(why) ? warnings : [...warnings, why] }));
      if (why !== this.lastWarning) log(`host link: ${why}`);
      this.lastWarning = why;
      // A conflicting host route may go away; without a change, do not hammer the host.
      return true;
    }
    this.lastWarning = '';
    await updateRecord(this.layout, (_, warnings) => ({ hostLink: want, warnings }));
    log(`host link ${want.link} ${want.address}/${want.prefixLength}${want.routes.length ? `, routes ${want.routes.map((r) => r.dst).join(', ')}` : ''}`);
    return true;
  }
}
