/**
 * The real kubectl v1.35 against the API server: what a user types, and what upstream kubectl prints
 * for it against a real cluster (create → "created", repeat → "unchanged", SSA → "serverside-applied",
 * label → "labeled", 1.35's "deleted from <ns> namespace"), with the server's state checked directly.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { startCluster, type TestCluster } from './harness.ts';

const APP = `apiVersion: v1
kind: Namespace
metadata:
  name: shop
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
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
        - name: nginx
          image: nginx:1.27
          ports:
            - containerPort: 80
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
spec:
  selector: {app: web}
  ports:
    - port: 80
      targetPort: 80
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: shop
data:
  color: blue
`;

const rv = (c: TestCluster, key: string): string | undefined => c.store.get(key)?.metadata.resourceVersion;

test('kubectl v1.35 against podnet serve', async (t) => {
  const c = await startCluster();
  try {
    await t.test('discovery: api-resources lists the kinds with short names', async () => {
      const r = await c.kubectl(['api-resources', '--no-headers']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^pods\s+po\s+v1\s+true\s+Pod$/m);
      assert.match(r.stdout, /^networkpolicies\s+netpol\s+networking\.k8s\.io\/v1\s+true\s+NetworkPolicy$/m);
      assert.match(r.stdout, /^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment$/m);
    });

    await t.test('client-side apply creates; the second apply is "unchanged" and writes nothing', async () => {
      const f = c.file('app.yaml', APP);
      const first = await c.kubectl(['apply', '-f', f]);
      assert.equal(first.code, 0, first.stderr);
      assert.equal(first.stdout, 'namespace/shop created\ndeployment.apps/web created\nservice/web created\nconfigmap/settings created\n');
      const revision = c.store.revision;
      const second = await c.kubectl(['apply', '-f', f]);
      assert.equal(second.code, 0, second.stderr);
      assert.equal(second.stdout, 'namespace/shop unchanged\ndeployment.apps/web unchanged\nservice/web unchanged\nconfigmap/settings unchanged\n');
      assert.equal(c.store.revision, revision, 'a no-op apply must not commit');
    });

    await t.test('controllers run behind the API: the Deployment has pods with IPs on nodes (-o wide)', async () => {
      const r = await c.kubectl(['get', 'pods', '-n', 'shop', '-o', 'wide']);
      assert.equal(r.code, 0, r.stderr);
      const [header, ...rows] = r.stdout.trimEnd().split('\n');
      assert.match(header, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES$/);
      assert.equal(rows.length, 2);
      for (const row of rows) assert.match(row, /^web-\S+\s+\S+\s+\S+\s+\d+\s+\S+\s+10\.244\.\d+\.\d+\s+node-\d+\s+<none>\s+<none>$/);
      const narrow = await c.kubectl(['get', 'pods', '-n', 'shop']);
      assert.match(narrow.stdout.split('\n')[0], /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/);
    });

    await t.test('get -o json / -o yaml return the stored object; -A adds the NAMESPACE column', async () => {
      const j = await c.kubectl(['get', 'svc', 'web', '-n', 'shop', '-o', 'json']);
      assert.equal(j.code, 0, j.stderr);
      const svc = JSON.parse(j.stdout) as { kind: string; metadata: { resourceVersion: string; uid: string }; spec: { clusterIP: string } };
      assert.equal(svc.kind, 'Service');
      assert.equal(svc.metadata.resourceVersion, rv(c, 'Service/shop/web'));
      assert.match(svc.spec.clusterIP, /^10\.(9[6-9]|1[01][0-9])\.\d+\.\d+$/);
      const y = await c.kubectl(['get', 'configmap', 'settings', '-n', 'shop', '-o', 'yaml']);
      assert.match(y.stdout, /^kind: ConfigMap$/m);
      assert.match(y.stdout, /^ {2}color: blue$/m);
      const all = await c.kubectl(['get', 'svc', '-A']);
      assert.match(all.stdout.split('\n')[0], /^NAMESPACE\s+NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE$/);
      assert.match(all.stdout, /^shop\s+web\s+ClusterIP\s+10\.\S+\s+<none>\s+80\/TCP\s+/m);
      assert.match(all.stdout, /^default\s+kubernetes\s+ClusterIP\s+10\.96\.0\.1\s+/m);
    });

    await t.test('server-side apply: created, then re-applied without a write; fields owned by the manager', async () => {
      const f = c.file('ssa.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\n  namespace: shop\ndata:\n  a: "1"\n');
      const first = await c.kubectl(['apply', '--server-side', '-f', f]);
      assert.equal(first.code, 0, first.stderr);
      assert.equal(first.stdout, 'configmap/ssa serverside-applied\n');
      const before = rv(c, 'ConfigMap/shop/ssa');
      const second = await c.kubectl(['apply', '--server-side', '-f', f]);
      assert.equal(second.code, 0, second.stderr);
      assert.equal(rv(c, 'ConfigMap/shop/ssa'), before, 'a no-op server-side apply must not commit');
      const got = await c.kubectl(['get', 'cm', 'ssa', '-n', 'shop', '-o', 'json', '--show-managed-fields']);
      const managed = (JSON.parse(got.stdout) as { metadata: { managedFields: { manager: string; operation: string; fieldsV1: unknown }[] } }).metadata.managedFields;
      assert.deepEqual(managed.map((m) => [m.manager, m.operation]), [['kubectl', 'Apply']]);
      assert.deepEqual(managed[0].fieldsV1, { 'f:data': { 'f:a': {} } });
    });

    await t.test('server-side apply of a field another manager owns is a conflict; --force-conflicts takes it', async () => {
      const f = c.file('ssa-conflict.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: shop\ndata:\n  color: red\n');
      const r = await c.kubectl(['apply', '--server-side', '--field-manager', 'other', '-f', f]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using v1: \.data\.color/);
      assert.equal((c.store.get('ConfigMap/shop/settings') as unknown as { data: Record<string, string> }).data.color, 'blue');
      const forced = await c.kubectl(['apply', '--server-side', '--field-manager', 'other', '--force-conflicts', '-f', f]);
      assert.equal(forced.code, 0, forced.stderr);
      assert.equal((c.store.get('ConfigMap/shop/settings') as unknown as { data: Record<string, string> }).data.color, 'red');
    });

    await t.test('label patches the object (merge patch, fieldManager kubectl-label)', async () => {
      const r = await c.kubectl(['label', 'svc', 'web', '-n', 'shop', 'tier=front']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'service/web labeled\n');
      assert.equal(c.store.get('Service/shop/web')?.metadata.labels?.tier, 'front');
      const shown = await c.kubectl(['get', 'svc', 'web', '-n', 'shop', '--show-labels', '--no-headers']);
      assert.match(shown.stdout, /tier=front$/m);
    });

    await t.test('get -w streams changes until the request timeout', async () => {
      const watching = c.kubectl(['get', 'configmaps', '-n', 'shop', '-w', '--request-timeout=3s']);
      await new Promise((r) => setTimeout(r, 1000));
      const created = await c.kubectl(['create', '-f', '-'], { stdin: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: watched\n  namespace: shop\ndata: {x: "1", y: "2"}\n' });
      assert.equal(created.code, 0, created.stderr);
      const w = await watching;
      const lines = w.stdout.trimEnd().split('\n');
      assert.match(lines[0], /^NAME\s+DATA\s+AGE$/);
      assert.ok(lines.some((l) => /^settings\s+1\s+/.test(l)), w.stdout);
      assert.ok(lines.some((l) => /^watched\s+2\s+/.test(l)), `the watch did not show the new object:\n${w.stdout}${w.stderr}`);
    });

    await t.test('describe shows kubectl\'s layout and the controllers\' events', async () => {
      const d = await c.kubectl(['describe', 'deployment', 'web', '-n', 'shop']);
      assert.equal(d.code, 0, d.stderr);
      assert.match(d.stdout, /^Name:\s+web$/m);
      assert.match(d.stdout, /^Namespace:\s+shop$/m);
      assert.match(d.stdout, /Normal\s+ScalingReplicaSet\s+\S+\s+deployment-controller\s+Scaled up replica set web-\S+ from 0 to 2/);
      const pods = await c.kubectl(['get', 'pods', '-n', 'shop', '-o', 'name']);
      const pod = pods.stdout.split('\n')[0];
      const p = await c.kubectl(['describe', '-n', 'shop', pod]);
      assert.equal(p.code, 0, p.stderr);
      assert.match(p.stdout, /Normal\s+Scheduled\s+\S+\s+default-scheduler\s+Successfully assigned shop\/web-\S+ to node-\d/);
      const svc = await c.kubectl(['describe', 'svc', 'web', '-n', 'shop']);
      assert.match(svc.stdout, /^Type:\s+ClusterIP$/m);
      assert.match(svc.stdout, /^Endpoints:\s+10\.244\.\d+\.\d+:80,10\.244\.\d+\.\d+:80$/m);
    });

    await t.test('delete, then wait --for=delete returns at once', async () => {
      const r = await c.kubectl(['delete', 'configmap', 'watched', '-n', 'shop']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'configmap "watched" deleted from shop namespace\n');
      assert.equal(c.store.get('ConfigMap/shop/watched'), undefined);
      const w = await c.kubectl(['wait', '--for=delete', 'configmap/watched', '-n', 'shop', '--timeout=5s']);
      assert.equal(w.code, 0, w.stderr);
      const gone = await c.kubectl(['get', 'configmap', 'watched', '-n', 'shop']);
      assert.equal(gone.code, 1);
      assert.equal(gone.stderr, 'Error from server (NotFound): configmaps "watched" not found\n');
    });

    await t.test('unknown fields: fieldValidation=Strict rejects the object, nothing is written', async () => {
      const f = c.file('typo.yaml', 'apiVersion: v1\nkind: Service\nmetadata:\n  name: typo\n  namespace: shop\nspec:\n  selector: {app: web}\n  portz:\n    - port: 80\n');
      const revision = c.store.revision;
      const r = await c.kubectl(['apply', '-f', f]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /Error from server \(BadRequest\): error when creating ".*typo\.yaml": Service in version "v1" cannot be handled as a Service: strict decoding error: unknown field "spec\.portz"/);
      assert.equal(c.store.revision, revision);
      assert.equal(c.store.get('Service/shop/typo'), undefined);
    });

    await t.test('a kind the server does not serve: kubectl reports no mapping, nothing is written', async () => {
      const f = c.file('widget.yaml', 'apiVersion: v1\nkind: Widget\nmetadata:\n  name: w\n');
      const revision = c.store.revision;
      const r = await c.kubectl(['apply', '-f', f]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /no matches for kind "Widget" in version "v1"/);
      assert.equal(c.store.revision, revision);
    });

    await t.test('invalid values: 422 with the field path, nothing is written', async () => {
      const f = c.file('bad-port.yaml', 'apiVersion: v1\nkind: Service\nmetadata:\n  name: badport\n  namespace: shop\nspec:\n  ports:\n    - port: 70000\n');
      const revision = c.store.revision;
      const r = await c.kubectl(['apply', '-f', f]);
      assert.equal(r.code, 1);
      // kubectl lists the causes of a 422 one per line.
      assert.match(r.stderr, /The Service "badport" is invalid: \n\* spec\.ports\[0\]\.port: Invalid value: 70000: must be between 1 and 65535, inclusive\n/);
      assert.equal(c.store.revision, revision);
    });

    await t.test('exec and logs without a dataplane: a clear error, not a hang', async () => {
      const pods = await c.kubectl(['get', 'pods', '-n', 'shop', '-o', 'name']);
      const pod = pods.stdout.split('\n')[0];
      const e = await c.kubectl(['exec', '-n', 'shop', pod, '--', 'true'], { timeoutMs: 15_000 });
      assert.equal(e.code, 1);
      assert.match(e.stderr, /the podnet dataplane is not up/);
      const l = await c.kubectl(['logs', '-n', 'shop', pod], { timeoutMs: 15_000 });
      assert.equal(l.code, 1);
      assert.match(l.stderr, /Error from server \(ServiceUnavailable\): .*the podnet dataplane is not up/);
    });
  } finally {
    await c.close();
  }
});

/**
 * Every value kubectl asked for is in the stored object. `asked` is kubectl's own rendering of the
 * object it sends (`--dry-run=client -o json`); nulls there are Go's zero Time (creationTimestamp).
 */
