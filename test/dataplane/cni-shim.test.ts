/**
 * The plugin executables' forwarding path (bin/podnet-cni): what reaches the node CNI daemon is the
 * CNI environment (SPEC "Parameters": CNI_COMMAND, CNI_CONTAINERID, CNI_NETNS, CNI_IFNAME, CNI_ARGS,
 * CNI_PATH), the plugin's name and the configuration bytes from stdin unchanged; what the daemon
 * answers is printed and its code is the exit status (SPEC: result or error on stdout, 0 or 1).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PODNET_CNI_BIN } from '../../src/dataplane/index.ts';
import { run } from '../../src/dataplane/run.ts';
import { parseRequest, requestStdin } from '../../src/dataplane/cni/daemon.ts';
import { execPlugin } from '../../src/dataplane/cni/skel.ts';

interface Seen {
  /** The request bytes as they came over the socket. */
  raw: string;
  env: Record<string, string>;
  /** The configuration as the real daemon resolves it (inline or from the shim's stdin). */
  stdin: string;
}

/** A stand-in daemon: records each request (resolving stdin as the daemon does) and answers with `reply`. */
async function withDaemon(reply: string, fn: (socket: string, requests: Seen[]) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'podnet-shim-'));
  const socket = join(dir, 'cni.sock');
  const requests: Seen[] = [];
  const server = net.createServer({ allowHalfOpen: true }, (sock) => {
    const chunks: Buffer[] = [];
    sock.on('data', (b: Buffer) => chunks.push(b));
    sock.on('end', () => {
      const raw = Buffer.concat(chunks).toString();
      const { env, stdin } = parseRequest(raw);
      void requestStdin(env, stdin).then((resolved) => {
        requests.push({ raw, env, stdin: resolved });
        sock.end(reply);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  try {
    await fn(socket, requests);
  } finally {
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  }
}

const env = (socket: string): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH, PODNET_CNI_SOCKET: socket, CNI_COMMAND: 'ADD', CNI_CONTAINERID: 'c1', CNI_NETNS: '/var/run/netns/p1',
  CNI_IFNAME: 'eth0', CNI_ARGS: 'IgnoreUnknown=1;K8S_POD_NAME=web', CNI_PATH: PODNET_CNI_BIN,
});

const HEADER = (plugin: string): Record<string, string> => ({
  CNI_COMMAND: 'ADD', CNI_CONTAINERID: 'c1', CNI_NETNS: '/var/run/netns/p1', CNI_IFNAME: 'eth0',
  CNI_ARGS: 'IgnoreUnknown=1;K8S_POD_NAME=web', CNI_PATH: PODNET_CNI_BIN, PODNET_PLUGIN: plugin,
});

test('stdin reaches the daemon byte for byte, shell metacharacters included (piped: the daemon reads it from the shim)', async () => {
  const stdin = '{"cniVersion":"1.0.0","name":"a\\\\b $HOME `id` $(id)",\n\n  "type":"bridge", "x":"\\n\\t é"}';
  await withDaemon('{}\n0', async (socket, requests) => {
    // A real pipe, as Go runtimes (containerd, CRI-O) give plugins.
    const r = await run('sh', ['-c', `printf '%s' "$CONF" | "${join(PODNET_CNI_BIN, 'bridge')}"`], { env: { ...env(socket), CONF: stdin } });
    assert.equal(r.code, 0, r.stderr);
    const { PODNET_STDIN_PID: pid, ...rest } = requests[0].env;
    assert.deepEqual(rest, HEADER('bridge'));
    assert.match(pid, /^[1-9]\d*$/, 'a pipe: the daemon reads the shim\'s stdin itself');
    assert.equal(requests[0].stdin, stdin, 'exactly the bytes written, no newline added');
  });
});

test('podnet\'s runtime (execPlugin) hands the configuration over as a file, which the daemon reads', async () => {
  await withDaemon('{"cniVersion":"1.0.0"}\n0', async (socket, requests) => {
    const conf = '{"cniVersion":"1.0.0","name":"n","type":"loopback"}';
    const r = await execPlugin(join(PODNET_CNI_BIN, 'loopback'), env(socket), conf);
    assert.deepEqual(r, { code: 0, stdout: '{"cniVersion":"1.0.0"}\n' });
    assert.match(requests[0].env.PODNET_STDIN_PID, /^[1-9]\d*$/);
    assert.equal(requests[0].stdin, conf);
  });
});

test('stdin that is neither a pipe nor a file travels inline after the header', async () => {
  await withDaemon('{}\n0', async (socket, requests) => {
    // A character device (as a terminal would be); Node's own 'pipe' stdio, a socket, also goes inline.
    const r = await run('sh', ['-c', `exec "${join(PODNET_CNI_BIN, 'loopback')}" < /dev/null`], { env: env(socket) });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(requests[0].env.PODNET_STDIN_PID, '');
    assert.equal(requests[0].raw, `${Object.entries(HEADER('loopback')).map(([k, v]) => `${k}=${v}`).join('\n')}\nPODNET_STDIN_PID=\n\n\n`);
  });
});

test('the daemon\'s output is printed and its code is the exit status', async () => {
  const body = '{\n    "code": 999,\n    "msg": "container veth name provided (eth0) already exists"\n}';
  await withDaemon(`${body}\n1`, async (socket) => {
    const r = await run(join(PODNET_CNI_BIN, 'loopback'), [], { input: '{}\n', env: env(socket) });
    assert.equal(r.code, 1);
    assert.equal(r.stdout, `${body}\n`);
  });
  await withDaemon('\n0', async (socket, requests) => {
    const r = await run(join(PODNET_CNI_BIN, 'host-local'), [], { input: '{}\n', env: { ...env(socket), CNI_COMMAND: 'DEL' } });
    assert.deepEqual([r.code, r.stdout], [0, ''], 'DEL prints nothing');
    assert.equal(requests[0].env.CNI_COMMAND, 'DEL');
    assert.equal(requests[0].env.PODNET_PLUGIN, 'host-local');
    assert.equal(requests[0].stdin, '{}\n');
  });
});

test('a file as stdin is read by the daemon too; a bad PODNET_STDIN_PID is an error, not a hang', async () => {
  await withDaemon('{}\n0', async (socket, requests) => {
    const r = await run('sh', ['-c', `exec "${join(PODNET_CNI_BIN, 'bridge')}" < "${join(PODNET_CNI_BIN, '..', 'standalone.mjs')}"`], { env: env(socket) });
    assert.equal(r.code, 0, r.stderr);
    assert.match(requests[0].env.PODNET_STDIN_PID, /^[1-9]\d*$/);
    assert.match(requests[0].stdin, /runStandalone/);
  });
  await assert.rejects(requestStdin({ PODNET_STDIN_PID: '1; rm' }, ''), /not a process id/);
  await assert.rejects(requestStdin({ PODNET_STDIN_PID: '999999999' }, ''), /cannot read the plugin's stdin/);
});
