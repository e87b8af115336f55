/**
 * The real kubectl v1.35 on the everyday workload and Service commands: rollout status / restart /
 * history / undo, set image, scale, expose, annotate, patch, events, get all, wait, cascading and
 * orphaning deletes — and the commands podnet does not serve (top, auth can-i) failing at once.
 * Expectations follow upstream: the deployment controller's status, conditions and revision
 * annotations (pkg/controller/deployment, deploymentutil), kubectl's rollout status / history viewers
 * (polymorphichelpers), the scale subresource, and the garbage collector's propagation policies.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Deployment, EndpointSlice, KObject, Pod, ReplicaSet, Service } from '../../src/api/types.ts';
import { startCluster, type TestCluster } from './harness.ts';

const WEB = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: c
          image: nginx:1.27
          ports:
            - containerPort: 8080
`;

const REVISION = 'deployment.kubernetes.io/revision';

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

const deployment = (c: TestCluster, name = 'web'): Deployment => c.store.get(`Deployment/default/${name}`) as Deployment;
const replicaSets = (c: TestCluster, owner = 'web'): ReplicaSet[] =>
  c.store.list().filter((o): o is ReplicaSet => o.kind === 'ReplicaSet' && o.metadata.namespace === 'default' && o.metadata.name.startsWith(`${owner}-`));
const podsOf = (c: TestCluster, rs: string): Pod[] =>
  c.store.list().filter((o): o is Pod => o.kind === 'Pod' && o.metadata.ownerReferences?.some((r) => r.kind === 'ReplicaSet' && r.name === rs) === true);
const running = (c: TestCluster, owner = 'web'): ReplicaSet[] => replicaSets(c, owner).filter((rs) => (rs.spec.replicas ?? 1) > 0);
const statusOf = (o: KObject): Record<string, unknown> => (o.status ?? {}) as Record<string, unknown>;

async function ok(c: TestCluster, args: string[]): Promise<string> {
  const r = await c.kubectl(args, { timeoutMs: 20_000 });
  assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

test('kubectl v1.35 workload commands against podnet serve', async (t) => {
  const c = await startCluster();
  try {
    await ok(c, ['apply', '-f', c.file('web.yaml', WEB)]);

    await t.test('deployment status as the deployment controller reports a completed rollout', () => {
      const d = deployment(c);
      const s = statusOf(d);
      assert.equal(s.observedGeneration, d.metadata.generation);
      assert.equal(s.replicas, 2);
      assert.equal(s.updatedReplicas, 2);
      assert.equal(s.availableReplicas, 2);
      const [rs] = running(c);
      // SetDeploymentCondition appends a condition whose reason changed: Available ends up first.
      assert.deepEqual((s.conditions as Condition[]).map((x) => [x.type, x.status, x.reason, x.message]), [
        ['Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.'],
        ['Progressing', 'True', 'NewReplicaSetAvailable', `ReplicaSet "${rs.metadata.name}" has successfully progressed.`],
      ]);
      assert.equal(rs.metadata.annotations?.[REVISION], '1');
      assert.equal(d.metadata.annotations?.[REVISION], '1');
      assert.equal(statusOf(rs).observedGeneration, rs.metadata.generation);
    });

    await t.test('rollout status returns once the rollout is complete; wait --for=condition=Available', async () => {
      assert.equal(await ok(c, ['rollout', 'status', 'deployment/web', '--timeout=10s']), 'deployment "web" successfully rolled out\n');
      assert.equal(await ok(c, ['wait', '--for=condition=Available', 'deployment/web', '--timeout=10s']), 'deployment.apps/web condition met\n');
      assert.equal(await ok(c, ['wait', '--for=condition=Progressing', 'deployment/web', '--timeout=10s']), 'deployment.apps/web condition met\n');
    });

    await t.test('rollout restart: restartedAt in the template, a new ReplicaSet, the old one at 0, new pods with IPs', async () => {
      const [old] = running(c);
      const oldPods = podsOf(c, old.metadata.name).map((p) => p.metadata.name);
      assert.equal(await ok(c, ['rollout', 'restart', 'deployment/web']), 'deployment.apps/web restarted\n');
      const d = deployment(c);
      assert.match(d.spec.template.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt'] ?? '', /^\d{4}-\d\d-\d\dT/);
      const [now] = running(c);
      assert.notEqual(now.metadata.name, old.metadata.name);
      assert.equal(replicaSets(c).find((rs) => rs.metadata.name === old.metadata.name)?.spec.replicas, 0);
      assert.equal(now.metadata.annotations?.[REVISION], '2');
      assert.equal(d.metadata.annotations?.[REVISION], '2');
      const pods = podsOf(c, now.metadata.name);
      assert.equal(pods.length, 2);
      assert.equal(podsOf(c, old.metadata.name).length, 0);
      for (const p of pods) {
        assert.ok(!oldPods.includes(p.metadata.name));
        assert.match(p.status?.podIP ?? '', /^10\.244\./);
      }
      assert.equal(await ok(c, ['rollout', 'status', 'deployment/web', '--timeout=10s']), 'deployment "web" successfully rolled out\n');
      assert.equal(statusOf(deployment(c)).observedGeneration, deployment(c).metadata.generation);
    });

    await t.test('set image and change-cause; rollout history lists revisions; undo goes back to the earlier ReplicaSet', async () => {
      assert.equal(await ok(c, ['set', 'image', 'deployment/web', 'c=nginx:2']), 'deployment.apps/web image updated\n');
      // The deployment controller copies the Deployment's annotations to its new ReplicaSet.
      await ok(c, ['annotate', 'deployment/web', 'kubernetes.io/change-cause=image nginx:2']);
      const [v3] = running(c);
      assert.equal(v3.spec.template.spec.containers[0].image, 'nginx:2');
      assert.equal(v3.metadata.annotations?.[REVISION], '3');
      assert.equal(v3.metadata.annotations?.['kubernetes.io/change-cause'], 'image nginx:2');
      assert.equal(await ok(c, ['rollout', 'status', 'deployment/web', '--timeout=10s']), 'deployment "web" successfully rolled out\n');

      const history = await ok(c, ['rollout', 'history', 'deployment/web']);
      assert.match(history, /^REVISION\s+CHANGE-CAUSE$/m);
      assert.match(history, /^1\s+<none>$/m);
      assert.match(history, /^2\s+<none>$/m);
      assert.match(history, /^3\s+image nginx:2$/m);
      assert.match(await ok(c, ['rollout', 'history', 'deployment/web', '--revision=3']), /Image:\s+nginx:2/);

      const restarted = replicaSets(c).find((rs) => rs.metadata.annotations?.[REVISION] === '2')!;
      assert.equal(await ok(c, ['rollout', 'undo', 'deployment/web']), 'deployment.apps/web rolled back\n');
      // The ReplicaSet of revision 2 runs again (not a new one), renumbered 4 with its old number kept.
      const [back] = running(c);
      assert.equal(back.metadata.name, restarted.metadata.name);
      assert.equal(back.metadata.annotations?.[REVISION], '4');
      assert.equal(back.metadata.annotations?.['deployment.kubernetes.io/revision-history'], '2');
      assert.equal(deployment(c).metadata.annotations?.[REVISION], '4');
      assert.equal(deployment(c).spec.template.spec.containers[0].image, 'nginx:1.27');
      assert.equal(replicaSets(c).length, 3);
      const after = await ok(c, ['rollout', 'history', 'deployment/web']);
      assert.match(after, /^1\s+/m);
      assert.match(after, /^3\s+/m);
      assert.match(after, /^4\s+/m);
      assert.doesNotMatch(after, /^2\s+/m);
      assert.equal(await ok(c, ['rollout', 'undo', 'deployment/web', '--to-revision=3']), 'deployment.apps/web rolled back\n');
      assert.equal(running(c)[0].metadata.name, v3.metadata.name);
      assert.equal(running(c)[0].metadata.annotations?.[REVISION], '5');
    });

    await t.test('scale through the scale subresource', async () => {
      assert.equal(await ok(c, ['scale', 'deployment/web', '--replicas=3']), 'deployment.apps/web scaled\n');
      assert.equal(deployment(c).spec.replicas, 3);
      assert.equal(podsOf(c, running(c)[0].metadata.name).length, 3);
      const scale = JSON.parse(await ok(c, ['get', 'deployment/web', '--subresource=scale', '-o', 'json'])) as { kind: string; spec: { replicas: number }; status: { replicas: number } };
      assert.equal(scale.kind, 'Scale');
      assert.equal(scale.spec.replicas, 3);
      assert.equal(scale.status.replicas, 3);
      assert.equal(await ok(c, ['rollout', 'status', 'deployment/web', '--timeout=10s']), 'deployment "web" successfully rolled out\n');
    });

    await t.test('expose makes a Service with the Deployment\'s selector; its EndpointSlice has the pods on the target port', async () => {
      assert.equal(await ok(c, ['expose', 'deployment', 'web', '--port', '80', '--target-port', '8080']), 'service/web exposed\n');
      const svc = c.store.get('Service/default/web') as Service;
      assert.deepEqual(svc.spec.selector, { app: 'web' });
      assert.equal(svc.spec.ports?.[0].port, 80);
      assert.equal(svc.spec.ports?.[0].targetPort, 8080);
      assert.match(svc.spec.clusterIP ?? '', /^10\.96\./);
      const slice = c.store.list().find((o): o is EndpointSlice => o.kind === 'EndpointSlice' && o.metadata.labels?.['kubernetes.io/service-name'] === 'web')!;
      assert.equal(slice.ports?.[0].port, 8080);
      const podIPs = podsOf(c, running(c)[0].metadata.name).map((p) => p.status?.podIP).sort();
      assert.deepEqual((slice.endpoints ?? []).flatMap((e) => e.addresses).sort(), podIPs);
    });

    await t.test('annotate, and patch as json, merge and strategic patches', async () => {
      assert.equal(await ok(c, ['annotate', 'deployment', 'web', 'team=net']), 'deployment.apps/web annotated\n');
      assert.equal(deployment(c).metadata.annotations?.team, 'net');
      assert.equal(await ok(c, ['patch', 'deployment', 'web', '--type=json', '-p', '[{"op":"replace","path":"/spec/replicas","value":4}]']), 'deployment.apps/web patched\n');
      assert.equal(deployment(c).spec.replicas, 4);
      assert.equal(await ok(c, ['patch', 'deployment', 'web', '--type=merge', '-p', '{"spec":{"replicas":2}}']), 'deployment.apps/web patched\n');
      assert.equal(deployment(c).spec.replicas, 2);
      // Strategic: containers merge by name, so the port stays.
      assert.equal(await ok(c, ['patch', 'deployment', 'web', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"c","image":"nginx:3"}]}}}}']), 'deployment.apps/web patched\n');
      const container = deployment(c).spec.template.spec.containers[0];
      assert.equal(container.image, 'nginx:3');
      assert.equal(container.ports?.[0].containerPort, 8080);
      assert.equal(podsOf(c, running(c)[0].metadata.name)[0].spec.containers[0].image, 'nginx:3');
      assert.equal(await ok(c, ['rollout', 'status', 'deployment/web', '--timeout=10s']), 'deployment "web" successfully rolled out\n');
    });

    await t.test('get events and kubectl events show the scaling', async () => {
      const [rs] = running(c);
      const events = await ok(c, ['get', 'events']);
      assert.match(events, new RegExp(`ScalingReplicaSet\\s+deployment/web\\s+Scaled up replica set ${rs.metadata.name} from 0 to 2`));
      assert.match(events, new RegExp(`SuccessfulCreate\\s+replicaset/${rs.metadata.name}\\s+Created pod: ${rs.metadata.name}-`));
      const cmd = await ok(c, ['events', '--for', 'deployment/web']);
      assert.match(cmd, new RegExp(`ScalingReplicaSet\\s+Deployment/web\\s+Scaled up replica set ${rs.metadata.name} from 0 to 2`));
      assert.doesNotMatch(cmd, /SuccessfulCreate/);
    });

    await t.test('get all lists pods, services, deployments and replicasets', async () => {
      const all = await ok(c, ['get', 'all']);
      const [rs] = running(c);
      assert.match(all, new RegExp(`^pod/${rs.metadata.name}-\\w+\\s+1/1\\s+Running`, 'm'));
      assert.match(all, /^service\/web\s+ClusterIP\s+10\.96\./m);
      assert.match(all, /^deployment\.apps\/web\s+2\/2\s+2\s+2\s/m);
      assert.match(all, new RegExp(`^replicaset\\.apps/${rs.metadata.name}\\s+2\\s+2\\s+2\\s`, 'm'));
    });

    await t.test('rollout pause holds a new template back (scaling still applies); resume rolls it out', async () => {
      const [before] = running(c);
      const image = before.spec.template.spec.containers[0].image;
      const count = replicaSets(c).length;
      assert.equal(await ok(c, ['rollout', 'pause', 'deployment/web']), 'deployment.apps/web paused\n');
      await ok(c, ['set', 'image', 'deployment/web', 'c=nginx:4']);
      assert.equal(replicaSets(c).length, count);
      assert.deepEqual(running(c).map((rs) => rs.metadata.name), [before.metadata.name]);
      assert.equal(podsOf(c, before.metadata.name)[0].spec.containers[0].image, image);
      const progressing = (statusOf(deployment(c)).conditions as Condition[]).find((x) => x.type === 'Progressing');
      assert.deepEqual([progressing?.status, progressing?.reason], ['Unknown', 'DeploymentPaused']);
      await ok(c, ['scale', 'deployment/web', '--replicas=3']);
      assert.equal(podsOf(c, before.metadata.name).length, 3);

      assert.equal(await ok(c, ['rollout', 'resume', 'deployment/web']), 'deployment.apps/web resumed\n');
      const [after] = running(c);
      assert.notEqual(after.metadata.name, before.metadata.name);
      assert.equal(after.spec.template.spec.containers[0].image, 'nginx:4');
      assert.equal(podsOf(c, after.metadata.name).length, 3);
      assert.equal(await ok(c, ['rollout', 'status', 'deployment/web', '--timeout=10s']), 'deployment "web" successfully rolled out\n');
      await ok(c, ['scale', 'deployment/web', '--replicas=2']);
    });

    await t.test('revisionHistoryLimit: only that many old ReplicaSets are kept, the oldest revisions go', async () => {
      await ok(c, ['apply', '-f', c.file('hist.yaml', WEB.replaceAll('web', 'hist').replace('replicas: 2', 'replicas: 1\n  revisionHistoryLimit: 2'))]);
      for (const n of [2, 3, 4, 5]) await ok(c, ['set', 'image', 'deployment/hist', `c=nginx:${n}`]);
      const revisions = replicaSets(c, 'hist').map((rs) => rs.metadata.annotations?.[REVISION]).sort();
      assert.deepEqual(revisions, ['3', '4', '5']);
      assert.equal(c.store.list().filter((o) => o.kind === 'Pod' && o.metadata.name.startsWith('hist-')).length, 1);
      const history = await ok(c, ['rollout', 'history', 'deployment/hist']);
      assert.deepEqual([...history.matchAll(/^(\d+)\s/gm)].map((m) => m[1]), ['3', '4', '5']);
      await ok(c, ['delete', 'deployment', 'hist']);
    });

    await t.test('a rollout whose pods cannot run: rollout status keeps waiting, Available is False, Progressing ReplicaSetUpdated', async () => {
      const stuck = WEB.replaceAll('web', 'stuck').replace('replicas: 2', 'replicas: 1').replace('    spec:\n      containers:', '    spec:\n      nodeSelector: {zone: nowhere}\n      containers:');
      await ok(c, ['apply', '-f', c.file('stuck.yaml', stuck)]);
      const r = await c.kubectl(['rollout', 'status', 'deployment/stuck', '--timeout=2s']);
      assert.equal(r.code, 1);
      assert.equal(r.stdout, 'Waiting for deployment "stuck" rollout to finish: 0 of 1 updated replicas are available...\n');
      assert.match(r.stderr, /timed out waiting for the condition/);
      const [rs] = running(c, 'stuck');
      // One replica: maxUnavailable floor(25%) = 0, so no availability below 1.
      assert.deepEqual((statusOf(deployment(c, 'stuck')).conditions as Condition[]).map((x) => [x.type, x.status, x.reason, x.message]), [
        ['Available', 'False', 'MinimumReplicasUnavailable', 'Deployment does not have minimum availability.'],
        ['Progressing', 'True', 'ReplicaSetUpdated', `ReplicaSet "${rs.metadata.name}" is progressing.`],
      ]);
      assert.equal(await ok(c, ['wait', '--for=condition=Available=false', 'deployment/stuck', '--timeout=10s']), 'deployment.apps/stuck condition met\n');
      await ok(c, ['delete', 'deployment', 'stuck']);
    });

    // No updateStrategy in the manifests: apps/v1 defaulting makes both RollingUpdate, which rollout status
    // needs; the StatefulSet's defaulted rollingUpdate.partition (0) makes kubectl report a partitioned roll out.
    await t.test('StatefulSet and DaemonSet (RollingUpdate by default): rollout restart, then rollout status reports the new revision', async () => {
      const manifest = `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  replicas: 2
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: c, image: pg:1}]}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec: {containers: [{name: c, image: agent:1}]}
`;
      await ok(c, ['apply', '-f', c.file('sts.yaml', manifest)]);
      const revision = (): string => String(statusOf(c.store.get('StatefulSet/default/db')!).updateRevision);
      const first = revision();
      assert.equal(await ok(c, ['rollout', 'status', 'sts/db', '--timeout=10s']), 'partitioned roll out complete: 2 new pods have been updated...\n');
      assert.equal(await ok(c, ['rollout', 'restart', 'sts/db']), 'statefulset.apps/db restarted\n');
      const second = revision();
      assert.notEqual(second, first);
      assert.match(second, /^db-/);
      const sts = statusOf(c.store.get('StatefulSet/default/db')!);
      assert.equal(sts.currentRevision, second);
      assert.equal(sts.observedGeneration, c.store.get('StatefulSet/default/db')!.metadata.generation);
      assert.equal(await ok(c, ['rollout', 'status', 'sts/db', '--timeout=10s']), 'partitioned roll out complete: 2 new pods have been updated...\n');
      assert.equal(await ok(c, ['rollout', 'restart', 'ds/agent']), 'daemonset.apps/agent restarted\n');
      assert.equal(await ok(c, ['rollout', 'status', 'ds/agent', '--timeout=10s']), 'daemon set "agent" successfully rolled out\n');
      await ok(c, ['delete', '-f', c.file('sts.yaml', manifest)]);
    });

    await t.test('diff: the server dry run answers with the live identity, generation + 1 and the live status', async () => {
      const live = deployment(c);
      const revision = c.store.revision;
      const manifest = c.file('web5.yaml', WEB.replace('replicas: 2', 'replicas: 5').replace('nginx:1.27', live.spec.template.spec.containers[0].image ?? 'nginx:1.27'));
      const r = await c.kubectl(['diff', '-f', manifest]);
      assert.equal(r.code, 1, r.stderr); // kubectl diff: 1 = differences found
      const changed = r.stdout.split('\n').filter((l) => /^[-+] /.test(l));
      assert.deepEqual(changed, [
        `-  generation: ${live.metadata.generation}`,
        `+  generation: ${(live.metadata.generation ?? 0) + 1}`,
        '-  replicas: 2',
        '+  replicas: 5',
      ]);
      assert.equal(c.store.revision, revision, 'a dry run commits nothing');
    });

    await t.test('top, auth can-i and create job are not served: they fail at once with a clear message', async () => {
      const started = Date.now();
      const top = await c.kubectl(['top', 'pod'], { timeoutMs: 10_000 });
      assert.equal(top.code, 1);
      assert.match(top.stderr, /Metrics API not available/);
      const can = await c.kubectl(['auth', 'can-i', 'create', 'pods'], { timeoutMs: 10_000 });
      assert.equal(can.code, 1);
      assert.match(can.stderr, /^Error from server \(NotFound\): podnet serves no authorization API/);
      const job = await c.kubectl(['create', 'job', 'once', '--image=busybox'], { timeoutMs: 10_000 });
      assert.equal(job.code, 1);
      assert.match(job.stderr, /^error: failed to create job: podnet serves no batch API/);
      assert.ok(Date.now() - started < 8000);
    });

    await t.test('delete cascades: the ReplicaSets and their pods are garbage-collected', async () => {
      await ok(c, ['create', 'deployment', 'gone', '--image=nginx', '--replicas=2']);
      assert.equal(running(c, 'gone').length, 1);
      assert.equal(await ok(c, ['delete', 'deployment', 'gone']), 'deployment.apps "gone" deleted from default namespace\n');
      assert.equal(replicaSets(c, 'gone').length, 0);
      assert.equal(c.store.list().filter((o) => o.kind === 'Pod' && o.metadata.name.startsWith('gone-')).length, 0);
    });

    await t.test('delete --cascade=orphan keeps the ReplicaSets, without the owner reference, and their pods', async () => {
      const sets = replicaSets(c).map((rs) => rs.metadata.name).sort();
      const [rs] = running(c);
      const pods = podsOf(c, rs.metadata.name).map((p) => p.metadata.name).sort();
      assert.equal(await ok(c, ['delete', 'deployment', 'web', '--cascade=orphan']), 'deployment.apps "web" deleted from default namespace\n');
      assert.equal(c.store.get('Deployment/default/web'), undefined);
      assert.deepEqual(replicaSets(c).map((x) => x.metadata.name).sort(), sets);
      for (const x of replicaSets(c)) assert.equal(x.metadata.ownerReferences, undefined);
      // The pods keep their own owner, the ReplicaSet.
      assert.deepEqual(podsOf(c, rs.metadata.name).map((p) => p.metadata.name).sort(), pods);
      const list = await ok(c, ['get', 'rs', '--no-headers']);
      assert.match(list, new RegExp(`^${rs.metadata.name}\\s+2\\s+2\\s+2\\s`, 'm'));
    });
  } finally {
    await c.close();
  }
});
