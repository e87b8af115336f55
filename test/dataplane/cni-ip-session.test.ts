/**
 * IpSession: a batch through the long-lived ip behaves like a one-shot `ip -json -batch -`
 * (iproute2 ip(8) -batch: commands run in order, the first failure stops the batch and is reported
 * as "Command failed <file>:<line>"; -json show commands print one JSON document each). Only
 * read-only commands and ones ip refuses before changing anything: the session acts on the test
 * process's own namespace.
 */
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IpSession } from '../../src/dataplane/cni/ip-session.ts';
import { run } from '../../src/dataplane/run.ts';
import { skipReason, uniquePrefix } from './helpers.ts';

const skip = skipReason ?? false;

/** What a one-shot ip prints for the same lines: JSON lines, and the last two stderr lines on failure. */
async function oneShot(lines: string[]): Promise<{ json: string[]; error?: string }> {
  const r = await run('ip', ['-json', '-batch', '-'], { input: `${lines.join('\n')}\n` });
  const json = r.stdout.split('\n').filter((l) => l.startsWith('['));
  return r.code === 0 ? { json } : { json, error: r.stderr.trim().split('\n').slice(-2).join('; ') };
}

test('same JSON and same first error (message and line number) as a one-shot ip -batch', { skip }, async () => {
  const s = new IpSession();
  const cases = [
    ['addr show dev lo', 'route get 127.0.0.1'],
    ['addr show dev lo', 'addr show dev podnet-nosuch0', 'addr show dev lo'],
    ['addr show dev podnet-nosuch1'],
    ['addr show dev lo', 'route get 127.0.0.1', 'addr show dev podnet-nosuch2', 'route show dev podnet-nosuch3'],
    ['addr show dev lo'],
  ];
  // Twice: what earlier batches ran must not change what later ones print.
  for (const lines of [...cases, ...cases]) assert.deepEqual(await s.batch(lines), await oneShot(lines), lines.join(' | '));
});

test('link show is refused: it would leave ip printing addr show without addresses from then on', { skip }, async () => {
  const s = new IpSession();
  // The iproute2 behaviour the refusal guards against, shown with a one-shot batch.
  const poisoned = await oneShot(['link show dev lo', 'addr show dev lo']);
  assert.equal(JSON.parse(poisoned.json[1])[0].addr_info, undefined);
  await assert.rejects(s.batch(['link show dev lo']), /refused line "link show dev lo"/);
  await assert.rejects(s.batch(['addr show dev lo', 'l ls lo']), /refused/);
  const after = await s.batch(['addr show dev lo']);
  assert.ok(JSON.parse(after.json[0])[0].addr_info.length > 0);
});

test('the batch stops at its first failure: later lines do not run', { skip }, async () => {
  const s = new IpSession();
  // After the failing line, a show would print a document; none may appear.
  const r = await s.batch(['addr show dev podnet-nosuch4', 'addr show dev lo']);
  assert.deepEqual(r.json, []);
  assert.equal(r.error, 'Device "podnet-nosuch4" does not exist.; Command failed -:1');
});

test('concurrent batches are pipelined and each gets its own output', { skip }, async () => {
  const s = new IpSession();
  const batches = Array.from({ length: 40 }, (_, i) => (i % 3 === 0 ? ['addr show dev lo', `addr show dev podnet-nosuch-${i}`] : ['addr show dev lo', 'route get 127.0.0.1']));
  const got = await Promise.all(batches.map((b) => s.batch(b)));
  got.forEach((r, i) => {
    assert.equal(r.json.length, i % 3 === 0 ? 1 : 2, `batch ${i}`);
    assert.equal(JSON.parse(r.json[0])[0].ifname, 'lo');
    assert.ok(JSON.parse(r.json[0])[0].addr_info.length > 0);
    if (i % 3 === 0) assert.equal(r.error, `Device "podnet-nosuch-${i}" does not exist.; Command failed -:2`);
    else assert.equal(r.error, undefined);
  });
});

test('ip exiting on a malformed argument fails only that batch; batches queued behind it run on a new ip', { skip }, async () => {
  const s = new IpSession();
  // ip's invarg() exits the process: "Invalid mtu" is checked before anything is sent to the kernel.
  const [bad, ...after] = await Promise.all([
    s.batch(['link set dev lo mtu abc']),
    s.batch(['addr show dev lo']),
    s.batch(['route get 127.0.0.1', 'addr show dev lo']),
  ]);
  assert.match(bad.error ?? '', /Invalid "mtu" value/);
  for (const r of after) {
    assert.equal(r.error, undefined);
    assert.match(r.json.at(-1) ?? '', /"ifname":"lo"/);
  }
  assert.equal((await s.batch(['addr show dev lo'])).error, undefined, 'usable afterwards');
});

/**
 * The session in a namespace of the test's own: a veth seen by the session (its index now cached by
 * ip), deleted behind the session's back and made again under the same name (a pod recreated on
 * its node), must still be usable by name, as it is for a one-shot ip.
 */
const RECREATE = `
import { execFileSync } from 'node:child_process';
import { IpSession } from ${JSON.stringify(fileURLToPath(new URL('../../src/dataplane/cni/ip-session.ts', import.meta.url)))};
const s = new IpSession();
const out = [];
out.push(await s.batch(['link add name pv0 type veth peer name pv1', 'link set pv0 up', 'addr show dev pv0']));
execFileSync('ip', ['link', 'del', 'pv0']);
out.push(await s.batch(['link add name pv0 type veth peer name pv1', 'link set pv0 up', 'addr show dev pv0']));
console.log(JSON.stringify(out.map((r) => ({ error: r.error, index: JSON.parse(r.json.at(-1) ?? '[{}]')[0].ifindex }))));
process.exit(0);
`;

test('a link deleted outside the session and recreated under the same name is found again (ip caches name → index)', { skip }, async () => {
  const netns = uniquePrefix('ipsess');
  await run('ip', ['netns', 'add', netns]);
  try {
    const r = await run('ip', ['netns', 'exec', netns, process.execPath, '--import', 'tsx', '--input-type=module', '-e', RECREATE]);
    assert.equal(r.code, 0, r.stderr);
    const [first, second] = JSON.parse(r.stdout) as { error?: string; index: number }[];
    assert.equal(first.error, undefined);
    assert.equal(second.error, undefined, 'the recreated link is usable by name');
    assert.notEqual(second.index, first.index, 'addr show reports the new link, not the cached one');
  } finally {
    await run('ip', ['netns', 'del', netns]);
  }
});
