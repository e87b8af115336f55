/**
 * The stub resolver's search walk from pods in different namespaces (glibc res_search; musl noted),
 * over the shared fixture: which queries are sent, and which candidate answers.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClusterDNS, lookupFromPod, searchCandidates, type Libc } from '../../../src/model/dns/index.ts';
import { fixtureView, pod } from './fixture.ts';

const dns = new ClusterDNS(fixtureView());
const client = dns.view.pod('testns', 'client');
const frontend = dns.view.pod('web', 'frontend');
assert.ok(client && frontend);

interface WalkCase {
  name: string;
  from: 'client' | 'frontend';
  qname: string;
  qtype?: string;
  libc?: Libc;
  /** Every query sent, in order. */
  sent: string[];
  result: string;
  resolvedName?: string;
  answers?: string[];
}

const cases: WalkCase[] = [
  { name: 'short name: the first search domain (<ns>.svc) answers', from: 'client', qname: 'svc1', sent: ['svc1.testns.svc.cluster.local.'], result: 'answer', resolvedName: 'svc1.testns.svc.cluster.local.', answers: ['10.96.0.101'] },
  {
    name: 'svc.ns: second candidate (svc.<zone>) answers after one NXDOMAIN',
    from: 'client', qname: 'svc1.testns',
    sent: ['svc1.testns.testns.svc.cluster.local.', 'svc1.testns.svc.cluster.local.'], result: 'answer', resolvedName: 'svc1.testns.svc.cluster.local.',
  },
  {
    name: 'svc.ns.svc: third candidate (<zone>) answers',
    from: 'client', qname: 'svc1.testns.svc',
    sent: ['svc1.testns.svc.testns.svc.cluster.local.', 'svc1.testns.svc.svc.cluster.local.', 'svc1.testns.svc.cluster.local.'], result: 'answer',
  },
  {
    name: 'fully qualified without trailing dot (4 dots < ndots 5): three NXDOMAINs, then the absolute name',
    from: 'client', qname: 'svc1.testns.svc.cluster.local',
    sent: ['svc1.testns.svc.cluster.local.testns.svc.cluster.local.', 'svc1.testns.svc.cluster.local.svc.cluster.local.', 'svc1.testns.svc.cluster.local.cluster.local.', 'svc1.testns.svc.cluster.local.'],
    result: 'answer',
  },
  { name: 'trailing dot: only the absolute name', from: 'client', qname: 'svc1.testns.svc.cluster.local.', sent: ['svc1.testns.svc.cluster.local.'], result: 'answer' },
  {
    name: 'external name under ndots:5 costs 3 cluster NXDOMAINs + 1 (Scaling_CoreDNS)',
    from: 'client', qname: 'api.example.com',
    sent: ['api.example.com.testns.svc.cluster.local.', 'api.example.com.svc.cluster.local.', 'api.example.com.cluster.local.', 'api.example.com.'],
    result: 'answer', resolvedName: 'api.example.com.', answers: ['93.184.216.36'],
  },
  {
    name: 'short-name capture: backend.prod from namespace web is answered by headless Service prod in web',
    from: 'frontend', qname: 'backend.prod', sent: ['backend.prod.web.svc.cluster.local.'], result: 'answer', answers: ['10.244.4.7'],
  },
  {
    name: 'backend.prod from namespace testns reaches Service backend in namespace prod',
    from: 'client', qname: 'backend.prod', sent: ['backend.prod.testns.svc.cluster.local.', 'backend.prod.svc.cluster.local.'], result: 'answer', answers: ['10.96.0.107'],
  },
  {
    name: 'glibc walks past NODATA: AAAA for an IPv4 Service tries every candidate, ends with the absolute name\'s NXDOMAIN',
    from: 'client', qname: 'svc1', qtype: 'AAAA',
    sent: ['svc1.testns.svc.cluster.local.', 'svc1.svc.cluster.local.', 'svc1.cluster.local.', 'svc1.'], result: 'nxdomain',
  },
  {
    name: 'musl stops at the first NODATA (kubernetes#64924)',
    from: 'client', qname: 'svc1', qtype: 'AAAA', libc: 'musl', sent: ['svc1.testns.svc.cluster.local.'], result: 'nodata',
  },
  {
    name: 'a name nobody knows: every candidate NXDOMAIN',
    from: 'client', qname: 'nothing.test',
    sent: ['nothing.test.testns.svc.cluster.local.', 'nothing.test.svc.cluster.local.', 'nothing.test.cluster.local.', 'nothing.test.'], result: 'nxdomain',
  },
];

