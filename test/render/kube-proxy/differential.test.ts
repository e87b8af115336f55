/**
 * The differential test the issue requires: our own nftables output, interpreted by the test-side
 * tracer for every packet-flow case, must agree with decide() — same verdict, same set of DNAT
 * targets, same masquerade per target. Also checked for every node of the cluster and for partial
 * updates (full(prev) + update ≡ full(next)).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildProxyPlan, decide, nftEndpointNames, updateProxyPlan, type ProxyDecision, type ProxyNodePlan } from '../../../src/model/service/index.ts';
import { renderNftables, renderNftablesUpdate } from '../../../src/render/kube-proxy/index.ts';
import { kitchenSink, kitchenSinkObjects } from '../../model/service/cluster-fixture.ts';
import { clusterView, EXTERNAL_CLIENT, on, slice, NODE_A } from '../../model/service/fixtures.ts';
import { FLOWS, type FlowCase } from '../../model/service/packet-flows.ts';
import { loadNft, trace, type TraceOutcome, type TracerTable } from './nft-tracer.ts';

function traced(table: TracerTable, plan: ProxyNodePlan, f: Pick<FlowCase, 'src' | 'dst' | 'port' | 'protocol' | 'affinity'>): TraceOutcome[] {
  // Affinity history becomes set contents: an element lives until its timeout.
  const affinity = new Map<string, string[]>();
  for (const a of f.affinity ?? []) {
    const sp = plan.servicePorts.find((s) => s.nameString === a.service && s.name.protocol === (f.protocol ?? 'TCP'));
    if (!sp || a.ageSeconds >= sp.stickySeconds) continue;
    const [ip, port] = a.backend.split(':');
    const set = nftEndpointNames(sp.name, ip, Number(port)).affinitySet;
    affinity.set(set, [...(affinity.get(set) ?? []), a.client]);
  }
  return trace(table, { src: f.src, dst: f.dst, port: f.port, protocol: (f.protocol ?? 'TCP').toLowerCase() as 'tcp' }, { localAddresses: plan.nodeAddresses, affinity });
}

function agree(d: ProxyDecision, out: TraceOutcome[]): void {
  if (d.verdict === 'dnat') {
    assert.ok(out.every((o) => o.verdict === 'accept' && o.dnat), `rules: ${JSON.stringify(out)}`);
    const rules = out.map((o) => [o.dnat, o.masquerade]).sort();
    const model = d.backends.map((b) => [b.target, b.masquerade]).sort();
    assert.deepEqual(rules, model);
  } else {
    const want = d.verdict === 'pass' ? 'accept' : d.verdict;
    assert.deepEqual(out.map((o) => [o.verdict, o.dnat]), [[want, undefined]], `decide: ${d.reason}`);
  }
}

describe('differential: rendered nftables ≡ decide()', () => {
  const view = kitchenSink();
  const plans = new Map<string, ProxyNodePlan>();
  const tables = new Map<string, TracerTable>();
  for (const n of ['node-a', 'node-b', 'node-c']) {
    const plan = buildProxyPlan(view, n, { mode: 'nftables' })!;
    plans.set(n, plan);
    tables.set(n, loadNft(renderNftables(plan)));
  }
  for (const f of FLOWS) {
    it(f.name, () => {
      const plan = plans.get(f.node)!;
      agree(decide(plan, { src: f.src, dst: f.dst, protocol: f.protocol ?? 'TCP', port: f.port }, { affinity: f.affinity }), traced(tables.get(f.node)!, plan, f));
    });
  }

  it('every node × every service address × sources (pod, local pod, host, other node, external) agree', () => {
    const sources = ['10.244.1.5', '10.244.2.5', '10.244.1.11', '172.18.0.2', '172.18.0.3', EXTERNAL_CLIENT, '203.0.113.200', '127.0.0.1'];
    let checked = 0;
    for (const [n, plan] of plans) {
      const dests: { dst: string; port: number; protocol: 'TCP' | 'UDP' | 'SCTP' }[] = [];
      for (const sp of plan.servicePorts) {
        for (const ip of [sp.clusterIP, ...sp.externalIPs, ...sp.loadBalancerIPs]) dests.push({ dst: ip, port: sp.port, protocol: sp.name.protocol });
        if (sp.nodePort) for (const ip of ['172.18.0.2', '172.18.0.3', '127.0.0.1']) dests.push({ dst: ip, port: sp.nodePort, protocol: sp.name.protocol });
        if (sp.healthCheckNodePort) dests.push({ dst: plan.nodeIP!, port: sp.healthCheckNodePort, protocol: 'TCP' });
      }
      dests.push({ dst: '10.96.0.41', port: 9999, protocol: 'TCP' }, { dst: '10.96.15.1', port: 80, protocol: 'TCP' }, { dst: '10.244.2.11', port: 8080, protocol: 'TCP' });
      for (const d of dests) {
        for (const src of sources) {
          const f = { src, ...d };
          agree(decide(plan, { src, dst: d.dst, protocol: d.protocol, port: d.port }), traced(tables.get(n)!, plan, f));
          checked++;
        }
      }
    }
    assert.ok(checked > 500);
  });
});

describe('differential: partial updates', () => {
  it('full(prev) + update loads to the same table as full(next), for adds, changes and removals', () => {
    const objects = kitchenSinkObjects();
    const prevView = clusterView(objects);
    const prev = buildProxyPlan(prevView, 'node-a', { mode: 'nftables' })!;
    // svc1 gains an endpoint, empty gets one, sticky loses its slice, dns is deleted.
    const nextObjects = objects
      .filter((o) => !(o.kind === 'EndpointSlice' && o.metadata.name === 'sticky-abc'))
      .filter((o) => !(o.kind === 'Service' && o.metadata.name === 'dns'))
      .map((o) => (o.kind === 'EndpointSlice' && o.metadata.name === 'svc1-abc'
        ? slice('ns1', 'svc1', 'svc1-abc', [{ name: 'http', port: 8080 }], [on(NODE_A, '10.244.1.11'), on(NODE_A, '10.244.1.12'), { ip: '10.244.2.11', node: 'node-b' }])
        : o));
    nextObjects.push(slice('ns5', 'empty', 'empty-abc', [{ name: 'http', port: 80 }], [on(NODE_A, '10.244.1.45')]));
    const nextView = clusterView(nextObjects);
    const next = updateProxyPlan(prev, nextView, ['ns1/svc1', 'ns5/empty', 'ns7/sticky', 'ns1/dns'])!;
    const fromScratch = buildProxyPlan(nextView, 'node-a', { mode: 'nftables' })!;
    assert.deepEqual(next, fromScratch, 'updateProxyPlan ≡ buildProxyPlan');

    const update = renderNftablesUpdate(prev, next);
    assert.equal(update.full, false);
    assert.deepEqual(update.changed, ['ns1/dns/sctp/dns-sctp', 'ns1/dns/tcp/dns-tcp', 'ns1/dns/udp/dns', 'ns1/svc1/tcp/http', 'ns5/empty/tcp/http', 'ns7/sticky/tcp/http']);
    // Unchanged ports are not touched at all.
    assert.doesNotMatch(update.text, /ns3\/np|ns4\/lb-fw|ns2\/lb-local/);
    const patched = loadNft(update.text, loadNft(renderNftables(prev)));
    for (const c of update.staleChains) patched.chains.delete(c);
    const want = loadNft(renderNftables(next));
    assert.deepEqual(normalise(patched), normalise(want));
  });

  it('a change of node-level settings renders a full ruleset', () => {
    const prev = buildProxyPlan(kitchenSink(), 'node-a', { mode: 'nftables' })!;
    const next = buildProxyPlan(kitchenSink({ kubeProxy: { masqueradeAll: true } }), 'node-a', { mode: 'nftables' })!;
    assert.equal(renderNftablesUpdate(prev, next).full, true);
  });
});

function normalise(t: TracerTable): unknown {
  return {
    chains: [...t.chains.entries()].sort(([a], [b]) => (a < b ? -1 : 1)),
    sets: [...t.sets.entries()].map(([k, v]) => [k, [...v.elements].sort(), v.timeoutSeconds]).sort(),
    maps: [...t.maps.entries()].map(([k, v]) => [k, [...v.entries()].sort()]).sort(),
  };
}
