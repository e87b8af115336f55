/**
 * The upstream NetworkPolicy e2e scenarios (kubernetes test/e2e/network/netpol/network_policy.go:
 * 42 TCP, 3 UDP, 3 SCTP), re-expressed as our own fixtures. Each scenario lists the pods it needs,
 * the policies, and for each probed port/protocol the expected truth table as edits of an
 * all-allowed table. Multi-step upstream tests (label or policy updates) become one scenario per step.
 * Loopback cells are not compared, as upstream ignores them.
 */
import type { KObject, NetworkPolicy, NetworkPolicyPeer, Protocol } from '../../../src/api/types.ts';
import { e2eIP, e2eObjects, policy, Truth } from './fixtures.ts';

export interface E2ECase {
  port: number;
  protocol: Protocol;
  expect: (t: Truth) => Truth;
}

export interface E2EScenario {
  name: string;
  pods: string[];
  policies: NetworkPolicy[];
  /** Extra labels added to pods (`x/b`) or namespaces (`y`) for the "updated" steps. */
  podLabels?: Record<string, Record<string, string>>;
  nsLabels?: Record<string, Record<string, string>>;
  cases: E2ECase[];
}

const NSL = 'kubernetes.io/metadata.name';
const podA = { matchLabels: { pod: 'a' } };
const nsIs = (ns: string): NetworkPolicyPeer['namespaceSelector'] => ({ matchLabels: { [NSL]: ns } });
const notInX = { matchExpressions: [{ key: NSL, operator: 'NotIn' as const, values: ['x'] }] };
const tcp = (port: number, expect: E2ECase['expect']): E2ECase => ({ port, protocol: 'TCP', expect });
const same = (t: Truth): Truth => t;

const denyAllIngress = (ns: string, name = 'deny-ingress'): NetworkPolicy => policy(ns, name, { ingress: [] });
const denyAll = (ns: string): NetworkPolicy => policy(ns, 'deny-all', { ingress: [], egress: [] });

/** Five scenarios probe an ipBlock built from a pod's IP. */
const hostCIDR = (ref: string): string => `${e2eIP(ref)}/32`;

