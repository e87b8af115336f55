/**
 * The exec/logs streaming protocol end to end, with a scripted PodRuntime standing in for the
 * dataplane: kubectl v1.35 (WebSocket v5.channel.k8s.io only) and @kubernetes/client-node (offers
 * v5…v1) must see stdout/stderr on their channels, stdin forwarded and closed, and the command's exit
 * code (kubectl exits with it, as against a real kubelet).
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { Exec, KubeConfig, type V1Status } from '@kubernetes/client-node';
import type { ExecIO, ExecRequest, LogRequest, PodRuntime } from '../../src/server/index.ts';
import { startCluster } from './harness.ts';

/** `echo ARGS…`, `cat` (stdin → stdout), `fail N` (stderr line, exit N), `whoami` (pod/container). */
class ScriptedRuntime implements PodRuntime {
  exec(req: ExecRequest, io: ExecIO): Promise<number> {
    const [cmd, ...args] = req.command;
    switch (cmd) {
      case 'echo':
        io.stdout(`${args.join(' ')}\n`);
        return Promise.resolve(0);
      case 'whoami':
        io.stdout(`${req.pod.metadata.namespace}/${req.pod.metadata.name}/${req.container}\n`);
        return Promise.resolve(0);
      case 'fail':
        io.stderr(`failing with ${args[0]}\n`);
        return Promise.resolve(Number(args[0]));
      case 'cat':
        return new Promise((resolve) => {
          io.onStdin = (data) => {
            if (data === null) resolve(0);
            else io.stdout(data);
          };
        });
      default:
        io.stderr(`${cmd}: not found\n`);
        return Promise.resolve(127);
    }
  }

  async *logs(req: LogRequest): AsyncIterable<string> {
    const lines = ['one', 'two', 'three'].map((l) => `${req.container}: ${l}\n`);
    for (const l of req.tailLines !== undefined ? lines.slice(-req.tailLines) : lines) yield l;
  }
}

const POD = `apiVersion: v1
kind: Pod
metadata:
  name: box
  namespace: default
spec:
  containers:
    - name: main
      image: busybox
`;

test('exec and logs through a PodRuntime', async (t) => {
  const c = await startCluster({ runtime: new ScriptedRuntime() });
  try {
    const created = await c.kubectl(['apply', '-f', '-'], { stdin: POD });
    assert.equal(created.code, 0, created.stderr);

    await t.test('kubectl exec: stdout arrives on channel 1', async () => {
      const r = await c.kubectl(['exec', 'box', '--', 'echo', 'hello', 'world']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'hello world\n');
      const who = await c.kubectl(['exec', 'box', '--', 'whoami']);
      assert.equal(who.stdout, 'default/box/main\n');
    });

    await t.test('kubectl exec: a non-zero exit code becomes kubectl\'s exit code, stderr on channel 2', async () => {
      const r = await c.kubectl(['exec', 'box', '--', 'fail', '3']);
      assert.equal(r.code, 3);
      assert.match(r.stderr, /^failing with 3$/m);
      assert.match(r.stderr, /command terminated with exit code 3/);
    });

    await t.test('kubectl exec -i: stdin is forwarded and its end (v5 close signal) ends the command', async () => {
      const r = await c.kubectl(['exec', '-i', 'box', '--', 'cat'], { stdin: 'line 1\nline 2\n' });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'line 1\nline 2\n');
    });

    await t.test('kubectl logs and --tail', async () => {
      const r = await c.kubectl(['logs', 'box']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'main: one\nmain: two\nmain: three\n');
      const tail = await c.kubectl(['logs', 'box', '--tail=1']);
      assert.equal(tail.stdout, 'main: three\n');
      const wrong = await c.kubectl(['logs', 'box', '-c', 'nope']);
      assert.equal(wrong.code, 1);
      assert.match(wrong.stderr, /container nope is not valid for pod box/);
    });

    await t.test('@kubernetes/client-node Exec: output and the Success / Failure status', async () => {
      const kc = new KubeConfig();
      kc.loadFromFile(c.kubeconfig);
      const exec = new Exec(kc);
      const run = (command: string[]): Promise<{ out: string; err: string; status: V1Status }> =>
        new Promise((resolve, reject) => {
          let out = '';
          let err = '';
          const sink = (append: (s: string) => void): Writable => new Writable({ write: (chunk: Buffer, _enc, cb) => { append(chunk.toString()); cb(); } });
          exec
            .exec('default', 'box', 'main', command, sink((s) => (out += s)), sink((s) => (err += s)), null, false, (status) => resolve({ out, err, status }))
            .catch(reject);
        });
      const ok = await run(['echo', 'from', 'client-node']);
      assert.equal(ok.out, 'from client-node\n');
      assert.equal(ok.status.status, 'Success');
      const bad = await run(['fail', '7']);
      assert.equal(bad.err, 'failing with 7\n');
      assert.equal(bad.status.reason, 'NonZeroExitCode');
      assert.equal(bad.status.details?.causes?.[0]?.message, '7');
    });
  } finally {
    await c.close();
  }
});
