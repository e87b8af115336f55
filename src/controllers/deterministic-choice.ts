/**
 * Deterministic stand-ins for the control plane's random choices. Upstream picks a random start in an
 * allocation band and a random generateName suffix; podnet derives both from the object's identity so
 * the same input always yields the same cluster, and adding one object never moves another.
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

/** The alphabet of apimachinery's SimpleNameGenerator (no vowels, no 0/1/3: no accidental words). */
const NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
const SUFFIX_LENGTH = 5;
/** generateName keeps at most 63 - 5 characters of the prefix. */
const MAX_PREFIX = 63 - SUFFIX_LENGTH;

/** `generateName` + 5 characters, as the API server names generated objects, derived from `seed`. */
export function generatedName(prefix: string, seed: string): string {
  let h = fnv1a64(seed);
  let suffix = '';
  for (let i = 0; i < SUFFIX_LENGTH; i++) {
    suffix += NAME_ALPHABET[Number(h % BigInt(NAME_ALPHABET.length))];
    h /= BigInt(NAME_ALPHABET.length);
  }
  return prefix.slice(0, MAX_PREFIX) + suffix;
}

/**
 * A UUID-shaped uid for an object the API server has not created yet, derived from its key, so the
 * references controllers write to it in this reconcile already carry the uid it will be stored with.
 */
export function derivedUID(key: string): string {
  const hex = fnv1a64(`uid-a:${key}`).toString(16).padStart(16, '0') + fnv1a64(`uid-b:${key}`).toString(16).padStart(16, '0');
  const variant = ((parseInt(hex[16], 16) & 3) | 8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
