/**
 * An exclusive flock(2) on a file, as the reference host-local takes on `<dataDir>/<network>/lock`,
 * so our plugin and the Go one can share a data directory. Node has no flock binding, so a helper
 * process holds the lock for us: one long-lived perl per lock file (perl-base is Essential in
 * Debian) that locks and unlocks on request over a pipe — a process holding many locks over its
 * life (the node's CNI daemon) pays one spawn, not one per allocation. Callers in this process are
 * queued first, since flock on the helper's one descriptor does not exclude them from each other.
 * Without perl, flock(1) takes the lock once per call. A dying helper releases the lock.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';

const PERL = '/usr/bin/perl';
const HELPER = 'use Fcntl qw(:flock); open(my $f, ">>", $ARGV[0]) or die "$!\\n"; $| = 1; print "ready\\n"; while (my $c = <STDIN>) { flock($f, $c =~ /^l/ ? LOCK_EX : LOCK_UN) or die "$!\\n"; print "ok\\n"; }';

class LockHelper {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly waiting: ((line: string | undefined) => void)[] = [];
  private buffered = '';
  private dead = false;

  constructor(path: string) {
    this.child = spawn(PERL, ['-e', HELPER, path], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout.setEncoding('utf8');
    this.child.stdout.on('data', (d: string) => {
      this.buffered += d;
      for (let i = this.buffered.indexOf('\n'); i >= 0; i = this.buffered.indexOf('\n')) {
        const line = this.buffered.slice(0, i);
        this.buffered = this.buffered.slice(i + 1);
        this.waiting.shift()?.(line);
      }
      this.idle();
    });
    this.child.on('close', () => {
      this.dead = true;
      for (const w of this.waiting.splice(0)) w(undefined);
    });
    this.child.stdin.on('error', () => undefined);
    // Idle, the helper must not keep a plugin process alive: its pipes count only while we wait.
    this.child.unref();
    this.idle();
  }

  private pipes(): { ref(): void; unref(): void }[] {
    return [this.child.stdout, this.child.stdin, this.child.stderr] as unknown as { ref(): void; unref(): void }[];
  }

  private idle(): void {
    if (!this.waiting.length) for (const p of this.pipes()) p.unref();
  }

  get alive(): boolean {
    return !this.dead;
  }

  private request(command: string | undefined): Promise<string | undefined> {
    return new Promise((resolve) => {
      if (this.dead) return resolve(undefined);
      this.waiting.push(resolve);
      for (const p of this.pipes()) p.ref();
      if (command) this.child.stdin.write(`${command}\n`);
    });
  }

  ready(): Promise<boolean> {
    return this.request(undefined).then((l) => l === 'ready');
  }

  async lock(): Promise<void> {
    if ((await this.request('lock')) !== 'ok') throw new Error('lock helper failed');
  }

  async unlock(): Promise<void> {
    await this.request('unlock');
  }
}

const helpers = new Map<string, Promise<LockHelper>>();
const queues = new Map<string, Promise<void>>();

async function helperFor(path: string): Promise<LockHelper | undefined> {
  if (!existsSync(PERL)) return undefined;
  let h = helpers.get(path);
  if (h && !(await h).alive) h = undefined;
  if (!h) {
    h = (async () => {
      const helper = new LockHelper(path);
      if (!(await helper.ready())) throw new Error(`cannot open lock file ${path}`);
      return helper;
    })();
    helpers.set(path, h);
  }
  return h;
}

/** flock(1) fallback: locks, then runs `cat`, which echoes our line once locked and exits (unlocking) at EOF. */
async function withFlockCommand<T>(path: string, fn: () => Promise<T>): Promise<T> {
  const child = spawn('flock', ['-x', '-w', '30', path, 'cat'], { stdio: ['pipe', 'pipe', 'pipe'] });
  const closed = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? 1)));
  const locked = new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    child.on('error', reject);
    void closed.then((code) => reject(new Error(`cannot lock ${path} (flock exit ${code})`)));
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

export async function withFileLock<T>(path: string, fn: () => Promise<T>): Promise<T> {
  const previous = queues.get(path) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((r) => (release = r));
  const tail = previous.then(() => mine);
  queues.set(path, tail);
  await previous;
  try {
    const helper = await helperFor(path);
    if (!helper) return await withFlockCommand(path, fn);
    await helper.lock();
    try {
      return await fn();
    } finally {
      await helper.unlock();
    }
  } finally {
    release();
    if (queues.get(path) === tail) queues.delete(path);
  }
}
