/**
 * The answer cache (src/dataplane/dns/answer-cache.ts): repeated queries answered from the raw bytes.
 * The rule it must keep is that a cached reply is byte for byte the reply the full decode → answer →
 * encode path gives for the same message, except for the ID, which comes from the new query
 * (RFC 1035 §4.1.1). The differential tests below check exactly that against a server with an empty
 * cache; the others pin what the DNS RFCs say a reply must echo (question as asked, RD, CD, DO) and
 * how big it may be (512 bytes without EDNS, the client's EDNS size otherwise, all of it over TCP).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import dnsPacket from 'dns-packet';
import type { KObject } from '../../../src/api/types.ts';
import { FileBackend } from '../../../src/cluster/file-backend.ts';
import { Store } from '../../../src/cluster/store.ts';
import { ClusterView } from '../../../src/cluster/view.ts';
import { AnswerCache, hashQuery } from '../../../src/dataplane/dns/answer-cache.ts';
import { DNSServer, StateWatcher } from '../../../src/dataplane/dns/index.ts';
import { ep, fixtureConfig, fixtureView, namespace, service, slice } from '../../model/dns/fixture.ts';
import { decodeReply, encodeQuery, tcpExchange, udpExchange, type QueryOptions } from './client.ts';

const LOOPBACK = { host: '127.0.0.1', port: 0 };
const RD = dnsPacket.RECURSION_DESIRED;
const CD = dnsPacket.CHECKING_DISABLED;
type Transport = 'udp' | 'tcp';

/** A headless Service `big` in testns with `n` ready endpoints 10.244.9.1… */
function bigService(n: number): KObject[] {
  const eps = Array.from({ length: n }, (_, i) => ep(`10.244.9.${i + 1}`));
  return [
    service('testns', 'big', { clusterIP: 'None', clusterIPs: ['None'], ports: [{ name: 'http', port: 80, protocol: 'TCP' }] }),
    slice('testns', 'big', 'big-x', 'IPv4', eps, [{ name: 'http', port: 80, protocol: 'TCP' }]),
  ];
}

function ask(server: DNSServer, msg: Buffer, transport: Transport = 'udp', ip = '127.0.0.1'): Buffer {
  let out: Buffer | undefined;
  server.handle(msg, { ip, transport }, (b) => (out = b));
  assert.ok(out, 'no reply');
  return out;
}

function withID(msg: Buffer, id: number): Buffer {
  const b = Buffer.from(msg);
  b.writeUInt16BE(id, 0);
  return b;
}

async function withServer<T>(view: () => ClusterView, fn: (server: DNSServer) => Promise<T>): Promise<T> {
  const server = new DNSServer({ listen: LOOPBACK, view });
  await server.start();
  try {
    return await fn(server);
  } finally {
    await server.close();
  }
}

