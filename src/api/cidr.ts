/**
 * IP addresses and CIDR blocks as numbers, for allocation and containment checks.
 * Parsing is ipaddr.js's; arithmetic is on bigint so IPv4 and IPv6 share one code path.
 */
import ipaddr from 'ipaddr.js';

export type IPFamily = 4 | 6;

export interface ParsedIP {
  family: IPFamily;
  value: bigint;
}

/** Strict parse: dotted-quad IPv4 (no leading zeros, like Go's net/netip) or IPv6. */
export function parseIP(text: string): ParsedIP | undefined {
  if (typeof text !== 'string') return undefined;
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) {
    if (text.split('.').some((o) => o.length > 1 && o.startsWith('0'))) return undefined;
    const bytes = ipaddr.IPv4.parse(text).toByteArray();
    return { family: 4, value: bytesToBigint(bytes) };
  }
  if (text.includes(':') && ipaddr.IPv6.isValid(text)) {
    const addr = ipaddr.IPv6.parse(text);
    if (addr.isIPv4MappedAddress()) return undefined;
    return { family: 6, value: bytesToBigint(addr.toByteArray()) };
  }
  return undefined;
}

export function isIP(text: string): boolean {
  return parseIP(text) !== undefined;
}

function bytesToBigint(bytes: number[]): bigint {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v;
}

export function formatIP(family: IPFamily, value: bigint): string {
  const n = family === 4 ? 4 : 16;
  const bytes: number[] = [];
  for (let i = n - 1; i >= 0; i--) bytes.push(Number((value >> BigInt(i * 8)) & 0xffn));
  return ipaddr.fromByteArray(bytes).toString();
}

const bits = (family: IPFamily): number => (family === 4 ? 32 : 128);

export class CIDR {
  readonly mask: bigint;
  constructor(
    readonly family: IPFamily,
    /** The network address (host bits cleared). */
    readonly network: bigint,
    readonly prefix: number,
  ) {
    const total = BigInt(bits(family));
    this.mask = ((1n << total) - 1n) ^ ((1n << (total - BigInt(prefix))) - 1n);
  }

  get size(): bigint {
    return 1n << BigInt(bits(this.family) - this.prefix);
  }

  /** The first address: the network address itself. */
  get first(): bigint {
    return this.network;
  }

  get last(): bigint {
    return this.network + this.size - 1n;
  }

  contains(ip: string | ParsedIP): boolean {
    const p = typeof ip === 'string' ? parseIP(ip) : ip;
    return !!p && p.family === this.family && (p.value & this.mask) === this.network;
  }

  /** True when `other` lies entirely inside this block. */
  covers(other: CIDR): boolean {
    return other.family === this.family && other.prefix >= this.prefix && (other.network & this.mask) === this.network;
  }

  overlaps(other: CIDR): boolean {
    return this.covers(other) || other.covers(this);
  }

  /** The address at `offset` from the network address. */
  at(offset: bigint | number): string {
    return formatIP(this.family, this.network + BigInt(offset));
  }

  /** Offset of `ip` from the network address, or undefined when outside. */
  offsetOf(ip: string): bigint | undefined {
    const p = parseIP(ip);
    return p && this.contains(p) ? p.value - this.network : undefined;
  }

  /** The `index`-th sub-block of size /newPrefix. */
  subnet(newPrefix: number, index: number): CIDR {
    const step = 1n << BigInt(bits(this.family) - newPrefix);
    return new CIDR(this.family, this.network + step * BigInt(index), newPrefix);
  }

  toString(): string {
    return `${formatIP(this.family, this.network)}/${this.prefix}`;
  }
}

/**
 * Parses `a.b.c.d/n` or an IPv6 CIDR. With `strict`, host bits must be zero (as the API server requires
 * for NetworkPolicy ipBlock and most CIDR fields); otherwise they are cleared.
 */
export function parseCIDR(text: string, strict = false): CIDR | undefined {
  if (typeof text !== 'string') return undefined;
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const ip = parseIP(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  if (!ip || !/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  if (prefix > bits(ip.family)) return undefined;
  const cidr = new CIDR(ip.family, 0n, prefix);
  const network = ip.value & cidr.mask;
  if (strict && network !== ip.value) return undefined;
  return new CIDR(ip.family, network, prefix);
}
