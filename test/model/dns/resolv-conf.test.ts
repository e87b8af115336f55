/**
 * Pod resolv.conf as kubelet's GetPodDNS builds it (pkg/kubelet/network/dns/dns.go): the base per
 * dnsPolicy, dnsConfig appended, limits applied. Node resolver in the fixture: 172.18.0.1, no search.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Pod, PodSpec } from '../../../src/api/types.ts';
import { defaultClusterConfig } from '../../../src/cluster/config.ts';
import { ClusterView } from '../../../src/cluster/view.ts';
import { parseResolvConf, podResolvConf, renderResolvConf, type ResolvConf } from '../../../src/model/dns/index.ts';
import { fixtureView, pod } from './fixture.ts';

const CLUSTER: ResolvConf = { nameservers: ['10.96.0.10'], searches: ['testns.svc.cluster.local', 'svc.cluster.local', 'cluster.local'], options: ['ndots:5'] };
const NODE: ResolvConf = { nameservers: ['172.18.0.1'], searches: [], options: [] };

const p = (spec: Partial<PodSpec>): Pod => pod('testns', 'x', '10.244.1.99', spec);

describe('podResolvConf: dnsPolicy', () => {
  const view = fixtureView();
  const cases: { name: string; spec: Partial<PodSpec>; want: ResolvConf; effective: string }[] = [
    { name: 'ClusterFirst (the API default): cluster DNS only, <ns>.svc, svc, zone, ndots:5', spec: {}, want: CLUSTER, effective: 'ClusterFirst' },
    { name: 'ClusterFirst on the host network falls back to Default', spec: { hostNetwork: true }, want: NODE, effective: 'Default' },
    { name: 'ClusterFirstWithHostNet on the host network uses the cluster DNS', spec: { hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' }, want: CLUSTER, effective: 'ClusterFirst' },
    { name: 'Default inherits the node resolv.conf', spec: { dnsPolicy: 'Default' }, want: NODE, effective: 'Default' },
    { name: 'None without dnsConfig is empty', spec: { dnsPolicy: 'None' }, want: { nameservers: [], searches: [], options: [] }, effective: 'None' },
    {
      name: 'None takes dnsConfig as is',
      spec: { dnsPolicy: 'None', dnsConfig: { nameservers: ['1.1.1.1'], searches: ['corp.example'], options: [{ name: 'ndots', value: '2' }] } },
      want: { nameservers: ['1.1.1.1'], searches: ['corp.example'], options: ['ndots:2'] }, effective: 'None',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = podResolvConf(p(c.spec), view);
      assert.deepEqual(r.conf, c.want);
      assert.equal(r.effectivePolicy, c.effective);
      assert.deepEqual(r.warnings, []);
    });
  }
});

describe('podResolvConf: dnsConfig merging', () => {
  const view = fixtureView();
  it('nameservers and searches are appended without duplicates; options merge by name, dnsConfig wins', () => {
    const r = podResolvConf(p({
      dnsConfig: {
        nameservers: ['10.96.0.10', '8.8.8.8'],
        searches: ['svc.cluster.local', 'corp.example'],
        options: [{ name: 'ndots', value: '2' }, { name: 'edns0' }],
      },
    }), view);
    assert.deepEqual(r.conf, {
      nameservers: ['10.96.0.10', '8.8.8.8'],
      searches: ['testns.svc.cluster.local', 'svc.cluster.local', 'cluster.local', 'corp.example'],
      options: ['ndots:2', 'edns0'],
    });
  });
  it('the host search list follows the cluster entries for ClusterFirst', () => {
    const r = podResolvConf(p({}), view, { nameservers: ['172.18.0.1'], searches: ['us-east1.internal', 'cluster.local'], options: ['timeout:1'] });
    assert.deepEqual(r.conf, { ...CLUSTER, searches: [...CLUSTER.searches, 'us-east1.internal'] });
  });
  it('dns.serviceIP and clusterDomain come from the ClusterConfig', () => {
    const config = defaultClusterConfig();
    config.clusterDomain = 'corp.internal';
    config.dns.serviceIP = '10.96.0.53';
    const r = podResolvConf(pod('web', 'x', '10.244.1.9'), new ClusterView([], config));
    assert.deepEqual(r.conf, { nameservers: ['10.96.0.53'], searches: ['web.svc.corp.internal', 'svc.corp.internal', 'corp.internal'], options: ['ndots:5'] });
  });
});

describe('podResolvConf: limits', () => {
  const view = fixtureView();
  it('at most 3 nameservers, with a DNSConfigForming warning', () => {
    const r = podResolvConf(p({ dnsPolicy: 'None', dnsConfig: { nameservers: ['1.1.1.1', '2.2.2.2', '3.3.3.3', '4.4.4.4'] } }), view);
    assert.deepEqual(r.conf.nameservers, ['1.1.1.1', '2.2.2.2', '3.3.3.3']);
    assert.match(r.warnings[0], /^Nameserver limits were exceeded.*: 1\.1\.1\.1 2\.2\.2\.2 3\.3\.3\.3$/);
  });
  it('at most 32 search domains (KEP-2595)', () => {
    const searches = Array.from({ length: 40 }, (_, i) => `d${i}.example`);
    const r = podResolvConf(p({ dnsPolicy: 'None', dnsConfig: { searches } }), view);
    assert.deepEqual(r.conf.searches, searches.slice(0, 32));
    assert.match(r.warnings[0], /^Search Line limits were exceeded/);
  });
  it('a search domain longer than 253 characters is dropped', () => {
    const long = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.example`; // 263 characters
    const r = podResolvConf(p({ dnsPolicy: 'None', dnsConfig: { searches: ['ok.example', long] } }), view);
    assert.deepEqual(r.conf.searches, ['ok.example']);
    assert.equal(r.warnings.length, 1);
  });
  it('the search line is cut from the end to 2048 characters', () => {
    const searches = Array.from({ length: 30 }, (_, i) => `${String(i).padStart(2, '0')}${'x'.repeat(90)}.example`);
    const r = podResolvConf(p({ dnsPolicy: 'None', dnsConfig: { searches } }), view);
    assert.ok(r.conf.searches.join(' ').length <= 2048);
    assert.deepEqual(r.conf.searches, searches.slice(0, r.conf.searches.length));
    assert.equal(r.conf.searches.length, 20); // 20 × 101 − 1 = 2019 fits, 21 would be 2120
  });
});

describe('resolv.conf text', () => {
  it('search, nameserver lines, options — as the runtime writes it', () => {
    assert.equal(renderResolvConf(CLUSTER), 'search testns.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n');
  });
  it('parses back: nameservers accumulate, the last search and options lines win, trailing dots dropped', () => {
    const conf = parseResolvConf('# c\nsearch a.example.\nnameserver 1.1.1.1\nsearch b.example c.example\nnameserver 2.2.2.2\noptions ndots:1\noptions ndots:3 edns0\n');
    assert.deepEqual(conf, { nameservers: ['1.1.1.1', '2.2.2.2'], searches: ['b.example', 'c.example'], options: ['ndots:3', 'edns0'] });
  });
});
