/**
 * NetworkPolicy semantics rule by rule (networking.k8s.io/v1 API reference, the concept page, and the
 * upstream e2e suite): one table per rule, each row a flow and the verdict the spec requires.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KObject, NetworkPolicy, Protocol } from '../../../src/api/types.ts';
import type { CNIMode } from '../../../src/cluster/config.ts';
import { decide, effectivePolicyTypes, PolicyIndex, reach, resolveEndpointRef, type FlowEndpoint } from '../../../src/model/policy/index.ts';
import { e2eIP, e2eObjects, endpointSlice, namespace, node, pod, policy, service, view } from './fixtures.ts';

interface Row {
  from: string;
  to: string;
  port: number;
  protocol?: Protocol;
  allowed: boolean;
}

function check(objects: KObject[], rows: Row[], cni: CNIMode = 'calico'): void {
  const v = view(objects, cni);
  const index = new PolicyIndex(v);
  assert.deepEqual(index.problems, []);
  for (const r of rows) {
    const got = reach(v, { from: r.from, to: r.to, port: r.port, protocol: r.protocol }, index);
    assert.equal(got.allowed, r.allowed, `${r.from} -> ${r.to} ${r.port}/${r.protocol ?? 'TCP'}: ${JSON.stringify(got.hops.map((h) => [h.decision.egress.reason, h.decision.ingress.reason]))}`);
  }
}

const ALL = ['x/a', 'x/b', 'x/c', 'y/a', 'y/b', 'y/c', 'z/a', 'z/b', 'z/c'];
const podA = { matchLabels: { pod: 'a' } };
const podB = { matchLabels: { pod: 'b' } };

describe('policyTypes defaulting (API server SetDefaults_NetworkPolicy)', () => {
  const raw = (spec: Partial<NetworkPolicy['spec']>): NetworkPolicy => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'p', namespace: 'x' }, spec: { podSelector: {}, ...spec } });
  const table: [string, NetworkPolicy, string[]][] = [
    ['omitted, no egress rules ⇒ [Ingress]', raw({ ingress: [{}] }), ['Ingress']],
    ['omitted, egress rules ⇒ [Ingress, Egress] (egress rules also isolate ingress)', raw({ egress: [{}] }), ['Ingress', 'Egress']],
    ['omitted, `egress: []` does not add Egress', raw({ egress: [] }), ['Ingress']],
    ['given [Egress] stays [Egress]', raw({ policyTypes: ['Egress'], ingress: [{}] }), ['Egress']],
    ['given [Egress, Ingress] (any order) stays', raw({ policyTypes: ['Egress', 'Ingress'] }), ['Egress', 'Ingress']],
  ];
  for (const [name, np, types] of table) it(name, () => assert.deepEqual(effectivePolicyTypes(np), types));

  it('a raw policy with only egress rules isolates the selected pods for ingress too', () => {
    const np = policy('x', 'egress-only-raw', { podSelector: podA, egress: [{ to: [{ podSelector: podB }] }], raw: true });
    check([...e2eObjects(ALL), np], [
      { from: 'y/a', to: 'x/a', port: 80, allowed: false },
      { from: 'x/a', to: 'x/b', port: 80, allowed: true },
      { from: 'x/a', to: 'x/c', port: 80, allowed: false },
    ]);
  });
});

describe('a section whose type is not in policyTypes is ignored', () => {
  it('ingress rules under policyTypes [Egress] neither isolate nor allow ingress', () => {
    const np = policy('x', 'p', { podSelector: podA, ingress: [{ from: [{ podSelector: podB }] }], egress: [{}], policyTypes: ['Egress'] });
    check([...e2eObjects(ALL), np], [
      { from: 'x/c', to: 'x/a', port: 80, allowed: true },
      { from: 'y/a', to: 'x/a', port: 80, allowed: true },
    ]);
  });
  it('egress rules under policyTypes [Ingress] do not isolate egress', () => {
    const np = policy('x', 'p', { podSelector: podA, ingress: [{}], egress: [], policyTypes: ['Ingress'] });
    check([...e2eObjects(ALL), np], [{ from: 'x/a', to: 'y/b', port: 80, allowed: true }]);
  });
});

describe('isolation is per direction; a flow needs egress at the source AND ingress at the destination', () => {
  it('egress allowed but ingress denied ⇒ denied; and the reverse', () => {
    const objects = [
      ...e2eObjects(ALL),
      policy('x', 'a-egress-to-y', { podSelector: podA, egress: [{ to: [{ namespaceSelector: {} }] }] }),
      policy('y', 'deny-ingress', { ingress: [] }),
    ];
    check(objects, [
      { from: 'x/a', to: 'y/a', port: 80, allowed: false },
      { from: 'x/a', to: 'z/a', port: 80, allowed: true },
      { from: 'y/a', to: 'x/a', port: 80, allowed: true },
    ]);
  });
  it('the verdict names both sides', () => {
    const v = view([...e2eObjects(ALL), policy('y', 'deny-ingress', { ingress: [] })]);
    const r = reach(v, { from: 'x/a', to: 'y/a', port: 80 });
    const d = r.hops[0].decision;
    assert.equal(d.egress.isolated, false);
    assert.equal(d.ingress.isolated, true);
    assert.deepEqual(d.ingress.policies, ['y/deny-ingress']);
    assert.match(d.ingress.reason, /isolated by y\/deny-ingress; no ingress rule admits x\/a on 80\/TCP/);
    assert.match(d.egress.reason, /no policy selects x\/a for egress/);
  });
});

describe('policies are additive: union of allows, order irrelevant', () => {
  it('one allow-all wins over a narrower policy; the matches list both', () => {
    const objects = [...e2eObjects(ALL), policy('x', 'only-80', { ingress: [{ ports: [{ port: 80 }] }] }), policy('x', 'allow-all', { ingress: [{}] })];
    check(objects, [{ from: 'y/a', to: 'x/a', port: 81, allowed: true }]);
    const r = reach(view(objects), { from: 'y/a', to: 'x/a', port: 80 });
    assert.deepEqual(r.hops[0].decision.ingress.allowedBy.map((m) => m.policy).sort(), ['x/allow-all', 'x/only-80']);
  });
});

describe('selectors: empty vs missing, namespaces, AND vs OR', () => {
  it('spec.podSelector {} selects every pod of the policy namespace and no other', () => {
    check([...e2eObjects(ALL), policy('x', 'deny', { ingress: [] })], [
      { from: 'z/a', to: 'x/b', port: 80, allowed: false },
      { from: 'z/a', to: 'y/b', port: 80, allowed: true },
    ]);
  });
  it('peer podSelector without namespaceSelector means pods of the policy namespace', () => {
    check([...e2eObjects(ALL), policy('x', 'p', { podSelector: podA, ingress: [{ from: [{ podSelector: podB }] }] })], [
      { from: 'x/b', to: 'x/a', port: 80, allowed: true },
      { from: 'y/b', to: 'x/a', port: 80, allowed: false },
    ]);
  });
  it('peer namespaceSelector {} means every namespace; with a podSelector in the same peer it is an AND', () => {
    check([...e2eObjects(ALL), policy('x', 'p', { podSelector: podA, ingress: [{ from: [{ namespaceSelector: {}, podSelector: podB }] }] })], [
      { from: 'z/b', to: 'x/a', port: 80, allowed: true },
      { from: 'z/c', to: 'x/a', port: 80, allowed: false },
    ]);
  });
  it('namespaceSelector and podSelector as two list items are an OR', () => {
    const nsY = { matchLabels: { 'kubernetes.io/metadata.name': 'y' } };
    check([...e2eObjects(ALL), policy('x', 'p', { podSelector: podA, ingress: [{ from: [{ namespaceSelector: nsY }, { podSelector: podB }] }] })], [
      { from: 'y/c', to: 'x/a', port: 80, allowed: true },
      { from: 'x/b', to: 'x/a', port: 80, allowed: true },
      { from: 'z/b', to: 'x/a', port: 80, allowed: false },
      { from: 'x/c', to: 'x/a', port: 80, allowed: false },
    ]);
  });
  it('matchLabels AND matchExpressions; NotIn also matches pods lacking the key; Exists; DoesNotExist', () => {
    const objects: KObject[] = [
      namespace('x'),
      pod('x', 'server', { labels: { app: 'db' }, ip: '10.244.1.1' }),
      pod('x', 'web-prod', { labels: { app: 'web', env: 'prod' }, ip: '10.244.1.2' }),
      pod('x', 'web-dev', { labels: { app: 'web', env: 'dev' }, ip: '10.244.1.3' }),
      pod('x', 'web-none', { labels: { app: 'web' }, ip: '10.244.1.4' }),
      pod('x', 'other', { labels: { tier: 'x' }, ip: '10.244.1.5' }),
      policy('x', 'p', {
        podSelector: { matchLabels: { app: 'db' } },
        ingress: [
          { from: [{ podSelector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['dev'] }] } }], ports: [{ port: 80 }] },
          { from: [{ podSelector: { matchExpressions: [{ key: 'env', operator: 'Exists' }] } }], ports: [{ port: 81 }] },
          { from: [{ podSelector: { matchExpressions: [{ key: 'app', operator: 'DoesNotExist' }] } }], ports: [{ port: 82 }] },
        ],
      }),
    ];
    check(objects, [
      { from: 'x/web-prod', to: 'x/server', port: 80, allowed: true },
      { from: 'x/web-none', to: 'x/server', port: 80, allowed: true },
      { from: 'x/web-dev', to: 'x/server', port: 80, allowed: false },
      { from: 'x/other', to: 'x/server', port: 80, allowed: false },
      { from: 'x/web-dev', to: 'x/server', port: 81, allowed: true },
      { from: 'x/web-none', to: 'x/server', port: 81, allowed: false },
      { from: 'x/other', to: 'x/server', port: 82, allowed: true },
      { from: 'x/web-none', to: 'x/server', port: 82, allowed: false },
    ]);
  });
  it('kubernetes.io/metadata.name is matched even when the Namespace object lacks it or is missing', () => {
    const objects: KObject[] = [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x' } },
      pod('x', 'a', { ip: '10.244.1.1' }),
      pod('y', 'a', { ip: '10.244.2.1' }),
      pod('z', 'a', { ip: '10.244.3.1' }),
      policy('x', 'p', { ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'y' } } }] }] }),
    ];
    check(objects, [
      { from: 'y/a', to: 'x/a', port: 80, allowed: true },
      { from: 'z/a', to: 'x/a', port: 80, allowed: false },
    ]);
  });
});

describe('rules: empty vs missing, peers AND ports within a rule, OR across rules', () => {
  it('ingress: [] denies all, ingress: [{}] allows all, external sources included', () => {
    check([...e2eObjects(ALL), policy('x', 'deny', { podSelector: podA, ingress: [] }), policy('y', 'allow', { podSelector: podA, ingress: [{}] })], [
      { from: '203.0.113.7', to: 'x/a', port: 80, allowed: false },
      { from: '203.0.113.7', to: 'y/a', port: 80, allowed: true },
      { from: 'x/b', to: 'y/a', port: 9999, protocol: 'UDP', allowed: true },
    ]);
  });
  it('rule 1 (from b, port 80) OR rule 2 (from c, port 81), never b on 81 or c on 80', () => {
    const np = policy('x', 'p', {
      podSelector: podA,
      ingress: [{ from: [{ podSelector: podB }], ports: [{ port: 80 }] }, { from: [{ podSelector: { matchLabels: { pod: 'c' } } }], ports: [{ port: 81 }] }],
    });
    check([...e2eObjects(ALL), np], [
      { from: 'x/b', to: 'x/a', port: 80, allowed: true },
      { from: 'x/c', to: 'x/a', port: 81, allowed: true },
      { from: 'x/b', to: 'x/a', port: 81, allowed: false },
      { from: 'x/c', to: 'x/a', port: 80, allowed: false },
    ]);
  });
});

describe('ports and protocols', () => {
  it('protocol defaults to TCP in a raw policy; a protocol-only entry admits every port of that protocol', () => {
    const np = policy('x', 'p', { podSelector: podA, ingress: [{ ports: [{ port: 80 }] }, { ports: [{ protocol: 'UDP' }] }], raw: true });
    check([...e2eObjects(ALL), np], [
      { from: 'y/a', to: 'x/a', port: 80, allowed: true },
      { from: 'y/a', to: 'x/a', port: 80, protocol: 'SCTP', allowed: false },
      { from: 'y/a', to: 'x/a', port: 5353, protocol: 'UDP', allowed: true },
      { from: 'y/a', to: 'x/a', port: 81, allowed: false },
    ]);
  });
  it('endPort is an inclusive range', () => {
    const np = policy('x', 'p', { podSelector: podA, ingress: [{ ports: [{ port: 8000, endPort: 8080 }] }] });
    check([...e2eObjects(ALL), np], [
      { from: 'y/a', to: 'x/a', port: 7999, allowed: false },
      { from: 'y/a', to: 'x/a', port: 8000, allowed: true },
      { from: 'y/a', to: 'x/a', port: 8080, allowed: true },
      { from: 'y/a', to: 'x/a', port: 8081, allowed: false },
    ]);
  });
  it('an SCTP rule never opens TCP; a UDP rule never opens TCP', () => {
    const objects = [
      ...e2eObjects(ALL),
      policy('x', 'sctp', { podSelector: podA, ingress: [{ ports: [{ port: 80, protocol: 'SCTP' }] }] }),
      policy('y', 'udp', { podSelector: podA, ingress: [{ ports: [{ port: 80, protocol: 'UDP' }] }] }),
    ];
    check(objects, [
      { from: 'z/a', to: 'x/a', port: 80, protocol: 'SCTP', allowed: true },
      { from: 'z/a', to: 'x/a', port: 80, allowed: false },
      { from: 'z/a', to: 'y/a', port: 80, protocol: 'UDP', allowed: true },
      { from: 'z/a', to: 'y/a', port: 80, allowed: false },
    ]);
  });
});

describe('named ports are resolved on the destination pod by name AND protocol', () => {
  const objects = (): KObject[] => [
    namespace('x'),
    pod('x', 'client', { labels: { role: 'client' }, ip: '10.244.1.1' }),
    pod('x', 'web1', { labels: { app: 'web' }, ip: '10.244.1.2', ports: [{ name: 'http', port: 8080 }] }),
    pod('x', 'web2', { labels: { app: 'web' }, ip: '10.244.1.3', ports: [{ name: 'http', port: 9090 }] }),
    pod('x', 'web3', { labels: { app: 'web' }, ip: '10.244.1.4', ports: [{ name: 'http', port: 8080, protocol: 'UDP' }] }),
    pod('x', 'web4', { labels: { app: 'web' }, ip: '10.244.1.5', ports: [{ name: 'other', port: 8080 }] }),
  ];
  it('ingress: one name, different numbers per selected pod; protocol must match; pods without the name never match', () => {
    const np = policy('x', 'p', { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ ports: [{ port: 'http' }] }] });
    check([...objects(), np], [
      { from: 'x/client', to: 'x/web1', port: 8080, allowed: true },
      { from: 'x/client', to: 'x/web1', port: 9090, allowed: false },
      { from: 'x/client', to: 'x/web2', port: 9090, allowed: true },
      { from: 'x/client', to: 'x/web2', port: 8080, allowed: false },
      { from: 'x/client', to: 'x/web3', port: 8080, allowed: false },
      { from: 'x/client', to: 'x/web4', port: 8080, allowed: false },
    ]);
  });
  it('egress: the name is resolved on the peer (the destination), and never on an external address', () => {
    const np = policy('x', 'p', { podSelector: { matchLabels: { role: 'client' } }, egress: [{ ports: [{ port: 'http' }] }] });
    check([...objects(), np], [
      { from: 'x/client', to: 'x/web1', port: 8080, allowed: true },
      { from: 'x/client', to: 'x/web2', port: 9090, allowed: true },
      { from: 'x/client', to: 'x/web2', port: 8080, allowed: false },
      { from: 'x/client', to: '198.51.100.1', port: 8080, allowed: false },
    ]);
  });
});

describe('ipBlock', () => {
  it('except carves out a range that another peer, rule or policy can re-allow (union)', () => {
    const objects: KObject[] = [
      ...e2eObjects(ALL),
      policy('x', 'cidr', { podSelector: podA, egress: [{ to: [{ ipBlock: { cidr: '198.51.100.0/24', except: ['198.51.100.128/25'] } }] }] }),
      policy('x', 'reallow', { podSelector: podA, egress: [{ to: [{ ipBlock: { cidr: '198.51.100.200/32' } }], ports: [{ port: 443 }] }] }),
    ];
    check(objects, [
      { from: 'x/a', to: '198.51.100.5', port: 80, allowed: true },
      { from: 'x/a', to: '198.51.100.130', port: 80, allowed: false },
      { from: 'x/a', to: '198.51.100.200', port: 80, allowed: false },
      { from: 'x/a', to: '198.51.100.200', port: 443, allowed: true },
      { from: 'x/a', to: '192.0.2.1', port: 80, allowed: false },
    ]);
  });
  it('ingress from an external address is judged by ipBlock only', () => {
    const np = policy('x', 'p', { podSelector: podA, ingress: [{ from: [{ ipBlock: { cidr: '203.0.113.0/24' } }, { podSelector: {} }] }] });
    check([...e2eObjects(ALL), np], [
      { from: '203.0.113.9', to: 'x/a', port: 80, allowed: true },
      { from: '192.0.2.9', to: 'x/a', port: 80, allowed: false },
    ]);
  });
  it('ipBlock matches pod IPs on calico (as the e2e CIDR tests require) but not on cilium', () => {
    const np = policy('x', 'p', { podSelector: podA, egress: [{ to: [{ ipBlock: { cidr: `${e2eIP('y/b')}/32` } }] }] });
    check([...e2eObjects(ALL), np], [{ from: 'x/a', to: 'y/b', port: 80, allowed: true }], 'calico');
    check([...e2eObjects(ALL), np], [
      { from: 'x/a', to: 'y/b', port: 80, allowed: false },
      { from: 'x/a', to: e2eIP('y/b'), port: 80, allowed: false },
    ], 'cilium');
    const r = reach(view([...e2eObjects(ALL), np], 'cilium'), { from: 'x/a', to: 'y/b', port: 80 });
    assert.ok(r.notes.some((n) => /cilium: ipBlock .* does not select the cluster address/.test(n)), r.notes.join('\n'));
  });
});

describe('CNI capability: flannel and bridge enforce nothing, and say so', () => {
  for (const cni of ['flannel', 'bridge'] as const) {
    it(`${cni}: a deny-all policy blocks nothing; the answer carries the note`, () => {
      const objects = [...e2eObjects(ALL), policy('x', 'deny-all', { ingress: [], egress: [] })];
      check(objects, [{ from: 'y/a', to: 'x/a', port: 80, allowed: true }], cni);
      const r = reach(view(objects, cni), { from: 'y/a', to: 'x/a', port: 80 });
      assert.equal(r.hops[0].decision.enforced, false);
      assert.ok(r.notes.includes(`${cni} does not enforce NetworkPolicy: every flow is allowed regardless of policies`));
      // What policy would have done is still reported.
      assert.equal(r.hops[0].decision.ingress.allowed, false);
    });
  }
});

describe('Service traffic is judged against the backend pod and targetPort after DNAT', () => {
  const objects = (np: NetworkPolicy): KObject[] => [
    ...e2eObjects(['x/a', 'y/a']),
    pod('x', 'web', { labels: { app: 'web' }, ip: '10.244.1.50', ports: [{ name: 'http', port: 8080 }] }),
    service('x', 'web', '10.96.0.50', [{ name: 'http', port: 80, targetPort: 8080 }]),
    endpointSlice('x', 'web', ['10.244.1.50'], [{ name: 'http', port: 8080 }]),
    np,
  ];
  it('a policy admitting the targetPort admits traffic to the Service port', () => {
    const np = policy('x', 'p', { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ ports: [{ port: 8080 }] }] });
    check(objects(np), [{ from: 'y/a', to: '10.96.0.50', port: 80, allowed: true }]);
  });
  it('a policy admitting only the Service port does not', () => {
    const np = policy('x', 'p', { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ ports: [{ port: 80 }] }] });
    check(objects(np), [{ from: 'y/a', to: '10.96.0.50', port: 80, allowed: false }]);
  });
  it('egress to a Service is judged against the backend (an ipBlock of the VIP does not help)', () => {
    const np = policy('y', 'p', { egress: [{ to: [{ ipBlock: { cidr: '10.96.0.0/12' } }] }] });
    check(objects(np), [{ from: 'y/a', to: '10.96.0.50', port: 80, allowed: false }]);
    const ok = policy('y', 'p', { egress: [{ to: [{ namespaceSelector: {}, podSelector: { matchLabels: { app: 'web' } } }], ports: [{ port: 'http' }] }] });
    check(objects(ok), [{ from: 'y/a', to: '10.96.0.50', port: 80, allowed: true }]);
  });
});

describe('nodes and hostNetwork pods', () => {
  const base = (): KObject[] => [
    namespace('x'),
    node('node-1', '172.18.0.2'),
    node('node-2', '172.18.0.3'),
    pod('x', 'a', { ip: '10.244.1.10', nodeName: 'node-1' }),
    pod('x', 'hostnet', { labels: { pod: 'hostnet' }, ip: '172.18.0.3', nodeName: 'node-2', hostNetwork: true }),
    policy('x', 'deny-all-ingress', { ingress: [] }),
  ];
  it("traffic from the pod's own node is always allowed; from another node it is not", () => {
    check(base(), [
      { from: 'node/node-1', to: 'x/a', port: 80, allowed: true },
      { from: 'node/node-2', to: 'x/a', port: 80, allowed: false },
    ]);
  });
  it('another node is matched by ipBlock on its address', () => {
    const objects = [...base(), policy('x', 'nodes', { ingress: [{ from: [{ ipBlock: { cidr: '172.18.0.0/16' } }] }] })];
    check(objects, [{ from: 'node/node-2', to: 'x/a', port: 80, allowed: true }]);
  });
  it('a hostNetwork pod is its node: selectors never match it, and no policy isolates it', () => {
    const objects = [...base(), policy('x', 'all-pods', { ingress: [{ from: [{ podSelector: {} }] }] })];
    check(objects, [
      { from: 'x/hostnet', to: 'x/a', port: 80, allowed: false },
      { from: 'x/a', to: 'x/hostnet', port: 80, allowed: true },
    ]);
    const v = view(objects);
    const ref = resolveEndpointRef(v, 'x/hostnet', false) as { endpoint: FlowEndpoint };
    assert.equal(ref.endpoint.kind, 'node');
  });
});

describe('bad policies are reported with field paths', () => {
  const problems = (np: NetworkPolicy): string[] => new PolicyIndex(view([namespace('x'), np])).problems.map((p) => `${p.field}: ${p.reason}`);
  const table: [string, NetworkPolicy, RegExp][] = [
    ['invalid CIDR', policy('x', 'p', { egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/33' } }] }] }), /^spec\.egress\[0\]\.to\[0\]\.ipBlock\.cidr: Invalid value: "10\.0\.0\.0\/33"/],
    ['except outside cidr', policy('x', 'p', { ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/16', except: ['10.1.0.0/24'] } }] }] }), /^spec\.ingress\[0\]\.from\[0\]\.ipBlock\.except\[0\]: Invalid value: "10\.1\.0\.0\/24": must be a strict subset of `cidr`/],
    ['except equal to cidr', policy('x', 'p', { ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/16', except: ['10.0.0.0/16'] } }] }] }), /except\[0\].*strict subset/],
    ['endPort with a named port', policy('x', 'p', { ingress: [{ ports: [{ port: 'http', endPort: 90 }] }] }), /^spec\.ingress\[0\]\.ports\[0\]\.endPort: Forbidden: may not be specified when `port` is non-numeric/],
    ['endPort below port', policy('x', 'p', { ingress: [{ ports: [{ port: 90, endPort: 80 }] }] }), /^spec\.ingress\[0\]\.ports\[0\]\.endPort: Invalid value: 80: must be greater than or equal to `port`/],
    ['endPort without port', policy('x', 'p', { ingress: [{ ports: [{ endPort: 80 }] }] }), /^spec\.ingress\[0\]\.ports\[0\]\.port: Required value/],
    ['bad selector operator', policy('x', 'p', { podSelector: { matchExpressions: [{ key: 'a', operator: 'Equals' as 'In', values: ['b'] }] } }), /^spec\.podSelector\.matchExpressions\[0\]\.operator: Unsupported value: "Equals"/],
    ['ipBlock together with a selector', policy('x', 'p', { ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/8' }, podSelector: {} }] }] }), /^spec\.ingress\[0\]\.from\[0\]: Forbidden: may not specify more than 1 peer/],
    ['empty peer', policy('x', 'p', { ingress: [{ from: [{}] }] }), /^spec\.ingress\[0\]\.from\[0\]: Required value: must specify a peer/],
    ['bad protocol', policy('x', 'p', { ingress: [{ ports: [{ port: 80, protocol: 'ICMP' as Protocol }] }] }), /^spec\.ingress\[0\]\.ports\[0\]\.protocol: Unsupported value: "ICMP"/],
  ];
  for (const [name, np, re] of table) {
    it(name, () => {
      const got = problems(np);
      assert.ok(got.some((g) => re.test(g)), got.join('\n') || '(no problems)');
    });
  }
  it('a valid policy has none', () => assert.deepEqual(problems(policy('x', 'p', { ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } }], ports: [{ port: 80, endPort: 90 }] }] })), []));
});

describe('decide() on loopback', () => {
  it('is evaluated but flagged implementation-defined', () => {
    const v = view(e2eObjects(['x/a']));
    const e = resolveEndpointRef(v, 'x/a', false) as { endpoint: FlowEndpoint };
    const d = decide(new PolicyIndex(v), { src: e.endpoint, dst: e.endpoint, port: 80, protocol: 'TCP' });
    assert.ok(d.notes.some((n) => n.includes('loopback')));
  });
});
