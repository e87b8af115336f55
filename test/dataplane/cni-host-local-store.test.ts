/**
 * host-local's `last_reserved_ip.<range>` (containernetworking/plugins host-local disk backend: the
 * file holds exactly the last reserved address, no newline) stays exact when a shorter address
 * follows a longer one — podnet rewrites it in place — and matches what the reference plugin
 * writes for the same sequence of requests.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostLocalAdd } from '../../src/dataplane/cni/ipam/host-local.ts';
import type { PluginArgs } from '../../src/dataplane/cni/skel.ts';
import type { NetConf } from '../../src/dataplane/cni/types.ts';
import { run } from '../../src/dataplane/run.ts';

const REFERENCE = '/usr/lib/cni/host-local';
const SEQUENCE = ['10.1.0.200', '10.1.0.9', '10.1.0.77', '10.1.0.3'];

const conf = (dataDir: string, ip: string): NetConf => ({
  cniVersion: '1.0.0', name: 'net', type: 'host-local', ipam: { type: 'host-local', dataDir, ranges: [[{ subnet: '10.1.0.0/24' }]] }, runtimeConfig: { ips: [ip] },
});

test('last_reserved_ip holds exactly the last address after longer ones', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'podnet-hls-'));
  try {
    for (const [i, ip] of SEQUENCE.entries()) {
      const a: PluginArgs = { command: 'ADD', containerID: `c${i}`, netns: '/x', ifName: 'eth0', args: [], path: [], stdin: '', conf: conf(dir, ip), env: {} };
      await hostLocalAdd(a);
      assert.equal(readFileSync(join(dir, 'net', 'last_reserved_ip.0'), 'utf8'), ip);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('same file contents as the reference host-local for the same requests', { skip: existsSync(REFERENCE) ? false : 'Debian containernetworking-plugins not installed' }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'podnet-hls-'));
  try {
    for (const [i, ip] of SEQUENCE.entries()) {
      const r = await run(REFERENCE, [], {
        input: JSON.stringify({ ...conf(dir, ip), ipam: { ...conf(dir, ip).ipam, type: 'host-local' } }),
        env: { PATH: process.env.PATH, CNI_COMMAND: 'ADD', CNI_CONTAINERID: `c${i}`, CNI_NETNS: '/x', CNI_IFNAME: 'eth0', CNI_PATH: '/usr/lib/cni' },
      });
      assert.equal(r.code, 0, r.stdout);
      assert.equal(readFileSync(join(dir, 'net', 'last_reserved_ip.0'), 'utf8'), ip, 'reference');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
