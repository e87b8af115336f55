/**
 * ns-exec: commands run through the perl helpers behave exactly like `nsenter --net=PATH -- cmd`
 * (util-linux nsenter(1): the command runs in the target network namespace, with our stdin, its
 * stdout, stderr and exit status returned) and like a plain spawn without a namespace.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readlinkSync } from 'node:fs';
import { execIn, setLinkState } from '../../src/dataplane/cni/ns-exec.ts';
import { addNetns, deleteNetns, netnsPath } from '../../src/dataplane/netns.ts';
import { run } from '../../src/dataplane/run.ts';
import { skipReason, uniquePrefix } from './helpers.ts';

const skip = skipReason ?? false;

async function withNetns(count: number, fn: (paths: string[]) => Promise<void>): Promise<void> {
  const prefix = uniquePrefix('nsx');
  const names = Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
  try {
    for (const n of names) await addNetns(n);
    await fn(names.map(netnsPath));
  } finally {
    for (const n of names) await deleteNetns(n).catch(() => undefined);
  }
}

test('inside a namespace: same stdout, stderr and exit code as nsenter --net', { skip }, async () => {
  await withNetns(1, async ([ns]) => {
    const cases: [string[], string][] = [
      [['ip', '-json', 'link', 'show'], ''],
      [['ip', '-batch', '-'], 'link set lo up\nlink show dev nosuchlink\nlink set lo down\n'],
      [['sh', '-c', 'cat; echo err >&2; exit 3'], 'stdin passed through\n'],
      [['readlink', `/proc/self/ns/net`], ''],
    ];
    for (const [argv, input] of cases) {
      const ours = await execIn(ns, argv, input);
      const ref = await run('nsenter', [`--net=${ns}`, '--', ...argv], { input });
      assert.deepEqual(ours, ref, argv.join(' '));
    }
    // The namespace really is the container's: it has only lo, the caller's has more or another inode.
    const inside = (await execIn(ns, ['readlink', '/proc/self/ns/net'])).stdout.trim();
    assert.notEqual(inside, readlinkSync('/proc/self/ns/net'));
  });
});

test('without a namespace: the caller\'s namespace, like a plain spawn', { skip }, async () => {
  const ours = await execIn(undefined, ['readlink', '/proc/self/ns/net']);
  assert.deepEqual(ours, await run('readlink', ['/proc/self/ns/net']));
  assert.equal(ours.stdout.trim(), readlinkSync('/proc/self/ns/net'));
  const missing = await execIn(undefined, ['/nonexistent/podnet-tool']);
  assert.notEqual(missing.code, 0);
});

test('a namespace that cannot be entered fails like nsenter, and the helper stays usable', { skip }, async () => {
  const gone = '/var/run/netns/podnet-no-such-namespace';
  const ours = await execIn(gone, ['ip', 'link', 'show']);
  const ref = await run('nsenter', [`--net=${gone}`, '--', 'ip', 'link', 'show']);
  assert.equal(ours.code, ref.code);
  assert.equal(ours.stdout, '');
  assert.match(ours.stderr, /cannot open \/var\/run\/netns\/podnet-no-such-namespace: No such file or directory/);
  assert.match(ref.stderr, /cannot open \/var\/run\/netns\/podnet-no-such-namespace: No such file or directory/);
  // A regular file is not a namespace: setns fails with EINVAL, as nsenter reports it.
  const notNs = await execIn('/proc/self/status', ['true']);
  assert.equal(notNs.code, 1);
  assert.match(notNs.stderr, /reassociate to namespace 'ns\/net' failed: Invalid argument/);
  assert.equal((await execIn(undefined, ['sh', '-c', 'exit 0'])).code, 0);
});

test('many concurrent calls (more than helpers) each land in their own namespace; large outputs arrive whole', { skip }, async () => {
  await withNetns(6, async (paths) => {
    const expected = await Promise.all(paths.map(async (p) => (await run('nsenter', [`--net=${p}`, '--', 'readlink', '/proc/self/ns/net'])).stdout));
    const calls = Array.from({ length: 30 }, (_, i) => i % paths.length);
    const got = await Promise.all(calls.map((i) => execIn(paths[i], ['readlink', '/proc/self/ns/net'])));
    got.forEach((r, k) => assert.equal(r.stdout, expected[calls[k]], `call ${k}`));
    assert.equal(new Set(expected).size, paths.length);
    const big = await execIn(paths[0], ['sh', '-c', 'head -c 300000 /dev/zero | tr "\\0" x; head -c 100000 /dev/zero | tr "\\0" y >&2']);
    assert.equal(big.stdout.length, 300000);
    assert.equal(big.stderr.length, 100000);
    assert.equal((await execIn(undefined, ['readlink', '/proc/self/ns/net'])).stdout.trim(), readlinkSync('/proc/self/ns/net'), 'back home after every call');
  });
});

/** The fields setLinkState reports, as `ip -json addr show` prints them (iproute2 is the reference). */
function linkFields(json: string): unknown {
  const [l] = JSON.parse(json) as { ifindex: number; ifname: string; flags: string[]; mtu: number; address: string; addr_info: { family: string; local: string; prefixlen: number }[] }[];
  return { ifindex: l.ifindex, ifname: l.ifname, flags: l.flags, mtu: l.mtu, address: l.address, addr_info: l.addr_info.map(({ family, local, prefixlen }) => ({ family, local, prefixlen })) };
}

