/**
 * Differential test: the rendered nftables text, run by the test-side interpreter, must give the
 * verdict decide() gives for every flow — the upstream e2e scenarios (every pair, every probed
 * port) and seeded random policy sets (selectors, named ports, endPort ranges, ipBlock with except,
 * node and external peers) — under Calico (ipBlock matches anything) and Cilium (never cluster
 * addresses). A new connection crosses the forward hook of the source pod's node, then (on another
 * node) the destination's; both tables must accept.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject, NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort, Pod, Protocol } from '../../../src/api/types.ts';
import type { CNIMode } from '../../../src/cluster/config.ts';
import type { ClusterView } from '../../../src/cluster/view.ts';
import { decide, nodeEndpoint, podEndpoint, PolicyIndex, type FlowEndpoint } from '../../../src/model/policy/index.ts';
import { renderNetpol } from '../../../src/render/netpol/index.ts';
import { ALL_SCENARIOS, scenarioObjects } from '../../model/policy/e2e-scenarios.ts';
import { e2eObjects, ALL_E2E_PODS, view } from '../../model/policy/fixtures.ts';
import { judge, parseRuleset } from './nft-interpreter.ts';
import { rng } from '../../support/prng.ts';

type Tables = Map<string, ReturnType<typeof parseRuleset>>;

function tables(index: PolicyIndex): Tables {
  return new Map(index.view.nodes.map((n) => [n.metadata.name, parseRuleset(renderNetpol(index, n.metadata.name))]));
}

interface Addr {
  ip: string;
  /** The node whose forward hook the packet leaves through (the source pod's node), if any. */
  node?: string;
}

/** What the packet meets: the forward hooks of the source pod's node and of the destination pod's node. */
function nftAllows(t: Tables, src: Addr, dst: Addr, port: number, protocol: Protocol): boolean {
  const hooks = [...new Set([src.node, dst.node].filter((n): n is string => n !== undefined))];
  const p = { saddr: src.ip, daddr: dst.ip, protocol: protocol.toLowerCase(), dport: port, ctState: 'new' as const };
  return hooks.every((n) => judge(t.get(n)!, p) === 'accept');
}

const addrOf = (e: FlowEndpoint): Addr => (e.kind === 'pod' ? { ip: e.ip!, node: e.pod.spec.nodeName } : { ip: e.ip! });

function comparePairs(v: ClusterView, index: PolicyIndex, t: Tables, ends: FlowEndpoint[], ports: [number, Protocol][], label: string): number {
  let n = 0;
  for (const src of ends) for (const dst of ends) {
    if (src === dst || (src.kind !== 'pod' && dst.kind !== 'pod')) continue;
    // A node's own traffic to its pods leaves through the output hook, which the table leaves open.
    if (src.kind === 'node' && dst.kind === 'pod' && dst.pod.spec.nodeName === src.name) continue;
    for (const [port, protocol] of ports) {
      const model = decide(index, { src, dst, port, protocol }).allowed;
      const rules = nftAllows(t, addrOf(src), addrOf(dst), port, protocol);
      assert.equal(rules, model, `${label}: ${src.kind === 'pod' ? src.ref : src.ip} -> ${dst.kind === 'pod' ? dst.ref : dst.ip} ${port}/${protocol}`);
      n++;
    }
  }
  return n;
}

const podEnds = (v: ClusterView): FlowEndpoint[] => v.pods.filter((p: Pod) => !p.spec.hostNetwork).map((p) => podEndpoint(v, p));

describe('nft table ≡ decide(): upstream e2e scenarios', () => {
  for (const cni of ['calico', 'cilium'] as CNIMode[]) {
    for (const s of ALL_SCENARIOS) {
      it(`${cni}: ${s.name}`, () => {
        const v = view(scenarioObjects(s), cni);
        const index = new PolicyIndex(v);
        const t = tables(index);
        const ports = s.cases.map((c) => [c.port, c.protocol] as [number, Protocol]);
        comparePairs(v, index, t, podEnds(v), [...ports, [80, 'UDP'], [81, 'TCP']], s.name);
      });
    }
  }
});


