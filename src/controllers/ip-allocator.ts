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

  constructor(readonly cidr: CIDR) {
    const hostBits = (cidr.family === 4 ? 32 : 128) - cidr.prefix;
    // host-local refuses subnets with fewer than 4 addresses ("too small to allocate from").
    const usable = hostBits >= 2;
    this.firstOffset = 2n; // .0 is the network, .1 the gateway
    this.lastOffset = usable ? cidr.size - (cidr.family === 4 ? 2n : 1n) : 0n;
    this.cursor = this.firstOffset;
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
      const off = BigInt(v) - this.cidr.network;
      return off >= 0n && off < this.cidr.size ? off : undefined;
    }
    return this.cidr.offsetOf(ip);
  }

  private at(offset: bigint): string {
    if (this.cidr.family === 4) {
      const v = Number(this.cidr.network + offset);
      return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
    }
    return this.cidr.at(offset);
  }

  /** The lowest free address (and takes it), or undefined when the range is exhausted. */
  allocate(): string | undefined {
    while (this.cursor <= this.lastOffset && this.used.has(this.cursor)) this.cursor++;
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

const DOTTED_QUAD = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** A dotted-quad IPv4 address as a number (the hot path of pod IPAM), or undefined. */
function ipv4Value(ip: string): number | undefined {
  const m = DOTTED_QUAD.exec(ip);
  if (!m) return undefined;
  let v = 0;
  for (let i = 1; i <= 4; i++) {
    const octet = m[i];
    if (octet.length > 1 && octet[0] === '0') return undefined;
    const n = Number(octet);
    if (n > 255) return undefined;
    v = v * 256 + n;
  }
  return v;
}

/** The canonical text of an IP (equivalent IPv6 spellings compare equal), or undefined when invalid. */
export function canonicalIP(ip: string | undefined): string | undefined {
  if (ip === undefined) return undefined;
  if (ipv4Value(ip) !== undefined) return ip;
  const p = parseIP(ip);
  return p && formatIP(p.family, p.value);
}
