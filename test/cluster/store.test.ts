import assert from 'node:assert/strict';
import { mkdtempSync, appendFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { KObject } from '../../src/api/types.ts';
import { FileBackend } from '../../src/cluster/file-backend.ts';
import { ConflictError, ExpiredError, Store, type WatchEvent } from '../../src/cluster/store.ts';

const fixedNow = () => new Date('2026-01-02T03:04:05.678Z');
const cm = (name: string, data: Record<string, string> = {}): KObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data });

describe('Store', () => {
  test('a commit is one revision: every object in it gets that resourceVersion', () => {
    const store = new Store({ now: fixedNow });
    store.commit({ puts: [cm('a'), cm('b')] });
    assert.equal(store.revision, 1);
    for (const k of ['ConfigMap/default/a', 'ConfigMap/default/b']) {
      const o = store.get(k)!;
      assert.equal(o.metadata.resourceVersion, '1');
      assert.equal(o.metadata.generation, 1);
      assert.equal(o.metadata.creationTimestamp, '2026-01-02T03:04:05Z');
      assert.match(o.metadata.uid!, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    }
  });

  test('unchanged objects are not rewritten and produce no event', () => {
    const store = new Store();
    store.commit({ puts: [cm('a', { x: '1' })] });
    const events = store.commit({ puts: [cm('a', { x: '1' })] });
    assert.deepEqual(events, []);
    assert.equal(store.revision, 1);
  });

  test('updates keep uid and creationTimestamp; generation moves only with spec', () => {
    let t = 0;
    const store = new Store({ now: () => new Date(Date.UTC(2026, 0, 1, 0, 0, t++)) });
    const svc = (port: number, label: string): KObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'default', labels: { l: label } }, spec: { ports: [{ port }] } });
    store.commit({ puts: [svc(80, 'a')] });
    const first = store.get('Service/default/s')!;
    store.commit({ puts: [svc(80, 'b')] });
    assert.equal(store.get('Service/default/s')!.metadata.generation, 1, 'label change keeps generation');
    store.commit({ puts: [svc(81, 'b')] });
    const last = store.get('Service/default/s')!;
    assert.equal(last.metadata.generation, 2);
    assert.equal(last.metadata.uid, first.metadata.uid);
    assert.equal(last.metadata.creationTimestamp, first.metadata.creationTimestamp);
    assert.equal(last.metadata.resourceVersion, '3');
  });

  test('a put with another uid under the same name is a new incarnation: DELETED then ADDED', () => {
    const store = new Store();
    store.commit({ puts: [{ ...cm('a'), metadata: { name: 'a', namespace: 'default', uid: 'u-1' } }] });
    const events = store.commit({ puts: [{ ...cm('a'), metadata: { name: 'a', namespace: 'default', uid: 'u-2' } }] });
    assert.deepEqual(events.map((e) => [e.type, e.object.metadata.uid]), [['DELETED', 'u-1'], ['ADDED', 'u-2']]);
    assert.equal(store.get('ConfigMap/default/a')!.metadata.generation, 1);
  });

  test('a stale resourceVersion precondition aborts the whole commit (409)', () => {
    const store = new Store();
    store.commit({ puts: [cm('a')] });
    assert.throws(() => store.commit({ puts: [cm('a', { x: '2' }), cm('b')], preconditions: { 'ConfigMap/default/a': '0' } }), ConflictError);
    assert.equal(store.get('ConfigMap/default/b'), undefined);
    assert.equal(store.revision, 1);
  });

  test('watch replays events after the given revision, then streams; too old is 410', () => {
    const store = new Store();
    store.commit({ puts: [cm('a')] });
    store.commit({ puts: [cm('b')] });
    const seen: [string, string, number][] = [];
    const stop = store.watch(1, (e: WatchEvent, rev) => seen.push([e.type, e.object.metadata.name, rev]));
    store.commit({ deletes: ['ConfigMap/default/a'] });
    stop();
    store.commit({ puts: [cm('c')] });
    assert.deepEqual(seen, [['ADDED', 'b', 2], ['DELETED', 'a', 3]]);
    assert.throws(() => store.watch(-5, () => {}), ExpiredError);
  });
});

describe('FileBackend', () => {
  const withDir = (fn: (dir: string) => void) => {
    const dir = mkdtempSync(join(tmpdir(), 'podnet-store-'));
    try {
      fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  test('state survives a restart with the same revisions', () => withDir((dir) => {
    const a = new Store({ backend: new FileBackend(dir) });
    a.commit({ puts: [cm('a')] });
    a.commit({ puts: [cm('b')], deletes: ['ConfigMap/default/a'] });
    const b = new Store({ backend: new FileBackend(dir) });
    assert.equal(b.revision, 2);
    assert.deepEqual(b.list().map((o) => [o.metadata.name, o.metadata.resourceVersion]), [['b', '2']]);
  }));

  test('a torn final write (killed mid-commit) leaves the previous state intact', () => withDir((dir) => {
    const a = new Store({ backend: new FileBackend(dir) });
    a.commit({ puts: [cm('a')] });
    const full = readFileSync(join(dir, 'log.jsonl'), 'utf8');
    appendFileSync(join(dir, 'log.jsonl'), full.slice(0, Math.floor(full.length / 2)).replace('"revision":1', '"revision":2'));
    const b = new Store({ backend: new FileBackend(dir) });
    assert.equal(b.revision, 1);
    assert.deepEqual(b.list().map((o) => o.metadata.name), ['a']);
  }));

  test('reset forgets everything', () => withDir((dir) => {
    const a = new Store({ backend: new FileBackend(dir) });
    a.commit({ puts: [cm('a')] });
    a.reset();
    assert.equal(new Store({ backend: new FileBackend(dir) }).list().length, 0);
  }));
});
