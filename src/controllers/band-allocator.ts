/**
 * The two-band allocator shared by ClusterIPs (KEP-3070) and NodePorts (KEP-3668): offsets
 * [0, staticSize) form the static band users are told to pick fixed values from; dynamic allocation
 * prefers the upper band [staticSize, size) and only falls back to the lower band when the upper one
 * is full. Upstream starts each scan at a random offset and probes forward with wrap-around; here the
 * start is a hash of the requester's identity, so a Service's allocation depends on nothing else.
 */
import { startOffset } from './deterministic-choice.ts';

export class BandAllocator<Owner> {
  private readonly used = new Map<bigint, Owner>();

  constructor(
    /** Number of allocatable offsets. */
    readonly size: bigint,
    /** Size of the static (lower) band; 0 means one band. */
    readonly staticSize: bigint,
  ) {}

  ownerOf(offset: bigint): Owner | undefined {
    return this.used.get(offset);
  }

  /** Marks `offset` as used by `owner`. Returns the previous owner when it was already taken. */
  reserve(offset: bigint, owner: Owner): Owner | undefined {
    const prev = this.used.get(offset);
    if (prev !== undefined) return prev;
    this.used.set(offset, owner);
    return undefined;
  }

  /** The next free offset for `key` (upper band first), reserved for `owner`; undefined when full. */
  allocate(key: string, owner: Owner, excluded: (offset: bigint) => boolean = () => false): bigint | undefined {
    const upper = this.probe(key, this.staticSize, this.size, excluded) ?? this.probe(key, 0n, this.staticSize, excluded);
    if (upper !== undefined) this.used.set(upper, owner);
    return upper;
  }

  private probe(key: string, from: bigint, to: bigint, excluded: (offset: bigint) => boolean): bigint | undefined {
    const span = to - from;
    if (span <= 0n) return undefined;
    const start = startOffset(key, span);
    // Bounded by the number of used offsets + 1 in sparse bands; a full scan only when the band is nearly full.
    for (let i = 0n; i < span; i++) {
      const at = from + ((start + i) % span);
      if (!this.used.has(at) && !excluded(at)) return at;
    }
    return undefined;
  }
}

/** KEP-3070: static band of a service CIDR of `cidrSize` addresses = min(max(16, size/16), 256); none for ≤ /28. */
export function clusterIPStaticBand(cidrSize: bigint): bigint {
  if (cidrSize <= 16n) return 0n;
  const offset = cidrSize / 16n;
  return offset < 16n ? 16n : offset > 256n ? 256n : offset;
}

/** KEP-3668: static band of a NodePort range of `rangeSize` ports = min(max(16, size/32), 128); none for ≤ 16. */
export function nodePortStaticBand(rangeSize: number): number {
  if (rangeSize <= 16) return 0;
  const offset = Math.floor(rangeSize / 32);
  return offset < 16 ? 16 : offset > 128 ? 128 : offset;
}
