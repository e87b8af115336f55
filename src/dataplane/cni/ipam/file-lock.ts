/**
 * An exclusive flock(2) on a file, as the reference host-local takes on `<dataDir>/<network>/lock`,
 * so our plugin and the Go one can share a data directory. Node has no flock binding, so flock(1)
 * holds the lock for us: it locks, then runs `cat`, which echoes our probe line once the lock is
 * held and exits (releasing it) when we close its stdin — also when we die.
 */
import { spawn } from 'node:child_process';

export async function withFileLock<T>(lockPath: string, fn: () => Promise<T>, timeoutSeconds = 30): Promise<T> {
  const child = spawn('flock', ['-x', '-w', String(timeoutSeconds), lockPath, 'cat'], { stdio: ['pipe', 'pipe', 'pipe'] });
  const closed = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? 1)));
  const locked = new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    child.on('error', reject);
    void closed.then((code) => reject(new Error(`cannot lock ${lockPath} (flock exit ${code})`)));
  });
  child.stdin.on('error', () => undefined);
  child.stdin.write('locked\n');
  try {
    await locked;
    return await fn();
  } finally {
    child.stdin.end();
    await closed;
  }
}
