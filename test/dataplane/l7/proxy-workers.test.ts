/**
 * The Node proxy in several worker processes (node:cluster, shared listen sockets): requests spread
 * over every worker, each request is logged once, a reload reaches every worker, a dead worker is
 * replaced with the current table, and close() leaves no process and no listening socket behind.
 * Each test request opens its own connection, and the primary hands connections out round-robin.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import type { KObject } from '../../../src/api/types.ts';
import { L7ProxyWorkers, type ClusterSnapshot, type L7ProxyWorkersOptions } from '../../../src/dataplane/l7/index.ts';
import { ingress, ingressClass, namespace, service, view } from '../../model/l7/fixtures.ts';
import { closeAll, request, startEcho, type EchoServer } from './backends.ts';

const NAMES = ['web', 'api'];
const HOST = 'shop.example.com';

function snapshot(backendOfRoot: string): ClusterSnapshot {
  const objects: KObject[] = [
    namespace('shop'), ingressClass('nginx'),
    ...NAMES.flatMap((n, i) => service('shop', n, { ips: [`10.0.2.${i + 1}`] })),
    ingress('shop', 'site', { rules: [{ host: HOST, paths: [{ path: '/', service: backendOfRoot }, { path: '/api', service: 'api' }] }] }),
  ];
  return { objects, config: view(objects).config };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(what: string, cond: () => boolean, ms = 15000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
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

interface Ctx {
  pool: L7ProxyWorkers;
  port: number;
  echo: Map<string, EchoServer>;
  /** Access-log lines with the worker slot that wrote them. */
  log: { line: string; worker: number }[];
  events: string[];
}

async function withWorkers(workers: number, body: (ctx: Ctx) => Promise<void>, opts: Partial<L7ProxyWorkersOptions> = {}): Promise<void> {
  const echo = new Map<string, EchoServer>();
  const log: Ctx['log'] = [];
  const events: string[] = [];
  let pool: L7ProxyWorkers | undefined;
  try {
    const endpoints = new Map<string, { host: string; port: number }>();
    for (const [i, n] of NAMES.entries()) {
      const e = await startEcho(n);
      echo.set(n, e);
      endpoints.set(`10.0.2.${i + 1}:8080`, { host: '127.0.0.1', port: e.port });
    }
    pool = new L7ProxyWorkers({
      workers,
      cluster: snapshot('web'),
      listen: [{ host: '127.0.0.1', port: 0, frontPort: 80 }],
      endpoints,
      accessLog: (lines, worker) => {
        assert.ok(lines.endsWith('\n'), 'whole lines only');
        for (const line of lines.slice(0, -1).split('\n')) log.push({ line, worker });
      },
      events: (m) => events.push(m),
      ...opts,
    });
    const [addr] = await pool.start();
    await body({ pool, port: addr.port, echo, log, events });
  } finally {
    await pool?.close();
    await closeAll([...echo.values()].map((e) => e.server));
  }
}

/** n requests, each on a new connection; resolves once every one has its access-log line. */
async function burst(ctx: Ctx, n: number, path = '/'): Promise<{ backend?: string; status: number }[]> {
  const before = ctx.log.length;
  const out: { backend?: string; status: number }[] = [];
  for (let i = 0; i < n; i++) {
    const r = await request(ctx.port, `${path}?i=${i}`, { host: HOST });
    out.push({ status: r.status, ...(r.json ? { backend: r.json.backend } : {}) });
  }
  await until('access-log lines', () => ctx.log.length >= before + n);
  return out;
}

