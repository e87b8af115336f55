/**
 * Base64 as Go's `encoding/json` reads and writes `[]byte` (Secret data, ConfigMap binaryData): the
 * standard alphabet with padding; CR and LF are skipped on input. Decoding reports the offset Go's
 * `base64.CorruptInputError` names (`illegal base64 data at input byte N`). No Buffer: the browser
 * build uses src/api too.
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const VALUE = new Map([...ALPHABET].map((c, i) => [c, i]));

export function encodeBase64(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    out += ALPHABET[(n >> 18) & 63] + ALPHABET[(n >> 12) & 63];
    out += i + 1 < bytes.length ? ALPHABET[(n >> 6) & 63] : '=';
    out += i + 2 < bytes.length ? ALPHABET[n & 63] : '=';
  }
  return out;
}

export function encodeUTF8Base64(text: string): string {
  return encodeBase64(new TextEncoder().encode(text));
}

export type Base64Result = { ok: true; bytes: Uint8Array } | { ok: false; offset: number };

/**
 * Decodes like Go's StdEncoding: quanta of four characters; `=` only in the last quantum's third and
 * fourth place (`xx==`, `xxx=`); nothing but CR/LF after padding. A bad character is reported at its
 * own offset; a short final quantum at the offset where that quantum started.
 */
export function decodeBase64(text: string): Base64Result {
  const out: number[] = [];
  let i = 0;
  const n = text.length;
  const skipNewlines = (): void => {
    while (i < n && (text[i] === '\n' || text[i] === '\r')) i++;
  };
  while (true) {
    skipNewlines();
    if (i >= n) break;
    const start = i;
    const quantum: number[] = [];
    let padded = 0;
    while (quantum.length + padded < 4) {
      skipNewlines();
      if (i >= n) return { ok: false, offset: start };
      const c = text[i];
      if (c === '=') {
        // Padding: only after two or three characters, and `xx=` must be followed by a second `=`.
        if (quantum.length < 2) return { ok: false, offset: i };
        padded++;
        i++;
        if (quantum.length === 2 && padded === 1) {
          skipNewlines();
          if (i >= n) return { ok: false, offset: i };
          if (text[i] !== '=') return { ok: false, offset: i - 1 };
          padded++;
          i++;
        }
        break;
      }
      const v = VALUE.get(c);
      if (v === undefined) return { ok: false, offset: i };
      if (padded) return { ok: false, offset: i };
      quantum.push(v);
      i++;
    }
    const bits = quantum.reduce((acc, v) => (acc << 6) | v, 0) << (6 * (4 - quantum.length));
    out.push((bits >> 16) & 255);
    if (quantum.length > 2) out.push((bits >> 8) & 255);
    if (quantum.length > 3) out.push(bits & 255);
    if (padded) {
      skipNewlines();
      if (i < n) return { ok: false, offset: i };
      break;
    }
  }
  return { ok: true, bytes: Uint8Array.from(out) };
}

/** The decoded length, or undefined when `text` is not valid base64. */
export function decodedLength(text: string): number | undefined {
  const r = decodeBase64(text);
  return r.ok ? r.bytes.length : undefined;
}

export function decodeBase64Text(text: string): string | undefined {
  const r = decodeBase64(text);
  return r.ok ? new TextDecoder().decode(r.bytes) : undefined;
}
