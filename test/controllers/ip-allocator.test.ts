// host-local ranges (containernetworking/plugins plugins/ipam/host-local/backend/allocator/range.go):
// the gateway defaults to the first address after the network, IPv4 ranges end before the broadcast
// address, and a subnet with fewer than four addresses cannot be allocated from.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCIDR } from '../../src/api/cidr.ts';
import { canonicalIP, RangeAllocator } from '../../src/controllers/ip-allocator.ts';

const range = (cidr: string): RangeAllocator => new RangeAllocator(parseCIDR(cidr)!);
const drain = (a: RangeAllocator): string[] => {
  const out: string[] = [];
  for (let ip = a.allocate(); ip !== undefined; ip = a.allocate()) out.push(ip);
  return out;
};

describe('host-local range', () => {
  const cases: { name: string; cidr: string; first?: string; last?: string; count: number }[] = [
    { name: '/24: .2 … .254 (.1 gateway, .255 broadcast)', cidr: '10.244.0.0/24', first: '10.244.0.2', last: '10.244.0.254', count: 253 },
    { name: '/30: exactly one pod address', cidr: '10.244.0.0/30', first: '10.244.0.2', last: '10.244.0.2', count: 1 },
    { name: '/31: too small to allocate from', cidr: '10.244.0.0/31', count: 0 },
    { name: '/32: too small to allocate from', cidr: '10.244.0.7/32', count: 0 },
    { name: 'IPv6 /126: no broadcast, the last address is usable', cidr: 'fd00::/126', first: 'fd00::2', last: 'fd00::3', count: 2 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const ips = drain(range(c.cidr));
      assert.equal(ips.length, c.count);
      if (c.first) assert.equal(ips[0], c.first);
      if (c.last) assert.equal(ips[ips.length - 1], c.last);
    });
  }

  it('the gateway is the first address after the network', () => {
    assert.equal(range('10.244.3.0/24').gateway, '10.244.3.1');
  });

  it('lowest free address first, skipping reserved ones; reservations outside the subnet are refused', () => {
    const a = range('10.244.0.0/24');
    assert.equal(a.reserve('10.244.0.2'), true);
    assert.equal(a.reserve('10.244.0.4'), true);
    assert.equal(a.reserve('10.244.1.4'), false);
    assert.deepEqual([a.allocate(), a.allocate(), a.allocate()], ['10.244.0.3', '10.244.0.5', '10.244.0.6']);
  });
});

describe('canonicalIP', () => {
  it('normalises IPv6 spellings and rejects garbage', () => {
    assert.equal(canonicalIP('FD00:0:0::1'), canonicalIP('fd00::1'));
    assert.equal(canonicalIP('10.0.0.1'), '10.0.0.1');
    assert.equal(canonicalIP('nope'), undefined);
  });
});
