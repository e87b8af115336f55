/**
 * kube-system on the real kernel: the cluster DNS answering in the coredns pods (queried with dig
 * from a pod, UDP and TCP, through the pod's resolv.conf search path), each pod's resolv.conf as
 * kubelet writes it, headless Services answering with pod IPs, the DNS following `podnet apply`,
 * and the ingress controller pod (Node and nginx engines) routing to the right pod. Through the
 * kube-dns VIP, the LoadBalancer IP and the NodePort only when the nodes carry kube-proxy rules.
 * Expected answers come from the DNS spec (a ClusterIP Service's A record is its ClusterIP; a
 * headless Service's are its ready endpoints' pod IPs; `<hostname>.<subdomain>` for StatefulSet
 * pods) and kubelet's resolv.conf (search `<ns>.svc.<zone> svc.<zone> <zone>`, ndots:5).
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod, Service } from '../../src/api/types.ts';
import { DataplaneNames, type DataplaneStatus } from '../../src/dataplane/index.ts';
import { run, type RunResult } from '../../src/dataplane/run.ts';
import { skipReason, uniquePrefix, twoNodes, PODNET_BIN } from './helpers.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const INGRESS_NGINX = readFileSync(join(ROOT, 'src', 'dataplane', 'kube-system', 'ingress-nginx.yaml'), 'utf8');

interface CLI {
  prefix: string;
  names: DataplaneNames;
  home: string;
  podnet(args: string[]): Promise<RunResult>;
  file(name: string, text: string): string;
}

async function withCLI(tag: string, fn: (c: CLI) => Promise<void>): Promise<void> {
  const prefix = uniquePrefix(tag);
  const home = mkdtempSync(join(tmpdir(), 'podnet-ks-'));
  const env = { ...process.env, PODNET_HOME: join(home, 'state'), PODNET_PREFIX: prefix };
  const c: CLI = {
    prefix,
    names: new DataplaneNames(prefix),
    home,
    podnet: (args) => run(process.execPath, [PODNET_BIN, ...args], { env, timeoutMs: 120000 }),
    file: (name, text) => {
      const f = join(home, name);
      writeFileSync(f, text);
      return f;
    },
  };
  try {
    await fn(c);
  } finally {
    await c.podnet(['down']);
    rmSync(home, { recursive: true, force: true });
  }
}

// Networks of their own, so the host link of this test never meets another run's routes.
const CONFIG = `apiVersion: podnet/v1alpha1
kind: ClusterConfig
cni: flannel
cniOptions: {backend: host-gw}
nodeNetwork: 172.31.41.0/24
loadBalancerPool: 192.168.241.0/28
dns:
  upstream:
    - "example.com. A 93.184.216.34"
`;

const NODES = `
${twoNodes('172.31.41')}`;

const APPS = `
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: Namespace
metadata: {name: data}
---
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: shop}
spec:
  nodeName: node-1
  containers: [{name: c, image: x}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: frontend, namespace: shop}
spec:
  replicas: 2
  selector: {matchLabels: {app: frontend}}
  template:
    metadata: {labels: {app: frontend}}
    spec:
      containers: [{name: c, image: x, ports: [{name: http, containerPort: 8080}]}]
---
apiVersion: v1
kind: Service
metadata: {name: frontend, namespace: shop}
spec:
  type: NodePort
  selector: {app: frontend}
  ports: [{name: http, port: 80, targetPort: http}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: database, namespace: data}
spec:
  serviceName: database
  replicas: 2
  selector: {matchLabels: {app: database}}
  template:
    metadata: {labels: {app: database}}
    spec:
      containers: [{name: c, image: x, ports: [{name: pg, containerPort: 5432}]}]
---
apiVersion: v1
kind: Service
metadata: {name: database, namespace: data}
spec:
  clusterIP: None
  selector: {app: database}
  ports: [{name: pg, port: 5432, targetPort: pg}]
---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: nginx}
spec: {controller: k8s.io/ingress-nginx}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: shop, namespace: shop}
spec:
  ingressClassName: nginx
  rules:
  - host: shop.example.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: frontend, port: {number: 80}}}}
---
# A second controller replica running real nginx (same labels: it is also an endpoint of the LB Service).
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

async function json<T>(c: CLI, args: string[]): Promise<T> {
  const r = await c.podnet([...args, '-o', 'json']);
  assert.equal(r.code, 0, `podnet ${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/** dig from inside a pod; the answer lines of `+short`, sorted. */
