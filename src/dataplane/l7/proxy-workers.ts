/**
 * The Node proxy in several processes: node:cluster workers (`proxy-worker.ts`), each an `L7Proxy`,
 * sharing the listen sockets (the primary accepts and hands connections out round-robin). One process
 * is CPU-bound on HTTP parsing; N of them serve about N times as many requests while cores are free.
 *
 * The primary owns the cluster snapshot: a reload sends it to every worker and resolves when each has
 * swapped its table. A worker that dies unexpectedly is replaced (with back-off) and starts from the
 * latest snapshot. Access-log lines come back through each worker's stdout and are handed over as
 * whole lines. `close()` stops every worker (SIGKILL after a grace period) and leaves no process and
 * no listening socket behind.
 */
import cluster, { type Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Readable } from 'node:stream';
import type { FrontendSelector } from '../../model/l7/index.ts';
import type { ListenSpec, TLSMaterial } from './proxy.ts';
import type { BoundAddress, ClusterSnapshot, PrimaryMessage, WorkerInit, WorkerMessage } from './worker-protocol.ts';

export interface L7ProxyWorkersOptions {
  workers: number;
  cluster: ClusterSnapshot;
  listen: ListenSpec[];
  selector?: FrontendSelector;
  certificates?: Map<string, TLSMaterial>;
  defaultCertificate?: TLSMaterial;
  /** Endpoint `ip:port` → where to connect instead (demos without pod networking, tests). */
  endpoints?: Map<string, { host: string; port: number }>;
  /** Access-log text: one or more whole lines, each ending in `\n`, and the worker slot (1..N) that served them. */
  accessLog?: (lines: string, worker: number) => void;
  /** Lifecycle events (a worker died, was replaced). */
  events?: (message: string) => void;
  upstreamTimeoutMs?: number;
  /** Grace period for workers to finish on close before SIGKILL (default 5 s). */
  stopTimeoutMs?: number;
}

/** One worker per CPU, at most 8 (beyond that the primary's accept loop and memory per table dominate). */
export function defaultWorkerCount(): number {
  return Math.max(1, Math.min(availableParallelism(), 8));
}

interface Slot {
  index: number;
  worker?: Worker;
  /** Consecutive early deaths, for the restart back-off. */
  crashes: number;
  readyAt?: number;
  restartTimer?: NodeJS.Timeout;
}