describe('lookupFromPod: search walk (glibc unless noted)', () => {
  for (const c of cases) {
    it(c.name, () => {
      const r = lookupFromPod(dns, c.from === 'client' ? client : frontend, c.qname, c.qtype ?? 'A', c.libc ?? 'glibc');
      assert.deepEqual(r.steps.map((s) => s.query.name), c.sent);
      assert.equal(r.result, c.result);
      if (c.resolvedName) assert.equal(r.resolvedName, c.resolvedName);
      if (c.answers) assert.deepEqual(r.response?.answer.map((a) => a.data), c.answers);
      if (c.result === 'answer') assert.equal(r.answeredAt, c.sent.length - 1);
      else assert.equal(r.answeredAt, undefined);
    });
  }
});

describe('lookupFromPod: resolv.conf variants', () => {
  it('ndots:2 from dnsConfig: a two-dot external name goes absolute first (1 query)', () => {
    const p = pod('testns', 'tuned', '10.244.1.60', { dnsConfig: { options: [{ name: 'ndots', value: '2' }] } });
    const r = lookupFromPod(dns, p, 'api.example.com', 'A');
    assert.deepEqual(r.steps.map((s) => s.query.name), ['api.example.com.']);
    assert.equal(r.result, 'answer');
  });
  it('glibc: dots ≥ ndots and the absolute name fails → the search list is still walked', () => {
    const p = pod('testns', 'tuned', '10.244.1.60', { dnsConfig: { options: [{ name: 'ndots', value: '1' }] } });
    const r = lookupFromPod(dns, p, 'svc1.testns', 'A');
    assert.deepEqual(r.steps.map((s) => s.query.name), ['svc1.testns.', 'svc1.testns.testns.svc.cluster.local.', 'svc1.testns.svc.cluster.local.']);
    assert.equal(r.resolvedName, 'svc1.testns.svc.cluster.local.');
  });
  it('musl: dots ≥ ndots means no search at all', () => {
    const p = pod('testns', 'tuned', '10.244.1.60', { dnsConfig: { options: [{ name: 'ndots', value: '1' }] } });
    const r = lookupFromPod(dns, p, 'svc1.testns', 'A', 'musl');
    assert.deepEqual(r.steps.map((s) => s.query.name), ['svc1.testns.']);
    assert.equal(r.result, 'nxdomain');
  });
  it('dnsPolicy Default asks the node resolver, which knows no cluster names', () => {
    const p = pod('testns', 'hosty', '10.244.1.61', { dnsPolicy: 'Default' });
    const r = lookupFromPod(dns, p, 'svc1.testns.svc.cluster.local', 'A');
    assert.deepEqual(r.steps.map((s) => [s.query.name, s.server]), [['svc1.testns.svc.cluster.local.', '172.18.0.1']]);
    assert.equal(r.result, 'nxdomain');
  });
  it('hostNetwork with ClusterFirst behaves as Default; external names still resolve', () => {
    const p = pod('testns', 'agent', undefined, { hostNetwork: true });
    const r = lookupFromPod(dns, p, 'example.com', 'A');
    assert.deepEqual(r.steps.map((s) => s.server), ['172.18.0.1']);
    assert.equal(r.result, 'answer');
  });
  it('dnsPolicy None without nameservers sends nothing', () => {
    const r = lookupFromPod(dns, pod('testns', 'none', '10.244.1.62', { dnsPolicy: 'None' }), 'svc1', 'A');
    assert.deepEqual(r.steps, []);
    assert.equal(r.result, 'no-nameserver');
  });
});

describe('searchCandidates', () => {
  const conf = { nameservers: ['10.96.0.10'], searches: ['a.example', 'b.example'], options: ['ndots:2'] };
  const table: [string, Libc, string[]][] = [
    ['x', 'glibc', ['x.a.example.', 'x.b.example.', 'x.']],
    ['x.y.z', 'glibc', ['x.y.z.', 'x.y.z.a.example.', 'x.y.z.b.example.']],
    ['x.y.z', 'musl', ['x.y.z.']],
    ['x.', 'glibc', ['x.']],
    ['x.', 'musl', ['x.']],
  ];
  for (const [name, libc, want] of table) {
    it(`${libc} ${name} (ndots:2)`, () => assert.deepEqual(searchCandidates(name, conf, libc), want));
  }
});
