/**
 * Encoded answers keyed on the query message as received, minus its 2-byte ID: flags, counts, the
 * question (case included, since answers echo it) and the OPT record (EDNS size, DO bit, version) are
 * all part of the key, so a hit is the reply the full decode → answer → encode path gave for the same
 * bytes, and only the ID differs. The lookup reads the raw bytes (hash, then byte compare) without
 * decoding anything and without allocating except the reply itself.
 *
 * Only answers that are a function of the message alone may be stored (not autopath, which depends on
 * the client), and the owner clears the cache whenever the cluster view changes. One cache per
 * transport: UDP answers are cut to the client's size, TCP answers are not.
 */

/** Queries longer than this are answered but not cached (a normal query is 30–80 bytes). */
const MAX_QUERY = 512;
const HEADER = 12;

interface Entry {
  /** The query bytes after the ID. */
  readonly query: Buffer;
  /** The reply as encoded for the first such query; never handed out, only copied. */
  readonly reply: Buffer;
  readonly next: Entry | undefined;
}

export class AnswerCache {
  private buckets = new Map<number, Entry>();
  private entries = 0;

  constructor(private readonly maxEntries = 100_000) {}

  get size(): number {
    return this.entries;
  }

  /** A fresh copy of the stored reply with `msg`'s ID, or undefined when `msg` was not seen. */
  get(msg: Buffer): Buffer | undefined {
    const len = msg.length;
    if (len < HEADER || len > MAX_QUERY) return undefined;
    for (let e = this.buckets.get(hashQuery(msg)); e !== undefined; e = e.next) {
      if (sameQuery(e.query, msg)) {
        const out = Buffer.allocUnsafe(e.reply.length);
        out.set(e.reply);
        out[0] = msg[0];
        out[1] = msg[1];
        return out;
      }
    }
    return undefined;
  }

  /** Stores `reply` as the answer to every message equal to `msg` apart from the ID. */
  set(msg: Buffer, reply: Buffer): void {
    if (msg.length < HEADER || msg.length > MAX_QUERY) return;
    const h = hashQuery(msg);
    for (let e = this.buckets.get(h); e !== undefined; e = e.next) if (sameQuery(e.query, msg)) return;
    // Full: start over rather than track recency; a cluster's working set of names is small.
    if (this.entries >= this.maxEntries) this.clear();
    this.buckets.set(h, { query: Buffer.from(msg.subarray(2)), reply: Buffer.from(reply), next: this.buckets.get(h) });
    this.entries++;
  }

  clear(): void {
    this.buckets = new Map();
    this.entries = 0;
  }
}

/**
 * FNV-1a over the bytes after the ID, folded to a small integer (a V8 Smi, cheap as a Map key).
 * Exported so tests can build colliding queries; collisions are resolved by comparing the bytes.
 */
export function hashQuery(msg: Buffer): number {
  let h = 0x811c9dc5 ^ msg.length;
  for (let i = 2; i < msg.length; i++) h = Math.imul(h ^ msg[i], 0x01000193);
  return (h >>> 2) & 0x3fffffff;
}

/** Byte loop rather than Buffer.compare: for 30–80 bytes the native call costs more than the loop. */
function sameQuery(stored: Buffer, msg: Buffer): boolean {
  const n = stored.length;
  if (n !== msg.length - 2) return false;
  for (let i = n - 1; i >= 0; i--) if (stored[i] !== msg[i + 2]) return false;
  return true;
}
