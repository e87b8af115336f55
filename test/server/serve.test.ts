/**
 * `podnet serve` as a user runs it: a child process on an ephemeral loopback port writes a kubeconfig
 * (TLS, token), kubectl uses it, `podnet get` in another process sees what kubectl wrote (same state
 * dir), and SIGTERM shuts the server down cleanly.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseListen } from '../../src/cli/listen.ts';
import { kubectlBinary } from './harness.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const PODNET = join(ROOT, 'bin/podnet.js');

test('--listen parsing', () => {
  assert.deepEqual(parseListen('127.0.0.1:6443'), { host: '127.0.0.1', port: 6443 });
  assert.deepEqual(parseListen('[::1]:7000'), { host: '::1', port: 7000 });
  assert.deepEqual(parseListen('8080'), { host: '127.0.0.1', port: 8080 });
  assert.throws(() => parseListen('host:99999'), /out of range/);
  assert.throws(() => parseListen('nonsense'), /HOST:PORT/);
});

test('podnet serve: kubeconfig, kubectl, shared state with the CLI, clean shutdown', async () => {
  const home = mkdtempSync(join(tmpdir(), 'podnet-serve-test-'));
  const env = { ...process.env, PODNET_HOME: join(home, 'state'), HOME: home };
  const child = spawn(process.execPath, [PODNET, 'serve', '--listen', '127.0.0.1:0'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  try {
    const deadline = Date.now() + 20_000;
    while (!/kubeconfig: /.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.match(out, /podnet API server listening on https:\/\/127\.0\.0\.1:\d+/, err);
    const kubeconfig = join(home, 'state', 'kubeconfig');
    const text = readFileSync(kubeconfig, 'utf8');
    assert.match(text, /certificate-authority-data: /);
    assert.match(text, /token: /);
    assert.match(text, /current-context: podnet/);

    const kubectl = (args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> =>
      new Promise((done) => {
        const k = spawn(kubectlBinary(), ['--cache-dir', join(home, 'cache'), ...args], { env: { PATH: process.env.PATH, HOME: home, KUBECONFIG: kubeconfig } });
        let stdout = '';
        let stderr = '';
        k.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        k.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        k.on('close', (code) => done({ code, stdout, stderr }));
      });
    const applied = await new Promise<{ code: number | null; stderr: string }>((done) => {
      const k = spawn(kubectlBinary(), ['--cache-dir', join(home, 'cache'), 'apply', '-f', '-'], { env: { PATH: process.env.PATH, HOME: home, KUBECONFIG: kubeconfig } });
      let stderr = '';
      k.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      k.on('close', (code) => done({ code, stderr }));
      k.stdin.end('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shared\ndata:\n  k: v\n');
    });
    assert.equal(applied.code, 0, applied.stderr);
    const nodes = await kubectl(['get', 'nodes', '--no-headers']);
    assert.match(nodes.stdout, /^node-1\s+Ready/m);

    // Another process reading the same state dir sees what came through the API.
    const cli = spawnSync(process.execPath, [PODNET, 'get', 'configmaps', 'shared', '-o', 'json'], { env, encoding: 'utf8' });
    assert.equal(cli.status, 0, cli.stderr);
    assert.equal((JSON.parse(cli.stdout) as { data: { k: string } }).data.k, 'v');
    assert.ok(existsSync(join(home, 'state', 'server.json')));
  } finally {
    child.kill('SIGTERM');
    const code = await exited;
    rmSync(home, { recursive: true, force: true });
    assert.equal(code, 0, err);
  }
});
