/**
 * @kubernetes/client-node 1.4 against the server: typed CRUD, the generic KubernetesObjectApi with
 * server-side apply, 409 on stale updates (ApiException code), and an informer fed by list + watch.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiException, AppsV1Api, CoreV1Api, KubeConfig, KubernetesObjectApi, PatchStrategy, makeInformer, type V1ConfigMap } from '@kubernetes/client-node';
import { startCluster } from './harness.ts';

test('@kubernetes/client-node 1.4 against podnet serve', async (t) => {
  const c = await startCluster();
  try {
    const kc = new KubeConfig();
    kc.loadFromFile(c.kubeconfig);
    const core = kc.makeApiClient(CoreV1Api);

    await t.test('list namespaces and nodes created by the system defaults', async () => {
      const ns = await core.listNamespace();
      assert.deepEqual(ns.items.map((n) => n.metadata?.name).sort(), ['default', 'kube-node-lease', 'kube-public', 'kube-system']);
      const nodes = await core.listNode();
      assert.ok(nodes.items.length >= 1);
      assert.match(String(nodes.metadata?.resourceVersion), /^\d+$/);
    });

    await t.test('create / read / replace; a stale replace throws ApiException 409', async () => {
      const body: V1ConfigMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cn' }, data: { a: '1' } };
      const created = await core.createNamespacedConfigMap({ namespace: 'default', body });
      assert.equal(created.data?.a, '1');
      const read = await core.readNamespacedConfigMap({ name: 'cn', namespace: 'default' });
      read.data = { a: '2' };
      await core.replaceNamespacedConfigMap({ name: 'cn', namespace: 'default', body: read });
      read.data = { a: '3' }; // still carries the old resourceVersion
      await assert.rejects(core.replaceNamespacedConfigMap({ name: 'cn', namespace: 'default', body: read }), (err: unknown) => err instanceof ApiException && err.code === 409);
      assert.equal((await core.readNamespacedConfigMap({ name: 'cn', namespace: 'default' })).data?.a, '2');
      await assert.rejects(core.readNamespacedConfigMap({ name: 'absent', namespace: 'default' }), (err: unknown) => err instanceof ApiException && err.code === 404);
    });

    await t.test('KubernetesObjectApi: server-side apply creates a Deployment; pods follow', async () => {
      const objects = KubernetesObjectApi.makeApiClient(kc);
      const deploy = {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'api', namespace: 'default' },
        spec: {
          replicas: 3,
          selector: { matchLabels: { app: 'api' } },
          template: { metadata: { labels: { app: 'api' } }, spec: { containers: [{ name: 'api', image: 'api:1' }] } },
        },
      };
      await objects.patch(deploy, undefined, undefined, 'client-node', true, PatchStrategy.ServerSideApply);
      const apps = kc.makeApiClient(AppsV1Api);
      const got = await apps.readNamespacedDeployment({ name: 'api', namespace: 'default' });
      assert.equal(got.spec?.replicas, 3);
      assert.deepEqual(got.metadata?.managedFields?.map((m) => [m.manager, m.operation]), [['client-node', 'Apply']]);
      const pods = await core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=api' });
      assert.equal(pods.items.length, 3);
    });

    await t.test('an informer sees adds, updates and deletes through list + watch', async () => {
      const informer = makeInformer(kc, '/api/v1/namespaces/default/configmaps', () => core.listNamespacedConfigMap({ namespace: 'default' }));
      const seen: string[] = [];
      const done = new Promise<void>((resolve) => {
        informer.on('add', (o) => seen.push(`add ${o.metadata?.name}`));
        informer.on('update', (o) => seen.push(`update ${o.metadata?.name}`));
        informer.on('delete', (o) => {
          seen.push(`delete ${o.metadata?.name}`);
          if (o.metadata?.name === 'inf') resolve();
        });
      });
      await informer.start();
      try {
        await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'inf' }, data: { x: '1' } } });
        // client-node sends application/json-patch+json unless told otherwise
        await core.patchNamespacedConfigMap({ name: 'inf', namespace: 'default', body: [{ op: 'replace', path: '/data/x', value: '2' }] });
        await core.deleteNamespacedConfigMap({ name: 'inf', namespace: 'default' });
        await Promise.race([done, new Promise((_, reject) => setTimeout(() => reject(new Error(`informer saw only: ${seen.join(', ')}`)), 5000))]);
      } finally {
        await informer.stop();
      }
      assert.ok(seen.includes('add cn'), seen.join(', '));
      const ours = seen.filter((s) => s.endsWith(' inf'));
      assert.deepEqual(ours, ['add inf', 'update inf', 'delete inf']);
    });
  } finally {
    await c.close();
  }
});
