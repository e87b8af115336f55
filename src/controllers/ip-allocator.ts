/**
 * A host-local style address range (containernetworking/plugins plugins/ipam/host-local): inside a
 * subnet the network address and the gateway (.1) are never handed out, nor the IPv4 broadcast
 * address; /31 and /32 (IPv6 /127, /128) hold nothing. Unlike host-local's round-robin cursor,
 * allocation here takes the lowest free address, so results depend only on what is in use.
 */
import { formatIP, parseIP, type CIDR } from '../api/cidr.ts';

export class RangeAllocator {
  private readonly used = new Set<bigint>();
  /** Lowest offset not yet known to be taken; only moves up between reservations. */
  private cursor: bigint;
  /** First and last allocatable offsets (first > last when the range is too small). */
  readonly firstOffset: bigint;
  readonly lastOffset: bigint;

  /** IPv4 network and size as plain numbers (exact below 2^53), so the hot path needs no bigint math. */
  private readonly network4: number;
  private readonly size4: number;

  /** `taken` says which addresses are in use besides those reserved here (canonical text). */
  constructor(readonly cidr: CIDR, private readonly taken?: (ip: string) => boolean) {
    this.network4 = cidr.family === 4 ? Number(cidr.network) : 0;
    this.size4 = cidr.family === 4 ? Number(cidr.size) : 0;
    const hostBits = (cidr.family === 4 ? 32 : 128) - cidr.prefix;
    // host-local refuses subnets with fewer than 4 addresses ("too small to allocate from").
    const usable = hostBits >= 2;
    this.firstOffset = 2n; // .0 is the network, .1 the gateway
    this.lastOffset = usable ? cidr.size - (cidr.family === 4 ? 2n : 1n) : 0n;
    this.cursor = this.firstOffset;
  }

  /** Offsets below this one are all taken (as far as this allocator knows). */
  get lowWater(): bigint {
    return this.cursor;
  }

  /** Skips to `offset`: the caller knows every address below it is taken. */
  skipTo(offset: bigint): void {
    if (offset > this.cursor) this.cursor = offset;
  }

  /** The gateway address host-local claims when none is configured: the first after the network. */
  get gateway(): string {
    return this.cidr.at(1);
  }

  /** Marks `ip` as taken; false when it is not inside this range's subnet. */
  reserve(ip: string): boolean {
    const offset = this.offsetOf(ip);
    if (offset === undefined) return false;
    this.used.add(offset);
    return true;
  }

  has(ip: string): boolean {
    const offset = this.offsetOf(ip);
    return offset !== undefined && this.used.has(offset);
  }

  private offsetOf(ip: string): bigint | undefined {
    if (this.cidr.family === 4) {
      const v = ipv4Value(ip);
      if (v === undefined) return undefined;
      const off = v - this.network4;
      return off >= 0 && off < this.size4 ? BigInt(off) : undefined;
    }
    return this.cidr.offsetOf(ip);
  }

  private at(offset: bigint): string {
    if (this.cidr.family === 4) return dottedQuad(this.network4 + Number(offset));
    return this.cidr.at(offset);
  }

  /** The lowest free address (and takes it), or undefined when the range is exhausted. */
  allocate(): string | undefined {
    if (this.cidr.family === 4 && this.taken) {
      // Plain numbers while stepping over taken addresses: a node's range may hold hundreds.
      let offset = Number(this.cursor);
      const last = Number(this.lastOffset);
      while (offset <= last && (this.used.has(BigInt(offset)) || this.taken(dottedQuad(this.network4 + offset)))) offset++;
      this.cursor = BigInt(offset);
    }
    while (this.cursor <= this.lastOffset && (this.used.has(this.cursor) || this.taken?.(this.at(this.cursor)))) this.cursor++;
    if (this.cursor > this.lastOffset) return undefined;
    this.used.add(this.cursor);
    return this.at(this.cursor++);
  }

  /** `first-last` of the allocatable addresses, as errors name the range. */
  describe(): string {
    if (this.firstOffset > this.lastOffset) return `${this.cidr.toString()} (too small to allocate from)`;
    return `${this.cidr.toString()} (${this.cidr.at(this.firstOffset)}-${this.cidr.at(this.lastOffset)})`;
  }
}

/**
 * A dotted-quad IPv4 address as a number (the hot path of pod IPAM), or undefined: four octets of
 * 1-3 decimal digits, none above 255, no leading zeros. Read character by character: a regular
 * expression costs more than the rest of an allocation.
 */
function ipv4Value(ip: string): number | undefined {
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < ip.length; i++) {
    const c = ip.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || dots === 3 || octet > 255) return undefined;
      value = value * 256 + octet;
      dots++;
      octet = 0;
      digits = 0;
      continue;
    }
    if (c < 48 || c > 57 || digits === 3 || (digits === 1 && octet === 0)) return undefined;
    octet = octet * 10 + (c - 48);
    digits++;
  }
  if (dots !== 3 || digits === 0 || octet > 255) return undefined;
  return value * 256 + octet;
}

function dottedQuad(v: number): string {
  return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}

/** The canonical text of an IP (equivalent IPv6 spellings compare equal), or undefined when invalid. */
export function canonicalIP(ip: string | undefined): string | undefined {
  if (ip === undefined) return undefined;
  if (ipv4Value(ip) !== undefined) return ip;
  const p = parseIP(ip);
  return p && formatIP(p.family, p.value);
}
