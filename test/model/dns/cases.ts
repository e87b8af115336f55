/**
 * DNS cases in zone-file text, CoreDNS `test.Case` style, over the shared fixture (fixture.ts). Each
 * case is named for the behaviour it pins: the spec section (kubernetes/dns docs/specification.md,
 * schema 1.1.0) or the CoreDNS kubernetes-plugin rule. One suite, several executors: the model
 * (cluster-dns.test.ts) and the real UDP/TCP server (test/dataplane/dns/server.test.ts) run the same cases.
 */
import assert from 'node:assert/strict';
import type { ClusterConfig } from '../../../src/cluster/config.ts';
import { parseRecord, recordText, type Rcode, type ResourceRecord } from '../../../src/model/dns/index.ts';

export interface DNSCase {
  name: string;
  qname: string;
  qtype: string;
  rcode: Rcode;
  answer?: string[];
  ns?: string[];
  extra?: string[];
  /** AA flag; default true for names in the cluster zones, checked only when given. */
  authoritative?: boolean;
  /** Source IP of the query (autopath). */
  client?: string;
}

export interface DNSSuite {
  name: string;
  dns: Partial<ClusterConfig['dns']>;
  cases: DNSCase[];
}

export const SOA = 'cluster.local. 30 IN SOA ns.dns.cluster.local. hostmaster.cluster.local. 1 7200 1800 86400 30';
const nodata = (name: string, qname: string, qtype: string): DNSCase => ({ name, qname, qtype, rcode: 'NOERROR', ns: [SOA] });
const nxdomain = (name: string, qname: string, qtype: string): DNSCase => ({ name, qname, qtype, rcode: 'NXDOMAIN', ns: [SOA] });