test('setLinkState over rtnetlink: up reports the link as ip addr show does, down takes it down, errors are RTNETLINK answers', { skip }, async () => {
  await withNetns(1, async ([ns]) => {
    const up = await setLinkState(ns, 'lo', true);
    assert.equal(up.code, 0, up.stderr);
    const ip = await run('nsenter', [`--net=${ns}`, '--', 'ip', '-json', 'addr', 'show', 'dev', 'lo']);
    assert.deepEqual(linkFields(up.stdout), linkFields(ip.stdout));
    assert.deepEqual((linkFields(up.stdout) as { addr_info: unknown[] }).addr_info, [
      { family: 'inet', local: '127.0.0.1', prefixlen: 8 },
      { family: 'inet6', local: '::1', prefixlen: 128 },
    ]);
    // A veth end that is down, with an address: flags and MAC as ip prints them.
    await run('ip', ['-n', ns.split('/').pop() as string, '-batch', '-'], { input: 'link add vtest0 type veth peer name vtest1\naddr add 10.9.8.7/24 dev vtest0\n' });
    const veth = await setLinkState(ns, 'vtest0', true);
    const ipVeth = await run('nsenter', [`--net=${ns}`, '--', 'ip', '-json', 'addr', 'show', 'dev', 'vtest0']);
    assert.deepEqual(linkFields(veth.stdout), linkFields(ipVeth.stdout));
    assert.ok((linkFields(veth.stdout) as { flags: string[] }).flags.includes('NO-CARRIER'), 'peer down: no carrier, as ip shows it');
    const down = await setLinkState(ns, 'lo', false);
    assert.deepEqual([down.code, down.stdout], [0, '']);
    const after = JSON.parse((await run('nsenter', [`--net=${ns}`, '--', 'ip', '-json', 'link', 'show', 'dev', 'lo'])).stdout) as { flags: string[] }[];
    assert.ok(!after[0].flags.includes('UP'));
    const missing = await setLinkState(ns, 'nosuch0', true);
    assert.equal(missing.code, 2);
    assert.equal(missing.stderr, 'RTNETLINK answers: No such device\n');
    const gone = await setLinkState('/var/run/netns/podnet-no-such-namespace', 'lo', true);
    assert.notEqual(gone.code, 0);
    assert.match(gone.stderr, /cannot open/);
    assert.equal((await execIn(undefined, ['readlink', '/proc/self/ns/net'])).stdout.trim(), readlinkSync('/proc/self/ns/net'), 'back home');
  });
});
