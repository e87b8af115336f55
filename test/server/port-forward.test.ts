/**
 * `kubectl port-forward` (v1.35) end to end: kubectl tunnels SPDY/3.1 in a WebSocket
 * (`SPDY/3.1+portforward.k8s.io`), or speaks it after `Upgrade: SPDY/3.1` when its
 * PortForwardWebsockets gate is off; every local connection becomes an error stream and a data stream
 * (the kubelet's protocol). First with a scripted PodRuntime that connects to a server on this host,
 * then (as root) against the real dataplane: the pod's own test server answers with the pod's name.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createServer, connect, type Server, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { test } from 'node:test';
import { ClusterView } from '../../src/cluster/view.ts';
import { dataplaneUp } from '../../src/dataplane/index.ts';
import { DataplanePodRuntime } from '../../src/dataplane/pod-runtime.ts';
import type { ExecIO, ExecRequest, LogRequest, PodRuntime, PortForwardRequest } from '../../src/server/index.ts';
import { cleanup, ownedNetns, processesMentioning, sandbox, skipReason } from '../dataplane/helpers.ts';
import { kubectlBinary, startCluster, type TestCluster } from './harness.ts';

interface Forwarder {
  localPort: number;
  child: ChildProcessWithoutNullStreams;
  output(): string;
  exited: Promise<number>;
  stop(): Promise<void>;
}

/** Starts `kubectl port-forward …` in the background; resolves once it prints "Forwarding from". */
function portForward(c: TestCluster, args: string[], env: Record<string, string> = {}): Promise<Forwarder> {
  const child = spawn(kubectlBinary(), ['--cache-dir', join(c.dir, 'kube-cache'), 'port-forward', ...args], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: join(c.dir, 'home'), KUBECONFIG: c.kubeconfig, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? 137)));
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  void exited.then(() => clearTimeout(killer));
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer): void => {
      out += d.toString();
      const m = /Forwarding from 127\.0\.0\.1:(\d+) ->/.exec(out);
      if (m) {
        resolve({
          localPort: Number(m[1]),
          child,
          output: () => out,
          exited,
          stop: async () => {
            if (child.exitCode === null) child.kill('SIGTERM');
            await exited;
          },
        });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then((code) => reject(new Error(`kubectl port-forward exited ${code}: ${out}`)));
  });
}

/** One TCP exchange through the forwarded port: sends `send`, returns everything until the close. */
function exchange(port: number, send: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host: '127.0.0.1', port }, () => sock.write(send));
    const chunks: Buffer[] = [];
    sock.on('data', (d: Buffer) => chunks.push(d));
    sock.on('end', () => resolve(Buffer.concat(chunks).toString()));
    sock.on('error', reject);
    sock.setTimeout(20_000, () => sock.destroy(new Error('no answer within 20 s')));
  });
}

const GET = 'GET / HTTP/1.1\r\nHost: pod\r\nConnection: close\r\n\r\n';

/** The body of an HTTP/1.1 response (the pod servers answer with their name). */
const body = (response: string): string => response.slice(response.indexOf('\r\n\r\n') + 4);

