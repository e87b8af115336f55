/**
 * HTTPS in the ingress-controller pods and the host link following the cluster, while up on the
 * persisted cluster, on the real kernel. Expectations from ingress-nginx's documentation and
 * behaviour:
 * - TLS (docs "TLS/HTTPS", Ingress `spec.tls`): the https port terminates TLS by SNI with the
 *   certificate of the `kubernetes.io/tls` Secret the Ingress TLS entry for that host names; a
 *   client verifying against the issuing CA and the host name accepts it. The request is then routed
 *   by the Ingress rules like HTTP.
 * - Default certificate (docs "Default SSL Certificate"): a host no TLS entry covers, whose Secret
 *   is missing, or whose certificate does not name it (the controller's VerifyHostname check) gets
 *   the controller's self-signed certificate, subject
 *   `O=Acme Co, CN=Kubernetes Ingress Controller Fake Certificate`.
 * - ssl-redirect (docs "Annotations: Server-side HTTPS enforcement through redirect"): with TLS for a
 *   host, plain HTTP is answered 308 to https (`http-redirect-code` default 308; the request URI's
 *   trailing slash is dropped, `preserve-trailing-slash` keeps it);
 *   `nginx.ingress.kubernetes.io/ssl-redirect: "false"` serves plain HTTP.
 * - A Secret updated while the controller runs is served from then on (the controller watches Secrets).
 * - Services (type LoadBalancer): the LB IP is reachable from outside the cluster — here the host,
 *   through the host link, also for a Service created after `up`; with `externalTrafficPolicy: Local`
 *   only nodes with a local ready endpoint take it (kube-proxy's health check fails elsewhere); with
 *   no LoadBalancer or NodePort Service left, the link is removed.
 * Both engines (Node proxy and nginx) are held to the same expectations.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod, Service } from '../../src/api/types.ts';
import { DataplaneLayout, DataplaneNames, dataplaneDown, type DataplaneStatus } from '../../src/dataplane/index.ts';
import { hostLinkName } from '../../src/dataplane/kube-system/index.ts';
import { run, type RunResult } from '../../src/dataplane/run.ts';
import { ownedNetns, processesMentioning, skipReason, uniquePrefix, twoNodes, PODNET_BIN } from './helpers.ts';

const INGRESS_NGINX = readFileSync(join(import.meta.dirname, '..', '..', 'src', 'dataplane', 'kube-system', 'ingress-nginx.yaml'), 'utf8');
const FAKE_SUBJECT = 'O = Acme Co, CN = Kubernetes Ingress Controller Fake Certificate';

const CONFIG = `apiVersion: podnet/v1alpha1
kind: ClusterConfig
cni: calico
nodeNetwork: 172.31.63.0/24
loadBalancerPool: 192.168.163.0/28
`;

const CLUSTER = `
${twoNodes('172.31.63')}---
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
${['shop', 'api'].map((app) => `---
apiVersion: apps/v1
kind: Deployment
metadata: {name: ${app}, namespace: shop}
spec:
  replicas: 1
  selector: {matchLabels: {app: ${app}}}
  template:
    metadata: {labels: {app: ${app}}}
    spec:
      containers: [{name: c, image: x, ports: [{name: http, containerPort: 8080}]}]
---
apiVersion: v1
kind: Service
metadata: {name: ${app}, namespace: shop}
spec:
  selector: {app: ${app}}
  ports: [{name: http, port: 80, targetPort: http}]`).join('\n')}
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
  tls: [{hosts: [shop.example], secretName: shop-tls}]
  rules:
  - host: shop.example
    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: shop, port: {number: 80}}}}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: api, namespace: shop}
spec:
  ingressClassName: nginx
  tls: [{hosts: [api.example], secretName: api-tls}]
  rules:
  - host: api.example
    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: api, port: {number: 80}}}}]}
---
# A Secret whose certificate names another host.
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: wrong, namespace: shop}
spec:
  ingressClassName: nginx
  tls: [{hosts: [wrong.example], secretName: shop-tls}]
  rules:
  - host: wrong.example
    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: shop, port: {number: 80}}}}]}
---
# TLS with a Secret that does not exist, and no redirect.
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: plain
  namespace: shop
  annotations: {nginx.ingress.kubernetes.io/ssl-redirect: "false"}
spec:
  ingressClassName: nginx
  tls: [{hosts: [plain.example], secretName: nowhere-tls}]
  rules:
  - host: plain.example
    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: shop, port: {number: 80}}}}]}
`;

// A second controller pod running real nginx, selected by the controller Service too.
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
  containers: [{name: controller, image: x, ports: [{name: http, containerPort: 80}, {name: https, containerPort: 443}]}]
`;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const secret = (name: string, certFile: string, keyFile: string): string => `
apiVersion: v1
kind: Secret
metadata: {name: ${name}, namespace: shop}
type: kubernetes.io/tls
data:
  tls.crt: ${readFileSync(certFile).toString('base64')}
  tls.key: ${readFileSync(keyFile).toString('base64')}
`;

test('ingress controllers terminate TLS by SNI, fall back to the fake certificate, redirect to https, follow a rotated Secret; the host link follows LoadBalancer Services', { skip: skipReason, timeout: 420_000 }, async (t: TestContext) => {
  const home = mkdtempSync(join(tmpdir(), 'podnet-kstls-'));
  const prefix = uniquePrefix('kstls');
  const names = new DataplaneNames(prefix);
  const link = hostLinkName(prefix);
  const env = { ...process.env, PODNET_HOME: join(home, 'state'), PODNET_PREFIX: prefix };
  const podnet = (...args: string[]): Promise<RunResult> => run(process.execPath, [PODNET_BIN, ...args], { env, timeoutMs: 120000 });
  const must = async (cmd: string, args: string[]): Promise<string> => {
    const r = await run(cmd, args, { timeoutMs: 30000 });
    assert.equal(r.code, 0, `${cmd} ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
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
  const waitFor = async <T>(what: string, ok: () => Promise<T | undefined>, ms = 60000): Promise<T> => {
    const deadline = Date.now() + ms;
    for (;;) {
      const v = await ok();
      if (v !== undefined) return v;
      if (Date.now() > deadline) assert.fail(`${what} within ${ms / 1000} s`);
      await sleep(300);
    }
  };
  const file = (n: string): string => join(home, n);
  /** A leaf certificate for `host` signed by the test CA, its subject's O naming the version. */
  const leaf = async (name: string, host: string, org: string): Promise<void> => {
    writeFileSync(file(`${name}.ext`), `subjectAltName=DNS:${host}\n`);
    await must('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', file(`${name}.key`), '-out', file(`${name}.csr`), '-subj', `/O=${org}/CN=${host}`]);
    await must('openssl', ['x509', '-req', '-in', file(`${name}.csr`), '-CA', file('ca.crt'), '-CAkey', file('ca.key'), '-CAcreateserial', '-days', '2', '-out', file(`${name}.crt`), '-extfile', file(`${name}.ext`)]);
  };
  /** curl from the host (no netns) or from the client pod. */
  const curl = async (where: 'host' | 'pod', args: string[]): Promise<RunResult> => {
    const base = ['-s', '-m', '5', ...args];
    return where === 'host' ? run('curl', base, { timeoutMs: 15000 }) : podnet('exec', 'shop/client', '--', 'curl', ...base);
  };
  const httpsBody = async (where: 'host' | 'pod', host: string, ip: string): Promise<string> => {
    const r = await curl(where, ['--cacert', file('ca.crt'), '--resolve', `${host}:443:${ip}`, `https://${host}/`]);
    return r.code === 0 ? r.stdout.trim() : `curl exit ${r.code}: ${r.stderr}`;
  };
  /** The subject of the certificate served for SNI `host` at ip:443. */
  const subject = async (where: 'host' | 'pod', host: string, ip: string): Promise<string> => {
    const cmd = `openssl s_client -connect ${ip}:443 -servername ${host} </dev/null 2>/dev/null | openssl x509 -noout -subject -nameopt oneline`;
    const r = where === 'host' ? await run('sh', ['-c', cmd], { timeoutMs: 15000 }) : await podnet('exec', 'shop/client', '--', 'sh', '-c', cmd);
    return r.stdout.trim().replace(/^subject=\s*/, '');
  };

  try {
    await must('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', file('ca.key'), '-out', file('ca.crt'), '-days', '2', '-subj', '/CN=podnet test CA']);
    await leaf('shop', 'shop.example', 'shop v1');
    await leaf('shop2', 'shop.example', 'shop v2');
    await leaf('api', 'api.example', 'api v1');
    writeFileSync(file('config.yaml'), CONFIG);
    await apply('cluster.yaml', `${CLUSTER}\n---\n${secret('shop-tls', file('shop.crt'), file('shop.key'))}\n---\n${secret('api-tls', file('api.crt'), file('api.key'))}`, '--config', file('config.yaml'));
    const up = await podnet('up');
    assert.equal(up.code, 0, up.stderr);
    assert.equal((await run('ip', ['link', 'show', link])).code, 1, 'no LoadBalancer or NodePort Service at up: no host link');
    const backends = (await json<{ items: Pod[] }>('get', 'pods', '-n', 'shop')).items;
    const podOf = (app: string): string => backends.find((p) => p.metadata.labels?.app === app)?.metadata.name ?? `(no ${app} pod)`;

    let lbIP = '';
    let controllers: NonNullable<DataplaneStatus['components']> = [];
    await t.test('the controller and its LoadBalancer Service added while up: the host link appears and the LB IP answers from the host', async () => {
      await apply('ingress-nginx.yaml', `${INGRESS_NGINX}\n---\n${NGINX_CONTROLLER}`);
      const svc = (await json<{ items: Service[] }>('get', 'services', '-n', 'ingress-nginx')).items.find((s) => s.metadata.name === 'ingress-nginx-controller');
      lbIP = svc?.status?.loadBalancer?.ingress?.[0]?.ip ?? '';
      assert.match(lbIP, /^192\.168\.163\./);
      controllers = await waitFor('two running ingress controllers', async () => {
        const cs = ((await status()).components ?? []).filter((c) => c.role === 'ingress');
        return cs.length === 2 && cs.every((c) => c.running) ? cs : undefined;
      });
      for (const c of controllers) assert.deepEqual(c.ports, ['80/TCP', '443/TCP'], `${c.pod} serves http and https`);
      await waitFor('the host link with a route to the pool', async () => {
        const r = await run('ip', ['-4', 'route', 'show', '192.168.163.0/28']);
        return r.stdout.includes(link) ? true : undefined;
      });
      assert.equal((await status()).hostLink, `${link} 172.31.63.254/24`);
      const r = await waitFor('plain.example over http through the LB IP', async () => {
        const res = await curl('host', ['--resolve', `plain.example:80:${lbIP}`, 'http://plain.example/']);
        return res.code === 0 && res.stdout.trim() === podOf('shop') ? res : undefined;
      }, 30000);
      assert.equal(r.stdout.trim(), podOf('shop'), 'ssl-redirect "false": plain HTTP is served');
    });

    await t.test('https through the LB IP from the host: the certificate by SNI (verified against the test CA) and the backend of the host', async () => {
      // The Service spreads over both controllers (Node and nginx engines): several tries reach both.
      for (let i = 0; i < 6; i++) {
        assert.equal(await httpsBody('host', 'shop.example', lbIP), podOf('shop'));
        assert.equal(await httpsBody('host', 'api.example', lbIP), podOf('api'));
      }
      assert.equal(await subject('host', 'shop.example', lbIP), 'O = shop v1, CN = shop.example');
    });

    await t.test('each engine, at its pod IP: SNI certificates, the fake certificate for an unknown host and a missing Secret, the redirect', async () => {
      for (const c of controllers) {
        const what = `${c.engine} engine (${c.pod})`;
        assert.equal(await httpsBody('pod', 'shop.example', c.ip), podOf('shop'), what);
        assert.equal(await httpsBody('pod', 'api.example', c.ip), podOf('api'), what);
        assert.equal(await subject('pod', 'api.example', c.ip), 'O = api v1, CN = api.example', what);
        assert.equal(await subject('pod', 'unknown.example', c.ip), FAKE_SUBJECT, `${what}: a host no TLS entry covers`);
        assert.equal(await subject('pod', 'plain.example', c.ip), FAKE_SUBJECT, `${what}: the TLS entry's Secret does not exist`);
        assert.equal(await subject('pod', 'wrong.example', c.ip), FAKE_SUBJECT, `${what}: the Secret's certificate does not name the host`);
        // The fake certificate is not trusted by the test CA: verification fails.
        const untrusted = await curl('pod', ['--cacert', file('ca.crt'), '--resolve', `unknown.example:443:${c.ip}`, 'https://unknown.example/']);
        assert.equal(untrusted.code, 60, `${what}: curl rejects the fake certificate (exit 60)`);
        // Routed by Host like HTTP: no rule for the host, no default backend → 404.
        const miss = await curl('pod', ['-k', '-o', '/dev/null', '-w', '%{http_code}', '--resolve', `unknown.example:443:${c.ip}`, 'https://unknown.example/']);
        assert.equal(miss.stdout, '404', what);
        const plain = await curl('pod', ['-k', '--resolve', `plain.example:443:${c.ip}`, 'https://plain.example/']);
        assert.equal(plain.stdout.trim(), podOf('shop'), `${what}: served over https with the fake certificate`);
        // ssl-redirect: 308 to https, the trailing slash dropped, the query kept.
        for (const [path, location] of [['/', 'https://shop.example'], ['/a/b/?x=1', 'https://shop.example/a/b/?x=1'], ['/cart/', 'https://shop.example/cart']]) {
          const r = await curl('pod', ['-o', '/dev/null', '-D', '-', '--resolve', `shop.example:80:${c.ip}`, `http://shop.example${path}`]);
          const head = r.stdout.split('\r\n');
          const got = `${head[0].split(' ')[1]} ${head.find((l) => /^location:/i.test(l))?.replace(/^location:\s*/i, '')}`;
          assert.equal(got, `308 ${location}`, `${what}: http://shop.example${path}`);
        }
        const noTLS = await curl('pod', ['-o', '/dev/null', '-w', '%{http_code}', '--resolve', `other.example:80:${c.ip}`, 'http://other.example/']);
        assert.equal(noTLS.stdout, '404', `${what}: no TLS for the host, no redirect`);
      }
    });

    await t.test('the Secret rotated while up: the new certificate is served', async () => {
      await apply('rotate.yaml', secret('shop-tls', file('shop2.crt'), file('shop2.key')));
      for (const c of controllers) {
        await waitFor(`${c.engine} engine serves the rotated certificate`, async () => ((await subject('pod', 'shop.example', c.ip)) === 'O = shop v2, CN = shop.example' ? true : undefined), 30000);
        assert.equal(await httpsBody('pod', 'shop.example', c.ip), podOf('shop'));
      }
      assert.equal(await subject('host', 'shop.example', lbIP), 'O = shop v2, CN = shop.example');
    });

    await t.test('a Local LoadBalancer Service added and removed while up: its /32 over the node with the endpoint comes and goes, the link stays', async () => {
      await apply('local-lb.yaml', `
apiVersion: v1
kind: Service
metadata: {name: shop-local, namespace: shop}
spec:
  type: LoadBalancer
  externalTrafficPolicy: Local
  selector: {app: shop}
  ports: [{name: http, port: 80, targetPort: http}]
`);
      const svc = (await json<{ items: Service[] }>('get', 'services', '-n', 'shop')).items.find((s) => s.metadata.name === 'shop-local');
      const ip = svc?.status?.loadBalancer?.ingress?.[0]?.ip ?? '';
      assert.match(ip, /^192\.168\.163\./);
      const shopPod = backends.find((p) => p.metadata.labels?.app === 'shop');
      const nodeIP = shopPod?.spec.nodeName === 'node-1' ? '172.31.63.11' : '172.31.63.12';
      await waitFor(`${ip}/32 via ${nodeIP} on the host`, async () => {
        const r = await run('ip', ['-4', 'route', 'show', `${ip}/32`]);
        return r.stdout.includes(`via ${nodeIP} dev ${link}`) ? true : undefined;
      }, 30000);
      const r = await waitFor('the Local LB IP answers from the host', async () => {
        const res = await curl('host', [`http://${ip}/`]);
        return res.code === 0 && res.stdout.trim() ? res : undefined;
      }, 20000);
      assert.equal(r.stdout.trim(), podOf('shop'));
      const del = await podnet('delete', 'service', 'shop-local', '-n', 'shop');
      assert.equal(del.code, 0, del.stderr);
      await waitFor(`${ip}/32 removed`, async () => ((await run('ip', ['-4', 'route', 'show', `${ip}/32`])).stdout.trim() === '' ? true : undefined), 30000);
      assert.equal((await run('ip', ['link', 'show', link])).code, 0, 'the controller\'s LoadBalancer still needs the link');
    });

    await t.test('the last LoadBalancer Service deleted while up: the host link goes', async () => {
      const del = await podnet('delete', 'service', 'ingress-nginx-controller', '-n', 'ingress-nginx');
      assert.equal(del.code, 0, del.stderr);
      await waitFor('the host link removed', async () => ((await run('ip', ['link', 'show', link])).code !== 0 ? true : undefined), 30000);
      assert.equal((await status()).hostLink, undefined);
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
