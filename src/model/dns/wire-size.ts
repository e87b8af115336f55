/**
 * How many bytes a response takes on the wire with name compression (RFC 1035 §4.1.4), and how many
 * records fit a UDP limit — so the model can say whether a 512-byte answer is truncated (TC) without
 * encoding it. The dataplane encoder compresses the same way; a test holds the two to the same sizes.
 */
import type { DNSResponse } from './message.ts';
import type { ResourceRecord } from './records.ts';

const HEADER = 12;
const OPT = 11;

export interface WireFit {
  /** Size of the full message. */
  size: number;
  /** Records (answer, authority, additional in order) that fit the limit. */
  fitting: number;
  truncated: boolean;
}

/** Size of `response` to question `qname`, and what fits `limit` bytes (records are dropped from the end). */
export function wireFit(qname: string, response: DNSResponse, limit: number, edns = false): WireFit {
  const names = new Map<string, number>();
  let length = HEADER;
  const labels = (n: string): string[] => (n === '.' || n === '' ? [] : (n.endsWith('.') ? n.slice(0, -1) : n).split('.'));
  const utf8 = (s: string): number => new TextEncoder().encode(s).length;
  const nameSize = (n: string, compress: boolean, record: boolean): number => {
    const ls = labels(n);
    let size = 0;
    for (let i = 0; i < ls.length; i++) {
      const key = ls.slice(i).join('.');
      if (compress && names.has(key)) return size + 2;
      if (compress && record && length + size < 0x4000) names.set(key, length + size);
      size += 1 + utf8(ls[i]);
    }
    return size + 1;
  };
  length += nameSize(qname, true, true) + 4;
  const rrSize = (rr: ResourceRecord): number => {
    let size = nameSize(rr.name, true, true) + 10;
    const at = (n: number): number => length + size + n;
    switch (rr.type) {
      case 'A':
        return size + 4;
      case 'AAAA':
        return size + 16;
      case 'CNAME':
      case 'PTR':
      case 'NS': {
        const save = length;
        length = at(0);
        size += nameSize(rr.data, true, true);
        length = save;
        return size;
      }
      case 'SRV':
        return size + 6 + nameSize(rr.data.target, false, false);
      case 'MX': {
        const save = length;
        length = at(2);
        size += 2 + nameSize(rr.data.exchange, true, true);
        length = save;
        return size;
      }
      case 'TXT':
        return size + rr.data.reduce((n, s) => n + Math.max(1, Math.ceil(utf8(s) / 255)) + utf8(s), 0);
      case 'SOA': {
        const save = length;
        length = at(0);
        const m = nameSize(rr.data.mname, true, true);
        length = at(m);
        const r = nameSize(rr.data.rname, true, true);
        length = save;
        return size + m + r + 20;
      }
    }
  };
  let fitting = 0;
  let fullSize = 0;
  let truncated = false;
  const reserve = edns ? OPT : 0;
  for (const rr of [...response.answer, ...response.authority, ...response.additional]) {
    const s = rrSize(rr);
    if (!truncated && length + s + reserve <= limit) fitting++;
    else truncated = true;
    length += s;
    fullSize = length;
  }
  return { size: (fullSize || length) + reserve, fitting, truncated };
}
