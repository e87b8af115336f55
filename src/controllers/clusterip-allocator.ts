/**
 * ClusterIP allocation over the service CIDR, as the API server's ipallocator does it: the network
 * address is never handed out (nor the IPv4 broadcast address), offsets count from network+1, and the
 * two-band rule of KEP-3070 decides where dynamic allocations land.
 */
import { parseIP, type CIDR } from '../api/cidr.ts';
import { BandAllocator, clusterIPStaticBand } from './band-allocator.ts';

const KUBERNETES_SERVICE = 'default/kubernetes';

export class ClusterIPAllocator {
  private readonly bands: BandAllocator<string>;
  /** Explicit IPs outside the CIDR (validation reports those; here they only must not be shared). */
  private readonly outside = new Map<string, string>();

  constructor(readonly cidr: CIDR) {
    // IPv4 loses network and broadcast; IPv6 only the network ("subnet-router anycast") address.
    const max = cidr.size - (cidr.family === 4 ? 2n : 1n);
    this.bands = new BandAllocator(max > 0n ? max : 0n, clusterIPStaticBand(cidr.size));
  }

  /** The first allocatable address: by convention the `kubernetes` Service's. */
  get firstIP(): string {
    return this.cidr.at(1);
  }

  private offsetOf(ip: string): bigint | undefined {
    const p = parseIP(ip);
    if (!p || !this.cidr.contains(p)) return undefined;
    const off = p.value - this.cidr.network - 1n;
    return off >= 0n && off < this.bands.size ? off : undefined;
  }

  /** Claims an explicit IP for `owner`; returns the owner already holding it, if any. */
  reserve(ip: string, owner: string): string | undefined {
    const off = this.offsetOf(ip);
    if (off !== undefined) return this.bands.reserve(off, owner);
    const canonical = parseIP(ip);
    const key = canonical ? `${canonical.family}/${canonical.value}` : ip;
    const prev = this.outside.get(key);
    if (prev !== undefined) return prev;
    this.outside.set(key, owner);
    return undefined;
  }

  /**
   * Allocates an address for `owner` (`namespace/name`). The first address stays reserved for
   * default/kubernetes even when that Service does not exist yet.
   */
  allocate(owner: string): string | undefined {
    // The API server gives its own Service the first address (DefaultServiceIPFromServiceCIDR).
    if (owner === KUBERNETES_SERVICE && this.bands.size > 0n && this.bands.reserve(0n, owner) === undefined) return this.cidr.at(1n);
    const off = this.bands.allocate(owner, owner, (o) => o === 0n);
    return off === undefined ? undefined : this.cidr.at(off + 1n);
  }
}
