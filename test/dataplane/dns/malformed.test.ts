/**
 * Malformed input (RFC 1035 §4.1, RFC 6891): truncated headers, bad label lengths, compression loops,
 * huge counts are answered FORMERR/NOTIMP or dropped — never a crash. A seeded fuzz run throws
 * thousands of mutated and random packets at the handler and at the real UDP socket.
 */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { describe, it } from 'node:test';
import dnsPacket from 'dns-packet';
import { DNSServer } from '../../../src/dataplane/dns/index.ts';
import { fixtureView } from '../../model/dns/fixture.ts';
import { decodeReply, encodeQuery, udpExchange } from './client.ts';
import { mutate, prng } from './fuzz.ts';

const server = new DNSServer({ listen: { host: '127.0.0.1', port: 0 }, view: () => fixtureView() });

function reply(msg: Buffer): Buffer | undefined {
  let out: Buffer | undefined;
  server.handle(msg, { ip: '127.0.0.1', transport: 'udp' }, (b) => (out = b));
  return out;
}

const header = (id: number, flags: number, qd: number, an = 0, ns = 0, ar = 0): Buffer => {
  const b = Buffer.alloc(12);
  [id, flags, qd, an, ns, ar].forEach((v, i) => b.writeUInt16BE(v, i * 2));
  return b;
};
const question = (wireName: number[], type = 1, klass = 1): Buffer => Buffer.from([...wireName, type >> 8, type & 0xff, klass >> 8, klass & 0xff]);
const name = (s: string): number[] => [...s.split('.').flatMap((l) => [l.length, ...Buffer.from(l)]), 0];

const rcodeOf = (b: Buffer): number => b.readUInt16BE(2) & 0xf;

describe('malformed queries', () => {
  const cases: { name: string; msg: Buffer; want: 'drop' | number }[] = [
    { name: 'shorter than a header: dropped', msg: Buffer.from([0x12, 0x34, 0x01, 0x00, 0x00]), want: 'drop' },
    { name: 'a response (QR set): dropped, never answered (no reflection loops)', msg: Buffer.concat([header(1, 0x8000, 1), question(name('svc1.testns.svc.cluster.local'))]), want: 'drop' },
    { name: 'opcode STATUS: NOTIMP', msg: Buffer.concat([header(2, 2 << 11, 1), question(name('a'))]), want: 4 },
    { name: 'no question: FORMERR', msg: header(3, 0x0100, 0), want: 1 },
    { name: 'two questions: FORMERR', msg: Buffer.concat([header(4, 0, 2), question(name('a')), question(name('b'))]), want: 1 },
    { name: 'label length past the end: FORMERR', msg: Buffer.concat([header(5, 0, 1), Buffer.from([63, 0x61, 0x62])]), want: 1 },
    { name: 'compression pointer to itself (loop): FORMERR', msg: Buffer.concat([header(6, 0, 1), question([0xc0, 0x0c])]), want: 1 },
    { name: 'forward compression pointer: FORMERR', msg: Buffer.concat([header(7, 0, 1), question([0xc0, 0x20]), Buffer.alloc(20)]), want: 1 },
    { name: 'reserved label type 0x40: FORMERR', msg: Buffer.concat([header(8, 0, 1), question([0x41, 0x61, 0])]), want: 1 },
    { name: 'huge answer count with no records: FORMERR', msg: Buffer.concat([header(9, 0, 1, 65535, 65535, 65535), question(name('a'))]), want: 1 },
    { name: 'question without type and class: FORMERR', msg: Buffer.concat([header(10, 0, 1), Buffer.from(name('svc1'))]), want: 1 },
    { name: 'name longer than 255 octets: FORMERR', msg: Buffer.concat([header(11, 0, 1), question(name(Array.from({ length: 5 }, () => 'x'.repeat(63)).join('.')))]), want: 1 },
    { name: 'class CHAOS: REFUSED', msg: Buffer.concat([header(12, 0, 1), question(name('version.bind'), 16, 3)]), want: 5 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const out = reply(c.msg);
      if (c.want === 'drop') return assert.equal(out, undefined);
      assert.ok(out, 'expected a reply');
      assert.equal(out.readUInt16BE(0), c.msg.readUInt16BE(0), 'ID echoed');
      assert.ok(out.readUInt16BE(2) & 0x8000, 'QR set');
      assert.equal(rcodeOf(out), c.want);
    });
  }
  it('two OPT records: FORMERR (RFC 6891 §6.1.1)', () => {
    const q = dnsPacket.encode({
      type: 'query', id: 13, questions: [{ type: 'A', name: 'svc1.testns.svc.cluster.local' }],
      additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 1232 } as dnsPacket.Answer, { type: 'OPT', name: '.', udpPayloadSize: 1232 } as dnsPacket.Answer],
    });
    assert.equal(rcodeOf(reply(q) as Buffer), 1);
  });
  it('EDNS version 1: BADVERS (extended rcode 1 in the OPT record)', () => {
    const q = dnsPacket.encode({ type: 'query', id: 14, questions: [{ type: 'A', name: 'svc1.testns.svc.cluster.local' }], additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 1232, ednsVersion: 1 } as dnsPacket.Answer] });
    const out = reply(q) as Buffer;
    const opt = decodeReply(out).packet.additionals?.find((a) => a.type === 'OPT') as { extendedRcode?: number } | undefined;
    assert.ok(opt);
    assert.equal(opt.extendedRcode, 1);
    assert.equal(decodeReply(out).answer.length, 0);
  });
});

