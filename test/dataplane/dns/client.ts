/**
 * A small DNS client for tests: real queries with dns-packet over node:dgram (UDP) and node:net (TCP)
 * to 127.0.0.1, and the decoded reply in the model's record shape so the shared cases can check it.
 */
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import dnsPacket from 'dns-packet';
import { formatIP, parseIP } from '../../../src/api/cidr.ts';
import type { ResourceRecord } from '../../../src/model/dns/index.ts';
import type { ObservedResponse } from '../../model/dns/cases.ts';

export interface QueryOptions {
  /** EDNS UDP size; undefined sends no OPT record. */
  edns?: number;
  /** The DO bit in the OPT record (needs `edns`). */
  dnssecOK?: boolean;
  id?: number;
  /** Header flags; default RD only. */
  flags?: number;
}

export function encodeQuery(name: string, type: string, options: QueryOptions = {}): Buffer {
  return dnsPacket.encode({
    type: 'query', id: options.id ?? 4242, flags: options.flags ?? dnsPacket.RECURSION_DESIRED,
    questions: [{ name: name.replace(/\.$/, '') || '.', type: type as dnsPacket.RecordType, class: 'IN' }],
    ...(options.edns ? { additionals: [{ type: 'OPT', name: '.', udpPayloadSize: options.edns, ...(options.dnssecOK ? { flags: dnsPacket.DNSSEC_OK } : {}) } as dnsPacket.Answer] } : {}),
  });
}

export function udpExchange(port: number, msg: Buffer, timeoutMs = 2000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const sock = createSocket('udp4');
    const timer = setTimeout(() => {
      sock.close();
      reject(new Error('UDP query timed out'));
    }, timeoutMs);
    sock.on('message', (reply) => {
      clearTimeout(timer);
      sock.close();
      resolve(reply);
    });
    sock.send(msg, port, '127.0.0.1');
  });
}

/** Sends every message on one TCP connection (pipelined in one write) and collects as many replies. */
export function tcpExchange(port: number, msgs: Buffer[], timeoutMs = 2000): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1');
    const replies: Buffer[] = [];
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error('TCP query timed out'));
    }, timeoutMs);
    sock.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    sock.on('connect', () => {
      sock.write(Buffer.concat(msgs.map((m) => {
        const p = Buffer.alloc(2);
        p.writeUInt16BE(m.length, 0);
        return Buffer.concat([p, m]);
      })));
    });
    sock.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        replies.push(buf.subarray(2, 2 + buf.readUInt16BE(0)));
        buf = buf.subarray(2 + buf.readUInt16BE(0));
      }
      if (replies.length === msgs.length) {
        clearTimeout(timer);
        sock.end();
        resolve(replies);
      }
    });
  });
}

export interface DecodedReply extends ObservedResponse {
  packet: dnsPacket.Packet;
  truncated: boolean;
  recursionAvailable: boolean;
  hasOPT: boolean;
}

export function decodeReply(buf: Buffer): DecodedReply {
  const packet = dnsPacket.decode(buf);
  const flags = packet.flags ?? 0;
  const rr = (list: dnsPacket.Answer[] | undefined): ResourceRecord[] => (list ?? []).filter((a) => a.type !== 'OPT').map(toRecord);
  return {
    packet,
    rcode: (packet as { rcode?: string }).rcode ?? 'NOERROR',
    authoritative: (flags & dnsPacket.AUTHORITATIVE_ANSWER) !== 0,
    truncated: (flags & dnsPacket.TRUNCATED_RESPONSE) !== 0,
    recursionAvailable: (flags & dnsPacket.RECURSION_AVAILABLE) !== 0,
    hasOPT: (packet.additionals ?? []).some((a) => a.type === 'OPT'),
    answer: rr(packet.answers),
    authority: rr(packet.authorities),
    additional: rr(packet.additionals),
  };
}

const abs = (n: string): string => (n.endsWith('.') ? n : `${n}.`);

function toRecord(a: dnsPacket.Answer): ResourceRecord {
  const base = { name: abs(a.name), ttl: (a as { ttl?: number }).ttl ?? 0 };
  const data = (a as { data: unknown }).data;
  switch (a.type) {
    case 'A':
    case 'AAAA': {
      const ip = parseIP(data as string);
      return { ...base, type: a.type, data: ip ? formatIP(ip.family, ip.value) : String(data) };
    }
    case 'CNAME':
    case 'PTR':
    case 'NS':
      return { ...base, type: a.type, data: abs(data as string) };
    case 'SRV': {
      const d = data as dnsPacket.SrvAnswer['data'];
      return { ...base, type: 'SRV', data: { priority: d.priority ?? 0, weight: d.weight ?? 0, port: d.port, target: abs(d.target) } };
    }
    case 'TXT':
      return { ...base, type: 'TXT', data: (data as Buffer[]).map((b) => b.toString()) };
    case 'SOA': {
      const d = data as dnsPacket.SoaData;
      return { ...base, type: 'SOA', data: { mname: abs(d.mname), rname: abs(d.rname), serial: d.serial ?? 0, refresh: d.refresh ?? 0, retry: d.retry ?? 0, expire: d.expire ?? 0, minimum: d.minimum ?? 0 } };
    }
    case 'MX': {
      const d = data as { preference: number; exchange: string };
      return { ...base, type: 'MX', data: { preference: d.preference, exchange: abs(d.exchange) } };
    }
    default:
      throw new Error(`unexpected record type ${a.type} in a reply`);
  }
}
