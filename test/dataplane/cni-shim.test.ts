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

/** A stand-in daemon: records each request and answers with `reply`. */
async function withDaemon(reply: string, fn: (socket: string, requests: string[]) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'podnet-shim-'));
  const socket = join(dir, 'cni.sock');
  const requests: string[] = [];
  const server = net.createServer({ allowHalfOpen: true }, (sock) => {
    const chunks: Buffer[] = [];
    sock.on('data', (b: Buffer) => chunks.push(b));
    sock.on('end', () => {
      requests.push(Buffer.concat(chunks).toString());
      sock.end(reply);
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

test('stdin reaches the daemon byte for byte, shell metacharacters included', async () => {
  const stdin = '{"cniVersion":"1.0.0","name":"a\\\\b $HOME `id` $(id)",\n\n  "type":"bridge", "x":"\\n\\t é"}\n';
  await withDaemon('{}\n0', async (socket, requests) => {
    const r = await run(join(PODNET_CNI_BIN, 'bridge'), [], { input: stdin, env: env(socket) });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(requests[0], [
      'CNI_COMMAND=ADD', 'CNI_CONTAINERID=c1', 'CNI_NETNS=/var/run/netns/p1', 'CNI_IFNAME=eth0',
      'CNI_ARGS=IgnoreUnknown=1;K8S_POD_NAME=web', `CNI_PATH=${PODNET_CNI_BIN}`, 'PODNET_PLUGIN=bridge', '', stdin,
    ].join('\n'));
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
    assert.match(requests[0], /^CNI_COMMAND=DEL\n[^]*\nPODNET_PLUGIN=host-local\n\n\{\}\n$/);
  });
});
