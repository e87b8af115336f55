/**
 * LoadBalancer ingress IPs from ClusterConfig.loadBalancerPool, the way bare-metal load-balancer
 * controllers (MetalLB, cloud-provider-kind) hand them out: the lowest free address of the pool,
 * skipping an IPv4 pool's network and broadcast addresses; a requested spec.loadBalancerIP is
 * honoured when it lies in the pool and is free.
 */
import { parseIP, type CIDR } from '../api/cidr.ts';

export class LoadBalancerIPAllocator {
  private readonly used = new Map<bigint, string>();
  private next = 0n;

  constructor(readonly pool: CIDR) {}

  private get first(): bigint {
    return this.pool.family === 4 && this.pool.prefix <= 30 ? this.pool.first + 1n : this.pool.first;
  }

  private get last(): bigint {
    return this.pool.family === 4 && this.pool.prefix <= 30 ? this.pool.last - 1n : this.pool.last;
  }

  private valueOf(ip: string): bigint | undefined {
    const p = parseIP(ip);
    return p && this.pool.contains(p) && p.value >= this.first && p.value <= this.last ? p.value : undefined;
  }

  inPool(ip: string): boolean {
    return this.valueOf(ip) !== undefined;
  }

  /** Records an IP already in use (any Service's status); returns its previous holder. */
  reserve(ip: string, owner: string): string | undefined {
    const p = parseIP(ip);
    if (!p || p.family !== this.pool.family) return undefined;
    const prev = this.used.get(p.value);
    if (prev === undefined) this.used.set(p.value, owner);
    return prev;
  }

  /** The lowest free address, reserved for `owner`. */
  allocate(owner: string): string | undefined {
    for (let v = this.first + this.next; v <= this.last; v++) {
      if (!this.used.has(v)) {
        this.used.set(v, owner);
        this.next = v - this.first + 1n;
        return this.pool.at(v - this.pool.network);
      }
    }
    return undefined;
  }

  /** Claims `ip` for `owner` when it is in the pool and free. */
  claim(ip: string, owner: string): boolean {
    const v = this.valueOf(ip);
    if (v === undefined || this.used.has(v)) return false;
    this.used.set(v, owner);
    return true;
  }
}