const WORKER_FILE = fileURLToPath(new URL(`./proxy-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url));

/** Node flags for the workers: ours minus the test runner's, plus the TypeScript loader when running from source. */
function workerExecArgv(): string[] {
  const argv = process.execArgv.filter((a) => !a.startsWith('--test'));
  if (WORKER_FILE.endsWith('.ts') && !argv.some((a) => a.includes('tsx'))) argv.push('--import', import.meta.resolve('tsx'));
  return argv;
}

export class L7ProxyWorkers {
  private readonly slots: Slot[] = [];
  private snapshot: ClusterSnapshot;
  private seq = 0;
  private closing = false;
  private bound: BoundAddress[] = [];
  /** Per-reload acknowledgements still awaited, by worker. */
  private readonly waiting = new Map<number, Map<Worker, (m: WorkerMessage | undefined) => void>>();

  constructor(private readonly opts: L7ProxyWorkersOptions) {
    if (!Number.isInteger(opts.workers) || opts.workers < 1) throw new Error(`workers must be a positive integer, got ${opts.workers}`);
    if (!cluster.isPrimary) throw new Error('L7ProxyWorkers runs in a cluster primary');
    this.snapshot = opts.cluster;
  }

  /** Process ids of the live workers. */
  get pids(): number[] {
    return this.slots.flatMap((s) => (s.worker?.process.pid !== undefined && !s.worker.isDead() ? [s.worker.process.pid] : []));
  }

  /** Forks every worker and resolves to the bound addresses once all of them listen. */
  async start(): Promise<BoundAddress[]> {
    for (let i = 0; i < this.opts.workers; i++) this.slots.push({ index: i + 1, crashes: 0 });
    try {
      const bound = await Promise.all(this.slots.map((s) => this.spawn(s)));
      this.bound = bound[0];
      return this.bound;
    } catch (err) {
      await this.close();
      throw err;
    }
  }

  /** Hot reload: every worker compiles the snapshot and swaps its table; resolves when all have. */
  async setCluster(snapshot: ClusterSnapshot): Promise<void> {
    this.snapshot = snapshot;
    const seq = ++this.seq;
    const acks = new Map<Worker, (m: WorkerMessage | undefined) => void>();
    this.waiting.set(seq, acks);
    try {
      const replies = await Promise.all(this.slots.flatMap((s) => {
        const w = s.worker;
        if (!w || w.isDead() || s.readyAt === undefined) return []; // a starting worker gets this snapshot in its init
        return [new Promise<WorkerMessage | undefined>((resolve) => {
          acks.set(w, resolve);
          this.send(w, { type: 'cluster', seq, cluster: snapshot });
        })];
      }));
      const rejected = replies.find((r) => r?.type === 'rejected');
      if (rejected?.type === 'rejected') throw new Error(`a worker rejected the route table: ${rejected.message}`);
    } finally {
      this.waiting.delete(seq);
    }
  }

  /** Stops every worker; resolves when all have exited (SIGKILL after the grace period). */
  async close(): Promise<void> {
    this.closing = true;
    const grace = this.opts.stopTimeoutMs ?? 5000;
    await Promise.all(this.slots.map(async (s) => {
      clearTimeout(s.restartTimer);
      const w = s.worker;
      if (!w || w.isDead()) return;
      const exited = new Promise<void>((resolve) => {
        if (w.process.exitCode !== null || w.process.signalCode !== null) resolve();
        else w.process.once('exit', () => resolve());
      });
      this.send(w, { type: 'close' });
      const kill = setTimeout(() => w.process.kill('SIGKILL'), grace);
      await exited;
      clearTimeout(kill);
    }));
    for (const acks of this.waiting.values()) for (const resolve of acks.values()) resolve(undefined);
  }

  private send(w: Worker, m: PrimaryMessage): void {
    if (w.isConnected()) w.send(m);
  }

  private init(): WorkerInit {
    return {
      cluster: this.snapshot,
      listen: this.opts.listen,
      selector: this.opts.selector ?? {},
      certificates: this.opts.certificates ?? new Map(),
      ...(this.opts.defaultCertificate ? { defaultCertificate: this.opts.defaultCertificate } : {}),
      endpoints: this.opts.endpoints ?? new Map(),
      accessLog: Boolean(this.opts.accessLog),
      ...(this.opts.upstreamTimeoutMs !== undefined ? { upstreamTimeoutMs: this.opts.upstreamTimeoutMs } : {}),
    };
  }

  /** Forks the worker of a slot; resolves when it listens, rejects when it fails or dies first. */
  private spawn(slot: Slot): Promise<BoundAddress[]> {
    cluster.setupPrimary({
      exec: WORKER_FILE,
      args: [],
      execArgv: workerExecArgv(),
      serialization: 'advanced',
      stdio: ['ignore', this.opts.accessLog ? 'pipe' : 'inherit', 'inherit', 'ipc'],
    });
    const w = cluster.fork();
    slot.worker = w;
    slot.readyAt = undefined;
    if (this.opts.accessLog) this.readLog(w.process.stdout, slot.index);
    return new Promise((resolve, reject) => {
      let settled = false;
      let initial: ClusterSnapshot | undefined;
      w.on('message', (m: WorkerMessage) => {
        switch (m.type) {
          case 'hello':
            initial = this.snapshot;
            this.send(w, { type: 'init', init: this.init() });
            break;
          case 'ready':
            slot.readyAt = Date.now();
            settled = true;
            // A reload that happened while this worker was starting is newer than its init.
            if (initial !== this.snapshot) this.send(w, { type: 'cluster', seq: this.seq, cluster: this.snapshot });
            resolve(m.bound);
            break;
          case 'failed':
            settled = true;
            reject(new Error(`worker ${slot.index}: ${m.message}`));
            break;
          case 'applied':
          case 'rejected':
            this.waiting.get(m.seq)?.get(w)?.(m);
            break;
        }
      });
      w.process.once('exit', (code, signal) => {
        for (const acks of this.waiting.values()) acks.get(w)?.(undefined);
        if (!settled) {
          settled = true;
          reject(new Error(`worker ${slot.index} exited before listening (${signal ?? `code ${code}`})`));
          return;
        }
        if (this.closing || slot.worker !== w) return;
        this.restart(slot, code, signal);
      });
    });
  }

  private restart(slot: Slot, code: number | null, signal: string | null): void {
    const lived = slot.readyAt !== undefined ? Date.now() - slot.readyAt : 0;
    slot.crashes = lived > 10_000 ? 0 : slot.crashes + 1;
    const delay = Math.min(10_000, 100 * 2 ** slot.crashes);
    this.opts.events?.(`worker ${slot.index} (pid ${slot.worker?.process.pid}) exited (${signal ?? `code ${code}`}); restarting in ${delay} ms`);
    slot.restartTimer = setTimeout(() => {
      if (this.closing) return;
      this.spawn(slot).then(
        () => this.opts.events?.(`worker ${slot.index} restarted (pid ${slot.worker?.process.pid})`),
        (err: unknown) => this.opts.events?.(`worker ${slot.index} failed to restart: ${err instanceof Error ? err.message : String(err)}`),
      );
    }, delay);
  }

  /** Hands over whole lines only: a read may end mid-line. */
  private readLog(stream: Readable | null, index: number): void {
    if (!stream) return;
    stream.setEncoding('utf8');
    let partial = '';
    stream.on('data', (chunk: string) => {
      const text = partial + chunk;
      const end = text.lastIndexOf('\n') + 1;
      partial = text.slice(end);
      if (end) this.opts.accessLog?.(text.slice(0, end), index);
    });
    stream.on('end', () => {
      if (partial) this.opts.accessLog?.(`${partial}\n`, index);
    });
  }
}
