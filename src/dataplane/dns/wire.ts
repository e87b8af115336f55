/**
 * DNS messages on the wire. Queries are decoded with dns-packet (which rejects forward and looping
 * compression pointers); answers are encoded here because dns-packet neither compresses names nor
 * encodes the rcode: compression keeps a headless answer under 512 bytes for ~29 endpoints instead of ~11.
 */
import dnsPacket from 'dns-packet';
import { parseIP } from '../../api/cidr.ts';
import { RCODE_VALUES, type DNSResponse, type Rcode, type ResourceRecord } from '../../model/dns/index.ts';

/** What the server advertises in its OPT record (DNS flag day 2020 size). */
export const SERVER_UDP_SIZE = 1232;
/** Without EDNS a UDP answer may not exceed this (RFC 1035). */
export const CLASSIC_UDP_SIZE = 512;
const HEADER = 12;
const TYPE_CODES: Record<string, number> = { A: 1, NS: 2, CNAME: 5, SOA: 6, PTR: 12, MX: 15, TXT: 16, AAAA: 28, SRV: 33, OPT: 41 };

export interface EDNS {
  udpSize: number;
  version: number;
  dnssecOK: boolean;
}

export interface ParsedQuery {
  id: number;
  opcode: number;
  /** RD and CD, echoed in the reply (miekg/dns SetReply). */
  rd: boolean;
  cd: boolean;
  name: string;
  /** Mnemonic (`A`, `SRV`) or `TYPE<n>`. */
  type: string;
  qclass: number;
  edns?: EDNS;
  /** The question section as received, echoed byte for byte (case included). */
  questionBytes: Buffer;
}

export type QueryParse =
  | { kind: 'query'; query: ParsedQuery }
  /** Answer FORMERR/NOTIMP with what could be read of the header. */
  | { kind: 'error'; id: number; opcode: number; rd: boolean; rcode: Rcode }
  /** Not worth an answer: shorter than a header, or itself a response. */
  | { kind: 'drop'; reason: string };

export function parseQuery(buf: Buffer): QueryParse {
  return parse(buf, true);
}

/** parseQuery with every message decoded by dns-packet: the reference the plain-query path is tested against. */
export function parseQueryDecoded(buf: Buffer): QueryParse {
  return parse(buf, false);
}

function parse(buf: Buffer, plainPath: boolean): QueryParse {
  if (buf.length < HEADER) return { kind: 'drop', reason: 'shorter than a DNS header' };
  const id = buf.readUInt16BE(0);
  const flags = buf.readUInt16BE(2);
  if (flags & 0x8000) return { kind: 'drop', reason: 'a response, not a query' };
  const opcode = (flags >> 11) & 0xf;
  const rd = (flags & 0x0100) !== 0;
  const fail = (rcode: Rcode): QueryParse => ({ kind: 'error', id, opcode, rd, rcode });
  if (opcode !== 0) return fail('NOTIMP');
  if (buf.readUInt16BE(4) !== 1) return fail('FORMERR');
  let decoded = plainPath ? readPlainQuery(buf) : undefined;
  if (decoded === undefined) {
    let packet: dnsPacket.Packet;
    try {
      packet = dnsPacket.decode(buf);
    } catch {
      return fail('FORMERR');
    }
    const q = packet.questions?.[0];
    if (!q || typeof q.name !== 'string') return fail('FORMERR');
    // The question ends where the encoded name plus type and class end: find it by walking labels.
    const qEnd = questionEnd(buf);
    if (qEnd === undefined) return fail('FORMERR');
    const opts = (packet.additionals ?? []).filter((a) => a.type === 'OPT') as dnsPacket.OptAnswer[];
    if (opts.length > 1) return fail('FORMERR');
    let edns: EDNS | undefined;
    if (opts.length === 1) {
      const o = opts[0] as dnsPacket.OptAnswer & { udpPayloadSize?: number; flags?: number; extendedRcode?: number; ednsVersion?: number; flag_do?: boolean };
      edns = { udpSize: o.udpPayloadSize ?? CLASSIC_UDP_SIZE, version: o.ednsVersion ?? 0, dnssecOK: o.flag_do === true };
    }
    decoded = { name: q.name, type: typeName(q.type as string), qEnd, edns };
  }
  const { name, type, qEnd, edns } = decoded;
  return {
    kind: 'query',
    query: {
      id, opcode, rd, cd: (flags & 0x0010) !== 0,
      name: name === '' ? '.' : `${name}.`,
      type,
      qclass: buf.readUInt16BE(qEnd - 2),
      ...(edns ? { edns } : {}),
      questionBytes: Buffer.from(buf.subarray(HEADER, qEnd)),
    },
  };
}

