/**
 * The class-based matrix: the upstream e2e truth tables, agreement with the per-pair evaluator on
 * generated clusters, class collapsing, diff, and the text forms.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KObject, NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort, Protocol } from '../../../src/api/types.ts';
import type { CNIMode } from '../../../src/cluster/config.ts';
import { PolicyIndex } from '../../../src/model/policy/index.ts';
import {
  computeMatrix, declaredPorts, diffMatrices, matrixCSV, matrixJSON, matrixPods, matrixTable, perPairMatrix, type MatrixPort,
} from '../../../src/model/matrix/index.ts';
import { ALL_SCENARIOS, scenarioObjects } from '../policy/e2e-scenarios.ts';
import { e2eObjects, mismatches, namespace, pod, policy, Truth, view } from '../policy/fixtures.ts';
import { rng } from '../../support/prng.ts';

describe('upstream e2e scenarios (class-based matrix)', () => {
  for (const s of ALL_SCENARIOS) {
    it(s.name, () => {
      const index = new PolicyIndex(view(scenarioObjects(s)));
      const pods = matrixPods(index);
      const ports: MatrixPort[] = s.cases.map((c) => ({ port: c.port, protocol: c.protocol }));
      const m = computeMatrix(index, pods, ports);
      s.cases.forEach((c, p) => {
        const truth = c.expect(new Truth(s.pods));
        const bad = mismatches(truth, (from, to) => m.allowed(m.pods.indexOf(from), m.pods.indexOf(to), p));
        assert.deepEqual(bad, [], `${c.port}/${c.protocol}`);
      });
    });
  }
});


function generate(seed: number): KObject[] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const nss = ['a', 'b', 'c', 'd'];
  const apps = ['web', 'db', 'cache'];
  const objects: KObject[] = nss.map((n) => namespace(n, r() < 0.5 ? { team: pick(['red', 'blue']) } : {}));
  let ip = 1;
  for (const n of nss) {
    for (let i = 0; i < 6; i++) {
      const labels: Record<string, string> = { app: pick(apps), uid: `u${seed}-${n}-${i}` };
      if (r() < 0.5) labels.tier = pick(['fe', 'be']);
      const httpPort = pick([8080, 9090]);
      objects.push(pod(n, `p${i}`, {
        labels,
        ip: `10.244.${nss.indexOf(n)}.${ip++}`,
        ports: [{ name: 'http', port: httpPort }, { name: 'dns', port: 53, protocol: 'UDP' }, { name: 'alt', port: 9090, protocol: r() < 0.5 ? 'TCP' : 'UDP' }],
      }));
    }
  }
  const sel = (): { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }[] } => {
    const k = r();
    if (k < 0.2) return {};
    if (k < 0.5) return { matchLabels: { app: pick(apps) } };
    if (k < 0.65) return { matchExpressions: [{ key: 'tier', operator: pick(['Exists', 'DoesNotExist'] as const) }] };
    return { matchExpressions: [{ key: 'app', operator: pick(['In', 'NotIn'] as const), values: [pick(apps)] }] };
  };
  const peer = (): NetworkPolicyPeer => {
    const k = r();
    if (k < 0.15) {
      const net = Math.floor(r() * 4);
      return { ipBlock: { cidr: `10.244.${net}.0/24`, ...(r() < 0.5 ? { except: [`10.244.${net}.${pick([0, 8, 16])}/29`] } : {}) } };
    }
    if (k < 0.4) return { podSelector: sel() };
    if (k < 0.6) return { namespaceSelector: r() < 0.5 ? { matchLabels: { team: pick(['red', 'blue']) } } : {} };
    return { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': pick(nss) } }, podSelector: sel() };
  };
  const port = (): NetworkPolicyPort => {
    const k = r();
    if (k < 0.3) return { port: pick([8080, 9090, 53]), protocol: pick(['TCP', 'UDP'] as Protocol[]) };
    if (k < 0.55) return { port: pick(['http', 'dns', 'alt']), protocol: pick(['TCP', 'UDP'] as Protocol[]) };
    if (k < 0.7) return { port: 8000, endPort: pick([8080, 9000, 9090]), protocol: 'TCP' };
    return { protocol: pick(['TCP', 'UDP', 'SCTP'] as Protocol[]) };
  };
  const rules = <K extends 'from' | 'to'>(key: K): Record<K, NetworkPolicyPeer[]>[] =>
    Array.from({ length: Math.floor(r() * 3) }, () => ({
      ...(r() < 0.8 ? { [key]: Array.from({ length: 1 + Math.floor(r() * 2) }, peer) } : {}),
      ...(r() < 0.7 ? { ports: Array.from({ length: 1 + Math.floor(r() * 2) }, port) } : {}),
    }) as Record<K, NetworkPolicyPeer[]>);
  for (let i = 0; i < 7; i++) {
    const kind = r();
    const np: NetworkPolicy = policy(pick(nss), `np${i}`, {
      podSelector: sel(),
      ...(kind < 0.7 ? { ingress: rules('from') } : {}),
      ...(kind > 0.4 ? { egress: rules('to') } : {}),
    });
    objects.push(np);
  }
  return objects;
}

describe('class-based matrix agrees with the per-pair evaluator', () => {
  const ports: MatrixPort[] = [
    { port: 8080, protocol: 'TCP' }, { port: 9090, protocol: 'TCP' }, { port: 9090, protocol: 'UDP' },
    { port: 53, protocol: 'UDP' }, { port: 8500, protocol: 'TCP' }, { port: 80, protocol: 'SCTP' },
  ];
  for (const cni of ['calico', 'cilium', 'flannel'] as CNIMode[]) {
    for (let seed = 1; seed <= 25; seed++) {
      it(`${cni}, generated cluster #${seed}`, () => {
        const index = new PolicyIndex(view(generate(seed), cni));
        assert.deepEqual(index.problems, []);
        const pods = matrixPods(index);
        const fast = computeMatrix(index, pods, ports);
        const slow = perPairMatrix(index, pods, ports);
        const bad: string[] = [];
        for (let p = 0; p < ports.length; p++) {
          const ex = fast.expand(p);
          const ey = slow.expand(p);
          for (let s = 0; s < pods.length; s++) for (let d = 0; d < pods.length; d++) {
            if (fast.allowed(s, d, p) !== slow.allowed(s, d, p)) bad.push(`${fast.pods[s]} -> ${fast.pods[d]} ${ports[p].port}/${ports[p].protocol}: class ${fast.allowed(s, d, p)}, per-pair ${slow.allowed(s, d, p)}`);
          }
          assert.deepEqual(ex, ey, 'expanded bit matrices differ');
        }
        assert.deepEqual(bad.slice(0, 10), []);
      });
    }
  }
});

describe('equivalence classes', () => {
  it('pods no selector, ipBlock or named port can tell apart share a class', () => {
    const objects: KObject[] = [
      namespace('x'),
      pod('x', 'w1', { labels: { app: 'web', 'pod-template-hash': 'aaa' }, ip: '10.244.1.1' }),
      pod('x', 'w2', { labels: { app: 'web', 'pod-template-hash': 'bbb' }, ip: '10.244.1.2' }),
      pod('x', 'w3', { labels: { app: 'web', 'pod-template-hash': 'ccc' }, ip: '10.244.1.3' }),
      pod('x', 'db', { labels: { app: 'db' }, ip: '10.244.1.4' }),
      policy('x', 'p', { podSelector: { matchLabels: { app: 'db' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'web' } } }] }] }),
    ];
    const index = new PolicyIndex(view(objects));
    assert.equal(computeMatrix(index, matrixPods(index), [{ port: 80, protocol: 'TCP' }]).classes, 2);
  });
  it('an ipBlock or a different named-port number splits a class', () => {
    const objects: KObject[] = [
      namespace('x'),
      pod('x', 'w1', { labels: { app: 'web' }, ip: '10.244.1.1', ports: [{ name: 'http', port: 8080 }] }),
      pod('x', 'w2', { labels: { app: 'web' }, ip: '10.244.1.2', ports: [{ name: 'http', port: 9090 }] }),
      pod('x', 'w3', { labels: { app: 'web' }, ip: '10.244.2.3', ports: [{ name: 'http', port: 8080 }] }),
      policy('x', 'p', { ingress: [{ from: [{ ipBlock: { cidr: '10.244.1.0/24' } }], ports: [{ port: 'http' }] }] }),
    ];
    const index = new PolicyIndex(view(objects));
    assert.equal(computeMatrix(index, matrixPods(index), [{ port: 8080, protocol: 'TCP' }]).classes, 3);
  });
});

describe('default ports and namespaces', () => {
  it('default ports are every declared containerPort; -n limits the pods', () => {
    const index = new PolicyIndex(view(e2eObjects(['x/a', 'y/a'])));
    const pods = matrixPods(index, ['x']);
    assert.deepEqual(pods.map((p) => p.metadata.name), ['a']);
    assert.deepEqual(declaredPorts(pods).map((p) => `${p.port}/${p.protocol}`), ['80/TCP', '81/TCP', '80/UDP', '81/UDP', '80/SCTP', '81/SCTP']);
  });
});

describe('diff: what a change opens and closes', () => {
  it('adding a default-deny-ingress in x closes every flow into x and opens none', () => {
    const before = new PolicyIndex(view(e2eObjects(['x/a', 'x/b', 'y/a'])));
    const after = new PolicyIndex(view([...e2eObjects(['x/a', 'x/b', 'y/a']), policy('x', 'deny', { ingress: [] })]));
    const ports: MatrixPort[] = [{ port: 80, protocol: 'TCP' }];
    const d = diffMatrices(computeMatrix(before, matrixPods(before), ports), computeMatrix(after, matrixPods(after), ports));
    assert.deepEqual(d.opened, []);
    assert.deepEqual(d.closed.map((c) => `${c.from}>${c.to}`).sort(), ['x/a>x/a', 'x/a>x/b', 'x/b>x/a', 'x/b>x/b', 'y/a>x/a', 'y/a>x/b']);
    assert.deepEqual(d.summary, [{ port: '80/TCP', compared: 9, allowedBefore: 9, allowedAfter: 3, opened: 0, closed: 6 }]);
  });
  it('relaxing a policy opens flows; pods on one side only are listed, not diffed', () => {
    const ports: MatrixPort[] = [{ port: 80, protocol: 'TCP' }];
    const before = new PolicyIndex(view([...e2eObjects(['x/a', 'y/a']), policy('x', 'p', { ingress: [] })]));
    const after = new PolicyIndex(view([...e2eObjects(['x/a', 'y/a', 'z/a']), policy('x', 'p', { ingress: [{ from: [{ namespaceSelector: {} }] }] })]));
    const d = diffMatrices(computeMatrix(before, matrixPods(before), ports), computeMatrix(after, matrixPods(after), ports));
    assert.deepEqual(d.opened.map((c) => `${c.from}>${c.to}`).sort(), ['x/a>x/a', 'y/a>x/a']);
    assert.deepEqual(d.addedPods, ['z/a']);
  });
});

describe('text forms', () => {
  const index = new PolicyIndex(view([...e2eObjects(['x/a', 'y/a']), policy('x', 'deny', { ingress: [] })]));
  const m = computeMatrix(index, matrixPods(index), [{ port: 80, protocol: 'TCP' }]);
  it('table: the upstream . / X grid, rows from, columns to', () => {
    assert.equal(matrixTable(m), [
      '80/TCP (rows: from, columns: to; . allowed, X blocked)',
      '     x/a y/a',
      'x/a  X   .',
      'y/a  X   .',
      '',
    ].join('\n'));
  });
  it('json: {ports, pods, allowed: {src: {dst: {port: bool}}}}', () => {
    const j = matrixJSON(m);
    assert.deepEqual(j.ports, ['80/TCP']);
    assert.deepEqual(j.pods, ['x/a', 'y/a']);
    assert.deepEqual(j.allowed['y/a'], { 'x/a': { '80/TCP': false }, 'y/a': { '80/TCP': true } });
  });
  it('csv: one line per pair', () => {
    assert.equal(matrixCSV(m), 'from,to,80/TCP\nx/a,x/a,false\nx/a,y/a,true\ny/a,x/a,false\ny/a,y/a,true\n');
  });
});
