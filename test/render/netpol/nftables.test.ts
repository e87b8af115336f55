/**
 * render/netpol: the NetworkPolicy table of a node. Expected texts are written by hand from the
 * NetworkPolicy API reference (selectors select pods cluster-wide by namespace and labels; named
 * ports resolve on the destination pod; ipBlock is cidr minus except; a policy-free pod is not
 * isolated) and from the layout of shared/notes/dataplane-linux.md §5 (inet forward hook after
 * DNAT, established/related first, per-pod verdict maps, admin-prohibited reject). Every rendered
 * text must also load with `nft -c -f`.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../../src/api/types.ts';
import { PolicyIndex } from '../../../src/model/policy/index.ts';
import { netpolRuleset, normalize, podChainName, renderNetpol, subtract, formatAddressInterval } from '../../../src/render/netpol/index.ts';
import { parseIP } from '../../../src/api/cidr.ts';
import { e2eObjects, node, namespace, pod, policy, view } from '../../model/policy/fixtures.ts';
import { nftCheck, nftSkipReason } from '../kube-proxy/system-tools.ts';

const ip = (s: string): bigint => parseIP(s)!.value;

describe('address intervals', () => {
  it('ipBlock minus except is two ranges around the hole', () => {
    const got = subtract([{ lo: ip('10.0.0.0'), hi: ip('10.0.255.255') }], [{ lo: ip('10.0.1.0'), hi: ip('10.0.1.255') }]);
    assert.deepEqual(got.map(formatAddressInterval), ['10.0.0.0/24', '10.0.2.0-10.0.255.255']);
  });
  it('overlapping and adjacent intervals merge (nft refuses conflicting intervals)', () => {
    const got = normalize([{ lo: 5n, hi: 9n }, { lo: 1n, hi: 3n }, { lo: 4n, hi: 4n }, { lo: 20n, hi: 21n }, { lo: 8n, hi: 12n }]);
    assert.deepEqual(got, [{ lo: 1n, hi: 12n }, { lo: 20n, hi: 21n }]);
  });
  it('an aligned power-of-two range prints as a prefix, a lone address bare', () => {
    assert.equal(formatAddressInterval({ lo: ip('10.244.0.0'), hi: ip('10.244.255.255') }), '10.244.0.0/16');
    assert.equal(formatAddressInterval({ lo: ip('10.244.1.11'), hi: ip('10.244.1.11') }), '10.244.1.11');
    assert.equal(formatAddressInterval({ lo: ip('10.244.1.8'), hi: ip('10.244.1.11') }), '10.244.1.8/30');
    assert.equal(formatAddressInterval({ lo: ip('10.244.1.9'), hi: ip('10.244.1.12') }), '10.244.1.9-10.244.1.12');
  });
});

const FORWARD = `	chain forward {
		type filter hook forward priority filter + 10; policy accept;
		ct state established,related accept
		ct state invalid drop
		ip saddr vmap @egress-pods
		ip daddr vmap @ingress-pods
	}
}
`;

/** The upstream "allow ingress access from namespace on one named port" scenario's objects. */
const namedPortScenario = (): KObject[] => [
  ...e2eObjects(['x/a', 'x/b', 'y/a', 'z/a']),
  policy('x', 'allow-80', {
    podSelector: { matchLabels: { pod: 'a' } },
    ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'y' } } }], ports: [{ port: 'serve-80-tcp', protocol: 'TCP' }] }],
  }),
];