export const TCP_SCENARIOS: E2EScenario[] = [
  {
    name: "should support a 'default-deny-ingress' policy",
    pods: ['x/a', 'x/b', 'y/a', 'y/b'],
    policies: [denyAllIngress('x')],
    cases: [tcp(80, (t) => t.expectPeer({}, { ns: 'x' }, false))],
  },
  {
    name: "should support a 'default-deny-all' policy",
    pods: ['x/a', 'x/b', 'y/a'],
    policies: [denyAll('x')],
    cases: [tcp(80, (t) => t.expectPeer({}, { ns: 'x' }, false).expectPeer({ ns: 'x' }, {}, false))],
  },
  {
    name: 'should enforce policy to allow traffic from pods within server namespace based on PodSelector',
    pods: ['x/a', 'x/b', 'x/c', 'y/a'],
    policies: [policy('x', 'x-a-allows-x-b', { podSelector: podA, ingress: [{ from: [{ podSelector: { matchLabels: { pod: 'b' } } }] }] })],
    cases: [tcp(80, (t) => t.expectAllIngress('x/a', false).expect('x/b', 'x/a', true))],
  },
  {
    name: 'should enforce policy to allow ingress traffic for a target',
    pods: ['x/a', 'x/b', 'y/a'],
    policies: [
      denyAllIngress('x', 'deny-all'),
      policy('x', 'allow-all-to-a', { podSelector: podA, ingress: [{ from: [{ podSelector: {}, namespaceSelector: {} }] }] }),
    ],
    cases: [tcp(80, (t) => t.expectAllIngress('x/a', true).expectAllIngress('x/b', false))],
  },
  {
    name: 'should enforce policy to allow ingress traffic from pods in all namespaces',
    pods: ['x/a', 'x/b', 'y/a', 'z/a'],
    policies: [policy('x', 'allow-from-another-ns', { podSelector: podA, ingress: [{ from: [{ namespaceSelector: { matchLabels: {} } }] }] })],
    cases: [tcp(80, same)],
  },
  {
    name: 'should enforce policy to allow traffic only from a different namespace, based on NamespaceSelector',
    pods: ['x/a', 'x/b', 'y/a', 'z/a'],
    policies: [policy('x', 'allow-client-a-via-ns-selector', { podSelector: podA, ingress: [{ from: [{ namespaceSelector: nsIs('y') }] }] })],
    cases: [tcp(80, (t) => t.expectPeer({ ns: 'x' }, { ns: 'x', pod: 'a' }, false).expectPeer({ ns: 'z' }, { ns: 'x', pod: 'a' }, false))],
  },
  {
    name: 'should enforce policy based on PodSelector with MatchExpressions',
    pods: ['x/a', 'x/b', 'y/a'],
    policies: [policy('x', 'x-a-allows-x-b', {
      podSelector: podA,
      ingress: [{ from: [{ podSelector: { matchExpressions: [{ key: 'pod', operator: 'In', values: ['b'] }] } }] }],
    })],
    cases: [tcp(80, (t) => t.expectAllIngress('x/a', false).expect('x/b', 'x/a', true))],
  },
  {
    name: 'should enforce policy based on NamespaceSelector with MatchExpressions',
    pods: ['x/a', 'x/b', 'y/a', 'z/a'],
    policies: [policy('x', 'allow-ns-y-match-selector', {
      podSelector: podA,
      ingress: [{ from: [{ namespaceSelector: { matchExpressions: [{ key: NSL, operator: 'In', values: ['y'] }] } }] }],
    })],
    cases: [tcp(80, (t) => t.expectPeer({ ns: 'x' }, { ns: 'x', pod: 'a' }, false).expectPeer({ ns: 'z' }, { ns: 'x', pod: 'a' }, false))],
  },
  {
    name: 'should enforce policy based on PodSelector or NamespaceSelector',
    pods: ['x/a', 'x/b', 'x/c', 'y/a'],
    policies: [policy('x', 'allow-ns-y-match-selector', {
      podSelector: podA,
      ingress: [{ from: [{ namespaceSelector: notInX }, { podSelector: { matchLabels: { pod: 'b' } } }] }],
    })],
    cases: [tcp(80, (t) => t.expect('x/a', 'x/a', false).expect('x/c', 'x/a', false))],
  },
  {
    name: 'should enforce policy based on PodSelector and NamespaceSelector',
    pods: ['x/a', 'x/b', 'y/a', 'y/b', 'z/b'],
    policies: [policy('x', 'allow-ns-y-podselector-and-nsselector', {
      podSelector: podA,
      ingress: [{ from: [{ namespaceSelector: notInX, podSelector: { matchLabels: { pod: 'b' } } }] }],
    })],
    cases: [tcp(80, (t) => t.expectAllIngress('x/a', false).expect('y/b', 'x/a', true).expect('z/b', 'x/a', true))],
  },
  {
    name: 'should enforce policy based on Multiple PodSelectors and NamespaceSelectors',
    pods: ['x/a', 'x/b', 'y/a', 'y/b', 'y/c'],
    policies: [policy('x', 'allow-ns-y-z-pod-b-c', {
      podSelector: podA,
      ingress: [{ from: [{ namespaceSelector: notInX, podSelector: { matchExpressions: [{ key: 'pod', operator: 'In', values: ['b', 'c'] }] } }] }],
    })],
    cases: [tcp(80, (t) => t.expectPeer({ ns: 'x' }, { ns: 'x', pod: 'a' }, false).expect('y/a', 'x/a', false))],
  },
  {
    name: 'should enforce policy based on any PodSelectors',
    pods: ['x/a', 'x/b', 'x/c'],
    policies: [policy('x', 'allow-ns-x-pod-b-c', {
      podSelector: podA,
      ingress: [{ from: [{ podSelector: { matchLabels: { pod: 'b' } } }, { podSelector: { matchLabels: { pod: 'c' } } }] }],
    })],
    cases: [tcp(80, (t) => t.expectAllIngress('x/a', false).expect('x/b', 'x/a', true).expect('x/c', 'x/a', true))],
  },
  {
    name: 'should enforce policy to allow traffic only from a pod in a different namespace based on PodSelector and NamespaceSelector',
    pods: ['x/a', 'x/b', 'y/a', 'y/b', 'z/a'],
    policies: [policy('x', 'allow-ns-y-pod-a-via-namespace-pod-selector', {
      podSelector: podA,
      ingress: [{ from: [{ namespaceSelector: nsIs('y'), podSelector: podA }] }],
    })],
    cases: [tcp(80, (t) => t.expectAllIngress('x/a', false).expect('y/a', 'x/a', true))],
  },
  {
    name: 'should enforce policy based on Ports',
    pods: ['x/a', 'x/b', 'y/a', 'y/b', 'z/a'],
    policies: [policy('x', 'allow-client-a-via-ns-selector', { podSelector: podA, ingress: [{ from: [{ namespaceSelector: nsIs('y') }], ports: [{ port: 81, protocol: 'TCP' }] }] })],
    cases: [tcp(81, (t) => t
      .expectPeer({ ns: 'x' }, { ns: 'x', pod: 'a' }, false)
      .expectPeer({ ns: 'y' }, { ns: 'x', pod: 'a' }, true)
      .expectPeer({ ns: 'z' }, { ns: 'x', pod: 'a' }, false))],
  },
  {
    name: 'should enforce multiple, stacked policies with overlapping podSelectors (port 81 policy only)',
    pods: ['x/a', 'x/b', 'y/a', 'y/b', 'z/a'],
    policies: [policy('x', 'allow-client-a-via-ns-selector', { podSelector: podA, ingress: [{ from: [{ namespaceSelector: nsIs('y') }], ports: [{ port: 81, protocol: 'TCP' }] }] })],
    cases: [
      tcp(81, (t) => t.expectPeer({ ns: 'x' }, { ns: 'x', pod: 'a' }, false).expectPeer({ ns: 'y' }, { ns: 'x', pod: 'a' }, true).expectPeer({ ns: 'z' }, { ns: 'x', pod: 'a' }, false)),
      tcp(80, (t) => t.expectAllIngress('x/a', false)),
    ],
  },
  {
    name: 'should enforce multiple, stacked policies with overlapping podSelectors (port 80 policy added)',
    pods: ['x/a', 'x/b', 'y/a', 'y/b', 'z/a'],
    policies: [
      policy('x', 'allow-client-a-via-ns-selector', { podSelector: podA, ingress: [{ from: [{ namespaceSelector: nsIs('y') }], ports: [{ port: 81, protocol: 'TCP' }] }] }),
      policy('x', 'allow-client-a-via-ns-selector-80', { podSelector: podA, ingress: [{ from: [{ namespaceSelector: nsIs('y') }], ports: [{ port: 80, protocol: 'TCP' }] }] }),
    ],
    cases: [tcp(80, (t) => t.expectPeer({ ns: 'x' }, { ns: 'x', pod: 'a' }, false).expectPeer({ ns: 'y' }, { ns: 'x', pod: 'a' }, true).expectPeer({ ns: 'z' }, { ns: 'x', pod: 'a' }, false))],
  },
  {
    name: 'should support allow-all policy',
    pods: ['x/a', 'x/b', 'y/a'],
    policies: [policy('x', 'allow-all', { ingress: [{}] })],
    cases: [tcp(80, same), tcp(81, same)],
  },
  {
    name: 'should allow ingress access on one named port',
    pods: ['x/a', 'x/b', 'y/a'],
    policies: [policy('x', 'allow-all', { ingress: [{ ports: [{ port: 'serve-81-tcp' }] }] })],
    cases: [tcp(81, same), tcp(80, (t) => t.expectPeer({}, { ns: 'x' }, false))],
  },
  {
    name: 'should allow ingress access from namespace on one named port',
    pods: ['x/a', 'x/b', 'y/a', 'z/a'],
    policies: [policy('x', 'allow-client-a-via-ns-selector-80', {
      podSelector: podA,
      ingress: [{ from: [{ namespaceSelector: nsIs('y') }], ports: [{ port: 'serve-80-tcp', protocol: 'TCP' }] }],
    })],
    cases: [
      tcp(80, (t) => t.expectPeer({ ns: 'x' }, { ns: 'x', pod: 'a' }, false).expectPeer({ ns: 'z' }, { ns: 'x', pod: 'a' }, false)),
      tcp(81, (t) => t.expectAllIngress('x/a', false)),
    ],
  },
  {
    name: 'should allow egress access on one named port',
    pods: ['x/a', 'y/a'],
    policies: [policy('x', 'allow-egress', { egress: [{ ports: [{ port: 'serve-80-tcp' }] }] })],
    cases: [tcp(80, same), tcp(81, (t) => t.expectPeer({ ns: 'x' }, {}, false))],
  },
  {
    name: 'should enforce updated policy (before: allow all)',
    pods: ['x/a', 'y/a'],
    policies: [policy('x', 'allow-all-mutate-to-deny-all', { ingress: [{}] })],
    cases: [tcp(81, same)],
  },
  {
    name: 'should enforce updated policy (after: deny all)',
    pods: ['x/a', 'y/a'],
    policies: [policy('x', 'allow-all-mutate-to-deny-all', { ingress: [] })],
    cases: [tcp(81, (t) => t.expectPeer({}, { ns: 'x' }, false))],
  },
  {
    name: 'should allow ingress access from updated namespace (before the label)',
    pods: ['x/a', 'y/a'],
    policies: [policy('x', 'allow-client-a-via-ns-selector', { podSelector: podA, ingress: [{ from: [{ namespaceSelector: { matchLabels: { ns2: 'updated' } } }] }] })],
    cases: [tcp(80, (t) => t.expectAllIngress('x/a', false))],
  },
  {
    name: 'should allow ingress access from updated namespace (after the label)',
    pods: ['x/a', 'y/a'],
    nsLabels: { y: { ns2: 'updated' } },
    policies: [policy('x', 'allow-client-a-via-ns-selector', { podSelector: podA, ingress: [{ from: [{ namespaceSelector: { matchLabels: { ns2: 'updated' } } }] }] })],
    cases: [tcp(80, (t) => t.expectAllIngress('x/a', false).expectPeer({ ns: 'y' }, {}, true))],
  },
  {
    name: 'should allow ingress access from updated pod (before the label)',
    pods: ['x/a', 'x/b'],
    policies: [policy('x', 'allow-client-a-via-pod-selector', { podSelector: podA, ingress: [{ from: [{ podSelector: { matchLabels: { pod: 'b', pod2: 'updated' } } }] }] })],
    cases: [tcp(80, (t) => t.expectAllIngress('x/a', false))],
  },
  {
    name: 'should allow ingress access from updated pod (after the label)',
    pods: ['x/a', 'x/b'],
    podLabels: { 'x/b': { pod2: 'updated' } },
    policies: [policy('x', 'allow-client-a-via-pod-selector', { podSelector: podA, ingress: [{ from: [{ podSelector: { matchLabels: { pod: 'b', pod2: 'updated' } } }] }] })],
    cases: [tcp(80, (t) => t.expectAllIngress('x/a', false).expect('x/b', 'x/a', true))],
  },
  {
    name: 'should deny ingress from pods on other namespaces',
    pods: ['x/a', 'x/b', 'y/a', 'z/a'],
    policies: [policy('x', 'deny-empty-policy', { ingress: [{ from: [{ podSelector: { matchLabels: {} } }] }] })],
    cases: [tcp(80, (t) => t.expectPeer({ ns: 'y' }, { ns: 'x' }, false).expectPeer({ ns: 'z' }, { ns: 'x' }, false))],
  },
  {
    name: 'should deny ingress access to updated pod (before the label)',
    pods: ['x/a', 'y/a'],
    policies: [policy('x', 'deny-ingress-via-label-selector', { podSelector: { matchLabels: { target: 'isolated' } }, ingress: [] })],
    cases: [tcp(80, same)],
  },
  {
    name: 'should deny ingress access to updated pod (after the label)',
    pods: ['x/a', 'y/a'],
    podLabels: { 'x/a': { target: 'isolated' } },
    policies: [policy('x', 'deny-ingress-via-label-selector', { podSelector: { matchLabels: { target: 'isolated' } }, ingress: [] })],
    cases: [tcp(80, (t) => t.expectAllIngress('x/a', false))],
  },
  {
    name: 'should deny egress from pods based on PodSelector',
    pods: ['x/a', 'x/b', 'y/a'],
    policies: [policy('x', 'deny-egress-pod-a', { podSelector: podA, egress: [] })],
    cases: [tcp(80, (t) => t.expectAllEgress('x/a', false))],
  },
  {
    name: 'should deny egress from all pods in a namespace',
    pods: ['x/a', 'x/b', 'y/a'],
    policies: [policy('x', 'deny-egress-ns-x', { egress: [] })],
    cases: [tcp(80, (t) => t.expectPeer({ ns: 'x' }, {}, false))],
  },
  {
    name: 'should work with Ingress, Egress specified together',
    pods: ['x/a', 'x/b', 'x/c', 'y/a'],
    policies: [policy('x', 'allow-client-a-via-pod-selector', {
      podSelector: podA,
      ingress: [{ from: [{ podSelector: { matchLabels: { pod: 'b' } } }] }],
      egress: [{ ports: [{ port: 80 }] }],
      policyTypes: ['Egress', 'Ingress'],
    })],
    cases: [
      tcp(80, (t) => t.expectAllIngress('x/a', false).expect('x/b', 'x/a', true)),
      tcp(81, (t) => t.expectAllIngress('x/a', false).expectAllEgress('x/a', false).expect('x/b', 'x/a', true)),
    ],
  },
  {
    name: 'should support denying of egress traffic on the client side (even if the server explicitly allows this traffic)',
    pods: ['x/a', 'y/a', 'y/b'],
    policies: [
      policy('x', 'allow-to-ns-y-pod-a', { podSelector: podA, egress: [{ to: [{ namespaceSelector: nsIs('y'), podSelector: podA }] }] }),
      policy('y', 'allow-from-xa-on-ya-match-selector', { podSelector: podA, ingress: [{ from: [{ namespaceSelector: nsIs('x'), podSelector: podA }] }] }),
      policy('y', 'allow-from-xa-on-yb-match-selector', { podSelector: { matchLabels: { pod: 'b' } }, ingress: [{ from: [{ namespaceSelector: nsIs('x'), podSelector: podA }] }] }),
    ],
    cases: [tcp(80, (t) => t
      .expectPeer({ ns: 'x', pod: 'a' }, {}, false)
      .expectPeer({}, { ns: 'y', pod: 'a' }, false)
      .expectPeer({ ns: 'x', pod: 'a' }, { ns: 'y', pod: 'a' }, true)
      .expectPeer({}, { ns: 'y', pod: 'b' }, false))],
  },
  {
    name: 'should enforce egress policy allowing traffic to a server in a different namespace based on PodSelector and NamespaceSelector',
    pods: ['x/a', 'y/a', 'y/b'],
    policies: [policy('x', 'allow-to-ns-y-pod-a', { podSelector: podA, egress: [{ to: [{ namespaceSelector: nsIs('y'), podSelector: podA }] }] })],
    cases: [tcp(80, (t) => t.expectAllEgress('x/a', false).expect('x/a', 'y/a', true))],
  },
  {
    name: 'should enforce ingress policy allowing any port traffic to a server on a specific protocol',
    pods: ['x/a', 'y/a'],
    policies: [policy('x', 'allow-ingress-by-proto', { podSelector: podA, ingress: [{ ports: [{ protocol: 'TCP' }] }] })],
    cases: [tcp(80, same), { port: 80, protocol: 'UDP', expect: (t) => t.expectPeer({}, { ns: 'x', pod: 'a' }, false) }],
  },
  {
    name: 'should enforce multiple ingress policies with ingress allow-all policy taking precedence (port 80 only)',
    pods: ['x/a', 'y/a'],
    policies: [policy('x', 'allow-ingress-port-80', { ingress: [{ ports: [{ port: 80 }] }] })],
    cases: [tcp(81, (t) => t.expectPeer({}, { ns: 'x' }, false))],
  },
  {
    name: 'should enforce multiple ingress policies with ingress allow-all policy taking precedence (allow-all added)',
    pods: ['x/a', 'y/a'],
    policies: [policy('x', 'allow-ingress-port-80', { ingress: [{ ports: [{ port: 80 }] }] }), policy('x', 'allow-ingress', { ingress: [{}] })],
    cases: [tcp(81, same)],
  },
  {
    name: 'should enforce multiple egress policies with egress allow-all policy taking precedence (port 80 only)',
    pods: ['x/a', 'y/a'],
    policies: [policy('x', 'allow-egress-port-80', { egress: [{ ports: [{ port: 80 }] }] })],
    cases: [tcp(81, (t) => t.expectPeer({ ns: 'x' }, {}, false))],
  },
  {
    name: 'should enforce multiple egress policies with egress allow-all policy taking precedence (allow-all added)',
    pods: ['x/a', 'y/a'],
    policies: [policy('x', 'allow-egress-port-80', { egress: [{ ports: [{ port: 80 }] }] }), policy('x', 'allow-egress', { egress: [{}] })],
    cases: [tcp(81, same)],
  },
  {
    name: 'should stop enforcing policies after they are deleted (while present)',
    pods: ['x/a', 'y/a'],
    policies: [denyAll('x')],
    cases: [tcp(80, (t) => t.expectPeer({ ns: 'x' }, {}, false).expectPeer({}, { ns: 'x' }, false))],
  },
  {
    name: 'should stop enforcing policies after they are deleted (after deletion)',
    pods: ['x/a', 'y/a'],
    policies: [],
    cases: [tcp(80, same)],
  },
  {
    name: 'should allow egress access to server in CIDR block',
    pods: ['x/a', 'y/a', 'y/b'],
    policies: [policy('x', 'allow-client-a-via-cidr-egress-rule', { podSelector: podA, egress: [{ to: [{ ipBlock: { cidr: hostCIDR('y/b') } }] }] })],
    cases: [tcp(80, (t) => t.expectAllEgress('x/a', false).expect('x/a', 'y/b', true))],
  },
  {
    name: 'should enforce except clause while egress access to server in CIDR block',
    pods: ['x/a', 'x/b', 'x/c'],
    policies: [policy('x', 'allow-client-a-via-cidr-egress-rule', {
      podSelector: podA,
      egress: [{ to: [{ ipBlock: { cidr: '10.244.0.0/16', except: [hostCIDR('x/b')] } }] }],
    })],
    cases: [tcp(80, (t) => t.expect('x/a', 'x/b', false))],
  },
  {
    name: 'should ensure an IP overlapping both IPBlock.CIDR and IPBlock.Except is allowed (after the update)',
    pods: ['x/a', 'x/b', 'x/c'],
    policies: [policy('x', 'allow-client-a-via-cidr-egress-rule', { podSelector: podA, egress: [{ to: [{ ipBlock: { cidr: hostCIDR('x/b') } }] }] })],
    cases: [tcp(80, (t) => t.expectAllEgress('x/a', false).expect('x/a', 'x/b', true))],
  },
  {
    name: 'should enforce policies to check ingress and egress policies can be controlled independently based on PodSelector (egress allow only)',
    pods: ['x/a', 'x/b', 'y/a'],
    policies: [policy('x', 'allow-egress-for-target', { podSelector: podA, egress: [{}] })],
    cases: [tcp(80, same)],
  },
  {
    name: 'should enforce policies to check ingress and egress policies can be controlled independently based on PodSelector (ingress denied)',
    pods: ['x/a', 'x/b', 'y/a'],
    policies: [policy('x', 'allow-egress-for-target', { podSelector: podA, egress: [{}] }), policy('x', 'deny-ingress-via-label-selector', { podSelector: podA, ingress: [] })],
    cases: [tcp(80, (t) => t.expectAllIngress('x/a', false))],
  },
  {
    name: "should not mistakenly treat 'protocol: SCTP' as 'protocol: TCP', even if the plugin doesn't support SCTP",
    pods: ['x/a', 'y/a'],
    policies: [denyAllIngress('x'), policy('x', 'allow-only-sctp-ingress-on-port-81', { podSelector: podA, ingress: [{ ports: [{ port: 81, protocol: 'SCTP' }] }] })],
    cases: [tcp(81, (t) => t.expectPeer({}, { ns: 'x' }, false))],
  },
  {
    name: "should properly isolate pods that are selected by a policy allowing SCTP, even if the plugin doesn't support SCTP",
    pods: ['x/a', 'y/a'],
    policies: [policy('x', 'allow-only-sctp-ingress-on-port-80', { podSelector: podA, ingress: [{ ports: [{ port: 80, protocol: 'SCTP' }] }] })],
    cases: [tcp(81, (t) => t.expectAllIngress('x/a', false))],
  },
  {
    name: 'should not allow access by TCP when a policy specifies only UDP',
    pods: ['x/a', 'y/a'],
    policies: [policy('x', 'allow-only-udp-ingress-on-port-81', { podSelector: podA, ingress: [{ ports: [{ port: 81, protocol: 'UDP' }] }] })],
    cases: [tcp(81, (t) => t.expectAllIngress('x/a', false))],
  },
  {
    name: 'should enforce policy to allow traffic based on NamespaceSelector with MatchLabels using default ns label',
    pods: ['x/a', 'x/b', 'y/a', 'z/a'],
    policies: [policy('x', 'allow-client-a-via-ns-selector-for-immutable-ns-label', { podSelector: podA, ingress: [{ from: [{ namespaceSelector: nsIs('y') }] }] })],
    cases: [tcp(80, (t) => t.expectPeer({ ns: 'x' }, { ns: 'x', pod: 'a' }, false).expectPeer({ ns: 'z' }, { ns: 'x', pod: 'a' }, false))],
  },
  {
    name: 'should enforce policy based on NamespaceSelector with MatchExpressions using default ns label',
    pods: ['x/a', 'x/b', 'y/a', 'z/a'],
    policies: [policy('x', 'allow-ns-y-match-selector-for-immutable-ns-label', {
      podSelector: podA,
      egress: [{ to: [{ namespaceSelector: { matchExpressions: [{ key: NSL, operator: 'NotIn', values: ['y'] }] } }] }],
    })],
    cases: [tcp(80, (t) => t.expectPeer({ ns: 'x', pod: 'a' }, { ns: 'y' }, false))],
  },
];