describe('AnswerCache', () => {
  const q = encodeQuery('svc1.testns.svc.cluster.local', 'A', { id: 7 });
  const reply = Buffer.from([0, 7, 0x85, 0x00, 0, 1, 0, 1, 0, 0, 0, 0, 1, 2, 3]);

  it('a hit is the stored reply carrying the new query\'s ID (RFC 1035 §4.1.1)', () => {
    const c = new AnswerCache();
    c.set(q, reply);
    const hit = c.get(withID(q, 0xbeef));
    assert.ok(hit);
    assert.equal(hit.readUInt16BE(0), 0xbeef);
    assert.deepEqual(hit.subarray(2), reply.subarray(2));
  });

  it('a hit is a fresh copy: a reply handed out and changed does not change the next one', () => {
    const c = new AnswerCache();
    c.set(q, reply);
    const first = c.get(q) as Buffer;
    first.fill(0xff);
    assert.deepEqual(c.get(q), reply);
  });

  it('the stored reply is a copy: the caller may reuse its buffer', () => {
    const c = new AnswerCache();
    const mine = Buffer.from(reply);
    c.set(q, mine);
    mine.fill(0);
    assert.deepEqual(c.get(q), reply);
  });

  // Every field after the ID can change the reply (flags are echoed, the question is copied as asked,
  // the OPT record sets the size limit and the DO echo), so each difference must miss.
  const variants: [string, Buffer][] = [
    ['RD clear', encodeQuery('svc1.testns.svc.cluster.local', 'A', { id: 7, flags: 0 })],
    ['CD set', encodeQuery('svc1.testns.svc.cluster.local', 'A', { id: 7, flags: RD | CD })],
    ['other case in the question', encodeQuery('Svc1.testns.svc.cluster.local', 'A', { id: 7 })],
    ['other type', encodeQuery('svc1.testns.svc.cluster.local', 'AAAA', { id: 7 })],
    ['with EDNS', encodeQuery('svc1.testns.svc.cluster.local', 'A', { id: 7, edns: 1232 })],
    ['with EDNS and DO', encodeQuery('svc1.testns.svc.cluster.local', 'A', { id: 7, edns: 1232, dnssecOK: true })],
    ['other EDNS size', encodeQuery('svc1.testns.svc.cluster.local', 'A', { id: 7, edns: 4096 })],
  ];
  for (const [name, other] of variants) {
    it(`a query that differs after the ID misses: ${name}`, () => {
      const c = new AnswerCache();
      c.set(q, reply);
      assert.equal(c.get(other), undefined);
    });
  }
  it('each of those variants, stored, gets its own reply', () => {
    const c = new AnswerCache();
    c.set(q, reply);
    variants.forEach(([, v], i) => c.set(v, Buffer.from([0, 0, i])));
    assert.deepEqual(variants.map(([, v]) => c.get(v)?.[2]), variants.map((_, i) => i));
    assert.deepEqual(c.get(q), reply);
  });
  it('the variants really differ from the base query after the ID (and DO is in the OPT TTL field)', () => {
    for (const [name, v] of variants) assert.notDeepEqual(v.subarray(2), q.subarray(2), name);
    const withDO = variants[5][1];
    assert.equal(withDO.readUInt16BE(withDO.length - 4) & 0x8000, 0x8000);
  });

  it('queries whose hashes collide keep their own replies (the bytes are compared)', () => {
    const seen = new Map<number, Buffer>();
    let pair: [Buffer, Buffer] | undefined;
    for (let i = 0; i < 500_000 && !pair; i++) {
      const m = encodeQuery(`h${i}.testns.svc.cluster.local`, 'A');
      const h = hashQuery(m);
      const other = seen.get(h);
      if (other) pair = [other, m];
      else seen.set(h, m);
    }
    assert.ok(pair, 'no 30-bit collision among 500k names');
    const [a, b] = pair;
    const c = new AnswerCache();
    c.set(a, Buffer.from([0, 0, 1]));
    assert.equal(c.get(b), undefined);
    c.set(b, Buffer.from([0, 0, 2]));
    assert.deepEqual([c.get(a)?.[2], c.get(b)?.[2], c.size], [1, 2, 2]);
  });

  it('when full it starts over', () => {
    const c = new AnswerCache(2);
    const qs = ['a', 'b', 'c'].map((n) => encodeQuery(`${n}.testns.svc.cluster.local`, 'A'));
    for (const m of qs) c.set(m, reply);
    assert.equal(c.size, 1);
    assert.equal(c.get(qs[0]), undefined);
    assert.ok(c.get(qs[2]));
  });

  it('a message shorter than a header or longer than 512 bytes is not stored', () => {
    const c = new AnswerCache();
    const long = encodeQuery(`${'a'.repeat(60)}.${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(60)}.example`, 'A', { edns: 1232 });
    const padded = Buffer.concat([long, Buffer.alloc(520 - long.length)]);
    for (const m of [Buffer.alloc(11), padded]) {
      c.set(m, reply);
      assert.equal(c.get(m), undefined);
    }
    assert.equal(c.size, 0);
  });
});

