/**
 * ns-exec: commands run through the perl helpers behave exactly like `nsenter --net=PATH -- cmd`
 * (util-linux nsenter(1): the command runs in the target network namespace, with our stdin, its
 * stdout, stderr and exit status returned) and like a plain spawn without a namespace.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readlinkSync } from 'node:fs';
import { configureLink, execIn, ipLine, type LinkOp } from '../../src/dataplane/cni/ns-exec.ts';
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
  // A path the helper's header cannot carry goes to nsenter, with nsenter's own answer.
  const spaced = '/var/run/netns/podnet no such';
  assert.deepEqual(await execIn(spaced, ['true']), await run('nsenter', [`--net=${spaced}`, '--', 'true']));
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

/** The fields configureLink's show reports, as `ip -json addr show` prints them (iproute2 is the reference). */
function linkFields(json: string): unknown {
  const [l] = JSON.parse(json) as { ifindex: number; ifname: string; flags: string[]; mtu: number; address: string; addr_info: { family: string; local: string; prefixlen: number }[] }[];
  return { ifindex: l.ifindex, ifname: l.ifname, flags: l.flags, mtu: l.mtu, address: l.address, addr_info: l.addr_info.map(({ family, local, prefixlen }) => ({ family, local, prefixlen })) };
}

const nsName = (path: string): string => path.split('/').pop() as string;

test('configureLink over rtnetlink: show reports the link as ip addr show does, down takes it down, errors as ip words them', { skip }, async () => {
  await withNetns(1, async ([ns]) => {
    const up = await configureLink(ns, 'lo', [{ op: 'up' }, { op: 'show' }]);
    assert.equal(up.code, 0, up.stderr);
    const ip = await run('nsenter', [`--net=${ns}`, '--', 'ip', '-json', 'addr', 'show', 'dev', 'lo']);
    assert.deepEqual(linkFields(up.stdout), linkFields(ip.stdout));
    assert.deepEqual((linkFields(up.stdout) as { addr_info: unknown[] }).addr_info, [
      { family: 'inet', local: '127.0.0.1', prefixlen: 8 },
      { family: 'inet6', local: '::1', prefixlen: 128 },
    ]);
    // A veth end whose peer is down, with an address: flags (NO-CARRIER, M-DOWN) and MAC as ip prints them.
    await run('ip', ['-n', nsName(ns), '-batch', '-'], { input: 'link add vtest0 type veth peer name vtest1\naddr add 10.9.8.7/24 dev vtest0\n' });
    const veth = await configureLink(ns, 'vtest0', [{ op: 'up' }, { op: 'show' }]);
    const ipVeth = await run('nsenter', [`--net=${ns}`, '--', 'ip', '-json', 'addr', 'show', 'dev', 'vtest0']);
    assert.deepEqual(linkFields(veth.stdout), linkFields(ipVeth.stdout));
    assert.ok((linkFields(veth.stdout) as { flags: string[] }).flags.includes('M-DOWN'));
    const down = await configureLink(ns, 'lo', [{ op: 'down' }]);
    assert.deepEqual([down.code, down.stdout], [0, '']);
    const after = JSON.parse((await run('nsenter', [`--net=${ns}`, '--', 'ip', '-json', 'link', 'show', 'dev', 'lo'])).stdout) as { flags: string[] }[];
    assert.ok(!after[0].flags.includes('UP'));
    const missing = await configureLink(ns, 'nosuch0', [{ op: 'up' }]);
    const ipMissing = await run('nsenter', [`--net=${ns}`, '--', 'ip', 'link', 'set', 'dev', 'nosuch0', 'up']);
    assert.deepEqual([missing.code, missing.stderr], [ipMissing.code, ipMissing.stderr]);
    const twice = await configureLink(ns, 'vtest0', [{ op: 'addr', cidr: '10.9.8.7/24' }, { op: 'show' }]);
    assert.deepEqual([twice.code, twice.stdout, twice.stderr], [2, '', 'RTNETLINK answers: File exists\n'], 'stops at the first failure');
    const gone = await configureLink('/var/run/netns/podnet-no-such-namespace', 'lo', [{ op: 'up' }]);
    assert.notEqual(gone.code, 0);
    assert.match(gone.stderr, /cannot open/);
    assert.equal((await execIn(undefined, ['readlink', '/proc/self/ns/net'])).stdout.trim(), readlinkSync('/proc/self/ns/net'), 'back home');
  });
});

/** Kernel state of a namespace without what is random (MACs, the IPv6 link-local address derived from them). */
async function kernelView(ns: string): Promise<unknown> {
  const show = async (...args: string[]): Promise<unknown> => JSON.parse((await run('ip', ['-n', nsName(ns), '-d', '-json', ...args])).stdout);
  const text = JSON.stringify({ addr: await show('addr', 'show'), route: await show('route', 'show', 'table', 'all'), route6: await show('-6', 'route', 'show', 'table', 'all'), neigh: await show('neigh', 'show') });
  return JSON.parse(text.replace(/"[0-9a-f]{2}(:[0-9a-f]{2}){5}"/g, '"<mac>"').replace(/fe80::[0-9a-f:]+/g, '<ll>'));
}

test('the same ops through rtnetlink and through ip leave the same kernel state (bridge and routed container sides)', { skip }, async () => {
  await withNetns(2, async (paths) => {
    const ops: LinkOp[] = [
      { op: 'up' },
      { op: 'addr', cidr: '10.244.1.7/24', brd: true },
      { op: 'addr', cidr: '10.244.9.9/31', brd: true },
      { op: 'addr', cidr: '10.244.3.3/32' },
      { op: 'addr', cidr: 'fd00::7/64', brd: true },
      { op: 'route', dst: '0.0.0.0/0', gw: '10.244.1.1' },
      { op: 'route', dst: '10.96.0.0/12', gw: '10.244.1.1' },
      { op: 'route', dst: '169.254.1.1', scopeLink: true },
      { op: 'route', dst: '10.10.0.0/16' },
      { op: 'route', dst: '::/0', gw: 'fd00::1' },
      { op: 'neigh', address: '169.254.1.1', lladdr: 'ee:ee:ee:ee:ee:ee' },
    ];
    for (const p of paths) await run('ip', ['-n', nsName(p), '-batch', '-'], { input: 'link add eth0 mtu 1450 type veth peer name peer0\nlink set peer0 up\n' });
    const viaHelper = await configureLink(paths[0], 'eth0', ops);
    assert.equal(viaHelper.code, 0, viaHelper.stderr);
    const viaIp = await run('nsenter', [`--net=${paths[1]}`, '--', 'ip', '-batch', '-'], { input: `${ops.map((o) => ipLine('eth0', o)).join('\n')}\n` });
    assert.equal(viaIp.code, 0, viaIp.stderr);
    assert.deepEqual(await kernelView(paths[0]), await kernelView(paths[1]));
  });
});
