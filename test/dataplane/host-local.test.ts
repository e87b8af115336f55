/**
 * host-local IPAM, following containernetworking/plugins plugins/ipam/host-local: range defaults
 * (start = network + 1, end = broadcast − 1, gateway = network + 1 and never handed out), round
 * robin after the last reserved address, requested IPs (CNI_ARGS IP, runtimeConfig.ips), the disk
 * store format (`<id>\r\n<ifname>` per address, last_reserved_ip.<range>), release by id + ifname.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostLocalAdd, hostLocalCheck, hostLocalDel, loadHostLocalConf } from '../../src/dataplane/cni/ipam/host-local.ts';
import type { PluginArgs } from '../../src/dataplane/cni/skel.ts';
import { CNIError, type NetConf } from '../../src/dataplane/cni/types.ts';

function fixture(ipam: Record<string, unknown>, extra: Partial<NetConf> = {}): { dir: string; args: (id: string, more?: Partial<PluginArgs>) => PluginArgs } {
  const dir = mkdtempSync(join(tmpdir(), 'podnet-hl-'));
  const conf: NetConf = { cniVersion: '1.0.0', name: 'net', type: 'bridge', ipam: { type: 'host-local', dataDir: dir, ...ipam }, ...extra };
  return {
    dir,
    args: (id, more = {}) => ({ command: 'ADD', containerID: id, netns: '/x', ifName: 'eth0', args: [], path: [], stdin: '', conf, env: {}, ...more }),
  };
}

const small = { ranges: [[{ subnet: '10.1.0.0/29' }]] };

test('defaults: gateway .1 is skipped, first address .2, broadcast never handed out', async () => {
  const f = fixture(small);
  try {
    const got: string[] = [];
    for (let i = 0; i < 5; i++) got.push(((await hostLocalAdd(f.args(`c${i}`))).ips ?? [])[0].address);
    assert.deepEqual(got, ['10.1.0.2/29', '10.1.0.3/29', '10.1.0.4/29', '10.1.0.5/29', '10.1.0.6/29']);
    await assert.rejects(hostLocalAdd(f.args('c5')), (e: unknown) => e instanceof CNIError && e.message === 'failed to allocate for range 0: no IP addresses available in range set: 10.1.0.1-10.1.0.6');
    const r = await hostLocalAdd(f.args('zz', { ifName: 'eth1' })).catch((e: Error) => e.message);
    assert.match(String(r), /no IP addresses available/);
  } finally {
    rmSync(f.dir, { recursive: true, force: true });
  }
});

test('result carries the gateway and the configured routes', async () => {
  const f = fixture({ ranges: [[{ subnet: '10.1.0.0/24', gateway: '10.1.0.1' }]], routes: [{ dst: '0.0.0.0/0' }] });
  try {
    const r = await hostLocalAdd(f.args('c1'));
    assert.deepEqual(r.ips, [{ address: '10.1.0.2/24', gateway: '10.1.0.1' }]);
    assert.deepEqual(r.routes, [{ dst: '0.0.0.0/0' }]);
  } finally {
    rmSync(f.dir, { recursive: true, force: true });
  }
});

test('round robin: after a release the next allocation continues after the last reserved address', async () => {
  const f = fixture(small);
  try {
    await hostLocalAdd(f.args('a'));
    await hostLocalAdd(f.args('b'));
    await hostLocalDel(f.args('a', { command: 'DEL' }));
    const r = await hostLocalAdd(f.args('c'));
    assert.equal(r.ips?.[0].address, '10.1.0.4/29', 'not the freed .2');
    assert.equal(readFileSync(join(f.dir, 'net', 'last_reserved_ip.0'), 'utf8'), '10.1.0.4');
  } finally {
    rmSync(f.dir, { recursive: true, force: true });
  }
});

test('store format: one file per address holding "<containerID>\\r\\n<ifname>"; DEL removes it and is idempotent', async () => {
  const f = fixture(small);
  try {
    await hostLocalAdd(f.args('abc'));
    assert.equal(readFileSync(join(f.dir, 'net', '10.1.0.2'), 'utf8'), 'abc\r\neth0');
    await hostLocalCheck(f.args('abc', { command: 'CHECK' }));
    await hostLocalDel(f.args('abc', { command: 'DEL' }));
    await hostLocalDel(f.args('abc', { command: 'DEL' }));
    assert.ok(!existsSync(join(f.dir, 'net', '10.1.0.2')));
    await assert.rejects(hostLocalCheck(f.args('abc', { command: 'CHECK' })), /host-local: Failed to find address added by container abc/);
  } finally {
    rmSync(f.dir, { recursive: true, force: true });
  }
});

test('requested IPs: CNI_ARGS IP= and the ips capability; taken, gateway and out-of-range requests fail', async () => {
  const f = fixture(small);
  try {
    assert.equal((await hostLocalAdd(f.args('a', { args: [['IP', '10.1.0.5']] }))).ips?.[0].address, '10.1.0.5/29');
    const viaCap: PluginArgs = { ...f.args('b'), conf: { ...f.args('b').conf, runtimeConfig: { ips: ['10.1.0.6/29'] } } };
    assert.equal((await hostLocalAdd(viaCap)).ips?.[0].address, '10.1.0.6/29');
    await assert.rejects(hostLocalAdd(f.args('c', { args: [['IP', '10.1.0.5']] })), /requested IP address 10\.1\.0\.5 is not available in range set 10\.1\.0\.1-10\.1\.0\.6/);
    await assert.rejects(hostLocalAdd(f.args('d', { args: [['IP', '10.1.0.1']] })), /requested ip 10\.1\.0\.1 is subnet's gateway/);
    await assert.rejects(hostLocalAdd(f.args('e', { args: [['IP', '10.9.0.1']] })), /failed to allocate all requested IPs: 10\.9\.0\.1/);
  } finally {
    rmSync(f.dir, { recursive: true, force: true });
  }
});

test('a second ADD for the same container and interface is a duplicate allocation', async () => {
  const f = fixture(small);
  try {
    await hostLocalAdd(f.args('a'));
    await assert.rejects(hostLocalAdd(f.args('a')), /10\.1\.0\.2 has been allocated to a, duplicate allocation is not allowed/);
  } finally {
    rmSync(f.dir, { recursive: true, force: true });
  }
});

test('CNI_ARGS: unknown keys are refused unless IgnoreUnknown is set (kubelet sets it)', () => {
  const f = fixture(small);
  try {
    const conf = f.args('a').conf;
    assert.throws(() => loadHostLocalConf(conf, [['K8S_POD_NAME', 'x']]), /ARGS: unknown args \["K8S_POD_NAME"\]/);
    assert.doesNotThrow(() => loadHostLocalConf(conf, [['IgnoreUnknown', '1'], ['K8S_POD_NAME', 'x']]));
  } finally {
    rmSync(f.dir, { recursive: true, force: true });
  }
});

test('configuration errors: host bits in the subnet, range outside the subnet, old-style subnet form', () => {
  const base: NetConf = { cniVersion: '1.0.0', name: 'n', type: 'x', ipam: { type: 'host-local' } };
  const withIPAM = (ipam: Record<string, unknown>): NetConf => ({ ...base, ipam: { type: 'host-local', ...ipam } });
  assert.throws(() => loadHostLocalConf(withIPAM({ ranges: [[{ subnet: '10.1.0.5/24' }]] }), []), /Network has host bits set\. For a subnet mask of length 24 the network address is 10\.1\.0\.0/);
  assert.throws(() => loadHostLocalConf(withIPAM({ ranges: [[{ subnet: '10.1.0.0/24', rangeStart: '10.2.0.1' }]] }), []), /RangeStart 10\.2\.0\.1 not in network/);
  const c = loadHostLocalConf(withIPAM({ subnet: '10.1.0.0/24', rangeStart: '10.1.0.100', rangeEnd: '10.1.0.110' }), []);
  assert.equal(c.rangeSets.length, 1);
  assert.equal(c.dataDir, '/var/lib/cni/networks');
});
