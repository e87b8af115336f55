import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseCIDR, parseIP } from '../../src/api/cidr.ts';

describe('cidr', () => {
  test('IPv4 parsing is strict like Go netip (no leading zeros, four parts)', () => {
    assert.ok(parseIP('10.0.0.1'));
    assert.equal(parseIP('010.0.0.1'), undefined);
    assert.equal(parseIP('10.0.1'), undefined);
    assert.equal(parseIP('10.0.0.256'), undefined);
    assert.equal(parseIP('fd00::1')?.family, 6);
  });

  test('strict CIDRs reject host bits; lenient ones clear them', () => {
    assert.equal(parseCIDR('10.0.0.1/24', true), undefined);
    assert.equal(parseCIDR('10.0.0.1/24')?.toString(), '10.0.0.0/24');
    assert.equal(parseCIDR('10.0.0.0/33'), undefined);
  });

  test('containment, coverage and sub-blocks', () => {
    const pods = parseCIDR('10.244.0.0/16')!;
    assert.ok(pods.contains('10.244.255.255'));
    assert.ok(!pods.contains('10.245.0.0'));
    assert.equal(pods.subnet(24, 3).toString(), '10.244.3.0/24');
    assert.ok(pods.covers(parseCIDR('10.244.3.0/24')!));
    assert.ok(!parseCIDR('10.244.3.0/24')!.covers(pods));
    assert.equal(parseCIDR('10.96.0.0/12')!.at(10), '10.96.0.10');
    assert.equal(parseCIDR('10.96.0.0/12')!.size, 1048576n);
    assert.equal(parseCIDR('fd00::/120')!.at(255), 'fd00::ff');
  });
});
