/**
 * Deterministic stand-ins for the names and uids a real control plane draws at random: generated
 * pod-name suffixes, the pod-template-hash, and owner uids. All use Kubernetes' vowel-free alphabet
 * (k8s.io/apimachinery/pkg/util/rand) and are pure functions of identity, so reconciling twice yields
 * the same names.
 */

/** rand.String / SafeEncodeString alphabet: no vowels, so generated names never spell words. */
export const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** Upstream's name generator keeps 63 characters: base truncated to 58, then 5 random characters. */
const MAX_NAME_LENGTH = 63;
const RANDOM_LENGTH = 5;
const MAX_GENERATED_BASE = MAX_NAME_LENGTH - RANDOM_LENGTH;

/** rand.SafeEncodeString: maps every character of `s` onto the alphabet by code point. */
export function safeEncodeString(s: string): string {
  let out = '';
  for (const ch of s) out += SAFE_ALPHABET[(ch.codePointAt(0) as number) % SAFE_ALPHABET.length];
  return out;
}

const FNV32_OFFSET = 0x811c9dc5;
const FNV32_PRIME = 0x01000193;

/** FNV-1a, 32 bit, over the UTF-8 bytes of `s` (the hash upstream's ComputeHash uses). */
export function fnv32a(s: string): number {
  let h = FNV32_OFFSET;
  for (const b of new TextEncoder().encode(s)) {
    h ^= b;
    h = Math.imul(h, FNV32_PRIME) >>> 0;
  }
  return h >>> 0;
}

const FNV64_OFFSET = 0xcbf29ce484222325n;
const FNV64_PRIME = 0x100000001b3n;
const MASK64 = (1n << 64n) - 1n;

/** FNV-1a, 64 bit, of `salt` + `s`: enough spread for suffixes and uids, and pure (no node:crypto). */
export function fnv64a(s: string, salt = ''): bigint {
  let h = FNV64_OFFSET;
  for (const b of new TextEncoder().encode(salt + s)) {
    h ^= BigInt(b);
    h = (h * FNV64_PRIME) & MASK64;
  }
  return h;
}

/** JSON with object keys sorted, so equal content hashes and compares equal whatever the key order. */
export function stableStringify(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : stableStringify(v))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`;
}

/**
 * The `pod-template-hash` of a Deployment's template, shaped like upstream's (controller.ComputeHash):
 * FNV-32a of the template (plus the collision count when non-zero), printed in decimal and
 * SafeEncodeString'd, hence up to 10 characters drawn from `bcdf456789`.
 */
export function podTemplateHash(template: unknown, collisionCount = 0): string {
  const text = stableStringify(template) + (collisionCount > 0 ? `#${collisionCount}` : '');
  return safeEncodeString(String(fnv32a(text)));
}

/** `length` characters of the alphabet derived from `seed`: the deterministic rand.String(length). */
export function suffixFrom(seed: string, length = RANDOM_LENGTH): string {
  let h = fnv64a(seed, 'suffix:');
  let out = '';
  const n = BigInt(SAFE_ALPHABET.length);
  for (let i = 0; i < length; i++) {
    if (h === 0n) h = fnv64a(seed, `suffix${i}:`);
    out += SAFE_ALPHABET[Number(h % n)];
    h /= n;
  }
  return out;
}

/** What `metadata.generateName: base` yields upstream: the base, truncated to 58, plus 5 characters. */
export function generatedName(base: string, seed: string): string {
  const prefix = base.length > MAX_GENERATED_BASE ? base.slice(0, MAX_GENERATED_BASE) : base;
  return prefix + suffixFrom(seed);
}

/** A UUID-shaped (version 5 layout) uid derived from an object key. */
export function uidFor(key: string): string {
  const hex = (fnv64a(key, 'uid-a:').toString(16).padStart(16, '0') + fnv64a(key, 'uid-b:').toString(16).padStart(16, '0'));
  const variant = ((parseInt(hex[16], 16) & 3) | 8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