interface DecodedQuestion {
  /** The name as dns-packet gives it: labels joined by dots, `.` for the root. */
  name: string;
  type: string;
  /** Offset just past the question. */
  qEnd: number;
  edns: EDNS | undefined;
}

/**
 * The common query read straight from the bytes: one question with a plain (uncompressed) name, no
 * answer or authority records, and at most an OPT record with a root owner and no options. For those,
 * dns-packet would decode exactly this (same label text, same type mnemonic) and could not fail;
 * anything else returns undefined and goes through dns-packet.
 */
function readPlainQuery(buf: Buffer): DecodedQuestion | undefined {
  if (buf[6] !== 0 || buf[7] !== 0 || buf[8] !== 0 || buf[9] !== 0 || buf[10] !== 0 || buf[11] > 1) return undefined;
  const labels: string[] = [];
  let o = HEADER;
  let total = 0;
  for (;;) {
    if (o >= buf.length) return undefined;
    const len = buf[o++];
    if (len === 0) break;
    if (len & 0xc0) return undefined;
    if (o + len > buf.length) return undefined;
    total += len + 1;
    if (total > 254) return undefined;
    labels.push(labelText(buf, o, o + len));
    o += len;
  }
  const qEnd = o + 4;
  if (qEnd > buf.length) return undefined;
  let edns: EDNS | undefined;
  if (buf[11] === 1) {
    // Root owner (1), TYPE 41 (2), CLASS = UDP size (2), TTL = ext. rcode, version, DO + Z (4), RDLENGTH 0 (2).
    if (qEnd + 11 > buf.length || buf[qEnd] !== 0 || buf.readUInt16BE(qEnd + 1) !== 41 || buf.readUInt16BE(qEnd + 9) !== 0) return undefined;
    edns = { udpSize: buf.readUInt16BE(qEnd + 3), version: buf[qEnd + 6], dnssecOK: (buf[qEnd + 7] & 0x80) !== 0 };
  }
  return { name: labels.length === 0 ? '.' : labels.join('.'), type: qtypeName(buf.readUInt16BE(qEnd - 4)), qEnd, edns };
}

/** A label as dns-packet decodes it (UTF-8); ASCII, the usual case, without a native call. */
function labelText(buf: Buffer, start: number, end: number): string {
  let ascii = true;
  for (let i = start; i < end; i++) {
    if (buf[i] > 0x7f) {
      ascii = false;
      break;
    }
  }
  if (!ascii || end - start > 32) return buf.toString('utf8', start, end);
  let text = '';
  for (let i = start; i < end; i++) text += String.fromCharCode(buf[i]);
  return text;
}

const QTYPE_NAMES = new Map<number, string>();

/** The mnemonic dns-packet gives a type code (`TYPE<n>` when it has none), learnt from dns-packet once per code. */
function qtypeName(code: number): string {
  let name = QTYPE_NAMES.get(code);
  if (name === undefined) {
    const probe = Buffer.from([0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, code >> 8, code & 0xff, 0, 1]);
    name = typeName(String(dnsPacket.decode(probe).questions?.[0]?.type));
    QTYPE_NAMES.set(code, name);
  }
  return name;
}

function typeName(t: string): string {
  const m = /^UNKNOWN_(\d+)$/.exec(t);
  return m ? `TYPE${m[1]}` : t;
}

/** Offset just past the first question (uncompressed name + type + class), or undefined if malformed. */
function questionEnd(buf: Buffer): number | undefined {
  let o = HEADER;
  for (;;) {
    if (o >= buf.length) return undefined;
    const len = buf[o];
    if (len === 0) {
      o += 1;
      break;
    }
    if ((len & 0xc0) === 0xc0) {
      o += 2;
      break;
    }
    if (len & 0xc0) return undefined;
    o += 1 + len;
  }
  return o + 4 <= buf.length ? o + 4 : undefined;
}

export interface EncodeOptions {
  /** Largest message allowed (UDP: 512, or the client's EDNS size; TCP: 65535). */
  maxSize: number;
}

/**
 * Encodes `resp` as the reply to `q`. Records that do not fit `maxSize` are left out, and TC is set
 * when any was (miekg/dns `Truncate`, which CoreDNS uses): the client retries over TCP.
 */
