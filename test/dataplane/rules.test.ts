/**
 * The node agent's pure parts: stale UDP conntrack deletions (kube-proxy's conntrack cleanup: an
 * endpoint gone → entries whose reply comes from it, for every Service address and the NodePort; a
 * UDP port that gets its first endpoints → entries to its addresses), which tables a sync reloads,
 * the egress NAT table (model/cni: pod traffic leaving the pod network is masqueraded), the IPVS
 * refusal, and every text loading with `nft -c -f`.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../src/api/types.ts';
import type { ProxyMode } from '../../src/cluster/config.ts';
import { NodeRulesError, nodeRules, renderEgressMasquerade, rulesSync, staleUDPFlows, unsupportedProxyMode } from '../../src/dataplane/rules/index.ts';
import { buildProxyPlan } from '../../src/model/service/index.ts';
import { clusterView, NODE_A, NODE_B, nodes, on, pod, service, slice } from '../model/service/fixtures.ts';
import { nftCheck, nftSkipReason } from '../render/kube-proxy/system-tools.ts';

const dnsService = (type: 'ClusterIP' | 'NodePort' = 'NodePort'): KObject => service('kube-system', 'dns', {
  clusterIP: '10.96.0.10', type, externalIPs: ['198.51.100.10'],
  ports: [{ name: 'dns', port: 53, protocol: 'UDP', ...(type === 'NodePort' ? { nodePort: 30053 } : {}) }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }],
});

const withEndpoints = (ips: string[], extra: KObject[] = [], proxyMode: ProxyMode = 'nftables') => clusterView([
  ...nodes(),
  dnsService(),
  slice('kube-system', 'dns', 'dns-1', [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }], ips.map((ip) => on(ip.startsWith('10.244.1.') ? NODE_A : NODE_B, ip))),
  ...extra,
], { proxyMode });

const plan = (ips: string[]) => buildProxyPlan(withEndpoints(ips), NODE_A.name)!;

describe('stale UDP conntrack entries (kube-proxy conntrack cleanup)', () => {
  it('an endpoint removed: entries to every Service address and the NodePort whose reply came from it', () => {
    const got = staleUDPFlows(plan(['10.244.1.5', '10.244.2.5']), plan(['10.244.2.5']));
    assert.deepEqual(got, [
      ['-p', 'udp', '--orig-dst', '10.96.0.10', '--dport', '53', '--reply-src', '10.244.1.5'],
      ['-p', 'udp', '--orig-dst', '198.51.100.10', '--dport', '53', '--reply-src', '10.244.1.5'],
      ['-p', 'udp', '--dport', '30053', '--reply-src', '10.244.1.5'],
    ]);
  });

  it('a UDP port that had no endpoints and now has one: entries to its addresses (never DNATed)', () => {
    const got = staleUDPFlows(plan([]), plan(['10.244.2.5']));
    assert.deepEqual(got, [
      ['-p', 'udp', '--orig-dst', '10.96.0.10', '--dport', '53'],
      ['-p', 'udp', '--orig-dst', '198.51.100.10', '--dport', '53'],
      ['-p', 'udp', '--dport', '30053'],
    ]);
  });

  it('TCP endpoints and unchanged UDP endpoints need nothing (TCP connections end by themselves)', () => {
    assert.deepEqual(staleUDPFlows(plan(['10.244.1.5']), plan(['10.244.1.5'])), []);
    assert.deepEqual(staleUDPFlows(plan(['10.244.1.5']), plan(['10.244.1.5', '10.244.2.5'])), []);
    assert.deepEqual(staleUDPFlows(undefined, plan(['10.244.1.5'])), []);
  });

  it('a removed Service: entries to its addresses from each of its endpoints', () => {
    const empty = buildProxyPlan(clusterView(nodes()), NODE_A.name)!;
    assert.equal(staleUDPFlows(plan(['10.244.1.5']), empty).length, 3);
  });
});

describe('rules sync', () => {
  it('the first sync loads everything; an endpoint change reloads only kube-proxy (partial update)', () => {
    const a = nodeRules(withEndpoints(['10.244.1.5', '10.244.2.5']), NODE_A.name);
    const first = rulesSync(undefined, a);
    assert.deepEqual(first.changed, ['kube-proxy (full)', 'egress NAT', 'NetworkPolicy']);
    assert.match(first.nft, /^add table ip kube-proxy/m);
    assert.match(first.nft, /^table ip podnet-nat \{/m);
    assert.match(first.nft, /^table inet podnet-netpol \{/m);
    const b = nodeRules(withEndpoints(['10.244.2.5']), NODE_A.name);
    const second = rulesSync(a, b);
    assert.deepEqual(second.changed, ['kube-proxy (2 service ports)']);
    assert.doesNotMatch(second.nft, /podnet-netpol|podnet-nat|delete table/);
    assert.equal(second.conntrack.length, 3);
    assert.deepEqual(rulesSync(b, nodeRules(withEndpoints(['10.244.2.5']), NODE_A.name)), { nft: '', iptables: '', staleChains: [], conntrack: [], changed: [] });
  });

  it('a policy change reloads only the policy table', () => {
    const policy: KObject = {
      apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'deny', namespace: 'default' },
      spec: { podSelector: {}, policyTypes: ['Ingress'] },
    } as KObject;
    const client = pod('default', 'client', NODE_A.name, '10.244.1.9');
    const a = nodeRules(withEndpoints(['10.244.2.5'], [client]), NODE_A.name);
    const b = nodeRules(withEndpoints(['10.244.2.5'], [client, policy]), NODE_A.name);
    const s = rulesSync(a, b);
    assert.deepEqual(s.changed, ['NetworkPolicy']);
    assert.match(s.nft, /jump ingress-default\/client/);
  });

  it('proxyMode iptables: kube-proxy as a standalone iptables-restore text (built-in chains and jumps included)', () => {
    const r = nodeRules(withEndpoints(['10.244.2.5'], [], 'iptables'), NODE_A.name);
    const s = rulesSync(undefined, r);
    assert.match(s.iptables, /^\*nat$/m);
    assert.match(s.iptables, /^:PREROUTING ACCEPT/m);
    assert.match(s.iptables, /^-A PREROUTING .*-j KUBE-SERVICES$/m);
    assert.doesNotMatch(s.nft, /kube-proxy/);
  });

  it('proxyMode ipvs is refused: the kernel has no IPVS', () => {
    assert.match(unsupportedProxyMode('ipvs') ?? '', /CONFIG_IP_VS/);
    assert.equal(unsupportedProxyMode('nftables'), undefined);
    assert.throws(() => nodeRules(withEndpoints([], [], 'ipvs'), NODE_A.name), NodeRulesError);
  });
});

describe('egress NAT', () => {
  it('pod sources to destinations outside the pod network are masqueraded; pod-to-pod is not', () => {
    assert.equal(renderEgressMasquerade('10.244.0.0/16'), `table ip podnet-nat
delete table ip podnet-nat
table ip podnet-nat {
	chain postrouting {
		type nat hook postrouting priority srcnat + 10; policy accept;
		ip saddr 10.244.0.0/16 ip daddr != 10.244.0.0/16 masquerade comment "pod egress leaving the cluster network"
	}
}
`);
  });
});

describe('agent texts load with nft -c -f', { skip: nftSkipReason }, () => {
  it('kube-proxy + NAT + policy in one transaction, and a partial update', () => {
    const a = nodeRules(withEndpoints(['10.244.1.5', '10.244.2.5']), NODE_A.name);
    const r = nftCheck(rulesSync(undefined, a).nft);
    assert.ok(r.ok, r.output);
  });
});
