/** Fixed-size bitsets over small integer ids (equivalence classes), 32 bits per word. */

export type Bits = Uint32Array;

export const words = (n: number): number => (n + 31) >>> 5;

export function emptyBits(n: number): Bits {
  return new Uint32Array(words(n));
}

export function fullBits(n: number): Bits {
  const b = new Uint32Array(words(n)).fill(0xffffffff);
  const extra = b.length * 32 - n;
  if (extra > 0) b[b.length - 1] >>>= extra;
  return b;
}

export function setBit(b: Bits, i: number): void {
  b[i >>> 5] |= 1 << (i & 31);
}

export function hasBit(b: Bits, i: number): boolean {
  return (b[i >>> 5] & (1 << (i & 31))) !== 0;
}

/** a |= b */
export function orInto(a: Bits, b: Bits): void {
  for (let i = 0; i < a.length; i++) a[i] |= b[i];
}

/** a & b as a new set */
export function and(a: Bits, b: Bits): Bits {
  const out = new Uint32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] & b[i];
  return out;
}

export function isEmpty(b: Bits): boolean {
  for (let i = 0; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
}
