/**
 * The encoder and the model's size estimate (wireFit) agree byte for byte on every shared case, and on
 * where a 512-byte UDP answer is cut; the encoder's output decodes with dns-packet to the same records.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeResponse, parseQuery, parseQueryDecoded } from '../../../src/dataplane/dns/index.ts';
import { ClusterDNS, wireFit } from '../../../src/model/dns/index.ts';
import { suites } from '../../model/dns/cases.ts';
import { ep, fixtureView, service, slice } from '../../model/dns/fixture.ts';
import { decodeReply, encodeQuery } from './client.ts';
import { mutate, prng } from './fuzz.ts';

const big = (n: number) => [
  service('testns', 'big', { clusterIP: 'None', clusterIPs: ['None'], ports: [{ name: 'http', port: 80, protocol: 'TCP' }] }),
  slice('testns', 'big', 'big-x', 'IPv4', Array.from({ length: n }, (_, i) => ep(`10.244.9.${i + 1}`)), [{ name: 'http', port: 80, protocol: 'TCP' }]),
];

describe('wire: encoder vs wireFit', () => {
  const dns = new ClusterDNS(fixtureView({}, big(40)));
  const questions = [...suites[0].cases.map((c) => [c.qname, c.qtype]), ['big.testns.svc.cluster.local.', 'A'], ['_http._tcp.big.testns.svc.cluster.local.', 'SRV']];
  for (const [qname, qtype] of questions) {
    for (const edns of [undefined, 4096]) {
      it(`${qname} ${qtype}${edns ? ' +edns' : ''}`, () => {
        const parsed = parseQuery(encodeQuery(qname, qtype, { edns }));
        assert.equal(parsed.kind, 'query');
        if (parsed.kind !== 'query') return;
        const resp = dns.answer({ name: parsed.query.name, type: parsed.query.type });
        const full = encodeResponse(parsed.query, resp, { maxSize: 65535 });
        const fit = wireFit(parsed.query.name, resp, 512, edns !== undefined);
        assert.equal(fit.size, full.length, 'size');
        const cut = encodeResponse(parsed.query, resp, { maxSize: 512 });
        const d = decodeReply(cut);
        assert.equal(d.truncated, fit.truncated, 'TC');
        assert.equal(d.answer.length + d.authority.length + d.additional.length, fit.fitting, 'records that fit');
        assert.ok(cut.length <= 512);
        if (!fit.truncated) assert.equal(d.answer.length, resp.answer.length, 'every answer record present');
        if (qname.startsWith('big.') && !edns) assert.equal(fit.truncated, true, '40 A records do not fit 512 bytes');
      });
    }
  }
});

describe('wire: the plain-query path reads what dns-packet decodes', () => {
  // parseQuery reads common queries straight from the bytes; parseQueryDecoded always uses dns-packet.
  // Both must give the same result (query, FORMERR/NOTIMP, or drop) for every input.
  const q = (name: string, type = 'A', options: Parameters<typeof encodeQuery>[2] = {}) => encodeQuery(name, type, options);
  const withBytes = (m: Buffer, at: number, bytes: number[]): Buffer => {
    const b = Buffer.from(m);
    b.set(bytes, at);
    return b;
  };
  const opt = (m: Buffer, rdata: number[], owner: number[] = [0], version = 0, arcount = 1): Buffer => {
    const b = Buffer.concat([m, Buffer.from([...owner, 0, 41, 0x10, 0, 0, version, 0x80, 0, rdata.length >> 8, rdata.length & 0xff, ...rdata])]);
    b.writeUInt16BE(arcount, 10);
    return b;
  };
  const plain = q('svc1.testns.svc.cluster.local');
  const seeds: [string, Buffer][] = [
    ['plain A', plain],
    ['mixed case', q('Svc1.TESTNS.svc.Cluster.Local')],
    ['SRV with EDNS 4096', q('_http._tcp.hdls1.testns.svc.cluster.local', 'SRV', { edns: 4096 })],
    ['EDNS with DO', q('svc1.testns.svc.cluster.local', 'A', { edns: 1232, dnssecOK: true })],
    ['PTR', q('101.0.96.10.in-addr.arpa', 'PTR')],
    ['root name', Buffer.from([0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 1])],
    ['unknown type 65280', withBytes(plain, plain.length - 4, [0xff, 0x00])],
    ['type 0', withBytes(plain, plain.length - 4, [0, 0])],
    ['class CH', withBytes(plain, plain.length - 2, [0, 3])],
    ['class with the QU bit', withBytes(plain, plain.length - 2, [0x80, 1])],
    ['a dot inside a label', withBytes(q('abc.testns.svc.cluster.local'), 14, [0x2e])],
    ['UTF-8 label', q('bücher.testns.svc.cluster.local')],
    ['bytes that are not UTF-8', withBytes(plain, 13, [0xff, 0xfe])],
    ['63-byte label', q(`${'a'.repeat(63)}.testns.svc.cluster.local`)],
    ['name of 253 characters', q(`${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`)],
    ['name longer than 254 wire bytes', Buffer.concat([Buffer.from([0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]), ...Array.from({ length: 5 }, () => Buffer.from([50, ...Buffer.alloc(50, 0x61)])), Buffer.from([0, 0, 1, 0, 1])])],
    ['compressed question name', Buffer.from([0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 0x0c, 0, 1, 0, 1])],
    ['EDNS version 1', opt(plain, [], [0], 1)],
    ['EDNS with a cookie option', opt(plain, [0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8])],
    ['EDNS with a client-subnet option', opt(plain, [0, 8, 0, 7, 0, 1, 24, 0, 10, 1, 2])],
    ['EDNS option longer than the record', opt(plain, [0, 10, 0, 40, 1])],
    ['OPT with a non-root owner', opt(plain, [], [1, 0x61, 0])],
    ['OPT cut short', opt(plain, []).subarray(0, plain.length + 9)],
    ['two OPT records', (() => { const one = opt(plain, []); const two = Buffer.concat([one, one.subarray(plain.length)]); two.writeUInt16BE(2, 10); return two; })()],
    ['arcount 1 but no record', withBytes(plain, 10, [0, 1])],
    ['an answer record in the query', (() => { const b = Buffer.concat([plain, Buffer.from([0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 30, 0, 4, 10, 0, 0, 1])]); b.writeUInt16BE(1, 6); return b; })()],
    ['trailing bytes', Buffer.concat([plain, Buffer.from([1, 2, 3])])],
    ['question cut in the type', plain.subarray(0, plain.length - 3)],
    ['question cut in the name', plain.subarray(0, 20)],
    ['label type 0x40', withBytes(plain, 12, [0x44])],
  ];
  for (const [name, msg] of seeds) {
    it(name, () => {
      assert.deepEqual(parseQuery(msg), parseQueryDecoded(msg), msg.toString('hex'));
    });
  }
  it('20,000 mutations of those: the same result every time', () => {
    const rnd = prng(5301);
    for (let i = 0; i < 20000; i++) {
      const msg = mutate(seeds[i % seeds.length][1], rnd);
      assert.deepEqual(parseQuery(msg), parseQueryDecoded(msg), `input ${i}: ${msg.toString('hex')}`);
    }
  });
});
