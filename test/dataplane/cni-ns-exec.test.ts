/**
 * ns-exec: commands run through the perl helpers behave exactly like `nsenter --net=PATH -- cmd`
 * (util-linux nsenter(1): the command runs in the target network namespace, with our stdin, its
 * stdout, stderr and exit status returned) and like a plain spawn without a namespace.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readlinkSync } from 'node:fs';
import { execIn } from '../../src/dataplane/cni/ns-exec.ts';
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