describe('DNS server: a cached reply is the reply the full path gives, with the new ID', () => {
  const view = fixtureView({}, bigService(100));
  const cases: { name: string; qname: string; qtype: string; options?: QueryOptions; transport?: Transport }[] = [
    { name: 'ClusterIP A, no EDNS', qname: 'svc1.testns.svc.cluster.local', qtype: 'A' },
    { name: 'mixed case', qname: 'SVC1.TestNS.Svc.Cluster.Local', qtype: 'A' },
    { name: 'NXDOMAIN with the SOA', qname: 'svc0.testns.svc.cluster.local', qtype: 'A' },
    { name: 'NODATA (AAAA of a v4 Service)', qname: 'svc1.testns.svc.cluster.local', qtype: 'AAAA' },
    { name: 'SRV', qname: '_http._tcp.svc1.testns.svc.cluster.local', qtype: 'SRV' },
    { name: 'PTR', qname: '101.0.96.10.in-addr.arpa', qtype: 'PTR' },
    { name: 'external name from dns.upstream', qname: 'www.example.com', qtype: 'A' },
    { name: 'RD clear', qname: 'svc1.testns.svc.cluster.local', qtype: 'A', options: { flags: 0 } },
    { name: 'CD set', qname: 'svc1.testns.svc.cluster.local', qtype: 'A', options: { flags: RD | CD } },
    { name: 'EDNS 4096 with DO', qname: 'svc1.testns.svc.cluster.local', qtype: 'A', options: { edns: 4096, dnssecOK: true } },
    { name: '100 endpoints, no EDNS (TC)', qname: 'big.testns.svc.cluster.local', qtype: 'A' },
    { name: '100 endpoints, EDNS 512 (TC)', qname: 'big.testns.svc.cluster.local', qtype: 'A', options: { edns: 512 } },
    { name: '100 endpoints, EDNS 1232 (TC)', qname: 'big.testns.svc.cluster.local', qtype: 'A', options: { edns: 1232 } },
    { name: '100 endpoints, EDNS 4096', qname: 'big.testns.svc.cluster.local', qtype: 'A', options: { edns: 4096 } },
    { name: '100 endpoints over TCP', qname: 'big.testns.svc.cluster.local', qtype: 'A', transport: 'tcp' },
    { name: '100 endpoints SRV over TCP with EDNS', qname: '_http._tcp.big.testns.svc.cluster.local', qtype: 'SRV', options: { edns: 1232 }, transport: 'tcp' },
  ];
  const server = new DNSServer({ listen: LOOPBACK, view: () => view });
  for (const c of cases) {
    it(c.name, () => {
      const transport = c.transport ?? 'udp';
      const q = encodeQuery(c.qname, c.qtype, { ...c.options, id: 1 });
      const hits = server.stats.cacheHits;
      const first = ask(server, q, transport);
      const again = ask(server, withID(q, 2), transport);
      assert.equal(server.stats.cacheHits, hits + 1, 'the second query was answered from the cache');
      const reference = ask(new DNSServer({ listen: LOOPBACK, view: () => view }), withID(q, 2), transport);
      assert.deepEqual(again, reference);
      assert.deepEqual(first, withID(reference, 1));
    });
  }
});

describe('DNS server cache: what a reply echoes from its query', () => {
  const server = new DNSServer({ listen: LOOPBACK, view: () => fixtureView() });
  it('the question is copied as asked, case included, after the lower-case form was cached (RFC 4343 §4.1)', () => {
    ask(server, encodeQuery('svc1.testns.svc.cluster.local', 'A'));
    const mixed = 'sVc1.TESTNS.svc.Cluster.local';
    for (let i = 0; i < 2; i++) {
      const r = decodeReply(ask(server, encodeQuery(mixed, 'A', { id: 100 + i })));
      assert.equal(r.packet.id, 100 + i);
      assert.equal(r.packet.questions?.[0].name, mixed);
      assert.deepEqual(r.answer.map((a) => `${a.name} ${String(a.data)}`), [`${mixed}. 10.96.0.101`]);
    }
    assert.equal(decodeReply(ask(server, encodeQuery('svc1.testns.svc.cluster.local', 'A'))).packet.questions?.[0].name, 'svc1.testns.svc.cluster.local');
  });
  it('RD and CD are copied from each query (RFC 1035 §4.1.1, RFC 4035 §3.2.2)', () => {
    for (const flags of [0, RD, CD, RD | CD, 0, RD | CD]) {
      const r = ask(server, encodeQuery('svc1.testns.svc.cluster.local', 'A', { flags }));
      assert.equal(r.readUInt16BE(2) & (RD | CD), flags);
    }
  });
  it('DO is copied into the reply\'s OPT record (RFC 3225 §3)', () => {
    for (const dnssecOK of [true, false, true]) {
      const r = ask(server, encodeQuery('svc1.testns.svc.cluster.local', 'A', { edns: 1232, dnssecOK }));
      const opt = decodeReply(r).packet.additionals?.find((a) => a.type === 'OPT') as { flags?: number } | undefined;
      assert.equal(((opt?.flags ?? 0) & dnsPacket.DNSSEC_OK) !== 0, dnssecOK);
    }
  });
});

