/** Paints the visible window of the matrix: ✓/✗ glyphs on green/red (never colour alone), namespace bands, the selected cell. */
import { useEffect, useRef } from 'react';
import { cellAllowed } from '../lib/matrix-grid.ts';

export const CELL = 24;

interface Props {
  bits: Uint32Array;
  words: number;
  n: number;
  rows: { start: number; end: number };
  cols: { start: number; end: number };
  scroll: { top: number; left: number; w: number; h: number };
  bands: ReadonlySet<number>;
  selected?: { row: number; col: number };
}

const COLORS = { allowBg: '#e3f4e8', allow: '#1b7a3a', denyBg: '#fbe4e2', deny: '#b3261e', band: '#7d9cc9', grid: '#ffffff', sel: '#111111' };

export function MatrixCanvas({ bits, words, n, rows, cols, scroll, bands, selected }: Props) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const canvas = ref.current;
    if (!canvas) return;
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(1, scroll.w);
    const h = Math.max(1, scroll.h);
    if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
      canvas.width = Math.round(w * dpr);
      canvas.height = Math.round(h * dpr);
      canvas.style.width = `${w}px`;
      canvas.style.height = `${h}px`;
    }
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    ctx.font = '13px "DejaVu Sans", sans-serif';
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    for (let r = rows.start; r < rows.end && r < n; r++) {
      const y = r * CELL - scroll.top;
      for (let c = cols.start; c < cols.end && c < n; c++) {
        const x = c * CELL - scroll.left;
        const ok = cellAllowed(bits, words, r, c);
        ctx.fillStyle = ok ? COLORS.allowBg : COLORS.denyBg;
        ctx.fillRect(x, y, CELL - 1, CELL - 1);
        ctx.fillStyle = ok ? COLORS.allow : COLORS.deny;
        ctx.fillText(ok ? '✓' : '✗', x + CELL / 2, y + CELL / 2 + 1);
      }
    }
    ctx.fillStyle = COLORS.band;
    for (const b of bands) {
      ctx.fillRect(b * CELL - scroll.left - 1, 0, 2, Math.min(h, n * CELL - scroll.top));
      ctx.fillRect(0, b * CELL - scroll.top - 1, Math.min(w, n * CELL - scroll.left), 2);
    }
    if (selected) {
      ctx.strokeStyle = COLORS.sel;
      ctx.lineWidth = 2;
      ctx.strokeRect(selected.col * CELL - scroll.left + 1, selected.row * CELL - scroll.top + 1, CELL - 3, CELL - 3);
    }
  }, [bits, words, n, rows.start, rows.end, cols.start, cols.end, scroll, bands, selected?.row, selected?.col, selected]);
  return <canvas ref={ref} className="mcanvas" aria-hidden="true" />;
}
