/**
 * Resource records as data, and their zone-file text form (`name. 30 IN A 10.96.0.1`), which is how
 * tests, `podnet dig` and the `dns.upstream` config write them.
 */
import { parseIP } from '../../api/cidr.ts';
import { absoluteName } from './names.ts';

export interface SRVData {
  priority: number;
  weight: number;
  port: number;
  target: string;
}

export interface SOAData {
  mname: string;
  rname: string;
  serial: number;
  refresh: number;
  retry: number;
  expire: number;
  minimum: number;
}

export interface MXData {
  preference: number;
  exchange: string;
}

interface RRBase {
  /** Owner name, absolute. */
  name: string;
  ttl: number;
}

export type ResourceRecord =
  | (RRBase & { type: 'A' | 'AAAA'; data: string })
  | (RRBase & { type: 'CNAME' | 'PTR' | 'NS'; data: string })
  | (RRBase & { type: 'SRV'; data: SRVData })
  | (RRBase & { type: 'TXT'; data: string[] })
  | (RRBase & { type: 'SOA'; data: SOAData })
  | (RRBase & { type: 'MX'; data: MXData });

export type RRType = ResourceRecord['type'];

/** Question types the model recognises by name; anything else is asked by number (`TYPE65`). */
export const QUESTION_TYPES = [
  'A', 'AAAA', 'CNAME', 'PTR', 'NS', 'SRV', 'TXT', 'SOA', 'MX', 'ANY', 'AXFR', 'IXFR', 'HINFO', 'CAA', 'HTTPS', 'SVCB', 'NAPTR', 'DS', 'DNSKEY',
] as const;

/** The record data in presentation form: `10.0.0.1`, `0 100 80 svc.ns.svc.cluster.local.`, `"1.1.0"`. */
export function rdataText(rr: ResourceRecord): string {
  switch (rr.type) {
    case 'A':
    case 'AAAA':
    case 'CNAME':
    case 'PTR':
    case 'NS':
      return rr.data;
    case 'SRV':
      return `${rr.data.priority} ${rr.data.weight} ${rr.data.port} ${rr.data.target}`;
    case 'TXT':
      return rr.data.map((s) => JSON.stringify(s)).join(' ');
    case 'SOA': {
      const s = rr.data;
      return `${s.mname} ${s.rname} ${s.serial} ${s.refresh} ${s.retry} ${s.expire} ${s.minimum}`;
    }
    case 'MX':
      return `${rr.data.preference} ${rr.data.exchange}`;
  }
}

/** One zone-file line: `name. ttl IN TYPE rdata` (tab-separated, as dig prints). */
export function recordText(rr: ResourceRecord): string {
  return `${rr.name}\t${rr.ttl}\tIN\t${rr.type}\t${rdataText(rr)}`;
}

export class RecordSyntaxError extends Error {
  constructor(readonly line: string, reason: string) {
    super(`${JSON.stringify(line)}: ${reason}`);
    this.name = 'RecordSyntaxError';
  }
}

const NAME = /^(\.|([A-Za-z0-9_*]([A-Za-z0-9_-]*[A-Za-z0-9_])?\.?)+)$/;

/**
 * Parses `name. [ttl] [IN] TYPE rdata` (zone-file presentation, one record a line). Names in rdata
 * are taken as absolute. `defaultTTL` applies when the line has none.
 */
export function parseRecord(line: string, defaultTTL = 300): ResourceRecord {
  const fields = tokenize(line);
  if (fields.length < 3) throw new RecordSyntaxError(line, 'expected "name. [ttl] [IN] TYPE rdata"');
  const name = fields.shift() as string;
  if (!NAME.test(name)) throw new RecordSyntaxError(line, `invalid owner name ${JSON.stringify(name)}`);
  let ttl = defaultTTL;
  if (/^\d+$/.test(fields[0])) ttl = Number(fields.shift());
  if (fields[0]?.toUpperCase() === 'IN') fields.shift();
  if (/^\d+$/.test(fields[0] ?? '')) ttl = Number(fields.shift());
  const type = (fields.shift() ?? '').toUpperCase();
  const owner = absoluteName(name);
  const need = (n: number): void => {
    if (fields.length !== n) throw new RecordSyntaxError(line, `${type} needs ${n} rdata field${n === 1 ? '' : 's'}, got ${fields.length}`);
  };
  const num = (s: string, max: number): number => {
    if (!/^\d+$/.test(s) || Number(s) > max) throw new RecordSyntaxError(line, `${JSON.stringify(s)} is not a number in 0..${max}`);
    return Number(s);
  };
  const target = (s: string): string => {
    if (!NAME.test(s)) throw new RecordSyntaxError(line, `invalid domain name ${JSON.stringify(s)}`);
    return absoluteName(s);
  };
  switch (type) {
    case 'A':
    case 'AAAA': {
      need(1);
      const ip = parseIP(fields[0]);
      if (!ip || ip.family !== (type === 'A' ? 4 : 6)) throw new RecordSyntaxError(line, `${JSON.stringify(fields[0])} is not an IPv${type === 'A' ? 4 : 6} address`);
      return { name: owner, ttl, type, data: fields[0] };
    }
    case 'CNAME':
    case 'PTR':
    case 'NS':
      need(1);
      return { name: owner, ttl, type, data: target(fields[0]) };
    case 'SRV':
      need(4);
      return { name: owner, ttl, type, data: { priority: num(fields[0], 65535), weight: num(fields[1], 65535), port: num(fields[2], 65535), target: target(fields[3]) } };
    case 'MX':
      need(2);
      return { name: owner, ttl, type, data: { preference: num(fields[0], 65535), exchange: target(fields[1]) } };
    case 'TXT':
      if (!fields.length) throw new RecordSyntaxError(line, 'TXT needs at least one string');
      return { name: owner, ttl, type, data: fields };
    case 'SOA': {
      need(7);
      const max = 0xffffffff;
      return {
        name: owner, ttl, type,
        data: { mname: target(fields[0]), rname: target(fields[1]), serial: num(fields[2], max), refresh: num(fields[3], max), retry: num(fields[4], max), expire: num(fields[5], max), minimum: num(fields[6], max) },
      };
    }
    default:
      throw new RecordSyntaxError(line, `unsupported record type ${JSON.stringify(type)} (supported: A, AAAA, CNAME, PTR, NS, SRV, MX, TXT, SOA)`);
  }
}

/** Splits on blanks, keeping "quoted strings" (with \" escapes) as one field without the quotes. */
function tokenize(line: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (let m = re.exec(line); m; m = re.exec(line)) out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]);
  return out;
}
