/**
 * Notices when the persisted cluster changes on disk (another process ran `podnet apply`): the store
 * appends to its log or rewrites its snapshot, so a change of size or mtime of either file is a change.
 * Polling keeps it portable (fs.watch misses renames on some filesystems).
 */
import { statSync } from 'node:fs';

export class StateWatcher {
  private timer?: NodeJS.Timeout;
  private last: string;

  constructor(private readonly files: readonly string[], private readonly onChange: () => void, private readonly intervalMs = 250) {
    this.last = this.fingerprint();
  }

  start(): void {
    this.timer = setInterval(() => this.check(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Checks once; calls onChange when any file changed since the last check. */
  check(): boolean {
    const now = this.fingerprint();
    if (now === this.last) return false;
    this.last = now;
    this.onChange();
    return true;
  }

  private fingerprint(): string {
    return this.files.map((f) => {
      try {
        const s = statSync(f);
        return `${s.size}:${s.mtimeMs}`;
      } catch {
        return '-';
      }
    }).join('|');
  }
}