function randomPolicies(r: () => number, pods: readonly string[]): NetworkPolicy[] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const NSL = 'kubernetes.io/metadata.name';
  const podSel = (): NetworkPolicyPeer['podSelector'] => pick([{}, { matchLabels: { pod: pick(['a', 'b', 'c']) } }, { matchExpressions: [{ key: 'pod', operator: 'NotIn' as const, values: [pick(['a', 'b'])] }] }]);
  const nsSel = (): NetworkPolicyPeer['namespaceSelector'] => pick([{}, { matchLabels: { [NSL]: pick(['x', 'y', 'z']) } }, { matchExpressions: [{ key: NSL, operator: 'In' as const, values: [pick(['x', 'y']), 'z'] }] }]);
  const ip = (ref: string): string => {
    const [ns, name] = ref.split('/');
    return `10.244.${['x', 'y', 'z'].indexOf(ns) + 1}.${10 + ['a', 'b', 'c'].indexOf(name)}`;
  };
  const peer = (): NetworkPolicyPeer => {
    switch (Math.floor(r() * 5)) {
      case 0: return { podSelector: podSel() };
      case 1: return { namespaceSelector: nsSel() };
      case 2: return { namespaceSelector: nsSel(), podSelector: podSel() };
      case 3: return { ipBlock: { cidr: pick(['10.244.0.0/16', '10.244.1.0/24', '0.0.0.0/0', '172.18.0.0/16']), except: r() < 0.5 ? [`${ip(pick(pods))}/32`] : [] } };
      default: return { ipBlock: { cidr: `${ip(pick(pods))}/${pick([32, 31, 30])}`.replace(/\.(\d+)\/(3[01])$/, (_, o, l) => `.${Number(o) & (l === '31' ? 254 : 252)}/${l}`) } };
    }
  };
  const port = (): NetworkPolicyPort => {
    const protocol = pick(['TCP', 'TCP', 'UDP'] as Protocol[]);
    switch (Math.floor(r() * 5)) {
      case 0: return { protocol, port: pick([80, 81, 82]) };
      case 1: return { protocol, port: 80, endPort: 81 };
      case 2: return { protocol, port: pick(['serve-80-tcp', 'serve-81-udp', 'serve-81-tcp', 'nothing']) };
      case 3: return { protocol };
      default: return { protocol, port: 81 };
    }
  };
  const rules = <T>(mk: () => T): T[] => Array.from({ length: Math.floor(r() * 3) }, mk);
  const rule = (key: 'from' | 'to'): Record<string, unknown> => ({
    ...(r() < 0.7 ? { [key]: Array.from({ length: 1 + Math.floor(r() * 2) }, peer) } : {}),
    ...(r() < 0.6 ? { ports: Array.from({ length: 1 + Math.floor(r() * 2) }, port) } : {}),
  });
  const out: NetworkPolicy[] = [];
  const count = 1 + Math.floor(r() * 3);
  for (let i = 0; i < count; i++) {
    const types = pick([['Ingress'], ['Egress'], ['Ingress', 'Egress']] as ('Ingress' | 'Egress')[][]);
    out.push({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: `p${i}`, namespace: pick(['x', 'y', 'z']) },
      spec: {
        podSelector: podSel() ?? {},
        policyTypes: types,
        ...(types.includes('Ingress') ? { ingress: rules(() => rule('from')) } : {}),
        ...(types.includes('Egress') ? { egress: rules(() => rule('to')) } : {}),
      },
    } as NetworkPolicy);
  }
  return out;
}

describe('nft table ≡ decide(): seeded random policies, pods, nodes and external peers', () => {
  for (const cni of ['calico', 'cilium'] as CNIMode[]) {
    it(`${cni}: 150 random clusters`, () => {
      let flows = 0;
      for (let seed = 1; seed <= 150; seed++) {
        const r = rng(seed * 7919 + (cni === 'cilium' ? 1 : 0));
        const pods = ALL_E2E_PODS.filter(() => r() < 0.7);
        const objects: KObject[] = [...e2eObjects(pods), ...randomPolicies(r, pods)];
        const v = view(objects, cni);
        const index = new PolicyIndex(v);
        if (index.problems.length) continue;
        const t = tables(index);
        const ends: FlowEndpoint[] = [
          ...podEnds(v),
          ...v.nodes.map((n) => nodeEndpoint(v, n)),
          { kind: 'external', ip: '203.0.113.7' },
          { kind: 'external', ip: '10.244.9.9' },
        ];
        flows += comparePairs(v, index, t, ends, [[80, 'TCP'], [81, 'TCP'], [81, 'UDP'], [82, 'TCP']], `seed ${seed}`);
      }
      assert.ok(flows > 10000, `${flows} flows compared`);
    });
  }
});