async function dig(c: CLI, from: string, args: string[]): Promise<string[]> {
  const r = await c.podnet(['exec', from, '--', 'dig', '+short', '+time=2', '+tries=2', ...args]);
  assert.equal(r.code, 0, `dig ${args.join(' ')}: ${r.stdout}${r.stderr}`);
  return r.stdout.split('\n').map((l) => l.trim()).filter(Boolean).sort();
}

async function digStatus(c: CLI, from: string, args: string[]): Promise<string> {
  const r = await c.podnet(['exec', from, '--', 'dig', '+time=2', '+tries=2', ...args]);
  return /status: (\w+)/.exec(r.stdout)?.[1] ?? `no answer: ${r.stdout}${r.stderr}`;
}

/** Why Service VIPs cannot carry traffic yet, or undefined when the node has kube-proxy rules. */
async function noServiceRules(nodeNetns: string): Promise<string | undefined> {
  const nft = await run('ip', ['netns', 'exec', nodeNetns, 'nft', 'list', 'tables']);
  if (/\bkube-proxy\b/.test(nft.stdout)) return undefined;
  const ipt = await run('ip', ['netns', 'exec', nodeNetns, 'iptables-save', '-t', 'nat']);
  if (/KUBE-SERVICES/.test(ipt.stdout)) return undefined;
  return `node ${nodeNetns} has no kube-proxy rules (neither an nft kube-proxy table nor KUBE-SERVICES): Service VIPs do not forward in this build`;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('kube-system: DNS in the coredns pods, resolv.conf per pod, the ingress controller pod', { skip: skipReason }, async (t: TestContext) => {
  await withCLI('ks', async (c) => {
    const cfg = c.file('config.yaml', CONFIG);
    const manifests = c.file('cluster.yaml', `${NODES}\n---\n${APPS}\n---\n${INGRESS_NGINX}`);
    const src = ['-f', manifests, '--config', cfg];
    const up = await c.podnet(['up', ...src]);
    assert.equal(up.code, 0, up.stderr);
    const status = await json<DataplaneStatus>(c, ['status']);
    assert.equal(status.phase, 'up');
    const pods = (await json<{ items: Pod[] }>(c, ['get', 'pods', '-A', ...src])).items;
    const services = (await json<{ items: Service[] }>(c, ['get', 'services', '-A', ...src])).items;
    const svc = (ns: string, name: string): Service => services.find((s) => s.metadata.namespace === ns && s.metadata.name === name) as Service;
    const podsOf = (ns: string, prefix: string): Pod[] => pods.filter((p) => p.metadata.namespace === ns && p.metadata.name.startsWith(prefix));
    const coredns = podsOf('kube-system', 'coredns-');
    assert.equal(coredns.length, 2, 'kubeadm runs 2 coredns replicas');
    const frontendIP = svc('shop', 'frontend').spec.clusterIP as string;

    await t.test('status lists the nodes\' resolver, a running DNS server per coredns pod and both ingress engines', () => {
      const comps = (status.components ?? []).map((x) => [x.role, x.pod, x.running, x.engine ?? '-']).sort();
      assert.deepEqual(comps, [
        ['node-dns', '-', true, '-'],
        ...coredns.map((p) => ['dns', `kube-system/${p.metadata.name}`, true, '-']),
        ['ingress', 'ingress-nginx/controller-nginx', true, 'nginx'],
        ['ingress', `ingress-nginx/${podsOf('ingress-nginx', 'ingress-nginx-controller-')[0].metadata.name}`, true, 'node'],
      ].sort());
    });

    await t.test('each pod gets kubelet\'s ClusterFirst resolv.conf; a Default-policy pod the node\'s', () => {
      const client = status.pods.find((p) => p.name === 'client');
      assert.equal(readFileSync(`/etc/netns/${client?.netns}/resolv.conf`, 'utf8'),
        'search shop.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n');
      // coredns runs with dnsPolicy Default: the node's resolv.conf (podnet: the underlay gateway).
      const cd = status.pods.find((p) => p.name === coredns[0].metadata.name);
      assert.equal(readFileSync(`/etc/netns/${cd?.netns}/resolv.conf`, 'utf8'), 'nameserver 172.31.41.1\n');
    });

    await t.test('dig at every coredns pod IP, UDP and TCP: a ClusterIP Service answers with its ClusterIP', async () => {
      for (const p of coredns) {
        const at = `@${p.status?.podIP}`;
        assert.deepEqual(await dig(c, 'shop/client', [at, 'frontend.shop.svc.cluster.local']), [frontendIP]);
        assert.deepEqual(await dig(c, 'shop/client', [at, '+tcp', 'frontend.shop.svc.cluster.local']), [frontendIP]);
        assert.equal(await digStatus(c, 'shop/client', [at, 'nope.shop.svc.cluster.local']), 'NXDOMAIN');
      }
    });

    await t.test('a short name through the pod\'s resolv.conf search path (ndots:5), and an outside name from dns.upstream', async () => {
      const at = `@${coredns[0].status?.podIP}`;
      assert.deepEqual(await dig(c, 'shop/client', [at, '+search', 'frontend']), [frontendIP]);
      assert.deepEqual(await dig(c, 'shop/client', [at, '+search', 'kube-dns.kube-system']), ['10.96.0.10']);
      assert.deepEqual(await dig(c, 'shop/client', [at, '+search', 'example.com']), ['93.184.216.34']);
    });

    await t.test('a headless Service answers with its pods\' IPs; a StatefulSet pod by hostname.subdomain', async () => {
      const db = podsOf('data', 'database-');
      assert.equal(db.length, 2);
      const at = `@${coredns[1].status?.podIP}`;
      assert.deepEqual(await dig(c, 'shop/client', [at, 'database.data.svc.cluster.local']), db.map((p) => p.status?.podIP as string).sort());
      const db0 = db.find((p) => p.metadata.name === 'database-0');
      assert.deepEqual(await dig(c, 'shop/client', [at, '+search', 'database-0.database.data']), [db0?.status?.podIP as string]);
    });

    const frontendNames = podsOf('shop', 'frontend-').map((p) => p.metadata.name).sort();
    await t.test('the ingress controller pods route shop.example.com to the frontend pods (Node and nginx engines)', async () => {
      for (const ctrl of podsOf('ingress-nginx', '')) {
        const seen = new Set<string>();
        for (let i = 0; i < 8; i++) {
          const r = await c.podnet(['exec', 'shop/client', '--', 'curl', '-s', '-m', '5', '--resolve', `shop.example.com:80:${ctrl.status?.podIP}`, 'http://shop.example.com/']);
          assert.equal(r.code, 0, `${ctrl.metadata.name}: ${r.stderr}`);
          seen.add(r.stdout.trim());
        }
        assert.ok([...seen].every((n) => frontendNames.includes(n)), `${ctrl.metadata.name} answered ${[...seen].join(', ')}`);
        // Round robin over both endpoints (Node) / nginx's weighted choice: at least one, usually both.
        assert.ok(seen.size >= 1);
        const miss = await c.podnet(['exec', 'shop/client', '--', 'curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', '-m', '5', '-H', 'Host: other.example.com', `http://${ctrl.status?.podIP}/`]);
        assert.equal(miss.stdout, '404', 'a host no Ingress names: 404 (no default backend)');
      }
    });

    await t.test('the host reaches the nodes through its link into the underlay', async () => {
      assert.match(status.hostLink ?? '', new RegExp(`^${c.prefix}-ul 172\\.31\\.41\\.254/24$`));
      const ping = await run('ping', ['-c', '1', '-W', '2', '172.31.41.12']);
      assert.equal(ping.code, 0, ping.stdout);
      const route = await run('ip', ['-json', 'route', 'show', '192.168.241.0/28']);
      assert.match(route.stdout, new RegExp(`"dev":"${c.prefix}-ul"`));
    });

    const noRules = await noServiceRules(status.nodes[0].netns);
    await t.test('through the kube-dns VIP: getent hosts and dig by short name', async (st) => {
      if (noRules) return st.skip(noRules);
      const getent = await c.podnet(['exec', 'shop/client', '--', 'getent', 'hosts', 'frontend']);
      assert.equal(getent.code, 0, getent.stderr);
      assert.match(getent.stdout, new RegExp(`^${frontendIP.replace(/\./g, '\\.')}\\s+frontend\\.shop\\.svc\\.cluster\\.local`));
      assert.deepEqual(await dig(c, 'shop/client', ['+search', 'frontend']), [frontendIP]);
    });

    await t.test('from the host: the LoadBalancer IP and the NodePort reach a frontend pod through the ingress controller', async (st) => {
      if (noRules) return st.skip(noRules);
      const lb = svc('ingress-nginx', 'ingress-nginx-controller');
      const lbIP = lb.status?.loadBalancer?.ingress?.[0]?.ip as string;
      assert.ok(lbIP?.startsWith('192.168.241.'));
      const viaLB = await run('curl', ['-s', '-m', '5', '--resolve', `shop.example.com:80:${lbIP}`, 'http://shop.example.com/']);
      assert.ok(frontendNames.includes(viaLB.stdout.trim()), `via ${lbIP}: ${viaLB.stdout}${viaLB.stderr}`);
      const nodePort = lb.spec.ports?.find((p) => p.name === 'http')?.nodePort;
      const viaNodePort = await run('curl', ['-s', '-m', '5', '-H', 'Host: shop.example.com', `http://172.31.41.11:${nodePort}/`]);
      assert.ok(frontendNames.includes(viaNodePort.stdout.trim()), `via NodePort ${nodePort}: ${viaNodePort.stdout}${viaNodePort.stderr}`);
    });

    const down = await c.podnet(['down']);
    assert.equal(down.code, 0, down.stderr);
    assert.ok(!existsSync(`/etc/netns/${status.pods[0].netns}`), 'down removes the pods\' /etc/netns files');
    const links = await run('ip', ['-json', 'link', 'show']);
    assert.ok(!links.stdout.includes(`"${c.prefix}-ul"`), 'down removes the host link');
    const route = await run('ip', ['route', 'show', '192.168.241.0/28']);
    assert.equal(route.stdout.trim(), '', 'and its routes');
  });
});

test('the DNS in the coredns pods follows podnet apply on the persisted cluster', { skip: skipReason }, async () => {
  await withCLI('ksf', async (c) => {
    const cfg = c.file('config.yaml', 'apiVersion: podnet/v1alpha1\nkind: ClusterConfig\ncni: bridge\nnodeNetwork: 172.31.42.0/24\n');
    const one = `${NODES.replace(/172\.31\.41\./g, '172.31.42.').split('---')[0]}
---
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: default}
spec:
  nodeName: node-1
  containers: [{name: c, image: x}]
`;
    assert.equal((await c.podnet(['apply', '-f', c.file('base.yaml', one), '--config', cfg])).code, 0);
    const up = await c.podnet(['up']);
    assert.equal(up.code, 0, up.stderr);
    const status = await json<DataplaneStatus>(c, ['status']);
    const dnsIP = status.components?.find((x) => x.role === 'dns')?.ip as string;
    assert.ok(dnsIP, 'a coredns pod serves DNS');
    assert.equal(await digStatus(c, 'client', [`@${dnsIP}`, 'late.default.svc.cluster.local']), 'NXDOMAIN');
    const late = 'apiVersion: v1\nkind: Service\nmetadata: {name: late, namespace: default}\nspec:\n  clusterIP: 10.96.77.7\n  ports: [{port: 80}]\n';
    assert.equal((await c.podnet(['apply', '-f', c.file('late.yaml', late)])).code, 0);
    let answer: string[] = [];
    for (let i = 0; i < 40 && !answer.length; i++) {
      answer = await dig(c, 'client', [`@${dnsIP}`, 'late.default.svc.cluster.local']);
      if (!answer.length) await sleep(250);
    }
    assert.deepEqual(answer, ['10.96.77.7'], 'the new Service answers without restarting anything');
  });
});
