/**
 * bird.conf for Calico's BGP mode: iBGP full mesh in one AS (Calico's default 64512), each node
 * announcing its pod CIDR, `direct` peers (BIRD: multihop BGP cannot use `gateway direct`), only
 * pod CIDR routes accepted and exported. When BIRD is installed, BIRD itself parses the output.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { birdPeerProtocol, CALICO_AS, renderBirdConf, type BirdNodeConfig } from '../../src/render/bird.ts';

const node1: BirdNodeConfig = {
  routerID: '172.18.0.11',
  asNumber: CALICO_AS,
  podCIDR: '10.244.1.0/24',
  clusterCIDR: '10.244.0.0/16',
  nodeMaskSize: 24,
  peers: [
    { name: 'node-3', ip: '172.18.0.13' },
    { name: 'node-1', ip: '172.18.0.11' },
    { name: 'node-2', ip: '172.18.0.12' },
  ],
};

test('one iBGP session per other node, none to itself, in address order', () => {
  const conf = renderBirdConf(node1);
  const neighbors = [...conf.matchAll(/neighbor (\S+) as (\d+);/g)].map((m) => [m[1], Number(m[2])]);
  assert.deepEqual(neighbors, [['172.18.0.12', 64512], ['172.18.0.13', 64512]]);
  assert.match(conf, /^router id 172\.18\.0\.11;$/m);
  assert.match(conf, /local 172\.18\.0\.11 as 64512;/);
  assert.equal(birdPeerProtocol('172.18.0.12'), 'peer_172_18_0_12');
});

test('peers are direct, so learned routes can use gateway direct', () => {
  const conf = renderBirdConf(node1);
  assert.match(conf, /template bgp mesh \{[^}]*\n\s+direct;/);
  assert.match(conf, /gateway direct;/);
});

test('announces the node pod CIDR (static blackhole) and installs only BGP routes in the kernel', () => {
  const conf = renderBirdConf(node1);
  assert.match(conf, /route 10\.244\.1\.0\/24 blackhole;/);
  assert.match(conf, /export where source = RTS_STATIC && net ~ \[ 10\.244\.0\.0\/16\{24,32\} \];/);
  assert.match(conf, /import where net ~ \[ 10\.244\.0\.0\/16\{24,32\} \];/);
  assert.match(conf, /protocol kernel \{\n\s+ipv4 \{\n\s+import none;\n\s+export where source = RTS_BGP;/);
});

test('a pod CIDR outside the cluster CIDR is refused', () => {
  assert.throws(() => renderBirdConf({ ...node1, podCIDR: '10.99.0.0/24' }), /outside the cluster CIDR/);
});

const hasBird = spawnSync('sh', ['-c', 'command -v bird'], { stdio: 'ignore' }).status === 0;

test('BIRD 2 parses the rendered configuration (bird -p)', { skip: hasBird ? false : 'bird (Debian bird2) is not installed' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'podnet-bird-'));
  try {
    const file = join(dir, 'bird.conf');
    writeFileSync(file, renderBirdConf(node1));
    const r = spawnSync('bird', ['-p', '-c', file], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
