/**
 * Generated names against upstream's published test vectors (proxier_test.go) and the worked
 * example of the Services note; SHA-256/base32 against node:crypto.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { base32, iptablesEndpointChain, iptablesServiceChains, nftEndpointNames, nftServiceChains, sha256 } from '../../../src/model/service/index.ts';

describe('chain names', () => {
  const svc1 = { namespace: 'ns1', name: 'svc1', port: 'p80', protocol: 'TCP' as const };
  const web = { namespace: 'shop', name: 'web', port: 'http', protocol: 'TCP' as const };
  it('iptables: ns1/svc1:p80 tcp → KUBE-SVC-XPGD46QRK7WJZT7O', () => assert.equal(iptablesServiceChains(svc1).cluster, 'KUBE-SVC-XPGD46QRK7WJZT7O'));
  it('nftables: ns1/svc1:p80 tcp → service-ULMVA6XW-ns1/svc1/tcp/p80', () => assert.equal(nftServiceChains(svc1).cluster, 'service-ULMVA6XW-ns1/svc1/tcp/p80'));
  it('nftables: endpoint 10.180.0.1:80 → endpoint-5OJB2KTY-…__10.180.0.1/80', () => assert.equal(nftEndpointNames(svc1, '10.180.0.1', 80).chain, 'endpoint-5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80'));
  it('worked example shop/web:http', () => {
    assert.equal(iptablesServiceChains(web).cluster, 'KUBE-SVC-67NZLRHBNDSAWJRO');
    assert.equal(iptablesEndpointChain(web, '10.244.1.11:8080'), 'KUBE-SEP-EPVTA2RHFPHQF37H');
    assert.equal(iptablesEndpointChain(web, '10.244.2.11:8080'), 'KUBE-SEP-BTZNBNILETY57XCS');
    assert.equal(nftServiceChains(web).cluster, 'service-KHN6ECMT-shop/web/tcp/http');
    assert.equal(nftEndpointNames(web, '10.244.1.11', 8080).chain, 'endpoint-FAYF65XV-shop/web/tcp/http__10.244.1.11/8080');
    assert.equal(nftEndpointNames(web, '10.244.2.11', 8080).affinitySet, 'affinity-KNW5FFQ5-shop/web/tcp/http__10.244.2.11/8080');
  });
  it('IPv6 endpoint colons become dots', () => assert.match(nftEndpointNames(svc1, 'fd00::1', 80).chain, /__fd00\.\.1\/80$/));
  it('names past the nft length limit are cut with "..."', () => {
    const long = { namespace: 'n'.repeat(63), name: 's'.repeat(63), port: 'p'.repeat(63), protocol: 'SCTP' as const }; // upstream's worst case: 63-char names, longest IPv6
    const name = nftEndpointNames(long, 'fd00:1234:5678:9abc:def0:1234:5678:9abc', 65535).chain;
    assert.equal(name.length, 'endpoint-'.length + 240);
    assert.ok(name.endsWith('...'));
  });
});

describe('sha256 / base32', () => {
  for (const text of ['', 'abc', 'x'.repeat(55), 'x'.repeat(56), 'x'.repeat(64), 'ns1/svc1:p80tcp10.180.0.1:80', 'é-ü']) {
    it(`matches node:crypto for ${JSON.stringify(text.slice(0, 20))} (${text.length} chars)`, () => {
      assert.deepEqual([...sha256(text)], [...createHash('sha256').update(text).digest()]);
    });
  }
  it('base32 is RFC 4648 with padding', () => assert.equal(base32(new TextEncoder().encode('foobar')), 'MZXW6YTBOI======'));
});
