/**
 * IPVS mode as `ipvsadm-save -n` prints it (`-A -t VIP:port -s rr`, `-a … -r ep -m -w 1`),
 * from kube-proxy's IPVS proxier behaviour: one virtual server per service address, masquerading
 * real servers of weight 1, ClientIP affinity as persistence.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildProxyPlan } from '../../../src/model/service/index.ts';
import { ipvsDummyAddresses, renderIpvs } from '../../../src/render/kube-proxy/index.ts';
import { kitchenSink } from '../../model/service/cluster-fixture.ts';
import { clusterView, NODE_A, NODE_B, nodes, on, service, slice } from '../../model/service/fixtures.ts';

describe('ipvsadm-save', () => {
  it('the worked example: one virtual server, two masquerading real servers of weight 1', () => {
    const view = clusterView([...nodes(),
      service('shop', 'web', { clusterIP: '10.96.10.10', ports: [{ name: 'http', port: 80, targetPort: 8080 }] }),
      slice('shop', 'web', 'web-abc', [{ name: 'http', port: 8080 }], [on(NODE_A, '10.244.1.11'), on(NODE_B, '10.244.2.11')]),
    ]);
    assert.equal(renderIpvs(buildProxyPlan(view, 'node-a', { mode: 'ipvs' })!), [
      '-A -t 10.96.10.10:80 -s rr',
      '-a -t 10.96.10.10:80 -r 10.244.1.11:8080 -m -w 1',
      '-a -t 10.96.10.10:80 -r 10.244.2.11:8080 -m -w 1',
      '',
    ].join('\n'));
  });

  it('scheduler, UDP/SCTP flags, persistence for ClientIP affinity', () => {
    const plan = buildProxyPlan(kitchenSink(), 'node-a', { mode: 'ipvs' })!;
    const text = renderIpvs(plan, { scheduler: 'sh' }).split('\n');
    assert.ok(text.includes('-A -u 10.96.0.11:53 -s sh'));
    assert.ok(text.includes('-A --sctp-service 10.96.0.11:53 -s sh'));
    assert.ok(text.includes('-A -t 10.96.0.48:80 -s sh -p 60'));
  });

  it('NodePorts get a virtual server per node address; eTP Local ones list only local endpoints', () => {
    const a = renderIpvs(buildProxyPlan(kitchenSink(), 'node-a', { mode: 'ipvs' })!).split('\n');
    const b = renderIpvs(buildProxyPlan(kitchenSink(), 'node-b', { mode: 'ipvs' })!).split('\n');
    assert.ok(a.includes('-A -t 172.18.0.2:30042 -s rr'));
    assert.ok(!a.some((l) => l.startsWith('-a -t 172.18.0.2:30042 ')), 'no local endpoint on node-a');
    assert.ok(b.includes('-a -t 172.18.0.3:30042 -r 10.244.2.21:8080 -m -w 1'));
    // ClusterIP of the same Service keeps every endpoint.
    assert.ok(a.includes('-a -t 10.96.0.42:80 -r 10.244.2.21:8080 -m -w 1'));
  });

  it('kube-ipvs0 holds every ClusterIP, external IP and LB IP', () => {
    const addrs = ipvsDummyAddresses(buildProxyPlan(kitchenSink(), 'node-a', { mode: 'ipvs' })!);
    for (const ip of ['10.96.0.41', '198.51.100.42', '192.0.2.42']) assert.ok(addrs.includes(ip), ip);
  });
});
