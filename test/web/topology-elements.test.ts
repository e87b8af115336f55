import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Topology, TopologyPod } from '../../src/server/ui-api/api-types.ts';
import { elementsForWhere, topologyElements } from '../../web/src/lib/topology-elements.ts';

const pod = (ns: string, name: string, node: string | null, labels: Record<string, string> = {}, ready = true): TopologyPod => ({
  ref: `${ns}/${name}`, namespace: ns, name, node, ips: node ? ['10.244.0.2'] : [], labels, ready, phase: ready ? 'Running' : 'Pending', hostNetwork: false, ports: [],
});

const topo: Topology = {
  summary: {
    revision: 3, source: { kind: 'memory', description: 'test' },
    cni: { cni: 'calico', mode: 'calico (BGP)', underlayMTU: 1500, podMTU: 1500, crossNodeMTU: 1500, encapsulation: null, enforcesPolicy: true, kubeProxyReplacement: false },
    podCIDR: '10.244.0.0/16', serviceCIDR: '10.96.0.0/12', proxyMode: 'iptables', clusterDomain: 'cluster.local',
  },
  namespaces: [{ name: 'a', labels: {} }, { name: 'b', labels: {} }],
  nodes: [{ name: 'node-1', internalIP: '172.18.0.2', podCIDRs: ['10.244.0.0/24'], ready: true }, { name: 'node-2', internalIP: '172.18.0.3', podCIDRs: ['10.244.1.0/24'], ready: false }],
  pods: [pod('a', 'web-1', 'node-1', { app: 'web' }), pod('a', 'web-2', 'node-2', { app: 'web' }, false), pod('b', 'db-0', 'node-1'), pod('b', 'pending', null)],
  services: [{ ref: 'a/web', namespace: 'a', name: 'web', type: 'ClusterIP', clusterIPs: ['10.96.0.20'], ports: ['80/TCP'], endpoints: [{ pod: 'a/web-1', ip: '10.244.0.2', ready: true }, { pod: 'a/web-2', ip: '10.244.1.2', ready: false }] }],
  routes: [{ ref: 'Ingress/a/site', kind: 'Ingress', namespace: 'a', name: 'site', hosts: ['example.com'], services: ['a/web', 'a/gone'] }],
  policies: [],
  problems: [],
};

describe('topology elements', () => {
  it('nests pods in namespace groups in node islands; unscheduled pods get their own island', () => {
    const els = topologyElements(topo, { namespaces: [] });
    const byId = new Map(els.map((e) => [e.data.id, e]));
    assert.equal(byId.get('pod:a/web-1')!.data.parent, 'nsgroup:node-1/a');
    assert.equal(byId.get('nsgroup:node-1/a')!.data.parent, 'node:node-1');
    assert.equal(byId.get('pod:b/db-0')!.data.parent, 'nsgroup:node-1/b');
    assert.equal(byId.get('pod:b/pending')!.data.parent, 'nsgroup:(unscheduled)/b');
    assert.match(byId.get('node:node-1')!.data.label, /172\.18\.0\.2\npodCIDR 10\.244\.0\.0\/24/);
    assert.match(byId.get('node:node-2')!.classes!, /notready/);
    // Readiness is in the text too, not only the colour.
    assert.match(byId.get('pod:a/web-2')!.data.label, /\(not ready\)/);
    for (const e of els) if (e.data.parent) assert.ok(byId.has(e.data.parent), `${e.data.id} has its parent`);
  });

  it('links Services to endpoints (not-ready dashed) and routes to Services that exist', () => {
    const els = topologyElements(topo, { namespaces: [] });
    const edges = els.filter((e) => e.group === 'edges');
    assert.deepEqual(edges.map((e) => [e.data.source, e.data.target, e.classes]), [
      ['service:a/web', 'pod:a/web-1', 'endpoint'],
      ['service:a/web', 'pod:a/web-2', 'endpoint notready'],
      ['route:Ingress/a/site', 'service:a/web', 'routes'],
    ]);
  });

  it('filters by namespace and by the pods a selector matched; edges to hidden pods go too', () => {
    const onlyB = topologyElements(topo, { namespaces: ['b'] });
    assert.deepEqual(onlyB.filter((e) => e.data.kind === 'pod').map((e) => e.data.id).sort(), ['pod:b/db-0', 'pod:b/pending']);
    assert.equal(onlyB.filter((e) => e.data.kind === 'service' || e.data.kind === 'route').length, 0);
    const selected = topologyElements(topo, { namespaces: [], selected: new Set(['a/web-2']) });
    assert.deepEqual(selected.filter((e) => e.data.kind === 'pod').map((e) => e.data.id), ['pod:a/web-2']);
    assert.deepEqual(selected.filter((e) => e.group === 'edges' && e.data.target?.startsWith('pod:')).map((e) => e.data.target), ['pod:a/web-2']);
    // No unscheduled island when its pods are filtered out.
    assert.equal(selected.some((e) => e.data.id === 'node:(unscheduled)'), false);
  });

  it('maps trace hop locations to elements', () => {
    assert.deepEqual(elementsForWhere('pod shop/web-1'), ['pod:shop/web-1']);
    assert.deepEqual(elementsForWhere('node node-1 cali12345678'), ['node:node-1']);
    assert.deepEqual(elementsForWhere('Service shop/web 10.96.0.20:80'), ['service:shop/web']);
    assert.deepEqual(elementsForWhere('underlay'), []);
  });
});
