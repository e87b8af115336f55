/**
 * `podnet up` / `status` / `exec` / `down` through the CLI: down leaves no namespace, link or
 * process of the run's prefix, also after an `up` killed with SIGKILL half way; exec propagates the
 * command's exit code; the Debian reference plugins work as drop-in CNI_PATH.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataplaneLayout, DataplaneNames, REFERENCE_CNI_BIN, type DataplaneStatus } from '../../src/dataplane/index.ts';
import { run, type RunResult } from '../../src/dataplane/run.ts';
import { ownedNetns, processesMentioning, skipReason, tcpReply, TWO_NODE_CLUSTER, uniquePrefix, PODNET_BIN } from './helpers.ts';


interface CLIRun {
  prefix: string;
  names: DataplaneNames;
  home: string;
  manifest: string;
  podnet(args: string[]): Promise<RunResult>;
}

async function withCLI(tag: string, fn: (c: CLIRun) => Promise<void>): Promise<void> {
  const prefix = uniquePrefix(tag);
  const home = mkdtempSync(join(tmpdir(), 'podnet-cli-'));
  const manifest = join(home, 'cluster.yaml');
  writeFileSync(manifest, TWO_NODE_CLUSTER);
  const env = { ...process.env, PODNET_HOME: join(home, 'state'), PODNET_PREFIX: prefix };
  const c: CLIRun = { prefix, names: new DataplaneNames(prefix), home, manifest, podnet: (args) => run(process.execPath, [PODNET_BIN, ...args], { env, timeoutMs: 120000 }) };
  try {
    await fn(c);
  } finally {
    await c.podnet(['down']);
    rmSync(home, { recursive: true, force: true });
  }
}

/** A live process (a zombie waiting for init to reap it is dead). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Nothing of the prefix is left: namespaces, links in the host namespace, processes, BIRD's run dir. */
async function assertNothingLeft(c: CLIRun, serverPids: number[]): Promise<void> {
  assert.deepEqual(await ownedNetns(c.names), []);
  const links = JSON.parse((await run('ip', ['-json', 'link', 'show'])).stdout) as { ifname: string }[];
  assert.deepEqual(links.filter((l) => l.ifname.startsWith(c.prefix)), []);
  assert.deepEqual(await processesMentioning(`${c.prefix}-`), []);
  for (const pid of serverPids) assert.ok(!running(pid), `server ${pid} still running`);
  assert.ok(!existsSync(`/run/podnet/${c.prefix}`));
}

test('up, status, exec, down: status reports what is up; down leaves nothing', { skip: skipReason }, async () => {
  await withCLI('life', async (c) => {
    const up = await c.podnet(['up', '-f', c.manifest, '-o', 'json']);
    assert.equal(up.code, 0, up.stderr);
    const st = await c.podnet(['status', '-o', 'json']);
    assert.equal(st.code, 0, st.stderr);
    const status = JSON.parse(st.stdout) as DataplaneStatus;
    assert.equal(status.phase, 'up');
    assert.equal(status.cni, 'calico (BGP, no encapsulation)', 'the default ClusterConfig');
    assert.deepEqual(status.nodes.map((n) => [n.name, n.internalIP, n.present, n.bgp]), [['node-1', '172.18.0.11', true, '1/1'], ['node-2', '172.18.0.12', true, '1/1']]);
    const webA = status.pods.find((p) => p.name === 'web-a');
    assert.deepEqual([webA?.present, webA?.server], [true, 'running']);

    // exec: the command runs in the pod's namespace and its exit code is podnet's.
    const ip = await c.podnet(['exec', 'shop/web-a', '--', 'ip', '-json', 'addr', 'show', 'dev', 'eth0']);
    assert.equal(ip.code, 0, ip.stderr);
    assert.equal((JSON.parse(ip.stdout) as { addr_info: { local: string }[] }[])[0].addr_info[0].local, webA?.ip);
    assert.equal((await c.podnet(['exec', 'shop/web-a', '--', 'sh', '-c', 'exit 7'])).code, 7);
    const curl = await c.podnet(['exec', 'shop/web-a', '--', 'curl', '-s', '--max-time', '5', `http://${status.pods.find((p) => p.name === 'web-c')?.ip}/`]);
    assert.equal(curl.stdout, 'web-c\n', 'HTTP to the cross-node pod\'s test server');
    const node = await c.podnet(['exec', 'node/node-2', '--', 'ip', '-json', 'addr', 'show', 'dev', 'eth0']);
    assert.match(node.stdout, /"local":"172\.18\.0\.12"/);
    const missing = await c.podnet(['exec', 'shop/nope', '--', 'true']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /pod shop\/nope is not up/);
    const noNode = await c.podnet(['exec', 'node/nope', '--', 'true']);
    assert.equal(noNode.code, 2);
    assert.match(noNode.stderr, /^error: node nope is not up \(.*\); the running dataplane has nodes node-1, node-2\n$/, 'one line naming the nodes that are up');
    assert.equal((await c.podnet(['up', '-f', c.manifest])).code, 1, 'a second up with the same prefix is refused');

    const layout = new DataplaneLayout(join(c.home, 'state', 'dataplane'));
    const pids = layout.read()?.servers.map((s) => s.pid) ?? [];
    assert.ok(pids.length >= 3);
    const down = await c.podnet(['down', '-o', 'json']);
    assert.equal(down.code, 0, down.stderr);
    assert.ok((JSON.parse(down.stdout) as { namespaces: string[] }).namespaces.length >= 6);
    await assertNothingLeft(c, pids);
    assert.equal(JSON.parse((await c.podnet(['status', '-o', 'json'])).stdout).phase, 'down');
  });
});

