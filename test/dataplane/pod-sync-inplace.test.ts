/**
 * A pod that becomes or stops being a cluster component by a change in place (labels or the engine
 * annotation edited on the live pod), on the real kernel while up on the persisted cluster.
 *
 * - ingress-nginx's controller pods are the ones labelled app.kubernetes.io/name=ingress-nginx and
 *   app.kubernetes.io/component=controller (its deploy manifests); labelling a running pod so makes it
 *   the controller: its `http` containerPort serves the Ingress rules (the Ingress spec: a request for
 *   a rule's host reaches the backend Service's endpoints).
 * - Pod labels and annotations are mutable (pod update validation), the sandbox is not: the pod keeps
 *   its namespace, interface and IP throughout.
 * - Removing the label gives the port back to the pod's own server (agnhost serve-hostname's role:
 *   it answers with the pod name).
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataplaneLayout, DataplaneNames, dataplaneDown, type DataplaneStatus } from '../../src/dataplane/index.ts';
import { run, type RunResult } from '../../src/dataplane/run.ts';
import { ownedNetns, processesMentioning, skipReason, uniquePrefix, twoNodes, PODNET_BIN } from './helpers.ts';

const CONFIG = `apiVersion: podnet/v1alpha1
kind: ClusterConfig
cni: flannel
cniOptions: {backend: host-gw}
nodeNetwork: 172.31.58.0/24
`;

const CLUSTER = `
${twoNodes('172.31.58')}---
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: shop}
spec:
  nodeName: node-1
  containers: [{name: c, image: x}]
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop, labels: {app: web}}
spec:
  nodeName: node-1
  containers: [{name: c, image: x, ports: [{name: http, containerPort: 8080}]}]
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: http}]
---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: nginx}
spec: {controller: k8s.io/ingress-nginx}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: shop}
spec:
  ingressClassName: nginx
  rules:
  - host: web.example.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
`;

/** The pod `edge` on node-2: port 80 named http, a webhook port 8443; labels and annotations as given. */
const edge = (labels: Record<string, string>, annotations: Record<string, string> = {}): string => JSON.stringify({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'edge', namespace: 'shop', labels, annotations },
  spec: { nodeName: 'node-2', containers: [{ name: 'c', image: 'x', ports: [{ name: 'http', containerPort: 80 }, { name: 'webhook', containerPort: 8443 }] }] },
});

const NAME_ONLY = { 'app.kubernetes.io/name': 'ingress-nginx' };
const CONTROLLER = { ...NAME_ONLY, 'app.kubernetes.io/component': 'controller' };