/** Answers like podnet's pod server: an HTTP response carrying `name`, after a short think. */
function nameServer(name: string): Promise<Server> {
  const server = createServer((sock) => {
    sock.on('error', () => undefined);
    sock.once('data', () => setTimeout(() => sock.end(`HTTP/1.1 200 OK\r\nContent-Length: ${name.length + 1}\r\nConnection: close\r\n\r\n${name}\n`), 100));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** Echoes every byte back and half-closes when the client does. */
function echoServer(): Promise<Server> {
  const server = createServer({ allowHalfOpen: true }, (sock) => {
    sock.on('error', () => undefined);
    sock.pipe(sock);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** Sends `data`, half-closes, and collects everything the other side sends until it closes. */
function roundTrip(port: number, data: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host: '127.0.0.1', port, allowHalfOpen: true }, () => sock.end(data));
    const chunks: Buffer[] = [];
    sock.on('data', (d: Buffer) => chunks.push(d));
    sock.on('end', () => resolve(Buffer.concat(chunks)));
    sock.on('error', reject);
    sock.setTimeout(30_000, () => sock.destroy(new Error('no answer within 30 s')));
  });
}

/** Forwards pod port 80 to a name server and 7 to an echo server on this host; any other port is one nothing listens on. */
class LocalRuntime implements PodRuntime {
  constructor(private readonly target: number, private readonly echo: number) {}
  exec(_req: ExecRequest, _io: ExecIO): Promise<number> {
    return Promise.resolve(0);
  }
  async *logs(_req: LogRequest): AsyncIterable<string> {
    yield '';
  }
  portForward(req: PortForwardRequest, stream: Duplex): Promise<void> {
    return new Promise((resolve, reject) => {
      const sock = connect({ host: '127.0.0.1', port: req.port === 80 ? this.target : req.port === 7 ? this.echo : 1, allowHalfOpen: true });
      sock.once('error', (err) => reject(new Error(`failed to connect to localhost:${req.port}: ${err.message}`)));
      sock.once('connect', () => {
        stream.pipe(sock);
        sock.pipe(stream, { end: false });
        sock.on('end', () => resolve());
      });
    });
  }
}

const POD = `apiVersion: v1
kind: Pod
metadata:
  name: box
  namespace: default
  labels: {app: box}
spec:
  containers:
    - name: main
      image: busybox
      ports: [{containerPort: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: box, namespace: default}
spec:
  selector: {app: box}
  ports: [{port: 8080, targetPort: 80}]
`;

test('kubectl port-forward through a PodRuntime', async (t) => {
  const target = await nameServer('box');
  const echo = await echoServer();
  const c = await startCluster({ runtime: new LocalRuntime((target.address() as AddressInfo).port, (echo.address() as AddressInfo).port) });
  const forwarders: Forwarder[] = [];
  try {
    const created = await c.kubectl(['apply', '-f', '-'], { stdin: POD });
    assert.equal(created.code, 0, created.stderr);

    for (const [transport, env] of [['WebSocket tunnel', {}], ['Upgrade: SPDY/3.1', { KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false' }]] as const) {
      await t.test(`${transport}: pod/box :80 reaches the pod, two connections at once`, async () => {
        const f = await portForward(c, ['pod/box', ':80'], env);
        forwarders.push(f);
        assert.match(f.output(), /Forwarding from 127\.0\.0\.1:\d+ -> 80/);
        const [a, b] = await Promise.all([exchange(f.localPort, GET), exchange(f.localPort, GET)]);
        assert.match(a, /^HTTP\/1\.1 200 OK/);
        assert.equal(body(a), 'box\n');
        assert.equal(body(b), 'box\n');
        assert.equal(body(await exchange(f.localPort, GET)), 'box\n');
        assert.match(f.output(), /Handling connection for \d+/);
        await f.stop();
      });
    }

    await t.test('4 MiB each way survive the framing (32 KiB data frames, WebSocket messages) byte for byte', async () => {
      const f = await portForward(c, ['pod/box', ':7']);
      forwarders.push(f);
      const data = Buffer.alloc(4 * 1024 * 1024);
      for (let i = 0; i < data.length; i++) data[i] = (i * 31 + (i >> 11)) & 0xff;
      const back = await roundTrip(f.localPort, data);
      assert.equal(back.length, data.length);
      assert.ok(back.equals(data));
      await f.stop();
    });

    await t.test('svc/box 18080:8080 → the selected pod\'s targetPort 80 (kubectl resolves the Service)', async () => {
      const f = await portForward(c, ['svc/box', ':8080']);
      forwarders.push(f);
      assert.match(f.output(), /-> 80/);
      assert.equal(body(await exchange(f.localPort, GET)), 'box\n');
      await f.stop();
    });

    await t.test('a port nothing listens on: the kubelet\'s error reaches kubectl on the error stream', async () => {
      const f = await portForward(c, ['pod/box', ':81']);
      forwarders.push(f);
      const answer = await exchange(f.localPort, GET).catch(() => '');
      assert.equal(answer, '');
      await Promise.race([f.exited, new Promise((r) => setTimeout(r, 5000))]);
      assert.match(f.output(), new RegExp(`an error occurred forwarding ${f.localPort} -> 81: error forwarding port 81 to pod default/box, uid [0-9a-f-]+: failed to connect to localhost:81`));
      await f.stop();
    });

    await t.test('a missing pod is NotFound before any stream', async () => {
      const r = await c.kubectl(['port-forward', 'pod/nope', ':80'], { timeoutMs: 20_000 });
      assert.equal(r.code, 1);
      assert.match(r.stderr, /pods "nope" not found/);
    });
  } finally {
    await Promise.all(forwarders.map((f) => f.stop()));
    await c.close();
    await new Promise((r) => target.close(r));
    await new Promise((r) => echo.close(r));
  }
});

test('kubectl port-forward without a dataplane: the upgrade is refused with a Status saying why', async () => {
  const c = await startCluster();
  try {
    const created = await c.kubectl(['apply', '-f', '-'], { stdin: POD });
    assert.equal(created.code, 0, created.stderr);
    for (const env of [{}, { KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false' }] as Array<Record<string, string>>) {
      const r = await c.kubectl(['port-forward', 'pod/box', ':80'], { timeoutMs: 20_000, env });
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /podnet: cannot forward ports in pod default\/box: the podnet dataplane is not up/);
    }
    const plain = await c.request('/api/v1/namespaces/default/pods/box/portforward', { method: 'POST' });
    assert.equal(plain.status, 400);
    assert.match(String(plain.json().message), /Upgrade request required/);
  } finally {
    await c.close();
  }
});

/** The default cluster's node-1 runs it. */
const DATAPLANE_CLUSTER = `apiVersion: v1
kind: Pod
metadata: {name: web, namespace: default, labels: {app: web}}
spec:
  nodeName: node-1
  containers: [{name: c, image: x, ports: [{containerPort: 80}]}]
`;

test('kubectl port-forward against the real dataplane: the pod\'s own server answers', { skip: skipReason }, async (t) => {
  const s = sandbox('pf');
  const c = await startCluster({ runtime: new DataplanePodRuntime(s.names, s.layout) });
  const forwarders: Forwarder[] = [];
  try {
    const created = await c.kubectl(['apply', '-f', '-'], { stdin: DATAPLANE_CLUSTER });
    assert.equal(created.code, 0, created.stderr);
    const config = (await import('../../src/cluster/config.ts')).defaultClusterConfig();
    await dataplaneUp({ view: new ClusterView(c.store.list(), config), config, names: s.names, layout: s.layout });

    await t.test('pod/web :80: HTTP through the forwarded port reaches the pod server (it answers with the pod name), twice at once', async () => {
      const f = await portForward(c, ['pod/web', ':80']);
      forwarders.push(f);
      const [a, b] = await Promise.all([exchange(f.localPort, GET), exchange(f.localPort, GET)]);
      assert.equal(body(a), 'web\n');
      assert.equal(body(b), 'web\n');
      // Plain TCP: the server answers the name when the client sends nothing and half-closes.
      const raw = await new Promise<string>((resolve, reject) => {
        const sock = connect({ host: '127.0.0.1', port: f.localPort }, () => sock.end());
        let got = '';
        sock.on('data', (d: Buffer) => (got += d.toString()));
        sock.on('end', () => resolve(got));
        sock.on('error', reject);
      });
      assert.equal(raw, 'web\n');
      await f.stop();
    });

    await t.test('kubectl exec runs in the pod\'s network namespace and returns its exit code (same runtime)', async () => {
      const r = await c.kubectl(['exec', 'web', '--', 'ip', '-o', '-4', 'addr', 'show', 'eth0']);
      assert.equal(r.code, 0, r.stderr);
      const pod = c.store.list().find((o) => o.kind === 'Pod' && o.metadata.name === 'web') as { status?: { podIP?: string } } | undefined;
      assert.ok(pod?.status?.podIP);
      assert.match(r.stdout, new RegExp(`inet ${pod.status.podIP.replace(/\./g, '\\.')}/`));
      const failed = await c.kubectl(['exec', 'web', '--', 'sh', '-c', 'exit 3']);
      assert.equal(failed.code, 3);
    });

    await t.test('kubectl logs shows the pod server\'s access log: its start and the requests that reached it', async () => {
      const r = await c.kubectl(['logs', 'web']);
      assert.equal(r.code, 0, r.stderr);
      const lines = r.stdout.trimEnd().split('\n');
      assert.match(lines[0], /^\d{4}-\d\d-\d\dT[\d:.]+Z web serving tcp 80$/);
      // Forwarded connections arrive from inside the pod (localhost), as the kubelet's do.
      const gets = lines.filter((l) => /tcp\/80 127\.0\.0\.1:\d+ "GET \/ HTTP\/1\.1"$/.test(l));
      assert.equal(gets.length, 2, r.stdout);
      const tail = await c.kubectl(['logs', 'web', '--tail=1']);
      assert.equal(tail.stdout, `${lines.at(-1)}\n`);
    });

    await t.test('a port nothing listens on in the pod: kubectl prints the kubelet-worded error', async () => {
      const f = await portForward(c, ['pod/web', ':81']);
      forwarders.push(f);
      assert.equal(await exchange(f.localPort, GET).catch(() => ''), '');
      await Promise.race([f.exited, new Promise((r) => setTimeout(r, 5000))]);
      assert.match(f.output(), new RegExp(`an error occurred forwarding ${f.localPort} -> 81: error forwarding port 81 to pod default/web, uid [0-9a-f-]+: failed to connect to localhost:81 inside the pod's network namespace, IPv4: dial tcp4 127.0.0.1:81: connect: connection refused`));
      await f.stop();
    });
  } finally {
    await Promise.all(forwarders.map((f) => f.stop()));
    await c.close();
    await cleanup(s);
  }
  assert.deepEqual(await ownedNetns(s.names), []);
  assert.deepEqual(await processesMentioning(s.names.prefix), []);
});