function assertHolds(stored: unknown, asked: unknown, path = '$'): void {
  if (asked === null) return;
  if (Array.isArray(asked)) {
    assert.ok(Array.isArray(stored) && stored.length === asked.length, `${path}: expected ${JSON.stringify(asked)}, stored ${JSON.stringify(stored)}`);
    asked.forEach((a, i) => assertHolds((stored as unknown[])[i], a, `${path}[${i}]`));
    return;
  }
  if (typeof asked === 'object') {
    assert.ok(typeof stored === 'object' && stored !== null && !Array.isArray(stored), `${path}: expected an object, stored ${JSON.stringify(stored)}`);
    for (const [k, v] of Object.entries(asked)) assertHolds((stored as Record<string, unknown>)[k], v, `${path}.${k}`);
    return;
  }
  assert.equal(stored, asked, path);
}

interface Stored {
  metadata: { name: string; labels?: Record<string, string> };
  spec: Record<string, unknown> & {
    replicas?: number;
    selector?: unknown;
    template?: { metadata: { labels: Record<string, string> }; spec: { containers: { name: string; image: string; ports?: unknown[] }[] } };
    containers?: { name: string; image: string; ports?: unknown[] }[];
    ports?: { name?: string; port: number; targetPort?: number | string; nodePort?: number; protocol?: string }[];
    clusterIP?: string;
  };
  status?: { podIP?: string };
  data?: Record<string, string>;
}

