/**
 * NodePort allocation over `--service-node-port-range`: one protocol-agnostic set of numbers for all
 * Services (nodePorts and healthCheckNodePorts alike), with the static band of KEP-3668 at the start
 * of the range and dynamic allocations preferring the rest.
 */
import { BandAllocator, nodePortStaticBand } from './band-allocator.ts';

export class NodePortAllocator {
  private readonly bands: BandAllocator<string>;
  private readonly outside = new Map<number, string>();

  constructor(readonly range: { base: number; size: number }) {
    this.bands = new BandAllocator(BigInt(range.size), BigInt(nodePortStaticBand(range.size)));
  }

  contains(port: number): boolean {
    return port >= this.range.base && port < this.range.base + this.range.size;
  }

  /** Claims an explicit port for `owner`; returns the owner already holding it, if any. */
  reserve(port: number, owner: string): string | undefined {
    if (!this.contains(port)) {
      // Out of range is a validation error elsewhere; still no two Services may share it.
      const prev = this.outside.get(port);
      if (prev === undefined) this.outside.set(port, owner);
      return prev;
    }
    return this.bands.reserve(BigInt(port - this.range.base), owner);
  }

  /** Allocates a port for `owner`; `key` seeds the deterministic start (e.g. `ns/name/port`). */
  allocate(key: string, owner: string): number | undefined {
    const off = this.bands.allocate(key, owner);
    return off === undefined ? undefined : this.range.base + Number(off);
  }
}