describe('renderNetpol (golden)', () => {
  it('ingress from a namespace on a named port: y/a may reach x/a on 80/TCP, nothing else', () => {
    const idx = new PolicyIndex(view(namedPortScenario()));
    // x/a (10.244.1.10) is on node-1; y/a is 10.244.2.10; serve-80-tcp is containerPort 80 on x/a.
    assert.equal(renderNetpol(idx, 'node-1'), `# NetworkPolicy for node node-1 (calico)
table inet podnet-netpol
delete table inet podnet-netpol
table inet podnet-netpol {
	chain ingress-x/a {
		# x/a ingress, isolated by x/allow-80
		ip saddr 10.244.1.10 accept comment "x/a hairpin through a Service (masqueraded to the node)"
		ip saddr 10.244.2.10 meta l4proto tcp th dport 80 accept comment "x/allow-80 spec.ingress[0]"
		counter reject with icmpx admin-prohibited comment "x/a: no ingress rule allows"
	}
	map egress-pods { type ipv4_addr : verdict; }
	map ingress-pods { type ipv4_addr : verdict;
		elements = { 10.244.1.10 : jump ingress-x/a }
	}
${FORWARD}`);
    // node-2 hosts only x/b, which no policy selects: an empty table, every flow accepted.
    assert.equal(renderNetpol(idx, 'node-2'), `# NetworkPolicy for node node-2 (calico)
table inet podnet-netpol
delete table inet podnet-netpol
table inet podnet-netpol {
	map egress-pods { type ipv4_addr : verdict; }
	map ingress-pods { type ipv4_addr : verdict; }
${FORWARD}`);
  });

  it('egress named ports resolve on each destination pod; endPort ranges merge', () => {
    const objects: KObject[] = [
      node('n1', '172.18.0.2'), namespace('x'), namespace('y'),
      pod('x', 'client', { ip: '10.244.1.5', nodeName: 'n1' }),
      pod('y', 'one', { ip: '10.244.2.5', nodeName: 'n1', ports: [{ name: 'web', port: 8080 }] }),
      pod('y', 'two', { ip: '10.244.2.6', nodeName: 'n1', ports: [{ name: 'web', port: 9090 }] }),
      pod('y', 'three', { ip: '10.244.2.7', nodeName: 'n1', ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] }),
      policy('x', 'out', {
        podSelector: { matchLabels: { pod: 'client' } },
        egress: [{
          to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'y' } } }],
          ports: [{ port: 'web' }, { port: 8000, endPort: 8080 }, { port: 8081 }, { port: 53, protocol: 'UDP' }],
        }],
      }),
    ];
    const text = renderNetpol(new PolicyIndex(view(objects)), 'n1');
    const chain = text.slice(text.indexOf('\tchain egress-x/client {'), text.indexOf('\tmap egress-pods'));
    assert.equal(chain, `	chain egress-x/client {
		# x/client egress, isolated by x/out
		ip daddr 10.244.1.5 return comment "x/client hairpin through a Service (masqueraded to the node)"
		ip daddr 10.244.2.5-10.244.2.7 meta l4proto tcp th dport 8000-8081 return comment "x/out spec.egress[0]"
		ip daddr 10.244.2.5 meta l4proto tcp th dport 8080 return comment "x/out spec.egress[0] (named ports)"
		ip daddr 10.244.2.6 meta l4proto tcp th dport 9090 return comment "x/out spec.egress[0] (named ports)"
		ip daddr 10.244.2.5-10.244.2.7 meta l4proto udp th dport 53 return comment "x/out spec.egress[0]"
		counter reject with icmpx admin-prohibited comment "x/client: no egress rule allows"
	}
`);
    assert.match(text, /map egress-pods \{ type ipv4_addr : verdict;\n\t\telements = \{ 10\.244\.1\.5 : jump egress-x\/client \}/);
  });

  const ipBlockObjects = (): KObject[] => [
    ...e2eObjects(['x/a', 'x/b', 'y/a']),
    policy('x', 'cidr', {
      podSelector: { matchLabels: { pod: 'a' } },
      egress: [{ to: [{ ipBlock: { cidr: '10.244.0.0/16', except: ['10.244.1.11/32'] } }, { podSelector: { matchLabels: { pod: 'b' } } }] }],
    }),
  ];

  it('calico: ipBlock (minus except) and selected pods form one address set', () => {
    const rs = netpolRuleset(new PolicyIndex(view(ipBlockObjects(), 'calico')), 'node-1');
    assert.deepEqual(rs.clusterAddresses, []);
    const chain = rs.egress.find((c) => c.pod === 'x/a')!;
    // x/b (10.244.1.11) is excepted from the block but selected by the podSelector peer: allowed.
    assert.deepEqual(chain.rules.slice(1).map((r) => [r.peers?.map(formatAddressInterval), r.notCluster]), [[['10.244.0.0/16'], undefined]]);
  });

  it('cilium: ipBlock never matches pod or node addresses (cluster-addresses set); selectors still do', () => {
    const text = renderNetpol(new PolicyIndex(view(ipBlockObjects(), 'cilium')), 'node-1');
    assert.match(text, /\tset cluster-addresses \{ type ipv4_addr;\n\t\telements = \{ 10\.244\.1\.10, 10\.244\.1\.11, 10\.244\.2\.10, 172\.18\.0\.2, 172\.18\.0\.3 \}\n\t\}/);
    assert.match(text, /\t\tip daddr 10\.244\.1\.11 return comment "x\/cidr spec\.egress\[0\]"\n/);
    assert.match(text, /\t\tip daddr != @cluster-addresses ip daddr \{ 10\.244\.0\.0-10\.244\.1\.10, 10\.244\.1\.12-10\.244\.255\.255 \} return comment "x\/cidr spec\.egress\[0\]"\n/);
  });

  it('flannel and bridge enforce nothing: the text only removes a table of that name', () => {
    for (const cni of ['flannel', 'bridge'] as const) {
      assert.equal(renderNetpol(new PolicyIndex(view(namedPortScenario(), cni)), 'node-1'),
        `# ${cni} enforces no NetworkPolicy: node node-1 has no policy table\ntable inet podnet-netpol\ndelete table inet podnet-netpol\n`);
    }
  });

  it('a rule whose selectors match no pod admits nothing (no empty set is emitted)', () => {
    const objects: KObject[] = [...e2eObjects(['x/a']), policy('x', 'nobody', { ingress: [{ from: [{ podSelector: { matchLabels: { pod: 'zzz' } } }] }] })];
    const rs = netpolRuleset(new PolicyIndex(view(objects)), 'node-1');
    // Only the hairpin rule (the pod itself through a Service) remains.
    assert.deepEqual(rs.ingress.map((c) => [c.pod, c.rules.map((r) => r.comment)]), [['x/a', ['x/a hairpin through a Service (masqueraded to the node)']]]);
    assert.doesNotMatch(renderNetpol(new PolicyIndex(view(objects)), 'node-1'), /\{ \}/);
  });

  it('hostNetwork pods are never selected and get no chain', () => {
    const objects: KObject[] = [
      ...e2eObjects(['x/a']),
      pod('x', 'host', { ip: '172.18.0.2', nodeName: 'node-1', hostNetwork: true, labels: { pod: 'a' } }),
      policy('x', 'deny', { ingress: [] }),
    ];
    const rs = netpolRuleset(new PolicyIndex(view(objects)), 'node-1');
    assert.deepEqual(rs.ingress.map((c) => c.pod), ['x/a']);
  });

  it('long pod references get a bounded chain name', () => {
    const long = podChainName('ingress', `ns/${'p'.repeat(250)}`);
    assert.ok(long.length <= 200);
    assert.notEqual(long, podChainName('ingress', `ns/${'p'.repeat(249)}q`));
  });
});

describe('netpol tables load with nft -c -f', { skip: nftSkipReason }, () => {
  const cases: [string, KObject[], 'calico' | 'cilium'][] = [
    ['named port', namedPortScenario(), 'calico'],
    ['ipBlock calico', [
      ...e2eObjects(['x/a', 'x/b', 'y/a']),
      policy('x', 'cidr', { podSelector: { matchLabels: { pod: 'a' } }, egress: [{ to: [{ ipBlock: { cidr: '10.244.0.0/16', except: ['10.244.1.11/32'] } }] }] }),
    ], 'calico'],
    ['ipBlock cilium', [
      ...e2eObjects(['x/a', 'x/b', 'y/a']),
      policy('x', 'cidr', { podSelector: { matchLabels: { pod: 'a' } }, ingress: [{ from: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] } }], ports: [{ port: 80, endPort: 90 }, { protocol: 'SCTP', port: 81 }] }] }),
    ], 'cilium'],
  ];
  for (const [name, objects, cni] of cases) {
    it(name, () => {
      const idx = new PolicyIndex(view(objects, cni));
      for (const n of ['node-1', 'node-2']) {
        const r = nftCheck(renderNetpol(idx, n));
        assert.ok(r.ok, r.output);
      }
    });
  }
});
