/**
 * iptables mode golden tests. Expected lines are written from kube-proxy's documented rule shapes
 * (pkg/proxy/iptables/proxier.go; the Services note's worked example) for our address plan
 * (test/model/service/fixtures.ts). Rendered files must pass `iptables-restore --test` (run inside
 * a throwaway network namespace) when the tool is available.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildProxyPlan } from '../../../src/model/service/index.ts';
import { countIptablesRules, probability, renderIptables } from '../../../src/render/kube-proxy/index.ts';
import { kitchenSink } from '../../model/service/cluster-fixture.ts';
import { clusterView, NODE_A, NODE_B, nodes, on, service, slice } from '../../model/service/fixtures.ts';
import { iptablesRestoreTest, iptablesSkipReason } from './system-tools.ts';

const render = (view: ReturnType<typeof clusterView>, node = 'node-a') => renderIptables(buildProxyPlan(view, node, { mode: 'iptables' })!);
const lines = (text: string) => text.split('\n');

function shopWeb(config = {}) {
  return clusterView([
    ...nodes(),
    service('shop', 'web', { clusterIP: '10.96.10.10', ports: [{ name: 'http', port: 80, targetPort: 8080 }] }),
    slice('shop', 'web', 'web-abc', [{ name: 'http', port: 8080 }], [on(NODE_A, '10.244.1.11'), on(NODE_B, '10.244.2.11')]),
  ], config);
}

describe('iptables-restore input (golden)', () => {
  it('the worked example: KUBE-SERVICES, KUBE-SVC with 1/n statistic rules, KUBE-SEP hairpin + DNAT', () => {
    const got = lines(render(shopWeb()));
    const want = [
      '-A KUBE-SERVICES -m comment --comment "shop/web:http cluster IP" -m tcp -p tcp -d 10.96.10.10 --dport 80 -j KUBE-SVC-67NZLRHBNDSAWJRO',
      '-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS',
      '-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000',
      '-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN',
      '-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000',
      '-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully',
      '-A KUBE-SVC-67NZLRHBNDSAWJRO -m comment --comment "shop/web:http cluster IP" -m tcp -p tcp -d 10.96.10.10 --dport 80 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ',
      '-A KUBE-SVC-67NZLRHBNDSAWJRO -m comment --comment "shop/web:http -> 10.244.1.11:8080" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-EPVTA2RHFPHQF37H',
      '-A KUBE-SVC-67NZLRHBNDSAWJRO -m comment --comment "shop/web:http -> 10.244.2.11:8080" -j KUBE-SEP-BTZNBNILETY57XCS',
      '-A KUBE-SEP-EPVTA2RHFPHQF37H -m comment --comment shop/web:http -s 10.244.1.11 -j KUBE-MARK-MASQ',
      '-A KUBE-SEP-EPVTA2RHFPHQF37H -m comment --comment shop/web:http -m tcp -p tcp -j DNAT --to-destination 10.244.1.11:8080',
      ':KUBE-SVC-67NZLRHBNDSAWJRO - [0:0]',
      ':KUBE-SEP-EPVTA2RHFPHQF37H - [0:0]',
      ':KUBE-SEP-BTZNBNILETY57XCS - [0:0]',
    ];
    for (const w of want) assert.ok(got.includes(w), `missing: ${w}`);
    // The NodePort dispatch is the last rule of nat KUBE-SERVICES.
    const svcRules = got.filter((l) => l.startsWith('-A KUBE-SERVICES ') && got.indexOf(l) > got.indexOf('*nat'));
    assert.match(svcRules[svcRules.length - 1], /-j KUBE-NODEPORTS$/);
  });

  it('statistic probabilities are 1/(n−i) with 10 decimals; the last endpoint has none', () => {
    assert.deepEqual([5, 4, 3, 2].map(probability), ['0.2000000000', '0.2500000000', '0.3333333333', '0.5000000000']);
  });

  it('masqueradeAll drops the source test from the KUBE-SVC masquerade rule', () => {
    assert.ok(lines(render(shopWeb({ kubeProxy: { masqueradeAll: true } }))).includes(
      '-A KUBE-SVC-67NZLRHBNDSAWJRO -m comment --comment "shop/web:http cluster IP" -m tcp -p tcp -d 10.96.10.10 --dport 80 -j KUBE-MARK-MASQ'));
  });

  it('ClientIP affinity: recent --rcheck rules before the statistic rules; the SEP DNAT sets it', () => {
    const view = clusterView([...nodes(),
      service('shop', 'web', { clusterIP: '10.96.10.10', sessionAffinity: 'ClientIP', ports: [{ name: 'http', port: 80, targetPort: 8080 }] }),
      slice('shop', 'web', 'web-abc', [{ name: 'http', port: 8080 }], [on(NODE_A, '10.244.1.11'), on(NODE_B, '10.244.2.11')]),
    ]);
    const svc = lines(render(view)).filter((l) => l.startsWith('-A KUBE-SVC-67NZLRHBNDSAWJRO '));
    assert.deepEqual(svc.slice(1), [
      '-A KUBE-SVC-67NZLRHBNDSAWJRO -m comment --comment "shop/web:http -> 10.244.1.11:8080" -m recent --name KUBE-SEP-EPVTA2RHFPHQF37H --rcheck --seconds 10800 --reap -j KUBE-SEP-EPVTA2RHFPHQF37H',
      '-A KUBE-SVC-67NZLRHBNDSAWJRO -m comment --comment "shop/web:http -> 10.244.2.11:8080" -m recent --name KUBE-SEP-BTZNBNILETY57XCS --rcheck --seconds 10800 --reap -j KUBE-SEP-BTZNBNILETY57XCS',
      '-A KUBE-SVC-67NZLRHBNDSAWJRO -m comment --comment "shop/web:http -> 10.244.1.11:8080" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-EPVTA2RHFPHQF37H',
      '-A KUBE-SVC-67NZLRHBNDSAWJRO -m comment --comment "shop/web:http -> 10.244.2.11:8080" -j KUBE-SEP-BTZNBNILETY57XCS',
    ]);
    assert.ok(lines(render(view)).includes('-A KUBE-SEP-EPVTA2RHFPHQF37H -m comment --comment shop/web:http -m recent --name KUBE-SEP-EPVTA2RHFPHQF37H --set -m tcp -p tcp -j DNAT --to-destination 10.244.1.11:8080'));
  });

  it('eTP Local: KUBE-EXT short-circuits pods and LOCAL sources, then KUBE-SVL only with local endpoints', () => {
    const mk = (epNode: typeof NODE_A) => clusterView([...nodes(),
      service('shop', 'web', { type: 'NodePort', clusterIP: '10.96.10.10', externalTrafficPolicy: 'Local', ports: [{ name: 'http', port: 80, targetPort: 8080, nodePort: 30080 }] }),
      slice('shop', 'web', 'web-abc', [{ name: 'http', port: 8080 }], [on(epNode, '10.244.1.11')]),
    ]);
    const ext = (text: string) => lines(text).filter((l) => l.startsWith('-A KUBE-EXT-67NZLRHBNDSAWJRO ')).map((l) => l.replace('-A KUBE-EXT-67NZLRHBNDSAWJRO ', ''));
    const base = [
      '-m comment --comment "pod traffic for shop/web:http external destinations" -s 10.244.0.0/16 -j KUBE-SVC-67NZLRHBNDSAWJRO',
      '-m comment --comment "masquerade LOCAL traffic for shop/web:http external destinations" -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ',
      '-m comment --comment "route LOCAL traffic for shop/web:http external destinations" -m addrtype --src-type LOCAL -j KUBE-SVC-67NZLRHBNDSAWJRO',
    ];
    assert.deepEqual(ext(render(mk(NODE_A))), [...base, '-j KUBE-SVL-67NZLRHBNDSAWJRO']);
    const remote = render(mk(NODE_B));
    assert.deepEqual(ext(remote), base);
    assert.ok(lines(remote).includes('-A KUBE-EXTERNAL-SERVICES -m comment --comment "shop/web:http has no local endpoints" -m addrtype --dst-type LOCAL -m tcp -p tcp --dport 30080 -j DROP'));
    assert.ok(lines(remote).includes('-A KUBE-NODEPORTS -m comment --comment shop/web:http -m tcp -p tcp --dport 30080 -j KUBE-EXT-67NZLRHBNDSAWJRO'));
  });

  it('eTP Cluster: KUBE-EXT masquerades, then jumps to KUBE-SVC', () => {
    const view = clusterView([...nodes(),
      service('shop', 'web', { type: 'NodePort', clusterIP: '10.96.10.10', ports: [{ name: 'http', port: 80, targetPort: 8080, nodePort: 30080 }] }),
      slice('shop', 'web', 'web-abc', [{ name: 'http', port: 8080 }], [on(NODE_B, '10.244.2.11')]),
    ]);
    assert.deepEqual(lines(render(view)).filter((l) => l.startsWith('-A KUBE-EXT-')), [
      '-A KUBE-EXT-67NZLRHBNDSAWJRO -m comment --comment "masquerade traffic for shop/web:http external destinations" -j KUBE-MARK-MASQ',
      '-A KUBE-EXT-67NZLRHBNDSAWJRO -j KUBE-SVC-67NZLRHBNDSAWJRO',
    ]);
  });

  it('no endpoints: filter REJECT for the ClusterIP, no nat chains', () => {
    const view = clusterView([...nodes(), service('shop', 'web', { clusterIP: '10.96.10.10', ports: [{ name: 'http', port: 80 }] })]);
    const text = render(view);
    assert.ok(lines(text).includes('-A KUBE-SERVICES -m comment --comment "shop/web:http has no endpoints" -m tcp -p tcp -d 10.96.10.10 --dport 80 -j REJECT'));
    assert.doesNotMatch(text, /KUBE-SVC-|KUBE-SEP-/);
  });

  it('loadBalancerSourceRanges: KUBE-FW accepts each range (and the LB IP when a range covers the node), KUBE-PROXY-FIREWALL drops the rest', () => {
    const view = clusterView([...nodes(),
      service('shop', 'web', { type: 'LoadBalancer', clusterIP: '10.96.10.10', loadBalancerSourceRanges: ['203.0.113.0/25', '172.18.0.0/24'], ports: [{ name: 'http', port: 80, targetPort: 8080, nodePort: 30080 }] },
        { loadBalancer: { ingress: [{ ip: '192.0.2.8' }] } }),
      slice('shop', 'web', 'web-abc', [{ name: 'http', port: 8080 }], [on(NODE_B, '10.244.2.11')]),
    ]);
    const got = lines(render(view));
    for (const w of [
      '-A KUBE-SERVICES -m comment --comment "shop/web:http loadbalancer IP" -m tcp -p tcp -d 192.0.2.8 --dport 80 -j KUBE-FW-67NZLRHBNDSAWJRO',
      '-A KUBE-FW-67NZLRHBNDSAWJRO -m comment --comment "shop/web:http loadbalancer IP" -s 203.0.113.0/25 -j KUBE-EXT-67NZLRHBNDSAWJRO',
      '-A KUBE-FW-67NZLRHBNDSAWJRO -m comment --comment "shop/web:http loadbalancer IP" -s 172.18.0.0/24 -j KUBE-EXT-67NZLRHBNDSAWJRO',
      '-A KUBE-FW-67NZLRHBNDSAWJRO -m comment --comment "shop/web:http loadbalancer IP" -s 192.0.2.8 -j KUBE-EXT-67NZLRHBNDSAWJRO',
      '-A KUBE-PROXY-FIREWALL -m comment --comment "shop/web:http traffic not accepted by KUBE-FW-67NZLRHBNDSAWJRO" -m tcp -p tcp -d 192.0.2.8 --dport 80 -j DROP',
    ]) assert.ok(got.includes(w), `missing: ${w}`);
  });

  it('past 1000 endpoints, per-endpoint comments are dropped', () => {
    const eps = Array.from({ length: 1001 }, (_, i) => ({ ip: `10.244.${Math.floor(i / 250) + 1}.${(i % 250) + 2}`, node: 'node-b' }));
    const view = clusterView([...nodes(), service('shop', 'web', { clusterIP: '10.96.10.10', ports: [{ name: 'http', port: 80 }] }), slice('shop', 'web', 'web-abc', [{ name: 'http', port: 80 }], eps)]);
    const sep = lines(render(view)).filter((l) => l.startsWith('-A KUBE-SEP-'));
    assert.equal(sep.length, 2002);
    assert.ok(sep.every((l) => !l.includes('--comment')));
  });

  it('iptables mode serves NodePorts on 127.0.0.1 (route_localnet) and guards them with the localnet rule in KUBE-FIREWALL', () => {
    assert.ok(lines(render(shopWeb())).some((l) => l.startsWith('-A KUBE-FIREWALL ') && l.includes('block incoming localnet connections')));
  });

  it('counts rules per table', () => {
    const c = countIptablesRules(render(shopWeb()));
    // nat: 3 postrouting + 1 mark + 1 service + 1 nodeports + SVC (1 masq + 2) + 2 SEP × 2 = 13; filter: localnet guard + 3 forward.
    assert.deepEqual(c, { filter: 4, nat: 13, total: 17, chains: 13 });
  });
});

describe('iptables-restore --test accepts the rendered files', { skip: iptablesSkipReason }, () => {
  for (const node of ['node-a', 'node-b', 'node-c']) {
    it(`kitchen-sink cluster, ${node}`, () => {
      const r = iptablesRestoreTest(renderIptables(buildProxyPlan(kitchenSink(), node, { mode: 'iptables' })!));
      assert.ok(r.ok, r.output);
    });
  }
  it('standalone file with jumps from the built-in chains', () => {
    const r = iptablesRestoreTest(renderIptables(buildProxyPlan(kitchenSink(), 'node-a', { mode: 'iptables' })!, { standalone: true }));
    assert.ok(r.ok, r.output);
  });
});
