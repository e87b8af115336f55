/**
 * Reading the server's matrix (bits only: the verdicts are the model's) and the grid's geometry:
 * which rows and columns are on screen, where keyboard focus moves, namespace bands.
 */

/** Base64 of little-endian Uint32 words → the words. */
export function decodeBits(b64: string): Uint32Array {
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  const view = new DataView(bytes.buffer);
  const out = new Uint32Array(bytes.length >>> 2);
  for (let i = 0; i < out.length; i++) out[i] = view.getUint32(i * 4, true);
  return out;
}

/** Row `src` holds `words` words; bit `dst` set = allowed. */
export function cellAllowed(bits: Uint32Array, words: number, src: number, dst: number): boolean {
  return ((bits[src * words + (dst >>> 5)] >>> (dst & 31)) & 1) === 1;
}

export function countAllowed(bits: Uint32Array, pods: number, words: number): number {
  let n = 0;
  for (let s = 0; s < pods; s++) for (let d = 0; d < pods; d++) if (cellAllowed(bits, words, s, d)) n++;
  return n;
}

/** First and one-past-last index visible in a scrolled strip of equal cells, with some overscan. */
export function visibleRange(scroll: number, viewport: number, cell: number, count: number, overscan = 3): { start: number; end: number } {
  const start = Math.max(0, Math.floor(scroll / cell) - overscan);
  const end = Math.min(count, Math.ceil((scroll + viewport) / cell) + overscan);
  return { start, end: Math.max(start, end) };
}

export interface Focus {
  row: number;
  col: number;
}

/**
 * Grid keyboard navigation (WAI-ARIA grid pattern): arrows move one cell, Home/End to the row's
 * ends, Ctrl+Home/End to the corners, PageUp/PageDown by `page` rows. Null for other keys.
 */
export function moveFocus(f: Focus, key: string, n: number, page: number, ctrl = false): Focus | null {
  if (n <= 0) return null;
  const clamp = (v: number): number => Math.max(0, Math.min(n - 1, v));
  switch (key) {
    case 'ArrowUp':
      return { row: clamp(f.row - 1), col: f.col };
    case 'ArrowDown':
      return { row: clamp(f.row + 1), col: f.col };
    case 'ArrowLeft':
      return { row: f.row, col: clamp(f.col - 1) };
    case 'ArrowRight':
      return { row: f.row, col: clamp(f.col + 1) };
    case 'Home':
      return ctrl ? { row: 0, col: 0 } : { row: f.row, col: 0 };
    case 'End':
      return ctrl ? { row: n - 1, col: n - 1 } : { row: f.row, col: n - 1 };
    case 'PageUp':
      return { row: clamp(f.row - page), col: f.col };
    case 'PageDown':
      return { row: clamp(f.row + page), col: f.col };
    default:
      return null;
  }
}

/** The scroll offset that brings index `i` into a viewport (unchanged when already visible). */
export function scrollToShow(i: number, cell: number, scroll: number, viewport: number): number {
  const top = i * cell;
  if (top < scroll) return top;
  if (top + cell > scroll + viewport) return top + cell - viewport;
  return scroll;
}

/** Is index `i` the first of its namespace group (a band boundary is drawn before it)? */
export function groupStarts(groups: readonly { start: number }[]): Set<number> {
  return new Set(groups.map((g) => g.start).filter((s) => s > 0));
}

/** Text of a cell for screen readers and tooltips: never colour alone. */
export function cellLabel(from: string, to: string, port: string, allowed: boolean): string {
  return `${from} → ${to} ${port}: ${allowed ? 'allowed' : 'denied'}`;
}