const withProtocol = (protocol: Protocol): E2EScenario[] => [
  {
    name: `${protocol}: should support a 'default-deny-ingress' policy`,
    pods: ['x/a', 'x/b', 'y/a', 'y/b'],
    policies: [denyAllIngress('x', 'deny-all')],
    cases: [{ port: 80, protocol, expect: (t) => t.expectPeer({}, { ns: 'x' }, false) }],
  },
  {
    name: `${protocol}: should enforce policy based on Ports`,
    pods: ['x/a', 'x/b', 'y/a', 'z/a'],
    policies: [policy('x', 'allow-ingress-on-port-81-ns-x', { podSelector: podA, ingress: [{ from: [{ namespaceSelector: nsIs('y') }], ports: [{ port: 81, protocol }] }] })],
    cases: [{ port: 81, protocol, expect: (t) => t.expectPeer({ ns: 'x' }, { ns: 'x', pod: 'a' }, false).expectPeer({ ns: 'z' }, { ns: 'x', pod: 'a' }, false) }],
  },
  {
    name: `${protocol}: should enforce policy to allow traffic only from a pod in a different namespace based on PodSelector and NamespaceSelector`,
    pods: ['x/a', 'x/b', 'y/a'],
    policies: [policy('x', 'allow-ns-y-pod-a-via-namespace-pod-selector', { podSelector: podA, ingress: [{ from: [{ namespaceSelector: nsIs('y'), podSelector: podA }] }] })],
    cases: [{ port: 80, protocol, expect: (t) => t.expectAllIngress('x/a', false).expect('y/a', 'x/a', true) }],
  },
];

export const UDP_SCENARIOS = withProtocol('UDP');
export const SCTP_SCENARIOS = withProtocol('SCTP');
export const ALL_SCENARIOS = [...TCP_SCENARIOS, ...UDP_SCENARIOS, ...SCTP_SCENARIOS];

/** The scenario's cluster: e2e pods, extra labels applied, policies added. */
export function scenarioObjects(s: E2EScenario): KObject[] {
  const objects = e2eObjects(s.pods).map((o) => {
    if (o.kind === 'Pod') {
      const extra = s.podLabels?.[`${o.metadata.namespace}/${o.metadata.name}`];
      if (extra) return { ...o, metadata: { ...o.metadata, labels: { ...o.metadata.labels, ...extra } } };
    }
    if (o.kind === 'Namespace') {
      const extra = s.nsLabels?.[o.metadata.name];
      if (extra) return { ...o, metadata: { ...o.metadata, labels: { ...o.metadata.labels, ...extra } } };
    }
    return o;
  });
  return [...objects, ...s.policies];
}