test('kubectl v1.35 typed create/run (protobuf bodies), edit and explain', async (t) => {
  const c = await startCluster();
  /** Runs `kubectl <args>` for real after rendering it with --dry-run=client; returns the stored object and kubectl's rendering. */
  const create = async (args: string[], resource: string): Promise<{ stdout: string; stored: Stored; asked: unknown }> => {
    const dry = await c.kubectl([...args, '--dry-run=client', '-o', 'json']);
    assert.equal(dry.code, 0, dry.stderr);
    const r = await c.kubectl([...args, '-v=6']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /"Response" verb="POST" url="[^"]+" status="201 Created"/);
    const got = await c.kubectl(['get', resource, '-o', 'json', ...(args.includes('-n') ? ['-n', args[args.indexOf('-n') + 1]] : [])]);
    assert.equal(got.code, 0, got.stderr);
    const stored = JSON.parse(got.stdout) as Stored;
    const asked = JSON.parse(dry.stdout) as unknown;
    assertHolds(stored, asked);
    return { stdout: r.stdout, stored, asked };
  };
  try {
    await t.test('the typed clients send protobuf (what this suite covers)', async () => {
      const r = await c.kubectl(['create', 'configmap', 'probe', '--from-literal=a=b', '-v=8']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /Content-Type: application\/vnd\.kubernetes\.protobuf/);
    });

    await t.test('create configmap --from-literal: data as given, an empty value kept', async () => {
      const { stdout, stored } = await create(['create', 'configmap', 'settings', '--from-literal=color=blue', '--from-literal=empty='], 'configmap/settings');
      assert.equal(stdout, 'configmap/settings created\n');
      assert.deepEqual(stored.data, { color: 'blue', empty: '' });
    });

    await t.test('create namespace', async () => {
      const { stdout } = await create(['create', 'namespace', 'team'], 'namespace/team');
      assert.equal(stdout, 'namespace/team created\n');
      assert.ok(c.store.get('Namespace/team'));
    });

    await t.test('create deployment: labels and selector app=<name>, replicas, container named after the image; its pods get IPs', async () => {
      const { stdout, stored } = await create(['create', 'deployment', 'web', '--image=nginx', '--replicas=2', '--port=80', '-n', 'team'], 'deployment/web');
      assert.equal(stdout, 'deployment.apps/web created\n');
      assert.deepEqual(stored.metadata.labels, { app: 'web' });
      assert.equal(stored.spec.replicas, 2);
      assert.deepEqual(stored.spec.selector, { matchLabels: { app: 'web' } });
      assert.deepEqual(stored.spec.template?.metadata.labels, { app: 'web' });
      const [container] = stored.spec.template!.spec.containers;
      assert.equal(container.name, 'nginx');
      assert.equal(container.image, 'nginx');
      assert.deepEqual(container.ports, [{ containerPort: 80, protocol: 'TCP' }]);
      const pods = await c.kubectl(['get', 'pods', '-n', 'team', '-l', 'app=web', '-o', 'json']);
      const items = (JSON.parse(pods.stdout) as { items: Stored[] }).items;
      assert.equal(items.length, 2);
      for (const p of items) assert.match(p.status?.podIP ?? '', /^10\.244\.\d+\.\d+$/);
    });

    await t.test('create service clusterip / nodeport / externalname', async () => {
      const cip = await create(['create', 'service', 'clusterip', 'web', '--tcp=80:8080', '-n', 'team'], 'service/web');
      assert.equal(cip.stdout, 'service/web created\n');
      assert.equal(cip.stored.spec.type, 'ClusterIP');
      assert.deepEqual(cip.stored.spec.selector, { app: 'web' });
      assert.deepEqual(cip.stored.spec.ports, [{ name: '80-8080', port: 80, targetPort: 8080, protocol: 'TCP' }]);
      assert.match(cip.stored.spec.clusterIP ?? '', /^10\.\d+\.\d+\.\d+$/);
      const np = await create(['create', 'service', 'nodeport', 'np', '--tcp=80:8080', '--node-port=30080', '-n', 'team'], 'service/np');
      assert.equal(np.stored.spec.type, 'NodePort');
      assert.equal(np.stored.spec.ports?.[0].nodePort, 30080);
      const ext = await create(['create', 'service', 'externalname', 'ext', '--external-name=example.com', '-n', 'team'], 'service/ext');
      assert.equal(ext.stored.spec.type, 'ExternalName');
      assert.equal(ext.stored.spec.externalName, 'example.com');
    });

    await t.test('run: a pod with the given labels and port, scheduled with an IP', async () => {
      const { stdout, stored } = await create(['run', 'p', '--image=nginx', '--port=80', '--labels=app=p,tier=web', '-n', 'team'], 'pod/p');
      assert.equal(stdout, 'pod/p created\n');
      assert.deepEqual(stored.metadata.labels, { app: 'p', tier: 'web' });
      assert.equal(stored.spec.containers?.[0].name, 'p');
      assert.deepEqual(stored.spec.containers?.[0].ports, [{ containerPort: 80, protocol: 'TCP' }]);
      assert.match(String(stored.spec.nodeName), /^node-\d+$/);
      assert.match(stored.status?.podIP ?? '', /^10\.244\.\d+\.\d+$/);
    });

    await t.test('create ingress: class, rule with a Prefix path (trailing *), service backend, TLS', async () => {
      const { stdout, stored } = await create(['create', 'ingress', 'ing', '--class=nginx', '--rule=foo.com/bar*=web:80,tls=secret1', '-n', 'team'], 'ingress/ing');
      assert.equal(stdout, 'ingress.networking.k8s.io/ing created\n');
      assert.equal(stored.spec.ingressClassName, 'nginx');
      assert.deepEqual(stored.spec.rules, [
        { host: 'foo.com', http: { paths: [{ path: '/bar', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } },
      ]);
      assert.deepEqual(stored.spec.tls, [{ hosts: ['foo.com'], secretName: 'secret1' }]);
    });

    await t.test('create secret generic: --from-literal values stored base64, type Opaque; get and describe', async () => {
      const { stdout, stored } = await create(['create', 'secret', 'generic', 'db', '--from-literal=user=admin', '--from-literal=password=s3cr3t', '-n', 'team'], 'secret/db');
      assert.equal(stdout, 'secret/db created\n');
      assert.deepEqual(stored.data, { user: Buffer.from('admin').toString('base64'), password: Buffer.from('s3cr3t').toString('base64') });
      assert.equal((stored as unknown as { type: string }).type, 'Opaque');
      const get = await c.kubectl(['get', 'secrets', '-n', 'team']);
      assert.equal(get.code, 0, get.stderr);
      assert.match(get.stdout, /^NAME\s+TYPE\s+DATA\s+AGE\n/);
      assert.match(get.stdout, /^db\s+Opaque\s+2\s+\d+s\n/m);
      const desc = await c.kubectl(['describe', 'secret', 'db', '-n', 'team']);
      assert.equal(desc.code, 0, desc.stderr);
      assert.match(desc.stdout, /^password:\s+6 bytes$/m);
      assert.doesNotMatch(desc.stdout, /s3cr3t/);
    });

    await t.test('create secret tls --cert --key (an openssl certificate): type kubernetes.io/tls with tls.crt and tls.key', async () => {
      const cert = c.file('tls.crt', '');
      const key = c.file('tls.key', '');
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=foo.com'], { stdio: 'ignore' });
      const { stdout, stored } = await create(['create', 'secret', 'tls', 'secret1', `--cert=${cert}`, `--key=${key}`, '-n', 'team'], 'secret/secret1');
      assert.equal(stdout, 'secret/secret1 created\n');
      assert.equal((stored as unknown as { type: string }).type, 'kubernetes.io/tls');
      assert.equal(Buffer.from(stored.data!['tls.crt'], 'base64').toString(), readFileSync(cert, 'utf8'));
      assert.equal(Buffer.from(stored.data!['tls.key'], 'base64').toString(), readFileSync(key, 'utf8'));
    });

    await t.test('create secret docker-registry: .dockerconfigjson', async () => {
      const { stored } = await create(['create', 'secret', 'docker-registry', 'pull', '--docker-server=r.example.com', '--docker-username=u', '--docker-password=p', '-n', 'team'], 'secret/pull');
      assert.equal((stored as unknown as { type: string }).type, 'kubernetes.io/dockerconfigjson');
      const config = JSON.parse(Buffer.from(stored.data!['.dockerconfigjson'], 'base64').toString()) as { auths: Record<string, { username: string }> };
      assert.equal(config.auths['r.example.com'].username, 'u');
    });

    await t.test('get secrets --field-selector type=…: the one field upstream selects Secrets by', async () => {
      const tls = await c.kubectl(['get', 'secrets', '-n', 'team', '--field-selector', 'type=kubernetes.io/tls', '-o', 'name']);
      assert.equal(tls.code, 0, tls.stderr);
      assert.equal(tls.stdout, 'secret/secret1\n');
      const others = await c.kubectl(['get', 'secrets', '-n', 'team', '--field-selector', 'type!=kubernetes.io/tls', '-o', 'name']);
      assert.equal(others.stdout, 'secret/db\nsecret/pull\n');
      const bad = await c.kubectl(['get', 'secrets', '-n', 'team', '--field-selector', 'data.user=x']);
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /field label not supported: data\.user/);
    });

    await t.test('a Secret of type kubernetes.io/tls without tls.key is refused (422)', async () => {
      const bad = await c.kubectl(['create', 'secret', 'generic', 'half', '--type=kubernetes.io/tls', '--from-literal=tls.crt=x', '-n', 'team']);
      assert.equal(bad.code, 1);
      // Upstream's field.Path prints data[tls.key]; podnet quotes map keys (data["tls.key"]).
      assert.match(bad.stderr, /Secret "half" is invalid: data\["?tls\.key"?\]: Required value/);
    });

    await t.test('edit: the editor\'s change is stored; an edit that changes nothing is cancelled', async () => {
      const editor = c.file('editor.sh', '#!/bin/sh\nsed -i -e "s/color: blue/color: green/" -e "s/^  - name: 80-8080$/  - name: http/" "$1"\n');
      chmodSync(editor, 0o755);
      const cm = await c.kubectl(['edit', 'configmap', 'settings'], { env: { KUBE_EDITOR: editor } });
      assert.equal(cm.code, 0, cm.stderr);
      assert.equal(cm.stdout, 'configmap/settings edited\n');
      assert.equal((c.store.get('ConfigMap/default/settings') as unknown as Stored).data?.color, 'green');
      const svc = await c.kubectl(['edit', 'service', 'web', '-n', 'team'], { env: { KUBE_EDITOR: editor } });
      assert.equal(svc.code, 0, svc.stderr);
      assert.equal((c.store.get('Service/team/web') as unknown as Stored).spec.ports?.[0].name, 'http');
      const revision = c.store.revision;
      const none = await c.kubectl(['edit', 'configmap', 'settings'], { env: { KUBE_EDITOR: 'true' } });
      assert.equal(none.code, 0, none.stderr);
      assert.equal(none.stderr, 'Edit cancelled, no changes made.\n');
      assert.equal(c.store.revision, revision);
    });

    await t.test('explain reads the OpenAPI schemas: fields, types and descriptions', async () => {
      const r = await c.kubectl(['explain', 'pod.spec.containers']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^KIND:\s+Pod$/m);
      assert.match(r.stdout, /^VERSION:\s+v1$/m);
      assert.match(r.stdout, /^FIELD: containers <\[\]Container>$/m);
      assert.match(r.stdout, /^ {2}ports\t<\[\]ContainerPort>$/m);
      assert.match(r.stdout, /^ {2}readinessProbe\t<Probe>$/m);
      const port = await c.kubectl(['explain', 'svc.spec.ports.targetPort']);
      assert.equal(port.code, 0, port.stderr);
      assert.match(port.stdout, /^FIELD: targetPort <IntOrString>$/m);
      const np = await c.kubectl(['explain', 'networkpolicy.spec.ingress.from']);
      assert.equal(np.code, 0, np.stderr);
      assert.match(np.stdout, /^GROUP:\s+networking\.k8s\.io$/m);
      assert.match(np.stdout, /^ {2}ipBlock\t<IPBlock>$/m);
      const probe = await c.kubectl(['explain', 'pod.spec.containers.readinessProbe']);
      assert.match(probe.stdout, /^ {2}httpGet\t<HTTPGetAction>$/m, 'the embedded ProbeHandler is inlined');
      const bad = await c.kubectl(['explain', 'pod.spec.nosuch']);
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /field "nosuch" does not exist/);
    });

    await t.test('client-side apply computes its patch from the OpenAPI merge keys: containers merge by name', async () => {
      const manifest = (imageA: string): string =>
        `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: multi\n  namespace: team\nspec:\n  selector:\n    matchLabels: {app: multi}\n  template:\n    metadata:\n      labels: {app: multi}\n    spec:\n      containers:\n        - name: a\n          image: ${imageA}\n        - name: b\n          image: busybox\n`;
      const first = await c.kubectl(['apply', '-f', '-'], { stdin: manifest('nginx:1') });
      assert.equal(first.code, 0, first.stderr);
      const env = await c.kubectl(['set', 'env', 'deployment/multi', '-n', 'team', '-c', 'b', 'FOO=bar']);
      assert.equal(env.code, 0, env.stderr);
      const second = await c.kubectl(['apply', '-f', '-'], { stdin: manifest('nginx:2') });
      assert.equal(second.code, 0, second.stderr);
      assert.equal(second.stderr, '', 'no warning about computing the patch from OpenAPI');
      assert.equal(second.stdout, 'deployment.apps/multi configured\n');
      const stored = c.store.get('Deployment/team/multi') as unknown as Stored;
      const containers = stored.spec.template!.spec.containers as { name: string; image: string; env?: unknown }[];
      assert.deepEqual(containers.map((x) => [x.name, x.image]), [['a', 'nginx:2'], ['b', 'busybox']]);
      assert.deepEqual(containers[1].env, [{ name: 'FOO', value: 'bar' }], 'a list merged by name keeps what another manager added');
    });

    await t.test('drain: pods are deleted with protobuf DeleteOptions', async () => {
      const r = await c.kubectl(['drain', 'node-1', '--ignore-daemonsets', '--force', '--timeout=20s'], { timeoutMs: 40_000 });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^node\/node-1 cordoned$/m);
      assert.match(r.stdout, /^pod\/p deleted$/m);
      assert.match(r.stdout, /^node\/node-1 drained$/m);
      assert.equal(c.store.get('Pod/team/p'), undefined);
    });
  } finally {
    await c.close();
  }
});
