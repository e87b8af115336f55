/**
 * The API over raw HTTPS: Status errors for bad requests (no crash, nothing half-written), the
 * resourceVersion contract under 50 concurrent writers, watch semantics, dry run, patches.
 * Expected codes and reasons follow k8s.io/apimachinery/pkg/api/errors and the API concepts doc.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startCluster, type HttpResult, type TestCluster } from './harness.ts';

const CM = '/api/v1/namespaces/default/configmaps';

function cm(name: string, data: Record<string, string> = { k: 'v' }, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data, ...extra });
}

function status(r: HttpResult): { kind: string; code: number; reason: string; message: string; details?: { causes?: { field?: string }[] } } {
  return r.json() as never;
}

async function expectStatus(c: TestCluster, r: HttpResult, code: number, reason: string, message?: RegExp): Promise<void> {
  assert.equal(r.status, code, r.body);
  const s = status(r);
  assert.equal(s.kind, 'Status');
  assert.equal(s.code, code);
  assert.equal(s.reason, reason);
  if (message) assert.match(s.message, message);
  // the server is still answering
  assert.equal((await c.request('/version')).status, 200);
}

test('API requests over HTTPS', async (t) => {
  const c = await startCluster({ bookmarkIntervalMs: 200 });
  try {
    await t.test('a request without the bearer token is 401 Unauthorized; /version is public', async () => {
      await expectStatus(c, await c.request('/api/v1/namespaces', { token: null }), 401, 'Unauthorized');
      await expectStatus(c, await c.request('/api/v1/namespaces', { token: 'wrong' }), 401, 'Unauthorized');
      const v = await c.request('/version', { token: null });
      assert.equal(v.status, 200);
      assert.equal((v.json() as { major: string }).major, '1');
    });

    await t.test('aggregated discovery echoes the exact content type kubectl asked for', async () => {
      const r = await c.request('/apis', { accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json' });
      assert.equal(r.headers['content-type'], 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
      const names = (r.json().items as { metadata: { name: string } }[]).map((i) => i.metadata.name);
      assert.ok(names.includes('apps') && names.includes('networking.k8s.io') && names.includes('discovery.k8s.io'));
      const legacy = await c.request('/apis', { accept: 'application/json' });
      assert.equal(legacy.json().kind, 'APIGroupList');
    });

    await t.test('bad bodies are 400/413/415 Status errors and write nothing', async () => {
      const revision = c.store.revision;
      await expectStatus(c, await c.request(CM, { method: 'POST', body: '{"apiVersion": "v1", "kind": ' }), 400, 'BadRequest', /json parse error/);
      await expectStatus(c, await c.request(CM, { method: 'POST', body: 'kind: [unclosed', contentType: 'application/yaml' }), 400, 'BadRequest', /YAML/);
      await expectStatus(c, await c.request(CM, { method: 'POST', body: '[1, 2]' }), 400, 'BadRequest');
      await expectStatus(c, await c.request(CM, { method: 'POST', body: JSON.stringify({ apiVersion: 'v1', kind: 7, metadata: { name: 'x' } }) }), 400, 'BadRequest', /Object 'Kind' is missing/);
      await expectStatus(
        c,
        await c.request(CM, { method: 'POST', body: JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'x' }, spec: {} }) }),
        400,
        'BadRequest',
        /Service .* cannot be handled as a ConfigMap/,
      );
      await expectStatus(c, await c.request(CM, { method: 'POST', body: cm('x').replace('"v1"', '"apps/v1"') }), 400, 'BadRequest', /the API version in the data \(apps\/v1\) does not match the expected API version \(v1\)/);
      await expectStatus(c, await c.request(CM, { method: 'POST', body: cm('x', {}, { metadata: { name: 'x', namespace: 'other' } }) }), 400, 'BadRequest', /namespace of the provided object does not match/);
      await expectStatus(c, await c.request(CM, { method: 'POST', body: cm('x'), contentType: 'text/plain' }), 415, 'UnsupportedMediaType');
      await expectStatus(c, await c.request(CM, { method: 'POST', body: cm('x', { big: 'x'.repeat(4 * 1024 * 1024) }) }), 413, 'RequestEntityTooLarge');
      await expectStatus(c, await c.request('/api/v1/namespaces/nowhere/configmaps', { method: 'POST', body: cm('x') }), 404, 'NotFound', /namespaces "nowhere" not found/);
      await expectStatus(c, await c.request('/api/v1/namespaces/default/widgets'), 404, 'NotFound');
      // An API group named like an Object property is just an unknown group (not a lookup of the property).
      await expectStatus(c, await c.request('/apis/toString/v1/namespaces/default/widgets'), 404, 'NotFound', /could not find the requested resource/);
      await expectStatus(c, await c.request('/api/v1/namespaces/default/configmaps?labelSelector=a%20in%20(', {}), 400, 'BadRequest');
      await expectStatus(c, await c.request('/api/v1/namespaces/default/configmaps?fieldSelector=data.k%3Dv', {}), 400, 'BadRequest', /field label not supported: data\.k/);
      assert.equal(c.store.revision, revision, 'no failed request may commit');
    });

    await t.test('fieldValidation: Strict → 400 naming every unknown and duplicate field; Warn → dropped with a Warning header', async () => {
      const revision = c.store.revision;
      const body = JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'strict' }, spec: { ports: [{ port: 80, bogus: 1 }], portz: 1 } });
      const strict = await c.request('/api/v1/namespaces/default/services?fieldValidation=Strict', { method: 'POST', body });
      await expectStatus(c, strict, 400, 'BadRequest', /strict decoding error: .*unknown field "spec\.ports\[0\]\.bogus"/);
      assert.match(status(strict).message, /unknown field "spec\.portz"/);
      const dup = await c.request(`${CM}?fieldValidation=Strict`, { method: 'POST', body: '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"d","name":"e"}}' });
      await expectStatus(c, dup, 400, 'BadRequest', /strict decoding error: json: duplicate field "name"/);
      assert.equal(c.store.revision, revision);
      const warn = await c.request('/api/v1/namespaces/default/services?fieldValidation=Warn', { method: 'POST', body });
      assert.equal(warn.status, 201, warn.body);
      assert.match(String(warn.headers.warning), /299 - "unknown field \\"spec\.portz\\""/);
      const spec = (c.store.get('Service/default/strict') as unknown as { spec: Record<string, unknown> }).spec;
      assert.equal(spec.portz, undefined);
      assert.equal((spec.ports as Record<string, unknown>[])[0].bogus, undefined);
    });

    await t.test('create, AlreadyExists, get, NotFound, dryRun=All writes nothing', async () => {
      const created = await c.request(CM, { method: 'POST', body: cm('plain') });
      assert.equal(created.status, 201, created.body);
      const meta = created.json().metadata as { uid: string; resourceVersion: string; creationTimestamp: string };
      assert.match(meta.uid, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      assert.equal(meta.resourceVersion, String(c.store.revision));
      await expectStatus(c, await c.request(CM, { method: 'POST', body: cm('plain') }), 409, 'AlreadyExists', /configmaps "plain" already exists/);
      await expectStatus(c, await c.request(`${CM}/missing`), 404, 'NotFound', /configmaps "missing" not found/);
      const revision = c.store.revision;
      const dry = await c.request(`${CM}?dryRun=All`, { method: 'POST', body: cm('dry') });
      assert.equal(dry.status, 201, dry.body);
      const dryDelete = await c.request(`${CM}/plain?dryRun=All`, { method: 'DELETE' });
      assert.equal(dryDelete.status, 200);
      assert.equal(c.store.revision, revision);
      assert.equal(c.store.get('ConfigMap/default/dry'), undefined);
      assert.ok(c.store.get('ConfigMap/default/plain'));
      const generated = await c.request(CM, { method: 'POST', body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { generateName: 'gen-' } }) });
      assert.match(String((generated.json().metadata as { name: string }).name), /^gen-[a-z0-9]{5}$/);
    });

    await t.test('concurrent creates: each request gets its own answer (201, 409 for the duplicate, 422 for the invalid one)', async () => {
      const revision = c.store.revision;
      const bodies = [cm('batch-a'), cm('batch-b'), cm('batch-a'), JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'batch-bad' }, spec: { ports: [{ port: 0 }] } })];
      const paths = [CM, CM, CM, '/api/v1/namespaces/default/services'];
      const results = await Promise.all(bodies.map((body, i) => c.request(paths[i], { method: 'POST', body })));
      const codes = results.map((r) => r.status);
      assert.deepEqual([...codes].sort(), [201, 201, 409, 422]);
      assert.equal(status(results[3]).reason, 'Invalid');
      assert.ok(c.store.get('ConfigMap/default/batch-a') && c.store.get('ConfigMap/default/batch-b'));
      assert.equal(c.store.get('Service/default/batch-bad'), undefined);
      assert.ok(c.store.revision > revision);
    });

    await t.test('update with a stale resourceVersion is 409 Conflict; with the current one it succeeds', async () => {
      const obj = (await c.request(`${CM}/plain`)).json() as { metadata: { resourceVersion: string }; data: Record<string, string> };
      const stale = obj.metadata.resourceVersion;
      obj.data = { k: 'v2' };
      const ok = await c.request(`${CM}/plain`, { method: 'PUT', body: JSON.stringify(obj) });
      assert.equal(ok.status, 200, ok.body);
      obj.data = { k: 'v3' };
      obj.metadata.resourceVersion = stale;
      await expectStatus(c, await c.request(`${CM}/plain`, { method: 'PUT', body: JSON.stringify(obj) }), 409, 'Conflict', /Operation cannot be fulfilled on configmaps "plain": the object has been modified/);
      assert.equal((c.store.get('ConfigMap/default/plain') as unknown as { data: Record<string, string> }).data.k, 'v2');
    });

    await t.test('patches: merge, JSON (a failing test op is 422), strategic (keyed list merge)', async () => {
      const merge = await c.request(`${CM}/plain`, { method: 'PATCH', contentType: 'application/merge-patch+json', body: '{"data":{"extra":"1","k":null}}' });
      assert.equal(merge.status, 200, merge.body);
      assert.deepEqual((merge.json() as { data: unknown }).data, { extra: '1' });
      const revision = c.store.revision;
      const failing = await c.request(`${CM}/plain`, { method: 'PATCH', contentType: 'application/json-patch+json', body: '[{"op":"test","path":"/data/extra","value":"2"},{"op":"remove","path":"/data"}]' });
      await expectStatus(c, failing, 422, 'Invalid');
      assert.equal(c.store.revision, revision);
      const deploy = {
        apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'two' },
        spec: { replicas: 0, selector: { matchLabels: { app: 'two' } }, template: { metadata: { labels: { app: 'two' } }, spec: { containers: [{ name: 'a', image: 'a:1' }, { name: 'b', image: 'b:1' }] } } },
      };
      assert.equal((await c.request('/apis/apps/v1/namespaces/default/deployments', { method: 'POST', body: JSON.stringify(deploy) })).status, 201);
      const smp = await c.request('/apis/apps/v1/namespaces/default/deployments/two', {
        method: 'PATCH',
        contentType: 'application/strategic-merge-patch+json',
        body: JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'b', image: 'b:2' }] } } } }),
      });
      assert.equal(smp.status, 200, smp.body);
      const containers = (smp.json() as { spec: { template: { spec: { containers: { name: string; image: string }[] } } } }).spec.template.spec.containers;
      assert.deepEqual(containers.map((x) => [x.name, x.image]), [['a', 'a:1'], ['b', 'b:2']]);
      await expectStatus(c, await c.request(`${CM}/plain`, { method: 'PATCH', contentType: 'application/apply-patch+yaml', body: 'apiVersion: v1\nkind: ConfigMap\n' }), 400, 'BadRequest', /requires fieldManager/);
    });

    await t.test('50 parallel writers updating one object: no lost update, only 200s and 409s', async () => {
      const name = 'counter';
      assert.equal((await c.request(CM, { method: 'POST', body: cm(name, { n: '0' }) })).status, 201);
      const writers = 50;
      const incrementsEach = 3;
      const codes = new Map<number, number>();
      const writer = async (): Promise<void> => {
        for (let done = 0; done < incrementsEach; ) {
          const cur = (await c.request(`${CM}/${name}`)).json() as { metadata: { resourceVersion: string }; data: { n: string } };
          cur.data.n = String(Number(cur.data.n) + 1);
          const r = await c.request(`${CM}/${name}`, { method: 'PUT', body: JSON.stringify(cur) });
          codes.set(r.status, (codes.get(r.status) ?? 0) + 1);
          if (r.status === 200) done++;
          else assert.equal(status(r).reason, 'Conflict');
        }
      };
      await Promise.all(Array.from({ length: writers }, writer));
      const final = (c.store.get(`ConfigMap/default/${name}`) as unknown as { data: { n: string } }).data.n;
      assert.equal(final, String(writers * incrementsEach));
      assert.deepEqual([...codes.keys()].sort(), codes.has(409) ? [200, 409] : [200]);
      assert.equal(codes.get(200), writers * incrementsEach);
    });

    await t.test('watch: from a resourceVersion replays later events; too old is an ERROR event with 410 Expired', async () => {
      const from = c.store.revision;
      await c.request(CM, { method: 'POST', body: cm('w1') });
      await c.request(`${CM}/w1`, { method: 'DELETE' });
      const r = await c.request(`${CM}?watch=true&resourceVersion=${from}&timeoutSeconds=1`);
      const events = r.body.trim().split('\n').map((l) => JSON.parse(l) as { type: string; object: { metadata: { name: string } } });
      assert.deepEqual(events.map((e) => [e.type, e.object.metadata.name]), [['ADDED', 'w1'], ['DELETED', 'w1']]);
      // The store keeps the last 10,000 events: one commit of 10,001 objects pushes `before` out.
      const before = c.store.revision;
      await c.request(CM, { method: 'POST', body: cm('w2') });
      c.store.commit({ puts: Array.from({ length: 10_001 }, (_, i) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `bulk-${i}`, namespace: 'bulk' } })) });
      const old = await c.request(`${CM}?watch=true&resourceVersion=${before}&timeoutSeconds=1`);
      const err = JSON.parse(old.body.trim()) as { type: string; object: { code: number; reason: string } };
      assert.equal(err.type, 'ERROR');
      assert.equal(err.object.code, 410);
      assert.equal(err.object.reason, 'Expired');
      await expectStatus(c, await c.request(`${CM}?watch=true&resourceVersion=-5`), 400, 'BadRequest', /invalid resource version/);
    });

    await t.test('watch with bookmarks and selectors: the initial list ends with the initial-events-end bookmark', async () => {
      const r = await c.request(`${CM}?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&fieldSelector=metadata.name%3Dplain&timeoutSeconds=1`);
      const events = r.body.trim().split('\n').map((l) => JSON.parse(l) as { type: string; object: { metadata: { name?: string; annotations?: Record<string, string> } } });
      assert.equal(events[0].type, 'ADDED');
      assert.equal(events[0].object.metadata.name, 'plain');
      assert.equal(events[1].type, 'BOOKMARK');
      assert.equal(events[1].object.metadata.annotations?.['k8s.io/initial-events-end'], 'true');
      assert.ok(events.slice(1).every((e) => e.type === 'BOOKMARK'));
    });

    await t.test('list: limit/continue pages through all items; label selectors filter', async () => {
      for (const n of ['p1', 'p2', 'p3']) await c.request(CM, { method: 'POST', body: cm(n, {}, { metadata: { name: n, labels: { page: 'yes' } } }) });
      const seen: string[] = [];
      let token = '';
      for (let i = 0; i < 5; i++) {
        const r = (await c.request(`${CM}?labelSelector=page%3Dyes&limit=2${token ? `&continue=${token}` : ''}`)).json() as { items: { metadata: { name: string } }[]; metadata: { continue?: string } };
        seen.push(...r.items.map((x) => x.metadata.name));
        if (!r.metadata.continue) break;
        token = r.metadata.continue;
      }
      assert.deepEqual(seen, ['p1', 'p2', 'p3']);
    });

    await t.test('Table responses carry kubectl columns; wide columns have priority 1', async () => {
      const r = await c.request('/api/v1/namespaces/kube-system/services', { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' });
      const table = r.json() as { kind: string; columnDefinitions: { name: string; priority: number }[]; rows: { cells: unknown[]; object: { kind: string } }[] };
      assert.equal(table.kind, 'Table');
      assert.deepEqual(table.columnDefinitions.map((d) => [d.name, d.priority]), [['Name', 0], ['Type', 0], ['Cluster-IP', 0], ['External-IP', 0], ['Port(s)', 0], ['Age', 0], ['Selector', 1]]);
      assert.equal(table.rows[0].cells[0], 'kube-dns');
      assert.equal(table.rows[0].object.kind, 'PartialObjectMetadata');
    });

    await t.test('deleting a protected namespace is 403 Forbidden', async () => {
      await expectStatus(c, await c.request('/api/v1/namespaces/default', { method: 'DELETE' }), 403, 'Forbidden', /this namespace may not be deleted/);
    });
  } finally {
    await c.close();
  }
});