export function encodeResponse(q: ParsedQuery, resp: DNSResponse, options: EncodeOptions): Buffer {
  const w = new Writer(Math.min(options.maxSize, 65535));
  const optSize = q.edns ? 11 : 0;
  w.u16(q.id);
  let flags = 0x8000 | (q.opcode << 11) | RCODE_VALUES[resp.rcode];
  if (resp.authoritative) flags |= 0x0400;
  if (q.rd) flags |= 0x0100;
  if (resp.recursionAvailable) flags |= 0x0080;
  if (q.cd) flags |= 0x0010;
  w.u16(flags);
  w.u16(1);
  w.u16(0);
  w.u16(0);
  w.u16(0);
  w.raw(q.questionBytes);
  // Later names may point into the question only when it was written plainly (no pointer, plain labels).
  if (nameWireLength(q.name) === q.questionBytes.length - 4) w.noteName(q.name, HEADER);
  const counts = [0, 0, 0];
  let truncated = false;
  const sections = [resp.answer, resp.authority, resp.additional];
  outer: for (let s = 0; s < 3; s++) {
    for (const rr of sections[s]) {
      const mark = w.mark();
      if (!w.rr(rr) || w.length + optSize > w.limit) {
        w.reset(mark);
        truncated = true;
        break outer;
      }
      counts[s]++;
    }
  }
  if (q.edns) {
    // OPT: root owner, class = our UDP size, TTL = extended rcode 0, version 0, DO echoed.
    w.u8(0);
    w.u16(TYPE_CODES.OPT);
    w.u16(SERVER_UDP_SIZE);
    w.u8(0);
    w.u8(0);
    w.u16(q.edns.dnssecOK ? 0x8000 : 0);
    w.u16(0);
  }
  const buf = w.finish();
  if (truncated) buf.writeUInt16BE(buf.readUInt16BE(2) | 0x0200, 2);
  buf.writeUInt16BE(counts[0], 6);
  buf.writeUInt16BE(counts[1], 8);
  buf.writeUInt16BE(counts[2] + (q.edns ? 1 : 0), 10);
  return buf;
}

/** A header-only error reply (FORMERR, NOTIMP, SERVFAIL) when there is no usable question. */
export function encodeHeaderError(id: number, opcode: number, rd: boolean, rcode: Rcode): Buffer {
  const buf = Buffer.alloc(HEADER);
  buf.writeUInt16BE(id, 0);
  buf.writeUInt16BE(0x8000 | (opcode << 11) | (rd ? 0x0100 : 0) | RCODE_VALUES[rcode], 2);
  return buf;
}

/** The largest UDP reply the client accepts: its EDNS size (at least 512), else 512. */
export function udpLimit(q: ParsedQuery): number {
  return q.edns ? Math.min(65535, Math.max(CLASSIC_UDP_SIZE, q.edns.udpSize)) : CLASSIC_UDP_SIZE;
}

/**
 * One scratch buffer for every reply: encoding is synchronous and not re-entrant, and `finish()` copies
 * the bytes out, so a reply costs one right-sized allocation instead of a zero-filled 1–64 KiB one.
 */
let scratch = Buffer.allocUnsafe(4096);

class Writer {
  private buf: Buffer;
  length = 0;
  /** Exact-case name suffix → offset, for compression pointers (only offsets < 0x4000 can be pointed at). */
  private names = new Map<string, number>();
  private added: string[] = [];

  constructor(readonly limit: number) {
    this.buf = scratch;
  }

  mark(): { length: number; added: number } {
    return { length: this.length, added: this.added.length };
  }

  reset(m: { length: number; added: number }): void {
    this.length = m.length;
    for (const key of this.added.splice(m.added)) this.names.delete(key);
  }

