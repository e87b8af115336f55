/**
 * Deterministic stand-in for the allocators' random start: upstream picks a random offset in an
 * allocation band; podnet derives it from the object's identity so the same input always yields the
 * same cluster, and adding one object never moves another. (Generated names and uids: names.ts.)
 */

const FNV64_OFFSET = 0xcbf29ce484222325n;
const FNV64_PRIME = 0x100000001b3n;
const MASK64 = (1n << 64n) - 1n;

/** FNV-1a, 64 bit, over the UTF-16 code units of `text`: small, stable and dependency free. */
export function fnv1a64(text: string): bigint {
  let h = FNV64_OFFSET;
  for (let i = 0; i < text.length; i++) {
    h ^= BigInt(text.charCodeAt(i));
    h = (h * FNV64_PRIME) & MASK64;
  }
  return h;
}

/** A start offset in [0, size) for `key`; for sizes beyond 64 bits the hash is widened by rehashing. */
export function startOffset(key: string, size: bigint): bigint {
  if (size <= 0n) return 0n;
  let h = fnv1a64(key);
  let bits = 64n;
  for (let round = 1; (1n << bits) < size; round++, bits += 64n) h = (h << 64n) | fnv1a64(`${key}#${round}`);
  return h % size;
}
