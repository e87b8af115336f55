/**
 * The UI's JSON API over HTTP, on the example cluster: what each endpoint answers must be the models'
 * answers (verdicts from the NetworkPolicy spec applied to examples/shop), editor errors must be
 * exactly what `podnet apply` prints, writes need JSON from the same origin, and the revision stream
 * follows applies made here and by another process.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decodePaths } from '../../src/api/decode.ts';
import { loadClusterConfig } from '../../src/cluster/config.ts';
import { FileBackend } from '../../src/cluster/file-backend.ts';
import { Store } from '../../src/cluster/store.ts';
import { applyObjects } from '../../src/controllers/apply.ts';
import {
  ensureBundle, persistedSource, REPO_ROOT, startUIServer,
  type FlowResponse, type MatrixResponse, type Topology, type UIServer, type WhatIfResponse, type ApplyResponse, type ObjectResponse,
} from '../../src/server/ui-api/index.ts';
import { cellAllowed, decodeBits } from '../../web/src/lib/matrix-grid.ts';

const EXAMPLES = join(REPO_ROOT, 'examples');
const CONFIG = join(EXAMPLES, 'cluster-config.yaml');

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function call(url: string, method = 'GET', body?: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers: body !== undefined ? { 'Content-Type': 'application/json', ...headers } : headers }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function json<T>(url: string, method = 'GET', body?: unknown): Promise<T> {
  const r = await call(url, method, body === undefined ? undefined : JSON.stringify(body));
  assert.equal(r.status, 200, r.body);
  return JSON.parse(r.body) as T;
}

describe('UI JSON API', () => {
  let home: string;
  let server: UIServer;
  let api: string;

  before(async () => {
    await ensureBundle();
    home = mkdtempSync(join(tmpdir(), 'podnet-ui-api-'));
    const config = loadClusterConfig(CONFIG);
    applyObjects(new Store({ backend: new FileBackend(home) }), decodePaths([join(EXAMPLES, 'shop')]).objects, config);
    server = await startUIServer({ source: persistedSource(home, config), port: 0, pollMs: 50 });
    api = `${server.url}api/`;
  });

  after(async () => {
    await server?.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('topology: nodes with pod CIDRs, pods on nodes, Services → endpoints, Ingress → Services, policy selections', async () => {
    const t = await json<Topology>(`${api}topology`);
    assert.deepEqual(t.nodes.map((n) => n.name), ['node-1', 'node-2', 'node-3']);
    for (const n of t.nodes) assert.equal(n.podCIDRs.length, 1);
    assert.equal(t.summary.cni.cni, 'calico');
    assert.equal(t.summary.cni.enforcesPolicy, true);
    assert.equal(t.summary.cni.encapsulation, null); // BGP mode: no encapsulation
    const frontends = t.pods.filter((p) => p.ref.startsWith('shop/frontend-'));
    assert.equal(frontends.length, 2);
    for (const p of t.pods) assert.ok(p.node && p.ips.length === 1 && p.ready, p.ref);
    const backendSvc = t.services.find((s) => s.ref === 'shop/backend')!;
    assert.deepEqual(backendSvc.endpoints.map((e) => e.pod).sort(), t.pods.filter((p) => p.labels.app === 'backend').map((p) => p.ref).sort());
    const ingress = t.routes.find((r) => r.ref === 'Ingress/shop/shop')!;
    assert.deepEqual(ingress.services, ['shop/frontend']);
    assert.deepEqual(ingress.hosts, ['shop.example.com']);
    // podSelector {} selects every pod of the policy's namespace, never another's.
    assert.deepEqual(t.policies.find((p) => p.ref === 'data/default-deny')!.selects, ['data/database-0']);
    assert.equal(t.policies.find((p) => p.ref === 'shop/default-deny')!.selects.length, 5);
    assert.deepEqual(t.problems, []);
  });

  it('matrix: the bits say what the spec says for the example flows', async () => {
    const m = await json<MatrixResponse>(`${api}matrix?ns=shop,data`);
    assert.deepEqual(m.groups.map((g) => g.namespace), ['data', 'shop']);
    assert.equal(m.words, Math.ceil(m.pods.length / 32));
    const i = (prefix: string): number => m.pods.findIndex((p) => p.ref.startsWith(prefix));
    const at = (port: string, from: string, to: string): boolean => cellAllowed(decodeBits(m.bits[m.ports.indexOf(port)]), m.words, i(from), i(to));
    assert.equal(at('5432/TCP', 'shop/backend-', 'data/database-0'), true);
    assert.equal(at('5432/TCP', 'shop/frontend-', 'data/database-0'), false);
    assert.equal(at('8080/TCP', 'shop/frontend-', 'shop/backend-'), true);
    assert.equal(at('8080/TCP', 'shop/backend-', 'shop/frontend-'), false);
    // frontend-public admits any source on the named port http (80 on the frontend pods).
    assert.equal(at('80/TCP', 'data/database-0', 'shop/frontend-'), false); // ...but the database's own egress is default-deny
    const csv = await call(`${api}matrix.csv?ns=data`);
    assert.equal(csv.status, 200);
    assert.match(String(csv.headers['content-type']), /^text\/csv/);
    assert.equal(csv.body.split('\n')[0].split(',')[0], 'from');
  });

  it('flow: a denied cell names the policies that isolate each end', async () => {
    const t = await json<Topology>(`${api}topology`);
    const frontend = t.pods.find((p) => p.ref.startsWith('shop/frontend-'))!.ref;
    const f = await json<FlowResponse>(`${api}flow?from=${frontend}&to=data/database-0&port=5432&protocol=TCP`);
    assert.equal(f.result.allowed, false);
    const hop = f.result.hops[0].decision;
    assert.deepEqual([...hop.ingress.policies].sort(), ['data/database-from-backend', 'data/default-deny']);
    assert.equal(hop.ingress.allowed, false);
    assert.ok(f.policies['data/database-from-backend'].ingress!.rules.length === 1);
    const bad = await call(`${api}flow?from=nope/x&to=data/database-0&port=5432`);
    assert.equal(bad.status, 400);
    assert.match(JSON.parse(bad.body).error, /pod nope\/x not found/);
    assert.equal((await call(`${api}flow?from=${frontend}&to=data/database-0&port=0`)).status, 400);
  });

  it('select: label selectors in kubectl syntax, bad syntax is a 400', async () => {
    const r = await json<{ pods: string[] }>(`${api}select?selector=${encodeURIComponent('app in (backend,database)')}`);
    assert.equal(r.pods.length, 4);
    assert.equal((await call(`${api}select?selector=${encodeURIComponent('app in (')}`)).status, 400);
  });

  it('editor errors are exactly the lines podnet apply prints for the same file', async () => {
    const yaml = [
      'apiVersion: networking.k8s.io/v1',
      'kind: NetworkPolicy',
      'metadata: {name: bad, namespace: shop}',
      'spec:',
      '  podSelector: {}',
      '  ingress:',
      '  - ports: [{port: 70000}, {protocol: ICMP}]',
      '    from: [{ipBlock: {cidr: 10.0.0.0/8, except: [192.168.0.0/16]}}]',
      '',
    ].join('\n');
    const r = await json<WhatIfResponse>(`${api}whatif`, 'POST', { yaml });
    assert.equal(r.ok, false);
    assert.equal(r.diff, null);
    const dir = mkdtempSync(join(tmpdir(), 'podnet-ui-cli-'));
    try {
      writeFileSync(join(dir, 'editor.yaml'), yaml);
      const cli = spawnSync(process.execPath, [join(REPO_ROOT, 'bin', 'podnet.js'), 'apply', '-f', 'editor.yaml', '--config', CONFIG], {
        cwd: dir, env: { ...process.env, PODNET_HOME: join(dir, 'state') }, encoding: 'utf8',
      });
      assert.equal(cli.status, 2, cli.stderr);
      const printed = cli.stderr.split('\n').filter((l) => l.startsWith('error: ')).map((l) => l.slice('error: '.length));
      assert.ok(printed.length >= 3, cli.stderr);
      assert.deepEqual(r.errors.map((e) => e.message), printed);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    assert.ok(r.errors.every((e) => typeof e.line === 'number'));
    const syntax = await json<WhatIfResponse>(`${api}whatif`, 'POST', { yaml: 'kind: [\n' });
    assert.equal(syntax.ok, false);
    assert.match(syntax.errors[0].message, /^editor\.yaml:\d+: invalid YAML/);
  });

  it('what-if previews the diff without touching the cluster; apply persists and the revision stream follows', async () => {
    const revisions: number[] = [];
    const events = request(`${api}events`);
    events.on('response', (res) => res.on('data', (d: Buffer) => {
      for (const m of d.toString().matchAll(/data: \{"revision":(-?\d+)\}/g)) revisions.push(Number(m[1]));
    }));
    events.end();
    try {
      const { yaml } = await json<ObjectResponse>(`${api}object?kind=NetworkPolicy&namespace=shop&name=frontend-to-backend`);
      assert.doesNotMatch(yaml, /resourceVersion|uid:|creationTimestamp/);
      const changed = yaml.replace('port: 8080', 'port: 9090');
      assert.notEqual(changed, yaml);
      const start = (await json<Topology>(`${api}topology`)).summary.revision;
      const w = await json<WhatIfResponse>(`${api}whatif`, 'POST', { yaml: changed });
      assert.equal(w.ok, true);
      assert.deepEqual(w.results, [{ kind: 'NetworkPolicy', namespace: 'shop', name: 'frontend-to-backend', action: 'configured' }]);
      const s8080 = w.diff!.summary.find((s) => s.port === '8080/TCP')!;
      assert.equal(s8080.closed, 6); // 2 frontends × 3 backends
      assert.equal(w.diff!.opened.length, 0);
      assert.equal((await json<Topology>(`${api}topology`)).summary.revision, start, 'what-if must not write');

      const a = await json<ApplyResponse>(`${api}apply`, 'POST', { yaml: changed });
      assert.equal(a.ok, true);
      assert.equal(a.revision, start + 1);
      const stored = new Store({ backend: new FileBackend(home) }).list().find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'frontend-to-backend')!;
      assert.match(JSON.stringify(stored), /"port":9090/);

      // Another process changes the persisted cluster: the UI sees it and pushes the new revision.
      const cli = spawnSync(process.execPath, [join(REPO_ROOT, 'bin', 'podnet.js'), 'apply', '-f', '-'], {
        input: yaml, env: { ...process.env, PODNET_HOME: home }, encoding: 'utf8',
      });
      assert.equal(cli.status, 0, cli.stderr);
      const deadline = Date.now() + 5_000;
      while (!revisions.includes(start + 2) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      assert.ok(revisions.includes(start + 2), `revisions seen: ${revisions.join(',')}`);
      assert.equal((await json<Topology>(`${api}topology`)).summary.revision, start + 2);
    } finally {
      events.destroy();
    }
  });

  it('static files: the page, immutable hashed assets, nothing outside the bundle', async () => {
    const page = await call(server.url);
    assert.equal(page.status, 200);
    assert.equal(page.headers['cache-control'], 'no-cache');
    const asset = /src="\.\/(assets\/[^"]+\.js)"/.exec(page.body)![1];
    const js = await call(`${server.url}${asset}`);
    assert.equal(js.status, 200);
    assert.match(String(js.headers['content-type']), /^text\/javascript/);
    assert.match(String(js.headers['cache-control']), /immutable/);
    assert.equal((await call(`${server.url}assets/nope.js`)).status, 404);
    assert.equal((await call(`${server.url}%E0%A4%A`)).status, 400);
    for (const evil of ['%2e%2e/%2e%2e/package.json', '..%2f..%2fpackage.json', 'assets/..%2f..%2f..%2fpackage.json']) {
      const r = await call(`${server.url}${evil}`);
      assert.doesNotMatch(r.body, /"name": "podnet"/, evil);
    }
  });

  it('writes need a JSON body from this origin', async () => {
    const form = await call(`${api}apply`, 'POST', 'yaml=x', { 'Content-Type': 'application/x-www-form-urlencoded' });
    assert.equal(form.status, 415);
    const cross = await call(`${api}apply`, 'POST', JSON.stringify({ yaml: 'x' }), { Origin: 'http://evil.example' });
    assert.equal(cross.status, 403);
    assert.equal((await call(`${api}nothing`)).status, 404);
    assert.equal((await call(`${api}apply`)).status, 404); // GET of a write endpoint
  });
});