describe('L7ProxyWorkers: the Node proxy in several processes', () => {
  it('spreads requests over every worker and logs each request exactly once', async () => {
    await withWorkers(3, async (ctx) => {
      assert.equal(ctx.pool.pids.length, 3);
      assert.equal(new Set(ctx.pool.pids).size, 3);
      assert.ok(!ctx.pool.pids.includes(process.pid));
      const replies = await burst(ctx, 12);
      assert.deepEqual(replies.map((r) => r.backend), Array(12).fill('web'));
      await new Promise((r) => setTimeout(r, 100)); // a duplicate line would have arrived by now
      assert.equal(ctx.log.length, 12, 'one access-log line per request');
      for (let i = 0; i < 12; i++) {
        assert.equal(ctx.log.filter((l) => l.line.includes(`"GET ${HOST}/?i=${i}" 200 frontend=ingress route=Ingress shop/site rules[0].http.paths[0]`)).length, 1, `request ${i}`);
      }
      const perWorker = new Map<number, number>();
      for (const l of ctx.log) perWorker.set(l.worker, (perWorker.get(l.worker) ?? 0) + 1);
      assert.deepEqual([...perWorker.keys()].sort(), [1, 2, 3], 'every worker served requests');
      for (const n of perWorker.values()) assert.ok(n >= 2, `round-robin spread: ${[...perWorker.values()]}`);
    });
  });

  it('a reload reaches every worker before setCluster resolves', async () => {
    await withWorkers(3, async (ctx) => {
      assert.deepEqual(new Set((await burst(ctx, 6)).map((r) => r.backend)), new Set(['web']));
      await ctx.pool.setCluster(snapshot('api'));
      const before = ctx.log.length;
      const after = await burst(ctx, 9);
      assert.deepEqual(after.map((r) => r.backend), Array(9).fill('api'), 'no worker kept the old table');
      assert.deepEqual(new Set(ctx.log.slice(before).map((l) => l.worker)), new Set([1, 2, 3]));
      // A table without the Ingress: every worker answers the controller's 404.
      const empty = snapshot('web');
      await ctx.pool.setCluster({ ...empty, objects: empty.objects.filter((o) => o.kind !== 'Ingress') });
      assert.deepEqual((await burst(ctx, 6)).map((r) => r.status), Array(6).fill(404));
    });
  });

  it('close() stops every worker and leaves no process or listening socket behind', async () => {
    let pids: number[] = [];
    let port = 0;
    await withWorkers(2, async (ctx) => {
      pids = ctx.pool.pids;
      port = ctx.port;
      await burst(ctx, 2);
      await ctx.pool.close();
      for (const pid of pids) assert.equal(alive(pid), false, `worker ${pid} exited`);
      assert.deepEqual(ctx.pool.pids, []);
      assert.equal(await refused(port), true, 'nothing listens any more');
    });
    assert.equal(pids.length, 2);
  });

  it('a worker that dies is replaced and serves the current table', async () => {
    await withWorkers(2, async (ctx) => {
      await ctx.pool.setCluster(snapshot('api'));
      const [victim, survivor] = ctx.pool.pids;
      process.kill(victim, 'SIGKILL');
      await until('a replacement worker', () => ctx.pool.pids.length === 2 && !ctx.pool.pids.includes(victim) && ctx.events.some((e) => /worker \d restarted/.test(e)));
      assert.ok(ctx.pool.pids.includes(survivor));
      assert.match(ctx.events.join('\n'), new RegExp(`pid ${victim}\\) exited \\(SIGKILL\\)`));
      const before = ctx.log.length;
      assert.deepEqual((await burst(ctx, 6)).map((r) => r.backend), Array(6).fill('api'));
      assert.deepEqual(new Set(ctx.log.slice(before).map((l) => l.worker)), new Set([1, 2]));
    });
  });

  it('start() fails when the workers cannot listen, and leaves no worker behind', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as net.AddressInfo).port;
    const pool = new L7ProxyWorkers({ workers: 2, cluster: snapshot('web'), listen: [{ host: '127.0.0.1', port, frontPort: 80 }] });
    try {
      await assert.rejects(pool.start(), /EADDRINUSE/);
      assert.deepEqual(pool.pids, []);
    } finally {
      await pool.close();
      await closeAll([taken]);
    }
  });
});
