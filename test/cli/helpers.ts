/** Runs the real `podnet` executable in a child process against a throwaway state directory. */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'podnet.js');

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export class Sandbox {
  readonly dir = mkdtempSync(join(tmpdir(), 'podnet-cli-'));

  /** Writes a file into the sandbox and returns its path. */
  file(name: string, text: string): string {
    const p = join(this.dir, name);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, text);
    return p;
  }

  run(args: string[], input?: string): RunResult {
    const r = spawnSync(process.execPath, [BIN, ...args], {
      cwd: this.dir,
      input,
      encoding: 'utf8',
      env: { ...process.env, PODNET_HOME: join(this.dir, 'state'), NO_COLOR: '1' },
    });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
