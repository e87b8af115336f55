/**
 * nftables mode golden tests. Expected text is written from kube-proxy's documented layout
 * (pkg/proxy/nftables proxier.go / proxier_test.go baseRules, v1.33+ chain names) for our address
 * plan (test/model/service/fixtures.ts): node 172.18.0.2, cluster CIDR 10.244.0.0/16, service CIDR
 * 10.96.0.0/12. Every rendered ruleset must also pass `nft -c -f` when nft is available.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildProxyPlan } from '../../../src/model/service/index.ts';
import { renderNftables, renderNftablesUpdate, renderStaleChainDeletion } from '../../../src/render/kube-proxy/index.ts';
import { kitchenSink } from '../../model/service/cluster-fixture.ts';
import { clusterView, NODE_A, NODE_B, nodes, on, service, slice } from '../../model/service/fixtures.ts';
import { canonicalNft } from './nft-canonical.ts';
import { nftCheck, nftSkipReason } from './system-tools.ts';

const BASE_RULES = `
add table ip kube-proxy { comment "rules for kube-proxy" ; }
add set ip kube-proxy cluster-ips { type ipv4_addr ; comment "Active ClusterIPs" ; }
add set ip kube-proxy nodeport-ips { type ipv4_addr ; comment "IPs that accept NodePort traffic" ; }
add map ip kube-proxy firewall-ips { type ipv4_addr . inet_proto . inet_service : verdict ; comment "destinations that are subject to LoadBalancerSourceRanges" ; }
add map ip kube-proxy no-endpoint-nodeports { type inet_proto . inet_service : verdict ; comment "vmap to drop or reject packets to service nodeports with no endpoints" ; }
add map ip kube-proxy no-endpoint-services { type ipv4_addr . inet_proto . inet_service : verdict ; comment "vmap to drop or reject packets to services with no endpoints" ; }
add map ip kube-proxy service-ips { type ipv4_addr . inet_proto . inet_service : verdict ; comment "ClusterIP, ExternalIP and LoadBalancer IP traffic" ; }
add map ip kube-proxy service-nodeports { type inet_proto . inet_service : verdict ; comment "NodePort traffic" ; }
add chain ip kube-proxy cluster-ips-check
add chain ip kube-proxy filter-prerouting-pre-dnat { type filter hook prerouting priority -110 ; }
add chain ip kube-proxy filter-output-pre-dnat { type filter hook output priority -110 ; }
add chain ip kube-proxy filter-forward { type filter hook forward priority 0 ; }
add chain ip kube-proxy filter-input { type filter hook input priority 0 ; }
add chain ip kube-proxy filter-output { type filter hook output priority 0 ; }
add chain ip kube-proxy firewall-check
add chain ip kube-proxy mark-for-masquerade
add chain ip kube-proxy masquerading
add chain ip kube-proxy nat-output { type nat hook output priority -100 ; }
add chain ip kube-proxy nat-postrouting { type nat hook postrouting priority 100 ; }
add chain ip kube-proxy nat-prerouting { type nat hook prerouting priority -100 ; }
add chain ip kube-proxy nodeport-endpoints-check
add chain ip kube-proxy reject-chain { comment "helper for @no-endpoint-services / @no-endpoint-nodeports" ; }
add chain ip kube-proxy services
add chain ip kube-proxy service-endpoints-check
add rule ip kube-proxy cluster-ips-check ip daddr @cluster-ips reject comment "Reject traffic to invalid ports of ClusterIPs"
add rule ip kube-proxy cluster-ips-check ip daddr { 10.96.0.0/12 } drop comment "Drop traffic to unallocated ClusterIPs"
add rule ip kube-proxy filter-prerouting-pre-dnat ct state new jump firewall-check
add rule ip kube-proxy filter-forward ct state new jump service-endpoints-check
add rule ip kube-proxy filter-forward ct state new jump cluster-ips-check
add rule ip kube-proxy filter-input ct state new jump nodeport-endpoints-check
add rule ip kube-proxy filter-input ct state new jump service-endpoints-check
add rule ip kube-proxy filter-output ct state new jump service-endpoints-check
add rule ip kube-proxy filter-output-pre-dnat ct state new jump firewall-check
add rule ip kube-proxy filter-output ct state new jump cluster-ips-check
add rule ip kube-proxy firewall-check ip daddr . meta l4proto . th dport vmap @firewall-ips
add rule ip kube-proxy mark-for-masquerade mark set mark or 0x4000
add rule ip kube-proxy masquerading mark and 0x4000 == 0 return
add rule ip kube-proxy masquerading mark set mark xor 0x4000
add rule ip kube-proxy masquerading masquerade fully-random
add rule ip kube-proxy nat-output jump services
add rule ip kube-proxy nat-postrouting jump masquerading
add rule ip kube-proxy nat-prerouting jump services
add rule ip kube-proxy nodeport-endpoints-check ip daddr @nodeport-ips meta l4proto . th dport vmap @no-endpoint-nodeports
add rule ip kube-proxy reject-chain reject
add rule ip kube-proxy services ip daddr . meta l4proto . th dport vmap @service-ips
add rule ip kube-proxy services ip daddr @nodeport-ips meta l4proto . th dport vmap @service-nodeports
add element ip kube-proxy nodeport-ips { 172.18.0.2 }
add rule ip kube-proxy service-endpoints-check ip daddr . meta l4proto . th dport vmap @no-endpoint-services
`;

// The worked example: shop/web, port http TCP 80 → 8080, ClusterIP 10.96.10.10.
const SHOP_WEB = `
add chain ip kube-proxy service-KHN6ECMT-shop/web/tcp/http
add rule ip kube-proxy service-KHN6ECMT-shop/web/tcp/http ip daddr 10.96.10.10 ip saddr != 10.244.0.0/16 jump mark-for-masquerade
add rule ip kube-proxy service-KHN6ECMT-shop/web/tcp/http numgen random mod 2 vmap { 0 : goto endpoint-FAYF65XV-shop/web/tcp/http__10.244.1.11/8080 , 1 : goto endpoint-KNW5FFQ5-shop/web/tcp/http__10.244.2.11/8080 }
add chain ip kube-proxy endpoint-FAYF65XV-shop/web/tcp/http__10.244.1.11/8080
add rule ip kube-proxy endpoint-FAYF65XV-shop/web/tcp/http__10.244.1.11/8080 ip saddr 10.244.1.11 jump mark-for-masquerade
add rule ip kube-proxy endpoint-FAYF65XV-shop/web/tcp/http__10.244.1.11/8080 meta l4proto tcp dnat to 10.244.1.11:8080
add chain ip kube-proxy endpoint-KNW5FFQ5-shop/web/tcp/http__10.244.2.11/8080
add rule ip kube-proxy endpoint-KNW5FFQ5-shop/web/tcp/http__10.244.2.11/8080 ip saddr 10.244.2.11 jump mark-for-masquerade
add rule ip kube-proxy endpoint-KNW5FFQ5-shop/web/tcp/http__10.244.2.11/8080 meta l4proto tcp dnat to 10.244.2.11:8080
add element ip kube-proxy cluster-ips { 10.96.10.10 }
add element ip kube-proxy service-ips { 10.96.10.10 . tcp . 80 : goto service-KHN6ECMT-shop/web/tcp/http }
`;

function shopWeb(extraObjects: Parameters<typeof clusterView>[0] = [], config = {}) {
  return clusterView([
    ...nodes(),
    service('shop', 'web', { clusterIP: '10.96.10.10', ports: [{ name: 'http', port: 80, targetPort: 8080 }] }),
    slice('shop', 'web', 'web-abc', [{ name: 'http', port: 8080 }], [on(NODE_A, '10.244.1.11'), on(NODE_B, '10.244.2.11')]),
    ...extraObjects,
  ], config);
}

function rendered(view: ReturnType<typeof clusterView>, node = 'node-a'): string {
  return renderNftables(buildProxyPlan(view, node, { mode: 'nftables' })!, { reset: false });
}

describe('nftables ruleset (golden)', () => {
  it('an empty cluster renders exactly the base rules', () => {
    assert.deepEqual(canonicalNft(rendered(clusterView(nodes()))), canonicalNft(BASE_RULES));
  });

  it('ClusterIP Service with two endpoints: the worked example', () => {
    assert.deepEqual(canonicalNft(rendered(shopWeb())), canonicalNft(BASE_RULES + SHOP_WEB));
  });

  it('no endpoints: only cluster-ips and a reject element', () => {
    const view = clusterView([...nodes(), service('ns6', 'svc6', { clusterIP: '10.96.0.46', ports: [{ name: 'p80', port: 80 }] })]);
    assert.deepEqual(canonicalNft(rendered(view)), canonicalNft(`${BASE_RULES}
add element ip kube-proxy cluster-ips { 10.96.0.46 }
add element ip kube-proxy no-endpoint-services { 10.96.0.46 . tcp . 80 comment "ns6/svc6:p80" : goto reject-chain }
`));
  });

  it('masqueradeAll: the service chain masquerades all ClusterIP traffic to the port', () => {
    const text = rendered(shopWeb([], { kubeProxy: { masqueradeAll: true } }));
    assert.ok(text.includes('add rule ip kube-proxy service-KHN6ECMT-shop/web/tcp/http ip daddr 10.96.10.10 tcp dport 80 jump mark-for-masquerade\n'));
    assert.ok(!text.includes('ip saddr != 10.244.0.0/16'));
  });

  it('LoadBalancer, eTP Local, endpoint elsewhere: short-circuit rules, no local chain, drop elements', () => {
    const view = clusterView([...nodes(),
      service('ns2', 'svc2', { type: 'LoadBalancer', clusterIP: '10.96.0.42', externalTrafficPolicy: 'Local', healthCheckNodePort: 30000, externalIPs: ['198.51.100.22'], ports: [{ name: 'p80', port: 80, nodePort: 30001 }] },
        { loadBalancer: { ingress: [{ ip: '192.0.2.4' }] } }),
      slice('ns2', 'svc2', 'svc2-abc', [{ name: 'p80', port: 80 }], [on(NODE_B, '10.244.2.2')]),
    ]);
    const text = canonicalNft(rendered(view));
    const svc = text.filter((l) => l.includes('ns2/svc2') || l.includes('10.96.0.42'));
    const ext = svc.filter((l) => l.startsWith('add rule ip kube-proxy external-'));
    assert.deepEqual(ext.map((l) => l.replace(/^add rule ip kube-proxy external-\S+ /, '').replace(/-[A-Z2-7]{8}-/g, '-HASH-')), [
      'ip saddr 10.244.0.0/16 goto service-HASH-ns2/svc2/tcp/p80 comment "short-circuit pod traffic"',
      'fib saddr type local jump mark-for-masquerade comment "masquerade local traffic"',
      'fib saddr type local goto service-HASH-ns2/svc2/tcp/p80 comment "short-circuit local traffic"',
    ]);
    assert.ok(!svc.some((l) => /chain ip kube-proxy local-/.test(l)), 'no local chain without local endpoints');
    for (const e of [
      'add element ip kube-proxy no-endpoint-nodeports { tcp . 30001 comment "ns2/svc2:p80" : drop }',
      'add element ip kube-proxy no-endpoint-services { 192.0.2.4 . tcp . 80 comment "ns2/svc2:p80" : drop }',
      'add element ip kube-proxy no-endpoint-services { 198.51.100.22 . tcp . 80 comment "ns2/svc2:p80" : drop }',
    ]) assert.ok(svc.includes(e), e);
  });

  it('eTP Local with a local endpoint: the external chain ends with goto local-…', () => {
    const view = clusterView([...nodes(),
      service('ns2', 'svc2', { type: 'NodePort', clusterIP: '10.96.0.42', externalTrafficPolicy: 'Local', ports: [{ name: 'p80', port: 80, nodePort: 30001 }] }),
      slice('ns2', 'svc2', 'svc2-abc', [{ name: 'p80', port: 80 }], [on(NODE_A, '10.244.1.2')]),
    ]);
    const ext = canonicalNft(rendered(view)).filter((l) => l.startsWith('add rule ip kube-proxy external-'));
    assert.match(ext[ext.length - 1], /goto local-[A-Z2-7]{8}-ns2\/svc2\/tcp\/p80$/);
  });

  it('ClientIP affinity: per-endpoint timeout sets, checks before numgen, update in the endpoint chain', () => {
    const view = clusterView([...nodes(),
      service('ns5', 'svc5', { clusterIP: '10.96.0.45', sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 10800 } }, ports: [{ name: 'p80', port: 80 }] }),
      slice('ns5', 'svc5', 'svc5-abc', [{ name: 'p80', port: 80 }], [on(NODE_B, '10.244.2.3')]),
    ]);
    const lines = canonicalNft(rendered(view)).map((l) => l.replace(/-[A-Z2-7]{8}-/g, '-HASH-'));
    assert.ok(lines.includes('add set ip kube-proxy affinity-HASH-ns5/svc5/tcp/p80__10.244.2.3/80 { type ipv4_addr ; flags dynamic,timeout ; timeout 10800s ; }'));
    const svcRules = lines.filter((l) => l.startsWith('add rule ip kube-proxy service-HASH-ns5/svc5/tcp/p80 '));
    assert.match(svcRules[1], /ip saddr @affinity-HASH-ns5\/svc5\/tcp\/p80__10\.244\.2\.3\/80 goto endpoint-HASH-ns5\/svc5\/tcp\/p80__10\.244\.2\.3\/80$/);
    assert.match(svcRules[2], /numgen random mod 1 vmap/);
    const epRules = lines.filter((l) => l.startsWith('add rule ip kube-proxy endpoint-HASH-ns5/svc5/tcp/p80__10.244.2.3/80 '));
    assert.deepEqual(epRules.map((l) => l.split(' ').slice(5).join(' ')), [
      'ip saddr 10.244.2.3 jump mark-for-masquerade',
      'update @affinity-HASH-ns5/svc5/tcp/p80__10.244.2.3/80 { ip saddr }',
      'meta l4proto tcp dnat to 10.244.2.3:80',
    ]);
  });

  it('loadBalancerSourceRanges: firewall chain and firewall-ips element; the LB IP is allowed when a range covers the node', () => {
    const view = clusterView([...nodes(),
      service('ns5', 'svc5', { type: 'LoadBalancer', clusterIP: '10.96.0.45', loadBalancerSourceRanges: [' 203.0.113.0/25', '172.18.0.0/24'], ports: [{ name: 'p80', port: 80, nodePort: 30002 }] },
        { loadBalancer: { ingress: [{ ip: '192.0.2.8' }] } }),
      slice('ns5', 'svc5', 'svc5-abc', [{ name: 'p80', port: 80 }], [on(NODE_B, '10.244.2.3')]),
    ]);
    const lines = canonicalNft(rendered(view)).map((l) => l.replace(/-[A-Z2-7]{8}-/g, '-HASH-'));
    assert.ok(lines.includes('add rule ip kube-proxy firewall-HASH-ns5/svc5/tcp/p80 ip saddr != { 203.0.113.0/25, 172.18.0.0/24, 192.0.2.8 } drop'));
    assert.ok(lines.includes('add element ip kube-proxy firewall-ips { 192.0.2.8 . tcp . 80 : goto firewall-HASH-ns5/svc5/tcp/p80 }'));
  });

  it('the output is deterministic', () => {
    assert.equal(rendered(kitchenSink()), rendered(kitchenSink()));
  });
});

describe('nftables ruleset loads with nft -c -f', { skip: nftSkipReason }, () => {
  for (const node of ['node-a', 'node-b', 'node-c']) {
    it(`kitchen-sink cluster, ${node}`, () => {
      const r = nftCheck(renderNftables(buildProxyPlan(kitchenSink(), node, { mode: 'nftables' })!));
      assert.ok(r.ok, r.output);
    });
  }
  it('masqueradeAll variant', () => {
    const r = nftCheck(renderNftables(buildProxyPlan(kitchenSink({ kubeProxy: { masqueradeAll: true } }), 'node-a', { mode: 'nftables' })!));
    assert.ok(r.ok, r.output);
  });
  it('a partial update applies on top of the full ruleset, and the stale-chain deletion after it', () => {
    const prevView = shopWeb();
    const prev = buildProxyPlan(prevView, 'node-a', { mode: 'nftables' })!;
    const nextView = clusterView([
      ...nodes(),
      service('shop', 'web', { clusterIP: '10.96.10.10', ports: [{ name: 'http', port: 80, targetPort: 8080 }] }),
      slice('shop', 'web', 'web-abc', [{ name: 'http', port: 8080 }], [on(NODE_B, '10.244.2.11')]),
    ]);
    const next = buildProxyPlan(nextView, 'node-a', { mode: 'nftables' })!;
    const update = renderNftablesUpdate(prev, next);
    assert.deepEqual(update.staleChains, ['endpoint-FAYF65XV-shop/web/tcp/http__10.244.1.11/8080']);
    const r = nftCheck(renderNftables(prev) + update.text + renderStaleChainDeletion(update.staleChains));
    assert.ok(r.ok, r.output);
  });
});
