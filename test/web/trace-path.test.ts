import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TraceHop } from '../../src/model/trace/index.ts';
import { tracePath } from '../../web/src/lib/trace-path.ts';
import { objectLink } from '../../web/src/lib/object-links.ts';

const hop = (step: TraceHop['step'], where: string, ok = true): TraceHop => ({ step, where, detail: '', ok });

describe('trace path on the topology', () => {
  const byIP = new Map([['10.96.0.10', 'service:kube-system/kube-dns']]);

  it('follows hop locations, collapsing repeats, and marks where the flow fails', () => {
    const p = tracePath([
      hop('source', 'pod shop/web-1'),
      hop('dns', 'pod shop/web-1 → 10.96.0.10:53/UDP'),
      hop('dns', '10.96.0.10 (cluster DNS)'),
      hop('service', 'Service shop/api'),
      hop('kube-proxy', 'node node-1 (kube-proxy iptables)'),
      hop('route', 'underlay'),
      hop('route', 'node node-2 eth0'),
      hop('ingress-policy', 'pod shop/api-0', false),
    ], byIP);
    assert.deepEqual(p.ids, ['pod:shop/web-1', 'service:kube-system/kube-dns', 'service:shop/api', 'node:node-1', 'node:node-2', 'pod:shop/api-0']);
    assert.equal(p.failAt, 5);
  });

  it('a failure at the source marks the source; no failure, no mark', () => {
    assert.deepEqual(tracePath([hop('source', 'pod a/x'), hop('egress-policy', 'pod a/x', false)], byIP), { ids: ['pod:a/x'], failAt: 0 });
    assert.deepEqual(tracePath([hop('source', '203.0.113.9'), hop('route', 'underlay')], byIP), { ids: [] });
  });
});

describe('lint object links', () => {
  it('opens pods, policies, Services, nodes and routes in the topology; policies also in the editor', () => {
    assert.deepEqual(objectLink('NetworkPolicy shop/default-deny'), { view: 'topology', focus: 'policy:shop/default-deny', editable: true });
    assert.deepEqual(objectLink('Pod data/database-0'), { view: 'topology', focus: 'pod:data/database-0', editable: false });
    assert.deepEqual(objectLink('Node node-1'), { view: 'topology', focus: 'node:node-1', editable: false });
    assert.equal(objectLink('ClusterConfig podCIDR')?.focus, undefined);
    assert.equal(objectLink('not an object ref here'), undefined);
  });
});
