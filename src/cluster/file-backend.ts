/**
 * Persistence in a state directory as an append-only log plus a snapshot (the kine/etcd idea, in
 * files): every transaction is one fsynced JSON line; every so often the whole state is written to
 * `snapshot.json` (temp file, fsync, rename) and the log restarts. A process killed mid-write leaves
 * at worst a torn last line, which load ignores — the previous state stays intact.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { keyOf } from './object-set.ts';
import type { Backend, BackendState, TxnRecord } from './store.ts';

const SNAPSHOT = 'snapshot.json';
const LOG = 'log.jsonl';
/** Log size after which the next commit writes a snapshot. */
const COMPACT_BYTES = 32 * 1024 * 1024;

/** The state directory holds something podnet did not write: a clear message instead of a stack trace. */
export class CorruptStateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CorruptStateError';
  }
}

export class FileBackend implements Backend {
  private logBytes = 0;

  constructor(readonly dir: string) {}

  load(): BackendState {
    const state: BackendState = { revision: 0, objects: [] };
    const snapPath = join(this.dir, SNAPSHOT);
    if (existsSync(snapPath)) {
      try {
        Object.assign(state, JSON.parse(readFileSync(snapPath, 'utf8')) as BackendState);
      } catch (err) {
        // Snapshots are written atomically (temp + rename): a broken one was edited or damaged by hand.
        throw new CorruptStateError(`${snapPath} is not a valid podnet snapshot (${(err as Error).message}); run \`podnet reset\` to start over`);
      }
    }
    const logPath = join(this.dir, LOG);
    if (!existsSync(logPath)) return state;
    const text = readFileSync(logPath, 'utf8');
    this.logBytes = Buffer.byteLength(text);
    const objects = new Map(state.objects.map((o) => [keyOf(o), o]));
    for (const line of text.split('\n')) {
      if (!line) continue;
      let txn: TxnRecord;
      try {
        txn = JSON.parse(line) as TxnRecord;
      } catch {
        break; // a torn final write: everything before it is the durable state
      }
      if (txn.revision <= state.revision) continue; // already in the snapshot
      for (const o of txn.puts) objects.set(keyOf(o), o);
      for (const k of txn.deletes) objects.delete(k);
      if (txn.config) state.config = txn.config;
      state.revision = txn.revision;
    }
    state.objects = [...objects.values()];
    return state;
  }

  append(txn: TxnRecord, current: () => BackendState): void {
    mkdirSync(this.dir, { recursive: true });
    const line = `${JSON.stringify(txn)}\n`;
    const fd = openSync(join(this.dir, LOG), 'a');
    try {
      writeSync(fd, line);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    this.logBytes += Buffer.byteLength(line);
    if (this.logBytes > COMPACT_BYTES) this.snapshot(current());
  }

  private snapshot(state: BackendState): void {
    const tmp = join(this.dir, `${SNAPSHOT}.tmp`);
    const fd = openSync(tmp, 'w');
    try {
      writeSync(fd, JSON.stringify(state));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, join(this.dir, SNAPSHOT));
    // Entries up to the snapshot's revision are skipped on load, so a crash before this truncation is safe.
    rmSync(join(this.dir, LOG), { force: true });
    this.logBytes = 0;
  }

  reset(): void {
    rmSync(join(this.dir, SNAPSHOT), { force: true });
    rmSync(join(this.dir, LOG), { force: true });
    this.logBytes = 0;
  }
}
