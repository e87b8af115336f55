/**
 * `podnet ui`: builds the bundle if needed, serves the UI and its API on the address given, and stops
 * cleanly on SIGTERM; `--listen` is parsed as `podnet serve` parses it.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseListen as parseUIListen } from '../../src/cli/listen.ts';
import { REPO_ROOT } from '../../src/server/ui-api/index.ts';
import type { Topology } from '../../src/server/ui-api/index.ts';

describe('podnet ui', () => {
  it('parses --listen like the API server: HOST:PORT, [v6]:PORT, PORT (loopback)', () => {
    assert.deepEqual(parseUIListen('127.0.0.1:7070'), { host: '127.0.0.1', port: 7070 });
    assert.deepEqual(parseUIListen('[::1]:0'), { host: '::1', port: 0 });
    assert.deepEqual(parseUIListen('8080'), { host: '127.0.0.1', port: 8080 });
    assert.deepEqual(parseUIListen(':9000'), { host: '127.0.0.1', port: 9000 });
    for (const bad of ['localhost', '1.2.3.4:', 'x:y', '127.0.0.1:70000']) assert.throws(() => parseUIListen(bad), /--listen/, bad);
  });

  it('serves an in-memory cluster from -f on an ephemeral loopback port, and stops on SIGTERM', { timeout: 120_000 }, async () => {
    const home = mkdtempSync(join(tmpdir(), 'podnet-ui-cmd-'));
    const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'podnet.js'), 'ui', '--listen', '127.0.0.1:0', '-f', join(REPO_ROOT, 'examples', 'shop'), '--config', join(REPO_ROOT, 'examples', 'cluster-config.yaml')], {
      env: { ...process.env, PODNET_HOME: home },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 100_000;
      while (!/http:\/\/127\.0\.0\.1:\d+\//.test(out) && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 100));
      const url = /http:\/\/127\.0\.0\.1:\d+\//.exec(out)?.[0];
      assert.ok(url, `no URL printed; stdout: ${out} stderr: ${err}`);
      assert.match(out, /in memory, from .*examples\/shop/);
      const page = await fetch(url);
      assert.equal(page.status, 200);
      assert.match(await page.text(), /<div id="root">/);
      const t = (await (await fetch(`${url}api/topology`)).json()) as Topology;
      assert.ok(t.pods.some((p) => p.ref === 'data/database-0'));
      assert.equal(t.summary.source.kind, 'memory');
    } finally {
      child.kill('SIGTERM');
      const code = await exited;
      rmSync(home, { recursive: true, force: true });
      assert.equal(code, 0, err);
    }
  });
});
