/**
 * The browser bundle (web/dist) is build output, never committed: it is (re)built with Vite whenever
 * it is missing or older than web/'s sources and the lockfile, so a fresh clone gets it on the first
 * `podnet ui` or `npm test`. A lock directory keeps concurrent builders from writing it twice.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const WEB_DIR = join(REPO_ROOT, 'web');
export const DIST_DIR = join(WEB_DIR, 'dist');
const STAMP = '.podnet-build';
const LOCK = join(WEB_DIR, '.build-lock');
const SKIP = new Set(['dist', 'node_modules', '.build-lock']);

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (SKIP.has(entry.name) || entry.name.startsWith('.build')) continue;
    const p = join(dir, entry.name);
    if (entry.isDirectory()) sourceFiles(p, out);
    else out.push(p);
  }
  return out;
}

/** Hash of everything the bundle is built from: web/ sources and the locked dependency versions. */
export function sourceHash(): string {
  const h = createHash('sha256');
  for (const f of [...sourceFiles(WEB_DIR), join(REPO_ROOT, 'package-lock.json')]) {
    h.update(relative(REPO_ROOT, f)).update('\0');
    if (existsSync(f)) h.update(readFileSync(f));
    h.update('\0');
  }
  return h.digest('hex');
}

export function bundleCurrent(): boolean {
  try {
    return readFileSync(join(DIST_DIR, STAMP), 'utf8').trim() === sourceHash() && existsSync(join(DIST_DIR, 'index.html'));
  } catch {
    return false;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function acquireLock(): Promise<void> {
  for (let waited = 0; ; waited += 200) {
    try {
      mkdirSync(LOCK);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      // A builder killed mid-way leaves the lock behind: take it over after two minutes.
      const age = Date.now() - statSync(LOCK, { throwIfNoEntry: false })!.mtimeMs;
      if (age > 120_000) rmSync(LOCK, { recursive: true, force: true });
      else await sleep(200);
    }
  }
}

function viteBuild(outDir: string): Promise<{ code: number; output: string }> {
  const vite = join(dirname(createRequire(import.meta.url).resolve('vite/package.json')), 'bin', 'vite.js');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [vite, 'build', '--config', join(WEB_DIR, 'vite.config.ts'), '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'], {
      cwd: WEB_DIR,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

/** Builds web/dist unless it is current. `log` hears one line when a build starts. */
export async function ensureBundle(log: (line: string) => void = () => undefined): Promise<void> {
  if (bundleCurrent()) return;
  await acquireLock();
  try {
    if (bundleCurrent()) return; // someone else built it while we waited
    const hash = sourceHash();
    log('building the web UI (web/ → web/dist)…');
    // Built beside, then renamed into place; a directory named dist is ignored by git wherever it is.
    const scratch = join(WEB_DIR, `.build-${process.pid}`);
    const tmp = join(scratch, 'dist');
    const { code, output } = await viteBuild(tmp);
    if (code !== 0) {
      rmSync(scratch, { recursive: true, force: true });
      throw new Error(`building the web UI failed (vite exit ${code}):\n${output}`);
    }
    writeFileSync(join(tmp, STAMP), `${hash}\n`);
    rmSync(DIST_DIR, { recursive: true, force: true });
    renameSync(tmp, DIST_DIR);
    rmSync(scratch, { recursive: true, force: true });
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}