  private room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + n));
    this.buf.copy(next, 0, 0, this.length);
    this.buf = scratch = next;
  }

  u8(v: number): void {
    this.room(1);
    this.buf[this.length++] = v & 0xff;
  }

  u16(v: number): void {
    this.room(2);
    this.buf[this.length++] = (v >>> 8) & 0xff;
    this.buf[this.length++] = v & 0xff;
  }

  u32(v: number): void {
    this.room(4);
    this.buf.writeUInt32BE(v >>> 0, this.length);
    this.length += 4;
  }

  raw(b: Buffer): void {
    this.room(b.length);
    b.copy(this.buf, this.length);
    this.length += b.length;
  }

  /** Writes one label (length byte + bytes) whose UTF-8 length `n` was checked by `labelBytes`. */
  private label(text: string, n: number): void {
    this.room(1 + n);
    this.buf[this.length++] = n;
    if (n === text.length) for (let i = 0; i < n; i++) this.buf[this.length++] = text.charCodeAt(i);
    else this.length += this.buf.write(text, this.length, 'utf8');
  }

  /**
   * Records where a name already written (the question) starts, so later names can point at it.
   * Suffix keys are the name from each label on, without the final dot (`b.c` for `a.b.c.`).
   */
  noteName(name: string, offset: number): void {
    const text = stripDot(name);
    if (text === '') return;
    let o = offset;
    for (let start = 0; ;) {
      const dot = text.indexOf('.', start);
      const end = dot < 0 ? text.length : dot;
      const key = start === 0 ? text : text.slice(start);
      if (!this.names.has(key) && o < 0x4000) this.names.set(key, o);
      o += 1 + Buffer.byteLength(text.slice(start, end));
      if (dot < 0) break;
      start = dot + 1;
    }
  }

  name(name: string, compress: boolean): boolean {
    const text = stripDot(name);
    if (text !== '') {
      for (let start = 0; ;) {
        const key = start === 0 ? text : text.slice(start);
        const ptr = compress ? this.names.get(key) : undefined;
        if (ptr !== undefined) {
          this.u16(0xc000 | ptr);
          return true;
        }
        const dot = text.indexOf('.', start);
        const label = text.slice(start, dot < 0 ? text.length : dot);
        const n = labelBytes(label);
        if (n === 0 || n > 63) return false;
        if (compress && this.length < 0x4000 && !this.names.has(key)) {
          this.names.set(key, this.length);
          this.added.push(key);
        }
        this.label(label, n);
        if (dot < 0) break;
        start = dot + 1;
      }
    }
    this.u8(0);
    return true;
  }

  /** Writes one record; false when it cannot be encoded (bad name or data). */
  rr(rr: ResourceRecord): boolean {
    if (!this.name(rr.name, true)) return false;
    const code = TYPE_CODES[rr.type];
    this.u16(code);
    this.u16(1);
    this.u32(rr.ttl);
    const lenAt = this.length;
    this.u16(0);
    const start = this.length;
    switch (rr.type) {
      case 'A':
        if (!this.ipv4(rr.data)) return false;
        break;
      case 'AAAA': {
        const ip = parseIP(rr.data);
        if (!ip || ip.family !== 6) return false;
        for (let i = 15; i >= 0; i--) this.u8(Number((ip.value >> BigInt(i * 8)) & 0xffn));
        break;
      }
      case 'CNAME':
      case 'PTR':
      case 'NS':
        if (!this.name(rr.data, true)) return false;
        break;
      case 'SRV':
        this.u16(rr.data.priority);
        this.u16(rr.data.weight);
        this.u16(rr.data.port);
        // RFC 2782: the SRV target is never compressed.
        if (!this.name(rr.data.target, false)) return false;
        break;
      case 'MX':
        this.u16(rr.data.preference);
        if (!this.name(rr.data.exchange, true)) return false;
        break;
      case 'TXT':
        for (const s of rr.data) {
          const b = Buffer.from(s);
          for (let i = 0; i < b.length || i === 0; i += 255) {
            const chunk = b.subarray(i, i + 255);
            this.u8(chunk.length);
            this.raw(chunk);
            if (b.length === 0) break;
          }
        }
        break;
      case 'SOA':
        if (!this.name(rr.data.mname, true) || !this.name(rr.data.rname, true)) return false;
        this.u32(rr.data.serial);
        this.u32(rr.data.refresh);
        this.u32(rr.data.retry);
        this.u32(rr.data.expire);
        this.u32(rr.data.minimum);
        break;
    }
    this.buf.writeUInt16BE(this.length - start, lenAt);
    return true;
  }

  /**
   * The four bytes of an A record. Plain dotted decimal (what the model emits) is read here; anything
   * else goes through parseIP, which decides what counts as an IPv4 address.
   */
  private ipv4(text: string): boolean {
    const o = dottedQuad(text);
    if (o !== undefined) {
      this.u32(o);
      return true;
    }
    const ip = parseIP(text);
    if (!ip || ip.family !== 4) return false;
    this.u32(Number(ip.value));
    return true;
  }

  finish(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.length));
  }
}

/** `a.b.c.d` with each part 0–255 in decimal without leading zeros, as a 32-bit number; else undefined. */
function dottedQuad(text: string): number | undefined {
  let value = 0;
  let part = 0;
  let digits = 0;
  let parts = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 0x2e;
    if (c === 0x2e) {
      if (digits === 0 || parts === 4) return undefined;
      value = value * 256 + part;
      parts++;
      part = 0;
      digits = 0;
    } else if (c >= 0x30 && c <= 0x39) {
      if (digits > 0 && part === 0) return undefined; // leading zero
      part = part * 10 + (c - 0x30);
      if (++digits > 3 || part > 255) return undefined;
    } else {
      return undefined;
    }
  }
  return parts === 4 ? value : undefined;
}

/** UTF-8 length of a label; the same as its string length when it is ASCII (the usual case). */
function labelBytes(text: string): number {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return Buffer.byteLength(text);
  return text.length;
}

function stripDot(name: string): string {
  return name.endsWith('.') ? name.slice(0, -1) : name;
}

function nameWireLength(name: string): number {
  return splitName(name).reduce((n, l) => n + 1 + Buffer.byteLength(l), 1);
}

function splitName(name: string): string[] {
  const n = stripDot(name);
  return n === '' ? [] : n.split('.');
}