test('a SIGKILLed up is cleaned up by down', { skip: skipReason }, async () => {
  await withCLI('kill', async (c) => {
    const env = { ...process.env, PODNET_HOME: join(c.home, 'state'), PODNET_PREFIX: c.prefix };
    const child = spawn(process.execPath, [PODNET_BIN, 'up', '-f', c.manifest], { env, stdio: 'ignore', detached: true });
    // Kill once some pods exist (at least one pod namespace), before up has finished.
    const deadline = Date.now() + 60000;
    let killedEarly = false;
    while (Date.now() < deadline) {
      const owned = await ownedNetns(c.names);
      if (owned.some((n) => n.includes('-pod-'))) {
        killedEarly = child.exitCode === null;
        process.kill(-(child.pid as number), 'SIGKILL');
        break;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(killedEarly, 'up was still running when it was killed');
    const layout = new DataplaneLayout(join(c.home, 'state', 'dataplane'));
    assert.equal(layout.read()?.phase, 'creating', 'the state records an unfinished up');
    const st = JSON.parse((await c.podnet(['status', '-o', 'json'])).stdout) as DataplaneStatus;
    assert.equal(st.phase, 'creating');
    assert.ok((await ownedNetns(c.names)).length > 0);
    const down = await c.podnet(['down']);
    assert.equal(down.code, 0, down.stderr);
    await assertNothingLeft(c, []);
  });
});

test('the Debian reference plugins are a drop-in CNI_PATH (bridge + host-local + loopback)', { skip: skipReason ?? (existsSync(join(REFERENCE_CNI_BIN, 'bridge')) ? false : 'containernetworking-plugins not installed') }, async () => {
  await withCLI('ref', async (c) => {
    const cfg = join(c.home, 'flannel.yaml');
    writeFileSync(cfg, 'apiVersion: podnet/v1alpha1\nkind: ClusterConfig\ncni: flannel\ncniOptions: {backend: host-gw}\n');
    const up = await c.podnet(['up', '-f', c.manifest, '--config', cfg, '--cni-bin-dir', REFERENCE_CNI_BIN]);
    assert.equal(up.code, 0, up.stderr);
    const status = JSON.parse((await c.podnet(['status', '-o', 'json'])).stdout) as DataplaneStatus;
    const [a, cc] = ['web-a', 'web-c'].map((n) => status.pods.find((p) => p.name === n));
    assert.equal(await tcpReply(a?.netns as string, cc?.ip as string, 80), 'web-c');
    // The reference bridge names host veths randomly; the address is still the model's.
    const ip = await c.podnet(['exec', 'shop/web-c', '--', 'ip', '-json', 'addr', 'show', 'dev', 'eth0']);
    assert.equal((JSON.parse(ip.stdout) as { addr_info: { local: string }[] }[])[0].addr_info[0].local, cc?.ip);
  });
});

test('calico IPIP is refused before anything is created (exit 2, the reason named)', { skip: skipReason }, async () => {
  await withCLI('ipip', async (c) => {
    const cfg = join(c.home, 'ipip.yaml');
    writeFileSync(cfg, 'apiVersion: podnet/v1alpha1\nkind: ClusterConfig\ncni: calico\ncniOptions: {mode: ipip}\n');
    const up = await c.podnet(['up', '-f', c.manifest, '--config', cfg]);
    assert.equal(up.code, 2);
    assert.match(up.stderr, /calico \(IPIP\) needs the ipip tunnel driver \(CONFIG_NET_IPIP\)/);
    assert.deepEqual(await ownedNetns(c.names), []);
  });
});