/** kubeadm defaults: pods insecure, ttl 30. */
export const defaultCases: DNSCase[] = [
  // §2.3.1 ClusterIP Services
  { name: '§2.3.1 A for a ClusterIP Service', qname: 'svc1.testns.svc.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: ['svc1.testns.svc.cluster.local. 30 IN A 10.96.0.101'], authoritative: true },
  { name: '§2.3.1 the A record does not depend on endpoints', qname: 'svcempty.testns.svc.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: ['svcempty.testns.svc.cluster.local. 30 IN A 10.96.0.102'] },
  { name: '§2.1 matching is case-insensitive; the answer keeps the asked case', qname: 'SVC1.TestNS.svc.Cluster.Local.', qtype: 'A', rcode: 'NOERROR', answer: ['SVC1.TestNS.svc.Cluster.Local. 30 IN A 10.96.0.101'] },
  nodata('AAAA on an IPv4-only Service is NODATA, not NXDOMAIN (coredns#779)', 'svc1.testns.svc.cluster.local.', 'AAAA'),
  { name: '§2.3.1 AAAA for an IPv6 ClusterIP', qname: 'svc6.testns.svc.cluster.local.', qtype: 'AAAA', rcode: 'NOERROR', answer: ['svc6.testns.svc.cluster.local. 30 IN AAAA fd00:10:96::6'] },
  { name: '§2.3.1 dual-stack Service: A gives the IPv4 ClusterIP', qname: 'dual.testns.svc.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: ['dual.testns.svc.cluster.local. 30 IN A 10.96.0.103'] },
  { name: '§2.3.1 dual-stack Service: AAAA gives the IPv6 ClusterIP', qname: 'dual.testns.svc.cluster.local.', qtype: 'AAAA', rcode: 'NOERROR', answer: ['dual.testns.svc.cluster.local. 30 IN AAAA fd00:10:96::3'] },
  nxdomain('missing Service is NXDOMAIN', 'svc0.testns.svc.cluster.local.', 'A'),
  nxdomain('AAAA for a missing Service is NXDOMAIN', 'svc0.testns.svc.cluster.local.', 'AAAA'),
  nxdomain('Service name in another namespace is NXDOMAIN', 'svc1.podns.svc.cluster.local.', 'A'),
  nxdomain('missing namespace is NXDOMAIN', 'svc1.nons.svc.cluster.local.', 'A'),

  // §2.3.2 SRV
  {
    name: '§2.3.2 SRV for a named port of a ClusterIP Service, target A in additional',
    qname: '_http._tcp.svc1.testns.svc.cluster.local.', qtype: 'SRV', rcode: 'NOERROR',
    answer: ['_http._tcp.svc1.testns.svc.cluster.local. 30 IN SRV 0 100 80 svc1.testns.svc.cluster.local.'],
    extra: ['svc1.testns.svc.cluster.local. 30 IN A 10.96.0.101'],
  },
  {
    name: '§2.3.2 SRV for a UDP port among several',
    qname: '_dns._udp.multi.testns.svc.cluster.local.', qtype: 'SRV', rcode: 'NOERROR',
    answer: ['_dns._udp.multi.testns.svc.cluster.local. 30 IN SRV 0 100 53 multi.testns.svc.cluster.local.'],
    extra: ['multi.testns.svc.cluster.local. 30 IN A 10.96.0.104'],
  },
  nxdomain('SRV with the wrong protocol is NXDOMAIN', '_http._udp.svc1.testns.svc.cluster.local.', 'SRV'),
  nxdomain('SRV with an unknown port name is NXDOMAIN', '_grpc._tcp.svc1.testns.svc.cluster.local.', 'SRV'),
  {
    name: 'CoreDNS: SRV on a bare Service name gives one record per port, weights share 100 (3 → 33)',
    qname: 'multi.testns.svc.cluster.local.', qtype: 'SRV', rcode: 'NOERROR',
    answer: [
      'multi.testns.svc.cluster.local. 30 IN SRV 0 33 80 multi.testns.svc.cluster.local.',
      'multi.testns.svc.cluster.local. 30 IN SRV 0 33 53 multi.testns.svc.cluster.local.',
      'multi.testns.svc.cluster.local. 30 IN SRV 0 33 9090 multi.testns.svc.cluster.local.',
    ],
    extra: ['multi.testns.svc.cluster.local. 30 IN A 10.96.0.104'],
  },
  {
    name: 'CoreDNS: dual-stack SRV is one record (weight over both IPs) with A and AAAA in additional',
    qname: 'dual.testns.svc.cluster.local.', qtype: 'SRV', rcode: 'NOERROR',
    answer: ['dual.testns.svc.cluster.local. 30 IN SRV 0 50 80 dual.testns.svc.cluster.local.'],
    extra: ['dual.testns.svc.cluster.local. 30 IN A 10.96.0.103', 'dual.testns.svc.cluster.local. 30 IN AAAA fd00:10:96::3'],
  },

  // §2.4 headless Services
  {
    name: '§2.4.1 headless A: one record per ready IPv4 endpoint (not-ready left out)',
    qname: 'hdls1.testns.svc.cluster.local.', qtype: 'A', rcode: 'NOERROR',
    answer: ['10.244.1.2', '10.244.1.3', '10.244.1.4', '10.244.1.5'].map((ip) => `hdls1.testns.svc.cluster.local. 30 IN A ${ip}`),
  },
  {
    name: '§2.4.1 headless AAAA: one record per ready IPv6 endpoint',
    qname: 'hdls1.testns.svc.cluster.local.', qtype: 'AAAA', rcode: 'NOERROR',
    answer: ['hdls1.testns.svc.cluster.local. 30 IN AAAA fd00:244::1', 'hdls1.testns.svc.cluster.local. 30 IN AAAA fd00:244::2'],
  },
  nxdomain('§2.4.1 headless without ready endpoints is NXDOMAIN (kubernetes/dns#245)', 'hdlsdown.testns.svc.cluster.local.', 'A'),
  nxdomain('§2.4.2 headless SRV without ready endpoints is NXDOMAIN', '_http._tcp.hdlsdown.testns.svc.cluster.local.', 'SRV'),
  { name: 'publishNotReadyAddresses: a not-ready endpoint is answered', qname: 'peers.testns.svc.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: ['peers.testns.svc.cluster.local. 30 IN A 10.244.1.30'] },
  { name: 'publishNotReadyAddresses: the not-ready endpoint\'s hostname resolves', qname: 'peer-0.peers.testns.svc.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: ['peer-0.peers.testns.svc.cluster.local. 30 IN A 10.244.1.30'] },
  { name: 'headless Service without ports still has A records', qname: 'hdlsprtls.testns.svc.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: ['hdlsprtls.testns.svc.cluster.local. 30 IN A 10.244.1.20'] },
  nodata('headless Service without ports has no SRV: NODATA', 'hdlsprtls.testns.svc.cluster.local.', 'SRV'),
  { name: '§2.4.1 endpoint without hostname: CoreDNS dashed-IP name', qname: '10-244-1-2.hdls1.testns.svc.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: ['10-244-1-2.hdls1.testns.svc.cluster.local. 30 IN A 10.244.1.2'] },
  { name: 'IPv6 endpoint: dashed name with -- for ::', qname: 'fd00-244--1.hdls1.testns.svc.cluster.local.', qtype: 'AAAA', rcode: 'NOERROR', answer: ['fd00-244--1.hdls1.testns.svc.cluster.local. 30 IN AAAA fd00:244::1'] },
  {
    name: '§2.4.1 endpoints sharing a hostname: one record per IP',
    qname: 'dup-name.hdls1.testns.svc.cluster.local.', qtype: 'A', rcode: 'NOERROR',
    answer: ['dup-name.hdls1.testns.svc.cluster.local. 30 IN A 10.244.1.4', 'dup-name.hdls1.testns.svc.cluster.local. 30 IN A 10.244.1.5'],
  },
  { name: 'StatefulSet pod: <hostname>.<serviceName>.<ns>.svc', qname: 'web-0.web.testns.svc.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: ['web-0.web.testns.svc.cluster.local. 30 IN A 10.244.2.10'] },
  nxdomain('not-ready endpoint name is NXDOMAIN', '10-244-1-6.hdls1.testns.svc.cluster.local.', 'A'),
  nxdomain('unknown endpoint of a headless Service is NXDOMAIN', 'bogus.hdls1.testns.svc.cluster.local.', 'A'),
  { name: 'CoreDNS: endpoint names also resolve under a ClusterIP Service', qname: '10-244-1-10.svc1.testns.svc.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: ['10-244-1-10.svc1.testns.svc.cluster.local. 30 IN A 10.244.1.10'] },
  nxdomain('more labels than _port._proto.<svc> allows is NXDOMAIN', 'a.b.c.svc1.testns.svc.cluster.local.', 'A'),
  {
    name: '§2.4.2 headless SRV: one per ready endpoint × named port, EndpointSlice port, target <hostname>.<svc>; weight 100/6 → 16',
    qname: '_http._tcp.hdls1.testns.svc.cluster.local.', qtype: 'SRV', rcode: 'NOERROR',
    answer: ['10-244-1-2', '10-244-1-3', 'dup-name', 'fd00-244--1', 'fd00-244--2'].map((h) => `_http._tcp.hdls1.testns.svc.cluster.local. 30 IN SRV 0 16 8080 ${h}.hdls1.testns.svc.cluster.local.`),
    extra: [
      '10-244-1-2.hdls1.testns.svc.cluster.local. 30 IN A 10.244.1.2',
      '10-244-1-3.hdls1.testns.svc.cluster.local. 30 IN A 10.244.1.3',
      'dup-name.hdls1.testns.svc.cluster.local. 30 IN A 10.244.1.4',
      'dup-name.hdls1.testns.svc.cluster.local. 30 IN A 10.244.1.5',
      'fd00-244--1.hdls1.testns.svc.cluster.local. 30 IN AAAA fd00:244::1',
      'fd00-244--2.hdls1.testns.svc.cluster.local. 30 IN AAAA fd00:244::2',
    ],
  },
  {
    name: '§2.4.2 StatefulSet SRV targets are the pods\' stable names',
    qname: '_http._tcp.web.testns.svc.cluster.local.', qtype: 'SRV', rcode: 'NOERROR',
    answer: ['web-0', 'web-1'].map((h) => `_http._tcp.web.testns.svc.cluster.local. 30 IN SRV 0 50 80 ${h}.web.testns.svc.cluster.local.`),
    extra: ['web-0.web.testns.svc.cluster.local. 30 IN A 10.244.2.10', 'web-1.web.testns.svc.cluster.local. 30 IN A 10.244.2.11'],
  },

  // §2.3.3 / §2.4.3 PTR
  { name: '§2.3.3 PTR for a ClusterIP', qname: '101.0.96.10.in-addr.arpa.', qtype: 'PTR', rcode: 'NOERROR', answer: ['101.0.96.10.in-addr.arpa. 30 IN PTR svc1.testns.svc.cluster.local.'] },
  {
    name: '§2.3.3 PTR for an IPv6 ClusterIP (nibbles under ip6.arpa)',
    qname: '6.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.6.9.0.0.0.1.0.0.0.0.d.f.ip6.arpa.', qtype: 'PTR', rcode: 'NOERROR',
    answer: ['6.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.6.9.0.0.0.1.0.0.0.0.d.f.ip6.arpa. 30 IN PTR svc6.testns.svc.cluster.local.'],
  },
  { name: '§2.4.3 PTR for a headless endpoint with a hostname', qname: '4.1.244.10.in-addr.arpa.', qtype: 'PTR', rcode: 'NOERROR', answer: ['4.1.244.10.in-addr.arpa. 30 IN PTR dup-name.hdls1.testns.svc.cluster.local.'] },
  { name: '§2.4.3 PTR for a headless endpoint without hostname (system-assigned name)', qname: '2.1.244.10.in-addr.arpa.', qtype: 'PTR', rcode: 'NOERROR', answer: ['2.1.244.10.in-addr.arpa. 30 IN PTR 10-244-1-2.hdls1.testns.svc.cluster.local.'] },
  { name: 'CoreDNS: PTR for an endpoint of a ClusterIP Service', qname: '10.1.244.10.in-addr.arpa.', qtype: 'PTR', rcode: 'NOERROR', answer: ['10.1.244.10.in-addr.arpa. 30 IN PTR 10-244-1-10.svc1.testns.svc.cluster.local.'] },
  {
    name: 'CoreDNS: an endpoint of two Services has one PTR per Service',
    qname: '5.3.244.10.in-addr.arpa.', qtype: 'PTR', rcode: 'NOERROR',
    answer: ['5.3.244.10.in-addr.arpa. 30 IN PTR 10-244-3-5.front-a.testns.svc.cluster.local.', '5.3.244.10.in-addr.arpa. 30 IN PTR 10-244-3-5.front-b.testns.svc.cluster.local.'],
  },
  { name: 'unknown reverse name falls through to the upstream resolver: NXDOMAIN, not authoritative', qname: '9.9.9.10.in-addr.arpa.', qtype: 'PTR', rcode: 'NXDOMAIN', authoritative: false },
  { name: 'not-ready endpoint has no PTR (falls through, NXDOMAIN)', qname: '6.1.244.10.in-addr.arpa.', qtype: 'PTR', rcode: 'NXDOMAIN', authoritative: false },
  nodata('PTR asked for a forward name of an existing Service is NODATA', 'svc1.testns.svc.cluster.local.', 'PTR'),

  // §2.5 ExternalName
  { name: '§2.5 ExternalName: CNAME', qname: 'external.testns.svc.cluster.local.', qtype: 'CNAME', rcode: 'NOERROR', answer: ['external.testns.svc.cluster.local. 30 IN CNAME ext.example.com.'] },
  {
    name: '§2.5 ExternalName: A returns the CNAME, then the target\'s records from upstream',
    qname: 'external.testns.svc.cluster.local.', qtype: 'A', rcode: 'NOERROR',
    answer: ['external.testns.svc.cluster.local. 30 IN CNAME ext.example.com.', 'ext.example.com. 120 IN A 93.184.216.35'],
  },
  {
    name: 'ExternalName pointing into the cluster zone is chased inside the zone',
    qname: 'external-to-service.testns.svc.cluster.local.', qtype: 'A', rcode: 'NOERROR',
    answer: ['external-to-service.testns.svc.cluster.local. 30 IN CNAME svc1.testns.svc.cluster.local.', 'svc1.testns.svc.cluster.local. 30 IN A 10.96.0.101'],
  },
  nxdomain('ExternalName whose value is an IP is NXDOMAIN (only host names become CNAMEs)', 'extip.testns.svc.cluster.local.', 'A'),
  nxdomain('a name below an ExternalName is NXDOMAIN', 'endpoint.external.testns.svc.cluster.local.', 'CNAME'),
  nodata('SRV on an ExternalName Service is NODATA', 'external.testns.svc.cluster.local.', 'SRV'),

  // §2.2 schema version
  { name: '§2.2 dns-version TXT', qname: 'dns-version.cluster.local.', qtype: 'TXT', rcode: 'NOERROR', answer: ['dns-version.cluster.local. 28800 IN TXT "1.1.0"'] },
  nxdomain('CoreDNS quirk: dns-version A is NXDOMAIN', 'dns-version.cluster.local.', 'A'),
  nodata('TXT on an existing Service is NODATA (coredns#5736)', 'svc1.testns.svc.cluster.local.', 'TXT'),
  nxdomain('TXT on a missing name is NXDOMAIN', 'svc0.nons.svc.cluster.local.', 'TXT'),

  // Empty non-terminals and the apex (coredns#1228)
  nodata('<ns>.svc.<zone> for an existing namespace is NODATA', 'testns.svc.cluster.local.', 'A'),
  nxdomain('<ns>.svc.<zone> for a missing namespace is NXDOMAIN', 'nons.svc.cluster.local.', 'A'),
  nodata('svc.<zone> is NODATA', 'svc.cluster.local.', 'A'),
  nodata('pod.<zone> is NODATA', 'pod.cluster.local.', 'A'),
  nodata('zone apex A is NODATA', 'cluster.local.', 'A'),
  nxdomain('second label neither svc nor pod is NXDOMAIN', 'foo.cluster.local.', 'A'),
  nxdomain('wildcard labels are not supported since CoreDNS 1.9 (NXDOMAIN)', '*.testns.svc.cluster.local.', 'A'),
  nxdomain('"any" is only a Service name now (NXDOMAIN)', 'any.testns.svc.cluster.local.', 'A'),
  { name: 'zone apex SOA', qname: 'cluster.local.', qtype: 'SOA', rcode: 'NOERROR', answer: [SOA] },
  nodata('SOA below the apex is NODATA', 'svc1.testns.svc.cluster.local.', 'SOA'),
  {
    name: 'zone apex NS: the kube-dns Service, its ClusterIP in additional',
    qname: 'cluster.local.', qtype: 'NS', rcode: 'NOERROR',
    answer: ['cluster.local. 30 IN NS kube-dns.kube-system.svc.cluster.local.'],
    extra: ['kube-dns.kube-system.svc.cluster.local. 30 IN A 10.96.0.10'],
  },
  nodata('NS below the apex for an existing name is NODATA', 'testns.svc.cluster.local.', 'NS'),
  nxdomain('NS below the apex for a missing name is NXDOMAIN', 'foo.svc.cluster.local.', 'NS'),
  { name: 'ns.dns.<zone> A is the DNS Service IP', qname: 'ns.dns.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: ['ns.dns.cluster.local. 30 IN A 10.96.0.10'] },
  { name: 'zone transfer is REFUSED', qname: 'cluster.local.', qtype: 'AXFR', rcode: 'REFUSED' },
  nodata('other types on an existing name are NODATA (MX)', 'svc1.testns.svc.cluster.local.', 'MX'),
  nodata('other types on an existing name are NODATA (HINFO)', 'svc1.testns.svc.cluster.local.', 'HINFO'),
  nxdomain('other types on a missing name are NXDOMAIN', 'svc0.testns.svc.cluster.local.', 'CAA'),

  // Pod records, pods insecure
  { name: 'pods insecure: a-b-c-d.<ns>.pod answers the IP', qname: '10-244-5-1.podns.pod.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: ['10-244-5-1.podns.pod.cluster.local. 30 IN A 10.244.5.1'] },
  { name: 'pods insecure: any IP-shaped label answers, pod or not', qname: '1-2-3-4.podns.pod.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: ['1-2-3-4.podns.pod.cluster.local. 30 IN A 1.2.3.4'] },
  nodata('pods insecure: AAAA for an IPv4 pod label is NODATA', '10-244-5-1.podns.pod.cluster.local.', 'AAAA'),
  nxdomain('pods insecure: a label that is not an IP is NXDOMAIN', 'blah.podns.pod.cluster.local.', 'A'),
  nxdomain('pods insecure: a missing namespace is NXDOMAIN', '10-244-5-1.nons.pod.cluster.local.', 'A'),
  nodata('<ns>.pod.<zone> is NODATA', 'podns.pod.cluster.local.', 'A'),

  // Outside the cluster: forward to the upstream resolver
  { name: 'external name: forwarded, answered by upstream (not authoritative)', qname: 'example.com.', qtype: 'A', rcode: 'NOERROR', answer: ['example.com. 300 IN A 93.184.216.34'], authoritative: false },
  {
    name: 'external CNAME chain is followed by the recursor',
    qname: 'www.example.com.', qtype: 'A', rcode: 'NOERROR', authoritative: false,
    answer: ['www.example.com. 300 IN CNAME example.com.', 'example.com. 300 IN A 93.184.216.34'],
  },
  {
    name: 'external NXDOMAIN carries the upstream zone\'s SOA',
    qname: 'nope.example.com.', qtype: 'A', rcode: 'NXDOMAIN', authoritative: false,
    ns: ['example.com. 300 IN SOA ns.icann.org. noc.dns.icann.org. 2024 7200 3600 1209600 3600'],
  },
  { name: 'anything the upstream does not know is NXDOMAIN', qname: 'unknown.test.', qtype: 'A', rcode: 'NXDOMAIN', authoritative: false },
];

export const suites: DNSSuite[] = [
  { name: 'kubeadm defaults (pods insecure, ttl 30)', dns: {}, cases: defaultCases },
  {
    name: 'pods verified',
    dns: { pods: 'verified' },
    cases: [
      { name: 'pods verified: a pod with that IP in that namespace', qname: '10-244-5-1.podns.pod.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: ['10-244-5-1.podns.pod.cluster.local. 30 IN A 10.244.5.1'] },
      nxdomain('pods verified: no pod has the IP', '1-2-3-4.podns.pod.cluster.local.', 'A'),
      nxdomain('pods verified: the pod lives in another namespace', '10-244-5-1.testns.pod.cluster.local.', 'A'),
    ],
  },
  {
    name: 'pods disabled',
    dns: { pods: 'disabled' },
    cases: [nxdomain('pods disabled: pod names are NXDOMAIN', '10-244-5-1.podns.pod.cluster.local.', 'A')],
  },
  {
    name: 'ttl 5',
    dns: { ttl: 5 },
    cases: [
      { name: 'ttl applies to records', qname: 'svc1.testns.svc.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: ['svc1.testns.svc.cluster.local. 5 IN A 10.96.0.101'] },
      { name: 'ttl is the SOA minimum (negative caching)', qname: 'svc0.testns.svc.cluster.local.', qtype: 'A', rcode: 'NXDOMAIN', ns: ['cluster.local. 5 IN SOA ns.dns.cluster.local. hostmaster.cluster.local. 1 7200 1800 86400 5'] },
    ],
  },
  {
    name: 'endpoint_pod_names',
    dns: { endpointPodNames: true },
    cases: [
      { name: 'endpoint_pod_names: an endpoint without hostname is named after its pod', qname: 'front-7d9f.front-a.testns.svc.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: ['front-7d9f.front-a.testns.svc.cluster.local. 30 IN A 10.244.3.5'] },
      { name: 'endpoint_pod_names: a hostname still wins', qname: 'web-0.web.testns.svc.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: ['web-0.web.testns.svc.cluster.local. 30 IN A 10.244.2.10'] },
      {
        name: 'endpoint_pod_names: PTR uses the pod name',
        qname: '5.3.244.10.in-addr.arpa.', qtype: 'PTR', rcode: 'NOERROR',
        answer: ['5.3.244.10.in-addr.arpa. 30 IN PTR front-7d9f.front-a.testns.svc.cluster.local.', '5.3.244.10.in-addr.arpa. 30 IN PTR front-7d9f.front-b.testns.svc.cluster.local.'],
      },
    ],
  },
  {
    name: 'autopath @kubernetes (pods verified)',
    dns: { pods: 'verified', autopath: true },
    cases: [
      {
        name: 'autopath: an external name asked with the first search suffix gets a CNAME to the name that answered',
        qname: 'example.com.testns.svc.cluster.local.', qtype: 'A', rcode: 'NOERROR', client: '10.244.1.50',
        answer: ['example.com.testns.svc.cluster.local. 300 IN CNAME example.com.', 'example.com. 300 IN A 93.184.216.34'],
      },
      {
        name: 'autopath: a Service in another namespace found via svc.<zone>',
        qname: 'backend.prod.testns.svc.cluster.local.', qtype: 'A', rcode: 'NOERROR', client: '10.244.1.50',
        answer: ['backend.prod.testns.svc.cluster.local. 30 IN CNAME backend.prod.svc.cluster.local.', 'backend.prod.svc.cluster.local. 30 IN A 10.96.0.107'],
      },
      { name: 'autopath: the first candidate answering needs no CNAME', qname: 'svc1.testns.svc.cluster.local.', qtype: 'A', rcode: 'NOERROR', client: '10.244.1.50', answer: ['svc1.testns.svc.cluster.local. 30 IN A 10.96.0.101'] },
      { ...nxdomain('autopath fails open: all candidates NXDOMAIN → the first reply (coredns#1752)', 'nope.testns.svc.cluster.local.', 'A'), client: '10.244.1.50' },
      { ...nxdomain('autopath: a client that is no pod gets no autopath', 'example.com.testns.svc.cluster.local.', 'A'), client: '192.0.2.1' },
    ],
  },
  {
    name: 'autopath without pods verified',
    dns: { autopath: true },
    cases: [{ ...nxdomain('autopath needs pods verified: otherwise the query is answered as asked', 'example.com.testns.svc.cluster.local.', 'A'), client: '10.244.1.50' }],
  },
];

function normalise(lines: readonly string[]): string[] {
  return lines.map((l) => canonical(parseRecord(l))).sort();
}

function canonical(rr: ResourceRecord): string {
  return recordText({ ...rr, name: rr.name.toLowerCase() } as ResourceRecord).replace(/\t/g, ' ');
}

export interface ObservedResponse {
  rcode: string;
  authoritative?: boolean;
  answer: ResourceRecord[];
  authority: ResourceRecord[];
  additional: ResourceRecord[];
}

/** CoreDNS `test.CNAMEOrder` + `test.SortAndCheck`: CNAMEs precede their targets' records; sections compare as sets. */
export function checkCase(got: ObservedResponse, c: DNSCase): void {
  const where = `${c.name}: ${c.qname} ${c.qtype}`;
  assert.equal(got.rcode, c.rcode, `${where}: rcode`);
  if (c.authoritative !== undefined) assert.equal(got.authoritative, c.authoritative, `${where}: AA flag`);
  assert.deepEqual(got.answer.map(canonical).sort(), normalise(c.answer ?? []), `${where}: answer section`);
  assert.deepEqual(got.authority.map(canonical).sort(), normalise(c.ns ?? []), `${where}: authority section`);
  assert.deepEqual(got.additional.map(canonical).sort(), normalise(c.extra ?? []), `${where}: additional section`);
  const seen = new Set<string>();
  for (const rr of got.answer) {
    const owner = rr.name.toLowerCase();
    if (rr.type === 'CNAME') {
      assert.ok(!seen.has(rr.data.toLowerCase()), `${where}: CNAME ${rr.name} comes after records of its target`);
    }
    seen.add(owner);
  }
}
