/**
 * The cluster source of the kube-system components (DNS servers, ingress proxies, the nodes'
 * resolver): a snapshot-only source never changes; a followed store is read afresh on load, and a
 * commit by another process — including one made while the component was still starting, between
 * its first load and its watch — is reported, so the component serves the store's current state.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Ingress, KObject, Service } from '../../src/api/types.ts';
import { defaultClusterConfig } from '../../src/cluster/config.ts';
import { FileBackend } from '../../src/cluster/file-backend.ts';
import { Store } from '../../src/cluster/store.ts';
import { ClusterView } from '../../src/cluster/view.ts';
import { ClusterSource, writeClusterSnapshot } from '../../src/dataplane/kube-system/index.ts';

const service = (name: string, ip: string): Service => ({
  apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' },
  spec: { clusterIP: ip, clusterIPs: [ip], ports: [{ port: 80, protocol: 'TCP' }] },
});

function withDir(fn: (dir: string) => void | Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'podnet-kssrc-'));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

const until = async (ok: () => boolean, ms = 3000): Promise<boolean> => {
  const deadline = Date.now() + ms;
  while (!ok() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  return ok();
};

test('a followed store: a commit made between the first load and watch() is reported at once', withDir(async (dir) => {
  const config = defaultClusterConfig();
  const state = join(dir, 'state');
  new Store({ backend: new FileBackend(state) }).commit({ puts: [service('first', '10.96.0.50')], config });
  const file = join(dir, 'cluster.json');
  writeClusterSnapshot(file, new ClusterView([], config), state);
  const source = new ClusterSource(file);
  try {
    assert.equal(source.following, state);
    assert.ok(source.load().service('default', 'first'));
    // Another process applies while the component is still binding its sockets.
    new Store({ backend: new FileBackend(state) }).commit({ puts: [service('late', '10.96.0.51')] });
    let changes = 0;
    source.watch(() => changes++);
    assert.equal(changes, 1, 'the change made before watch() is not lost');
    assert.equal(source.load().service('default', 'late')?.spec.clusterIP, '10.96.0.51');
    new Store({ backend: new FileBackend(state) }).commit({ puts: [service('later', '10.96.0.52')] });
    assert.ok(await until(() => changes === 2), 'a later commit is reported by the poll');
  } finally {
    source.stop();
  }
}));

test('a snapshot-only source (-f cluster) serves the snapshot and never reports a change', withDir((dir) => {
  const config = defaultClusterConfig();
  const file = join(dir, 'cluster.json');
  writeClusterSnapshot(file, new ClusterView([service('web', '10.96.0.60')], config));
  const source = new ClusterSource(file);
  let changes = 0;
  source.watch(() => changes++);
  assert.equal(source.following, undefined);
  assert.equal(source.load().service('default', 'web')?.spec.clusterIP, '10.96.0.60');
  assert.equal(changes, 0);
  source.stop();
}));

test('a snapshot holds the Secrets Ingress tls entries name (the controller\'s certificates), not other Secrets', withDir((dir) => {
  const config = defaultClusterConfig();
  const secret = (name: string): KObject => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'web' }, type: 'kubernetes.io/tls', data: { 'tls.crt': 'Y2VydA==', 'tls.key': 'a2V5' } } as KObject);
  const ing: Ingress = {
    apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'i', namespace: 'web' },
    spec: { tls: [{ hosts: ['a.example'], secretName: 'a-tls' }, { hosts: ['b.example'], secretName: 'missing-tls' }] },
  };
  const file = join(dir, 'cluster.json');
  writeClusterSnapshot(file, new ClusterView([ing, secret('a-tls'), secret('unrelated')], config));
  const view = new ClusterSource(file).load();
  assert.ok(view.get('Secret', 'web', 'a-tls'));
  assert.equal(view.get('Secret', 'web', 'unrelated'), undefined);
}));
