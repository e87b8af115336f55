/** The `dns` and `resolvconf` check kinds over the DNS fixture cluster (test/model/dns/fixture.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CheckArgumentError, CHECK_KINDS } from '../../../src/model/verify/index.ts';
import { fixtureView } from '../dns/fixture.ts';

const view = fixtureView();
const dns = CHECK_KINDS.dns;
const resolvconf = CHECK_KINDS.resolvconf;

describe('verify: dns', () => {
  const passing: { name: string; args: unknown; expect: unknown }[] = [
    { name: 'ClusterIP A', args: { name: 'svc1.testns.svc.cluster.local', type: 'A' }, expect: { rcode: 'NOERROR', answers: ['10.96.0.101'], authoritative: true, ttl: 30 } },
    { name: 'type defaults to A; answers order-insensitive', args: { name: 'dup-name.hdls1.testns.svc.cluster.local' }, expect: { rcode: 'NOERROR', answers: ['10.244.1.5', '10.244.1.4'] } },
    { name: 'SRV as "prio weight port target"', args: { name: '_http._tcp.svc1.testns.svc.cluster.local', type: 'SRV' }, expect: { rcode: 'NOERROR', answers: ['0 100 80 svc1.testns.svc.cluster.local.'] } },
    { name: 'NXDOMAIN with the SOA minimum as ttl', args: { name: 'nope.testns.svc.cluster.local' }, expect: { rcode: 'NXDOMAIN', answers: [], ttl: 30 } },
    { name: 'ExternalName: CNAME then the target\'s address', args: { name: 'external.testns.svc.cluster.local' }, expect: { rcode: 'NOERROR', answers: ['ext.example.com.', '93.184.216.35'] } },
    { name: 'from a pod: the short name, 1 query', args: { from: 'testns/client', name: 'svc1' }, expect: { rcode: 'NOERROR', answers: ['10.96.0.101'], resolvedName: 'svc1.testns.svc.cluster.local.', queriesSent: 1 } },
    { name: 'from a pod: an external name costs 4 queries under ndots:5', args: { from: 'testns/client', name: 'api.example.com' }, expect: { rcode: 'NOERROR', answers: ['93.184.216.36'], resolvedName: 'api.example.com', queriesSent: 4, authoritative: false } },
    { name: 'small answer: not truncated', args: { name: 'hdls1.testns.svc.cluster.local' }, expect: { rcode: 'NOERROR', answers: ['10.244.1.2', '10.244.1.3', '10.244.1.4', '10.244.1.5'], truncated: false } },
  ];
  for (const c of passing) {
    it(`passes: ${c.name}`, () => {
      const r = dns.evaluate(view, c.args, c.expect);
      assert.equal(r.passed, true, r.message);
    });
  }
  it('fails with a message naming the difference', () => {
    const r = dns.evaluate(view, { name: 'svc1.testns.svc.cluster.local', type: 'AAAA' }, { rcode: 'NOERROR', answers: ['fd00::1'] });
    assert.equal(r.passed, false);
    assert.equal(r.message, 'answers: expected [fd00::1], got []');
  });
  it('fails on rcode', () => {
    const r = dns.evaluate(view, { name: 'hdlsdown.testns.svc.cluster.local' }, { rcode: 'NOERROR', answers: [] });
    assert.equal(r.passed, false);
    assert.match(r.message, /^rcode: expected "NOERROR", got "NXDOMAIN"/);
  });
  it('an unknown pod is a failed check, not a crash', () => {
    const r = dns.evaluate(view, { from: 'testns/ghost', name: 'svc1' }, { rcode: 'NOERROR', answers: [] });
    assert.equal(r.passed, false);
    assert.match(r.message, /not found/);
  });
  const bad: { name: string; args: unknown; expect: unknown; field: string }[] = [
    { name: 'missing name', args: { type: 'A' }, expect: { rcode: 'NOERROR' }, field: 'dns.name' },
    { name: 'unknown argument', args: { name: 'x', server: '1.1.1.1' }, expect: { rcode: 'NOERROR' }, field: 'dns.server' },
    { name: 'missing rcode', args: { name: 'x' }, expect: { answers: [] }, field: 'expect.rcode' },
    { name: 'unknown expect key', args: { name: 'x' }, expect: { rcode: 'NOERROR', answer: [] }, field: 'expect.answer' },
    { name: 'ttl not a number', args: { name: 'x' }, expect: { rcode: 'NOERROR', ttl: 'thirty' }, field: 'expect.ttl' },
  ];
  for (const c of bad) {
    it(`bad input: ${c.name} → ${c.field}`, () => {
      assert.throws(() => dns.evaluate(view, c.args, c.expect), (e: unknown) => e instanceof CheckArgumentError && e.field === c.field);
    });
  }
});

describe('verify: resolvconf', () => {
  it('passes for the ClusterFirst pod; options compare order-insensitively', () => {
    const r = resolvconf.evaluate(view, { pod: 'testns/client' }, { nameservers: ['10.96.0.10'], searches: ['testns.svc.cluster.local', 'svc.cluster.local', 'cluster.local'], options: ['ndots:5'] });
    assert.equal(r.passed, true, r.message);
  });
  it('search order matters', () => {
    const r = resolvconf.evaluate(view, { pod: 'testns/client' }, { searches: ['svc.cluster.local', 'testns.svc.cluster.local', 'cluster.local'] });
    assert.equal(r.passed, false);
    assert.match(r.message, /^searches: expected/);
  });
  it('bad input: no expectation key', () => {
    assert.throws(() => resolvconf.evaluate(view, { pod: 'testns/client' }, {}), (e: unknown) => e instanceof CheckArgumentError && e.field === 'expect');
  });
});
