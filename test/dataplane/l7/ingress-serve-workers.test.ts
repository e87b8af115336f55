/**
 * `podnet ingress serve --workers N` as users run it: the real executable, manifests from -f, the
 * access log on stdout, a manifest edit picked up by every worker, SIGTERM stopping every worker,
 * and workers that outlive a SIGKILLed primary by no more than their IPC channel.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeAll, request, startEcho, type EchoServer } from './backends.ts';

const BIN = join(import.meta.dirname, '..', '..', '..', 'bin', 'podnet.js');
const HOST = 'shop.example.com';

function manifest(root: 'web' | 'api'): string {
  const svc = (name: string, ip: string): string => `
apiVersion: v1
kind: Service
metadata: {name: ${name}, namespace: shop}
spec: {ports: [{name: http, port: 80, targetPort: 8080, protocol: TCP}]}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: ${name}-1, namespace: shop, labels: {kubernetes.io/service-name: ${name}}}
addressType: IPv4
endpoints: [{addresses: [${ip}], conditions: {ready: true}}]
ports: [{name: http, port: 8080, protocol: TCP}]
---`;
  return `apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: nginx}
spec: {controller: k8s.io/ingress-nginx}
---${svc('web', '10.0.3.1')}${svc('api', '10.0.3.2')}
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: site, namespace: shop}
spec:
  ingressClassName: nginx
  rules: [{host: ${HOST}, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: ${root}, port: {number: 80}}}}]}}]
`;
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as net.AddressInfo).port;
  await closeAll([s]);
  return port;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(what: string, cond: () => boolean, ms = 20000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => {
      s.destroy();
      resolve(false);
    });
    s.on('error', () => resolve(true));
  });
}

interface Served {
  child: ChildProcess;
  port: number;
  file: string;
  out: { stdout: string; stderr: string };
  workerPids: () => number[];
  exited: Promise<number | null>;
}

async function withServe(extra: string[], body: (s: Served) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'podnet-ingress-workers-'));
  const echo: EchoServer[] = [];
  let child: ChildProcess | undefined;
  try {
    for (const n of ['web', 'api']) echo.push(await startEcho(n));
    const file = join(dir, 'site.yaml');
    writeFileSync(file, manifest('web'));
    const port = await freePort();
    child = spawn(process.execPath, [
      BIN, 'ingress', 'serve', '-f', file, '--listen', `127.0.0.1:${port}=80`, '--reload-interval', '100',
      '--endpoint', `10.0.3.1:8080=127.0.0.1:${echo[0].port}`, '--endpoint', `10.0.3.2:8080=127.0.0.1:${echo[1].port}`, ...extra,
    ], { cwd: dir, env: { ...process.env, PODNET_HOME: join(dir, 'home'), NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    const c = child;
    const out = { stdout: '', stderr: '' };
    c.stdout!.on('data', (d: Buffer) => (out.stdout += d.toString()));
    c.stderr!.on('data', (d: Buffer) => (out.stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => c.once('exit', (code) => resolve(code)));
    await until('the proxy to listen', () => out.stderr.includes(`serving http://127.0.0.1:${port}`) || c.exitCode !== null);
    assert.equal(c.exitCode, null, out.stderr);
    const workerPids = (): number[] => (/worker processes \(pids ([\d, ]+)\)/.exec(out.stderr)?.[1] ?? '').split(', ').filter(Boolean).map(Number);
    await body({ child: c, port, file, out, workerPids, exited });
  } finally {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await closeAll(echo.map((e) => e.server));
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Children of a process (Linux /proc). */
function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

describe('podnet ingress serve --workers', () => {
  it('serves from every worker, logs one line per request, reloads in every worker, and SIGTERM stops them all', async () => {
    await withServe(['--workers', '2'], async (s) => {
      const pids = s.workerPids();
      assert.equal(pids.length, 2, s.out.stderr);
      assert.deepEqual(childrenOf(s.child.pid!).sort(), [...pids].sort(), 'the workers are the command\'s own processes');

      for (let i = 0; i < 6; i++) assert.equal((await request(s.port, `/before/${i}`, { host: HOST })).json?.backend, 'web');
      await until('6 access-log lines', () => s.out.stdout.split('\n').filter((l) => l.includes('"GET shop.example.com/before/')).length >= 6);
      const lines = s.out.stdout.split('\n').filter(Boolean);
      assert.equal(lines.length, 6, s.out.stdout);
      for (let i = 0; i < 6; i++) {
        assert.equal(lines.filter((l) => l.includes(`"GET ${HOST}/before/${i}" 200 frontend=ingress route=Ingress shop/site rules[0].http.paths[0] reason=Forward backend=shop/web:80`)).length, 1);
      }

      await new Promise((r) => setTimeout(r, 20)); // a distinct mtime
      writeFileSync(s.file, manifest('api'));
      await until('the reload', () => s.out.stderr.includes('route table reloaded'));
      // New connections alternate between the workers: none may answer from the old table.
      for (let i = 0; i < 6; i++) assert.equal((await request(s.port, `/after/${i}`, { host: HOST })).json?.backend, 'api');

      s.child.kill('SIGTERM');
      assert.equal(await s.exited, 0);
      for (const pid of pids) assert.equal(alive(pid), false, `worker ${pid} exited`);
      assert.equal(await refused(s.port), true, 'nothing listens any more');
    });
  });

  it('workers exit by themselves when the primary is SIGKILLed', async () => {
    await withServe(['--workers', '2'], async (s) => {
      const pids = s.workerPids();
      assert.equal(pids.length, 2);
      s.child.kill('SIGKILL');
      await s.exited;
      await until('the orphaned workers to exit', () => pids.every((pid) => !alive(pid)), 10000);
      assert.equal(await refused(s.port), true);
    });
  });

  it('--workers 1 serves from the command\'s own process', async () => {
    await withServe(['--workers', '1'], async (s) => {
      assert.doesNotMatch(s.out.stderr, /worker processes/);
      assert.deepEqual(childrenOf(s.child.pid!), []);
      assert.equal((await request(s.port, '/', { host: HOST })).json?.backend, 'web');
      s.child.kill('SIGTERM');
      assert.equal(await s.exited, 0);
    });
  });

  it('--workers outside 1..64 is a usage error (exit 2)', async () => {
    for (const bad of ['0', '65', '1.5', 'many']) {
      const child = spawn(process.execPath, [BIN, 'ingress', 'serve', '-f', '/nonexistent.yaml', '--workers', bad], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      assert.equal(code, 2, `--workers ${bad}: ${stderr}`);
      assert.match(stderr, /--workers must be an integer from 1 to 64/);
    }
  });
});
