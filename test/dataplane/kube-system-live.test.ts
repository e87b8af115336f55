/**
 * kube-system while up on the persisted cluster (issue 8: changes reconcile live), on the real kernel.
 *
 * - dnsPolicy (Kubernetes "DNS for Services and Pods"): a `Default` pod inherits the node's resolver,
 *   which resolves names outside the cluster and knows nothing of cluster.local (NXDOMAIN); a
 *   `ClusterFirst` pod (the default) asks the cluster DNS, which answers the Service's ClusterIP.
 * - Scaling the coredns Deployment: every ready replica is a kube-dns endpoint and must answer with
 *   the DNS spec's records (a ClusterIP Service's A record is its ClusterIP); a removed replica stops.
 * - Ingress controllers (ingress-nginx's labels; Node and nginx engines) added by `podnet apply` serve
 *   their Ingress rules over HTTP; a new Ingress rule and new endpoints are used without a restart; a
 *   removed controller stops. A headless Service's A records follow its ready endpoints (DNS spec 2.4.1).
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod, Service } from '../../src/api/types.ts';
import { coreDNSDeployment } from '../../src/controllers/system-defaults.ts';
import { DataplaneLayout, DataplaneNames, dataplaneDown, type DataplaneStatus } from '../../src/dataplane/index.ts';
import { run, type RunResult } from '../../src/dataplane/run.ts';
import { ownedNetns, processesMentioning, skipReason, uniquePrefix, twoNodes, PODNET_BIN } from './helpers.ts';

const INGRESS_NGINX = readFileSync(join(import.meta.dirname, '..', '..', 'src', 'dataplane', 'kube-system', 'ingress-nginx.yaml'), 'utf8');

// Networks of its own (no LoadBalancer or NodePort at up: no host link, no host routes).
const CONFIG = `apiVersion: podnet/v1alpha1
kind: ClusterConfig
cni: flannel
cniOptions: {backend: host-gw}
nodeNetwork: 172.31.57.0/24
dns:
  upstream:
    - "example.com. A 93.184.216.34"
    - "www.example.com. CNAME example.com."
`;

const CLUSTER = `
${twoNodes('172.31.57')}---
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
metadata: {name: host-dns, namespace: shop}
spec:
  nodeName: node-2
  dnsPolicy: Default
  containers: [{name: c, image: x}]
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: http}]
---
apiVersion: v1
kind: Service
metadata: {name: web-pods, namespace: shop}
spec:
  clusterIP: None
  selector: {app: web}
  ports: [{name: http, port: 8080, targetPort: http}]
`;

const web = (replicas: number): string => `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: c, image: x, ports: [{name: http, containerPort: 8080}]}]
`;

const coredns = (replicas: number): string => {
  const d = coreDNSDeployment();
  d.spec.replicas = replicas;
  return JSON.stringify(d);
};

const ingress = (hosts: string[]): string => `
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
${hosts.map((h) => `  - host: ${h}
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}`).join('\n')}
`;

// A second controller replica running real nginx (ingress-nginx's labels, podnet's engine annotation).
const NGINX_CONTROLLER = `
apiVersion: v1
kind: Pod
metadata:
  name: controller-nginx
  namespace: ingress-nginx
  labels: {app.kubernetes.io/name: ingress-nginx, app.kubernetes.io/instance: ingress-nginx, app.kubernetes.io/component: controller}
  annotations: {podnet.dev/l7-engine: nginx}
spec:
  nodeName: node-2
  containers: [{name: controller, image: x, ports: [{name: http, containerPort: 80}]}]
`;

type Component = NonNullable<DataplaneStatus['components']>[number];

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const tail = (file: string): string => {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-8).join(' | ');
  } catch {
    return '(no log)';
  }
};

test('kube-system live: dnsPolicy Default vs ClusterFirst, coredns scaled, an ingress controller added and removed while up', { skip: skipReason, timeout: 420_000 }, async (t: TestContext) => {
  const home = mkdtempSync(join(tmpdir(), 'podnet-kslive-'));
  const prefix = uniquePrefix('kslive');
  const names = new DataplaneNames(prefix);
  const env = { ...process.env, PODNET_HOME: join(home, 'state'), PODNET_PREFIX: prefix };
  const podnet = (...args: string[]): Promise<RunResult> => run(process.execPath, [PODNET_BIN, ...args], { env, timeoutMs: 120000 });
  const apply = async (name: string, text: string, ...extra: string[]): Promise<void> => {
    writeFileSync(join(home, name), text);
    const r = await podnet('apply', '-f', join(home, name), ...extra);
    assert.equal(r.code, 0, `apply ${name}: ${r.stderr}`);
  };
  const json = async <T>(...args: string[]): Promise<T> => {
    const r = await podnet(...args, '-o', 'json');
    assert.equal(r.code, 0, `podnet ${args.join(' ')}: ${r.stderr}`);
    return JSON.parse(r.stdout) as T;
  };
  const status = (): Promise<DataplaneStatus> => json<DataplaneStatus>('status');
  const podsOf = async (ns: string, namePrefix: string): Promise<Pod[]> =>
    (await json<{ items: Pod[] }>('get', 'pods', '-n', ns)).items.filter((p) => p.metadata.name.startsWith(namePrefix));
  /** Polls until `ok` returns a value (the agents poll the store every 200 ms; a Node.js component starts in 1–3 s). */
  const waitFor = async <T>(what: string, ok: () => Promise<T | undefined>, ms = 60000): Promise<T> => {
    const deadline = Date.now() + ms;
    for (;;) {
      const v = await ok();
      if (v !== undefined) return v;
      if (Date.now() > deadline) assert.fail(`${what} within ${ms / 1000} s`);
      await sleep(300);
    }
  };
  const componentsOf = async (role: Component['role']): Promise<Component[]> => ((await status()).components ?? []).filter((c) => c.role === role);
  const digRun = (from: string, args: string[]): Promise<RunResult> => podnet('exec', from, '--', 'dig', '+time=2', '+tries=2', ...args);
  const dig = async (from: string, args: string[]): Promise<string[]> => {
    const r = await digRun(from, ['+short', ...args]);
    assert.equal(r.code, 0, `dig ${args.join(' ')}: ${r.stdout}${r.stderr}`);
    return r.stdout.split('\n').map((l) => l.trim()).filter(Boolean).sort();
  };
  const digStatus = async (from: string, args: string[]): Promise<string> => {
    const r = await digRun(from, args);
    return /status: (\w+)/.exec(r.stdout)?.[1] ?? `no answer: ${r.stdout}${r.stderr}`;
  };
  const curl = async (host: string, ip: string): Promise<string> => {
    const r = await podnet('exec', 'shop/client', '--', 'curl', '-s', '-m', '5', '--resolve', `${host}:80:${ip}`, `http://${host}/`);
    return r.code === 0 ? r.stdout.trim() : `curl exit ${r.code}: ${r.stderr}`;
  };

  try {
    writeFileSync(join(home, 'config.yaml'), CONFIG);
    await apply('cluster.yaml', `${CLUSTER}\n---\n${web(1)}`, '--config', join(home, 'config.yaml'));
    const up = await podnet('up');
    assert.equal(up.code, 0, up.stderr);
    const services = (await json<{ items: Service[] }>('get', 'services', '-n', 'shop')).items;
    const webIP = services.find((s) => s.metadata.name === 'web')?.spec.clusterIP as string;
    assert.ok(webIP);

    await t.test('the nodes\' resolver runs in the underlay at the address the node resolv.conf names', async () => {
      const [resolver] = await componentsOf('node-dns');
      assert.ok(resolver?.running, 'node-dns component running');
      assert.equal(resolver.ip, '172.31.57.1');
      assert.equal(resolver.netns, names.underlay);
      const st = await status();
      const hostDNS = st.pods.find((p) => p.name === 'host-dns');
      assert.equal(readFileSync(`/etc/netns/${hostDNS?.netns}/resolv.conf`, 'utf8'), 'nameserver 172.31.57.1\n');
    });

    await t.test('dnsPolicy Default: an external name from dns.upstream is answered, a cluster Service name is NXDOMAIN', async () => {
      assert.deepEqual(await dig('shop/host-dns', ['example.com']), ['93.184.216.34']);
      assert.deepEqual(await dig('shop/host-dns', ['www.example.com']), ['93.184.216.34', 'example.com.'].sort());
      assert.equal(await digStatus('shop/host-dns', ['web.shop.svc.cluster.local']), 'NXDOMAIN');
      assert.equal(await digStatus('shop/host-dns', ['kube-dns.kube-system.svc.cluster.local']), 'NXDOMAIN');
      // getaddrinfo through the pod's resolv.conf: no search list, the external name resolves, the Service does not.
      const ext = await podnet('exec', 'shop/host-dns', '--', 'getent', 'hosts', 'example.com');
      assert.match(ext.stdout, /^93\.184\.216\.34\s+example\.com/);
      const svc = await podnet('exec', 'shop/host-dns', '--', 'getent', 'hosts', 'web.shop.svc.cluster.local');
      assert.equal(svc.code, 2, `getent: not found (${svc.stdout})`);
    });

    await t.test('dnsPolicy ClusterFirst: the Service name resolves to its ClusterIP through the kube-dns VIP; external names still resolve', async () => {
      assert.deepEqual(await dig('shop/client', ['+search', 'web']), [webIP]);
      assert.deepEqual(await dig('shop/client', ['web.shop.svc.cluster.local']), [webIP]);
      assert.deepEqual(await dig('shop/client', ['example.com']), ['93.184.216.34']);
    });

    await t.test('coredns scaled from 2 to 3 while up: the new replica answers from its own pod IP', async () => {
      const before = new Set((await componentsOf('dns')).map((c) => c.pod));
      assert.equal(before.size, 2);
      await apply('coredns.yaml', coredns(3));
      const dns = await waitFor('three running coredns DNS servers', async () => {
        const cs = await componentsOf('dns');
        return cs.length === 3 && cs.every((c) => c.running) ? cs : undefined;
      });
      const added = dns.filter((c) => !before.has(c.pod));
      assert.equal(added.length, 1);
      const pods = await podsOf('kube-system', 'coredns-');
      assert.equal(added[0].ip, pods.find((p) => `kube-system/${p.metadata.name}` === added[0].pod)?.status?.podIP);
      assert.deepEqual(await dig('shop/client', [`@${added[0].ip}`, 'web.shop.svc.cluster.local']), [webIP]);
      assert.deepEqual(await dig('shop/client', [`@${added[0].ip}`, '+tcp', 'web.shop.svc.cluster.local']), [webIP]);
      assert.equal(await digStatus('shop/client', [`@${added[0].ip}`, 'nope.shop.svc.cluster.local']), 'NXDOMAIN');
      assert.deepEqual(await dig('shop/client', [`@${added[0].ip}`, 'example.com']), ['93.184.216.34']);
    });

    await t.test('coredns scaled down to 1: the removed replicas\' servers stop, the remaining one answers', async () => {
      const three = await componentsOf('dns');
      await apply('coredns.yaml', coredns(1));
      const [left] = await waitFor('one coredns DNS server left', async () => {
        const cs = await componentsOf('dns');
        return cs.length === 1 ? cs : undefined;
      });
      const live = await ownedNetns(names);
      for (const c of three.filter((x) => x.pod !== left.pod)) {
        assert.ok(!live.includes(c.netns), `${c.netns} deleted`);
        assert.deepEqual(await processesMentioning(`--netns ${c.netns} `), [], `${c.pod}: DNS server stopped`);
      }
      assert.ok(left.running);
      assert.deepEqual(await dig('shop/client', [`@${left.ip}`, 'web.shop.svc.cluster.local']), [webIP]);
    });

    const webPod = (await podsOf('shop', 'web-'))[0];
    let controllers: Component[] = [];
    await t.test('ingress controllers added by podnet apply (Node and nginx engines) serve their Ingress over HTTP', async () => {
      await apply('ingress-nginx.yaml', `${INGRESS_NGINX}\n---\n${NGINX_CONTROLLER}\n---\n${ingress(['web.example.com'])}`);
      controllers = await waitFor('two running ingress controllers', async () => {
        const cs = await componentsOf('ingress');
        return cs.length === 2 && cs.every((c) => c.running) ? cs : undefined;
      });
      assert.deepEqual(controllers.map((c) => c.engine).sort(), ['nginx', 'node']);
      assert.ok(controllers.some((c) => /^ingress-nginx\/ingress-nginx-controller-/.test(c.pod)));
      for (const ctrl of controllers) {
        assert.equal(await curl('web.example.com', ctrl.ip), webPod.metadata.name, `${ctrl.pod}; its log: ${tail(ctrl.log)}`);
        const miss = await podnet('exec', 'shop/client', '--', 'curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', '-m', '5', '-H', 'Host: two.example.com', `http://${ctrl.ip}/`);
        assert.equal(miss.stdout, '404', `${ctrl.pod}: a host no Ingress names yet`);
      }
    });

    await t.test('a new Ingress rule and new endpoints reach the running proxies and DNS servers without a restart', async () => {
      await apply('ingress.yaml', ingress(['web.example.com', 'two.example.com']));
      for (const ctrl of controllers) {
        await waitFor(`${ctrl.pod} routes two.example.com`, async () => ((await curl('two.example.com', ctrl.ip)) === webPod.metadata.name ? true : undefined), 20000);
      }
      await apply('web.yaml', web(2));
      const pods = await waitFor('two web pods wired', async () => {
        const st = await status();
        const ps = st.pods.filter((p) => p.namespace === 'shop' && p.name.startsWith('web-'));
        return ps.length === 2 && ps.every((p) => p.server === 'running') ? ps : undefined;
      });
      const names2 = pods.map((p) => p.name).sort();
      // The proxies balance over the Service's endpoints: both pods answer once a proxy has the new endpoint.
      for (const ctrl of controllers) {
        await waitFor(`both web pods answer through ${ctrl.pod}`, async () => {
          const seen = new Set<string>();
          for (let i = 0; i < 8; i++) seen.add(await curl('web.example.com', ctrl.ip));
          return [...seen].sort().join() === names2.join() ? true : undefined;
        }, 30000);
      }
      // The headless Service's A records are its ready endpoints' pod IPs: now both.
      const [dnsServer] = await componentsOf('dns');
      const ips = pods.map((p) => p.ip).sort();
      await waitFor('web-pods answers both pod IPs', async () => {
        const got = await dig('shop/client', [`@${dnsServer.ip}`, 'web-pods.shop.svc.cluster.local']);
        return got.join() === ips.join() ? true : undefined;
      }, 20000);
    });

    await t.test('the ingress controllers removed while up: their proxies stop and their records go', async () => {
      for (const args of [['deployment', 'ingress-nginx-controller'], ['pod', 'controller-nginx']]) {
        const del = await podnet('delete', ...args, '-n', 'ingress-nginx');
        assert.equal(del.code, 0, del.stderr);
      }
      await waitFor('no ingress component recorded', async () => ((await componentsOf('ingress')).length === 0 ? true : undefined));
      const live = await ownedNetns(names);
      for (const ctrl of controllers) {
        assert.ok(!live.includes(ctrl.netns), `${ctrl.netns} deleted`);
        assert.deepEqual(await processesMentioning(`--netns ${ctrl.netns} `), [], `${ctrl.pod}: proxy stopped`);
      }
      assert.deepEqual((await processesMentioning(home)).filter((l) => l.includes('nginx')), [], 'no nginx of the run left');
      assert.equal((await status()).phase, 'up', 'nothing recorded is missing');
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