type Component = NonNullable<DataplaneStatus['components']>[number];

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('pod sync: a pod labelled into an ingress controller in place runs the proxy; the engine annotation flips it; the label removed gives the port back', { skip: skipReason, timeout: 300_000 }, async (t: TestContext) => {
  const home = mkdtempSync(join(tmpdir(), 'podnet-inplace-'));
  const prefix = uniquePrefix('inpl');
  const names = new DataplaneNames(prefix);
  const env = { ...process.env, PODNET_HOME: join(home, 'state'), PODNET_PREFIX: prefix };
  const podnet = (...args: string[]): Promise<RunResult> => run(process.execPath, [PODNET_BIN, ...args], { env, timeoutMs: 120000 });
  const apply = async (name: string, text: string, ...extra: string[]): Promise<void> => {
    writeFileSync(join(home, name), text);
    const r = await podnet('apply', '-f', join(home, name), ...extra);
    assert.equal(r.code, 0, `apply ${name}: ${r.stderr}`);
  };
  const status = async (): Promise<DataplaneStatus> => {
    const r = await podnet('status', '-o', 'json');
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as DataplaneStatus;
  };
  const waitFor = async <T>(what: string, ok: () => Promise<T | undefined>, ms = 60000): Promise<T> => {
    const deadline = Date.now() + ms;
    for (;;) {
      const v = await ok();
      if (v !== undefined) return v;
      if (Date.now() > deadline) assert.fail(`${what} within ${ms / 1000} s`);
      await sleep(300);
    }
  };
  const ingressOf = async (): Promise<Component[]> => ((await status()).components ?? []).filter((c) => c.role === 'ingress' && c.pod === 'shop/edge');
  const curl = async (host: string, ip: string, port = 80): Promise<string> => {
    const r = await podnet('exec', 'shop/client', '--', 'curl', '-s', '-m', '5', '-H', `Host: ${host}`, `http://${ip}:${port}/`);
    return r.code === 0 ? r.stdout.trim() : `curl exit ${r.code}: ${r.stderr}`;
  };
  const edgeSandbox = async (): Promise<string> => {
    const pod = (await status()).pods.find((p) => p.namespace === 'shop' && p.name === 'edge');
    assert.ok(pod, 'edge wired');
    const link = await run('ip', ['-n', pod.netns, '-o', 'link', 'show', 'dev', 'eth0']);
    assert.equal(link.code, 0, link.stderr);
    // netns, IP, and eth0's index and MAC: a new sandbox or a re-run CNI ADD would change them.
    return `${pod.netns} ${pod.ip} ${/^(\d+):/.exec(link.stdout)?.[1]} ${/link\/ether (\S+)/.exec(link.stdout)?.[1]}`;
  };

  try {
    writeFileSync(join(home, 'config.yaml'), CONFIG);
    await apply('cluster.yaml', `${CLUSTER}\n---\n${edge(NAME_ONLY)}`, '--config', join(home, 'config.yaml'));
    const up = await podnet('up');
    assert.equal(up.code, 0, up.stderr);
    const sandbox = await edgeSandbox();
    const edgeIP = sandbox.split(' ')[1];

    await t.test('a plain pod: its own server answers on 80, no component', async () => {
      assert.equal(await curl('web.example.com', edgeIP), 'edge');
      assert.deepEqual(await ingressOf(), []);
    });

    let first: Component | undefined;
    await t.test('labelled app.kubernetes.io/component=controller while up: the Node proxy serves the Ingress on 80, the pod keeps its network', async () => {
      await apply('edge.json', edge(CONTROLLER));
      [first] = await waitFor('an ingress component for shop/edge', async () => {
        const cs = await ingressOf();
        return cs.length === 1 && cs[0].running ? cs : undefined;
      });
      assert.equal(first?.engine, 'node');
      assert.deepEqual(first?.ports, ['80/TCP']);
      assert.equal(await waitFor('web.example.com through the proxy', async () => ((await curl('web.example.com', edgeIP)) === 'web' ? 'web' : undefined), 20000), 'web');
      // A host no Ingress names: the proxy's 404, not the pod's server.
      const miss = await podnet('exec', 'shop/client', '--', 'curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', '-m', '5', '-H', 'Host: other.example.com', `http://${edgeIP}/`);
      assert.equal(miss.stdout, '404');
      // The declared port the controller does not take stays with the test server.
      assert.equal(await curl('x', edgeIP, 8443), 'edge');
      assert.equal(await edgeSandbox(), sandbox);
    });

    await t.test('engine annotation podnet.dev/l7-engine flipped node → nginx: the proxy restarts on nginx', async () => {
      await apply('edge.json', edge(CONTROLLER, { 'podnet.dev/l7-engine': 'nginx' }));
      const [nginx] = await waitFor('an nginx ingress component for shop/edge', async () => {
        const cs = await ingressOf();
        return cs.length === 1 && cs[0].running && cs[0].engine === 'nginx' ? cs : undefined;
      });
      assert.notEqual(nginx.pid, first?.pid);
      assert.deepEqual(await processesMentioning(`--netns ${nginx.netns} --source`).then((ps) => ps.filter((l) => l.includes('--engine node'))), [], 'the Node proxy stopped');
      assert.equal(await waitFor('web.example.com through nginx', async () => ((await curl('web.example.com', edgeIP)) === 'web' ? 'web' : undefined), 20000), 'web');
      assert.equal(await edgeSandbox(), sandbox);
    });

    await t.test('the component label removed: the proxy stops and the pod\'s own server answers on 80 again', async () => {
      await apply('edge.json', edge(NAME_ONLY));
      await waitFor('no ingress component for shop/edge', async () => ((await ingressOf()).length === 0 ? true : undefined));
      assert.equal(await waitFor('the test server on 80', async () => ((await curl('web.example.com', edgeIP)) === 'edge' ? 'edge' : undefined), 20000), 'edge');
      assert.deepEqual((await processesMentioning(home)).filter((l) => l.includes('nginx') || l.includes('pod-main.mjs ingress')), [], 'no proxy or nginx of the run left');
      assert.equal(await edgeSandbox(), sandbox);
      assert.equal((await status()).phase, 'up');
    });

    const down = await podnet('down');
    assert.equal(down.code, 0, down.stderr);
    assert.deepEqual(await ownedNetns(names), []);
    assert.deepEqual(await processesMentioning(prefix), []);
  } finally {
    await dataplaneDown(names, new DataplaneLayout(join(home, 'state', 'dataplane')));
    rmSync(home, { recursive: true, force: true });
  }
});
