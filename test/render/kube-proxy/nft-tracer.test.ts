/**
 * The test-side nftables tracer has tests of its own: a hand-written ruleset in kube-proxy's
 * layout (not produced by the renderer) and the outcomes the nft semantics give it.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadNft, trace } from './nft-tracer.ts';

const RULES = `
add table ip kube-proxy { comment "rules for kube-proxy" ; }
add set ip kube-proxy cluster-ips { type ipv4_addr ; comment "Active ClusterIPs" ; }
add map ip kube-proxy service-ips { type ipv4_addr . inet_proto . inet_service : verdict ; }
add map ip kube-proxy no-endpoint-services { type ipv4_addr . inet_proto . inet_service : verdict ; }
add chain ip kube-proxy nat-prerouting { type nat hook prerouting priority -100 ; }
add chain ip kube-proxy nat-postrouting { type nat hook postrouting priority 100 ; }
add chain ip kube-proxy filter-forward { type filter hook forward priority 0 ; }
add chain ip kube-proxy services
add chain ip kube-proxy masquerading
add chain ip kube-proxy mark-for-masquerade
add chain ip kube-proxy service-endpoints-check
add chain ip kube-proxy cluster-ips-check
add chain ip kube-proxy reject-chain
add chain ip kube-proxy svc
add chain ip kube-proxy ep1
add chain ip kube-proxy ep2
add rule ip kube-proxy nat-prerouting jump services
add rule ip kube-proxy nat-postrouting jump masquerading
add rule ip kube-proxy filter-forward ct state new jump service-endpoints-check
add rule ip kube-proxy filter-forward ct state new jump cluster-ips-check
add rule ip kube-proxy services ip daddr . meta l4proto . th dport vmap @service-ips
add rule ip kube-proxy service-endpoints-check ip daddr . meta l4proto . th dport vmap @no-endpoint-services
add rule ip kube-proxy cluster-ips-check ip daddr @cluster-ips reject comment "Reject traffic to invalid ports of ClusterIPs"
add rule ip kube-proxy cluster-ips-check ip daddr { 10.96.0.0/12 } drop
add rule ip kube-proxy reject-chain reject
add rule ip kube-proxy mark-for-masquerade mark set mark or 0x4000
add rule ip kube-proxy masquerading mark and 0x4000 == 0 return
add rule ip kube-proxy masquerading mark set mark xor 0x4000
add rule ip kube-proxy masquerading masquerade fully-random
add rule ip kube-proxy svc ip daddr 10.96.0.1 ip saddr != 10.244.0.0/16 jump mark-for-masquerade
add rule ip kube-proxy svc numgen random mod 2 vmap { 0 : goto ep1 , 1 : goto ep2 }
add rule ip kube-proxy ep1 ip saddr 10.244.1.1 jump mark-for-masquerade
add rule ip kube-proxy ep1 meta l4proto tcp dnat to 10.244.1.1:80
add rule ip kube-proxy ep2 ip saddr 10.244.2.1 jump mark-for-masquerade
add rule ip kube-proxy ep2 meta l4proto tcp dnat to 10.244.2.1:80
add element ip kube-proxy cluster-ips { 10.96.0.1 }
add element ip kube-proxy cluster-ips { 10.96.0.2 }
add element ip kube-proxy service-ips { 10.96.0.1 . tcp . 80 : goto svc }
add element ip kube-proxy no-endpoint-services { 10.96.0.2 . tcp . 80 comment "ns/empty" : goto reject-chain }
`;

const ctx = { localAddresses: ['172.18.0.2'] };
const tcp = (src: string, dst: string, port: number) => ({ src, dst, protocol: 'tcp' as const, port });

describe('nft tracer', () => {
  const table = loadNft(RULES);
  it('numgen explores every branch; dnat ends the nat hook', () => {
    const out = trace(table, tcp('10.244.3.3', '10.96.0.1', 80), ctx);
    assert.deepEqual(out.map((o) => [o.verdict, o.dnat, o.masquerade]), [['accept', '10.244.1.1:80', false], ['accept', '10.244.2.1:80', false]]);
  });
  it('a jump to mark-for-masquerade returns and the mark leads to masquerade in postrouting', () => {
    const out = trace(table, tcp('203.0.113.7', '10.96.0.1', 80), ctx);
    assert.ok(out.every((o) => o.masquerade));
  });
  it('hairpin marks only the branch whose endpoint is the client', () => {
    const out = trace(table, tcp('10.244.1.1', '10.96.0.1', 80), ctx);
    assert.deepEqual(out.map((o) => [o.dnat, o.masquerade]), [['10.244.1.1:80', true], ['10.244.2.1:80', false]]);
  });
  it('a no-endpoint element jumps to reject-chain', () => {
    assert.deepEqual(trace(table, tcp('10.244.3.3', '10.96.0.2', 80), ctx).map((o) => o.verdict), ['reject']);
  });
  it('other ports of a ClusterIP are rejected, unallocated service IPs dropped, the rest passes', () => {
    assert.deepEqual(trace(table, tcp('10.244.3.3', '10.96.0.1', 443), ctx).map((o) => o.verdict), ['reject']);
    assert.deepEqual(trace(table, tcp('10.244.3.3', '10.96.0.9', 80), ctx).map((o) => o.verdict), ['drop']);
    assert.deepEqual(trace(table, tcp('10.244.3.3', '10.244.2.1', 80), ctx).map((o) => [o.verdict, o.dnat]), [['accept', undefined]]);
  });
  it('applies flush/delete statements like the kernel', () => {
    const t = loadNft(RULES);
    loadNft('delete element ip kube-proxy service-ips { 10.96.0.1 . tcp . 80 }\nflush chain ip kube-proxy svc\n', t);
    assert.equal(t.maps.get('service-ips')?.size, 0);
    assert.deepEqual(t.chains.get('svc')?.rules, []);
  });
  it('rejects rule shapes it does not understand instead of guessing', () => {
    const t = loadNft(`${RULES}\nadd rule ip kube-proxy services tcp dport 22 accept\n`);
    assert.throws(() => trace(t, tcp('10.244.3.3', '10.244.2.1', 22), ctx), /unsupported rule/);
  });
});
