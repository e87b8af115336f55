/**
 * Closed integer intervals for nftables anonymous sets: IPv4 addresses (ipBlock minus its except
 * blocks, pod IPs) and port ranges. Interval sets must not overlap (nft refuses conflicting
 * intervals), so every list is normalised: sorted, overlapping and adjacent intervals merged.
 */
import { formatIP, type CIDR } from '../../api/cidr.ts';

export interface Interval {
  lo: bigint;
  hi: bigint;
}

/** Sorted, non-overlapping, non-adjacent. */
export function normalize(list: readonly Interval[]): Interval[] {
  const sorted = [...list].sort((a, b) => (a.lo < b.lo ? -1 : a.lo > b.lo ? 1 : 0));
  const out: Interval[] = [];
  for (const iv of sorted) {
    const last = out[out.length - 1];
    if (last && iv.lo <= last.hi + 1n) {
      if (iv.hi > last.hi) last.hi = iv.hi;
    } else out.push({ lo: iv.lo, hi: iv.hi });
  }
  return out;
}

/** `list` without the addresses of `cut` (both normalised). */
export function subtract(list: readonly Interval[], cut: readonly Interval[]): Interval[] {
  const out: Interval[] = [];
  for (const iv of list) {
    let pieces: Interval[] = [{ ...iv }];
    for (const c of cut) {
      pieces = pieces.flatMap((p) => {
        if (c.hi < p.lo || c.lo > p.hi) return [p];
        const rest: Interval[] = [];
        if (c.lo > p.lo) rest.push({ lo: p.lo, hi: c.lo - 1n });
        if (c.hi < p.hi) rest.push({ lo: c.hi + 1n, hi: p.hi });
        return rest;
      });
    }
    out.push(...pieces);
  }
  return normalize(out);
}

export function contains(list: readonly Interval[], v: bigint): boolean {
  return list.some((iv) => v >= iv.lo && v <= iv.hi);
}

export const cidrInterval = (c: CIDR): Interval => ({ lo: c.first, hi: c.last });

/** IPv4 text: a single address, a CIDR when the interval is exactly one, else `a-b`. */
export function formatAddressInterval(iv: Interval): string {
  if (iv.lo === iv.hi) return formatIP(4, iv.lo);
  const size = iv.hi - iv.lo + 1n;
  // A power of two aligned on its size is a prefix.
  if ((size & (size - 1n)) === 0n && iv.lo % size === 0n) {
    const prefix = 32 - (size.toString(2).length - 1);
    return `${formatIP(4, iv.lo)}/${prefix}`;
  }
  return `${formatIP(4, iv.lo)}-${formatIP(4, iv.hi)}`;
}

export function formatPortInterval(iv: Interval): string {
  return iv.lo === iv.hi ? `${iv.lo}` : `${iv.lo}-${iv.hi}`;
}

/** `x` for one element, `{ x, y }` for several (nft needs braces around a set). */
export function nftSet(items: readonly string[]): string {
  return items.length === 1 ? items[0] : `{ ${items.join(', ')} }`;
}