describe('DNS server cache: TC and EDNS sizes over the wire (RFC 1035 §4.2.1, RFC 6891 §6.2.5, RFC 7766 §5)', () => {
  // Reply to `big.testns.svc.cluster.local A`: 12-byte header + 34-byte question + 16 bytes per A record
  // (compressed owner) + 11 bytes of OPT when the query had one.
  const fit = (limit: number, opt: boolean): number => Math.floor((limit - 12 - 34 - (opt ? 11 : 0)) / 16);
  const table: { name: string; edns?: number; answers: number; tc: boolean }[] = [
    { name: 'no EDNS: 512 bytes', answers: fit(512, false), tc: true },
    { name: 'EDNS 512', edns: 512, answers: fit(512, true), tc: true },
    { name: 'EDNS 256 counts as 512', edns: 256, answers: fit(512, true), tc: true },
    { name: 'EDNS 1232', edns: 1232, answers: fit(1232, true), tc: true },
    { name: 'EDNS 4096: all 100', edns: 4096, answers: 100, tc: false },
  ];
  it('each size gets its own reply, the same when asked again; TCP gets everything', async () => {
    await withServer(() => fixtureView({}, bigService(100)), async (server) => {
      const port = server.address.port;
      for (const round of [0, 1]) {
        for (const t of table) {
          const raw = await udpExchange(port, encodeQuery('big.testns.svc.cluster.local', 'A', { ...(t.edns ? { edns: t.edns } : {}), id: 300 + round }));
          const r = decodeReply(raw);
          assert.deepEqual([r.answer.length, r.truncated, raw.readUInt16BE(0)], [t.answers, t.tc, 300 + round], `${t.name}, round ${round}`);
          assert.ok(raw.length <= Math.max(512, t.edns ?? 512));
        }
        // The truncated UDP reply is cached; the TCP retry of the same question is not cut.
        const [tcp] = await tcpExchange(port, [encodeQuery('big.testns.svc.cluster.local', 'A', { id: 400 + round })]);
        const r = decodeReply(tcp);
        assert.deepEqual([r.answer.length, r.truncated, tcp.readUInt16BE(0)], [100, false, 400 + round]);
      }
      assert.equal(server.stats.cacheHits, table.length + 1);
    });
  });
});

describe('DNS server cache: invalidated when the cluster changes', () => {
  it('a commit by another process (StateWatcher → refresh) replaces a cached answer and a cached NXDOMAIN', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'podnet-dnscache-'));
    try {
      const config = fixtureConfig();
      const api = (ip: string): KObject => service('testns', 'api', { clusterIP: ip, clusterIPs: [ip], ports: [{ name: 'http', port: 80, protocol: 'TCP' }] });
      new Store({ backend: new FileBackend(dir) }).commit({ puts: [namespace('testns'), api('10.96.0.160')], config });
      const load = (): ClusterView => new ClusterView(new Store({ backend: new FileBackend(dir) }).list(), config);
      await withServer(load, async (server) => {
        const watcher = new StateWatcher([join(dir, 'log.jsonl'), join(dir, 'snapshot.json')], () => server.refresh());
        const q = encodeQuery('api.testns.svc.cluster.local', 'A');
        const answer = async (): Promise<string> => {
          const r = decodeReply(await udpExchange(server.address.port, q));
          return r.rcode === 'NOERROR' ? r.answer.map((a) => String(a.data)).join(',') : r.rcode;
        };
        assert.deepEqual([await answer(), await answer()], ['10.96.0.160', '10.96.0.160']);
        assert.equal(server.stats.cacheHits, 1);
        new Store({ backend: new FileBackend(dir) }).commit({ deletes: ['Service/testns/api'] });
        assert.equal(watcher.check(), true);
        assert.deepEqual([await answer(), await answer()], ['NXDOMAIN', 'NXDOMAIN']);
        new Store({ backend: new FileBackend(dir) }).commit({ puts: [api('10.96.0.161')] });
        assert.equal(watcher.check(), true);
        assert.equal(await answer(), '10.96.0.161');
        assert.equal(server.stats.cacheHits, 2);
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('DNS server cache: answers that are not cached', () => {
  it('autopath answers depend on the client: the same bytes from a non-pod get no autopath', () => {
    const server = new DNSServer({ listen: LOOPBACK, view: () => fixtureView({ pods: 'verified', autopath: true }) });
    const q = encodeQuery('example.com.testns.svc.cluster.local', 'A', { edns: 4096 });
    const fromPod = decodeReply(ask(server, q, 'udp', '10.244.1.50'));
    assert.equal(fromPod.rcode, 'NOERROR');
    assert.equal(fromPod.answer[0]?.type, 'CNAME');
    assert.equal(decodeReply(ask(server, q, 'udp', '192.0.2.1')).rcode, 'NXDOMAIN');
    assert.equal(decodeReply(ask(server, q, 'udp', '10.244.1.50')).answer[0]?.type, 'CNAME');
    assert.equal(server.stats.cacheHits, 0);
  });
  it('a FORMERR (no question) is answered every time, never from the cache', () => {
    const server = new DNSServer({ listen: LOOPBACK, view: () => fixtureView() });
    const noQuestion = Buffer.from([0x12, 0x34, 0x01, 0x00, 0, 0, 0, 0, 0, 0, 0, 0]);
    for (let i = 0; i < 2; i++) assert.equal(decodeReply(ask(server, noQuestion)).rcode, 'FORMERR');
    assert.equal(server.stats.cacheHits, 0);
    assert.equal(server.stats.formErrors, 2);
  });
});