describe('fuzz', () => {
  const seeds = [
    encodeQuery('svc1.testns.svc.cluster.local', 'A'),
    encodeQuery('_http._tcp.hdls1.testns.svc.cluster.local', 'SRV', { edns: 4096 }),
    encodeQuery('2.1.244.10.in-addr.arpa', 'PTR'),
    encodeQuery('external.testns.svc.cluster.local', 'A', { edns: 512 }),
  ];
  it('6,000 mutated and 2,000 random packets: every reply is a well-formed response that fits', () => {
    const rnd = prng(20240607);
    let answered = 0;
    for (let i = 0; i < 8000; i++) {
      const msg = i < 6000
        ? mutate(seeds[i % seeds.length], rnd)
        : Buffer.from(Array.from({ length: Math.floor(rnd() * 600) }, () => Math.floor(rnd() * 256)));
      let out: Buffer | undefined;
      assert.doesNotThrow(() => (out = reply(msg)), `input ${i}: ${msg.toString('hex')}`);
      if (!out) continue;
      answered++;
      assert.ok(out.length <= 4096, `input ${i}: reply of ${out.length} bytes`);
      assert.equal(out.readUInt16BE(0), msg.readUInt16BE(0), `input ${i}: ID`);
      assert.ok(out.readUInt16BE(2) & 0x8000, `input ${i}: QR`);
      assert.doesNotThrow(() => dnsPacket.decode(out as Buffer), `input ${i}: reply undecodable: ${msg.toString('hex')}`);
    }
    assert.ok(answered > 1000, `only ${answered} answered`);
  });
  it('2,000 malformed datagrams over real UDP, then the server still answers', async () => {
    await server.start();
    const sock = createSocket('udp4');
    try {
      const rnd = prng(7);
      const port = server.address.port;
      for (let i = 0; i < 2000; i++) {
        const msg = mutate(seeds[i % seeds.length], rnd);
        await new Promise<void>((resolve) => sock.send(msg, port, '127.0.0.1', () => resolve()));
      }
      assert.ok(server.stats.queries > 0);
      // The flood may have filled the socket's receive buffer (the kernel drops, as for any UDP server):
      // retry like a stub resolver does.
      let raw: Buffer | undefined;
      for (let attempt = 0; attempt < 3 && !raw; attempt++) raw = await udpExchange(port, encodeQuery('svc1.testns.svc.cluster.local', 'A'), 1000).catch(() => undefined);
      assert.ok(raw, 'no answer after the flood');
      assert.deepEqual(decodeReply(raw).answer.map((a) => a.data), ['10.96.0.101']);
    } finally {
      sock.close();
      await server.close();
    }
  });
});
