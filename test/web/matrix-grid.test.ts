import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cellAllowed, cellLabel, countAllowed, decodeBits, groupStarts, moveFocus, scrollToShow, visibleRange } from '../../web/src/lib/matrix-grid.ts';

describe('matrix grid', () => {
  it('decodes base64 little-endian words, whatever the host byte order', () => {
    // bytes 01 00 00 80 = word 0x80000001 (bits 0 and 31); 02 00 00 00 = bit 1.
    const b64 = Buffer.from([0x01, 0x00, 0x00, 0x80, 0x02, 0x00, 0x00, 0x00]).toString('base64');
    const w = decodeBits(b64);
    assert.deepEqual([...w], [0x80000001, 2]);
    // 33 pods → 2 words per row; row 0 holds bits 0 and 31, bit 33 would be word 1 bit 1.
    assert.equal(cellAllowed(w, 2, 0, 0), true);
    assert.equal(cellAllowed(w, 2, 0, 31), true);
    assert.equal(cellAllowed(w, 2, 0, 30), false);
    assert.equal(cellAllowed(w, 2, 0, 33), true);
    assert.equal(countAllowed(new Uint32Array([0b11, 0b01]), 2, 1), 3);
  });

  it('renders only the visible window plus overscan', () => {
    assert.deepEqual(visibleRange(0, 100, 24, 1000, 0), { start: 0, end: 5 });
    assert.deepEqual(visibleRange(2400, 240, 24, 1000, 2), { start: 98, end: 112 });
    assert.deepEqual(visibleRange(24_000, 240, 24, 1000, 3), { start: 997, end: 1000 });
    assert.deepEqual(visibleRange(0, 100, 24, 0), { start: 0, end: 0 });
  });

  it('moves focus as the WAI-ARIA grid pattern says', () => {
    const f = { row: 5, col: 5 };
    const cases: [string, boolean, { row: number; col: number }][] = [
      ['ArrowUp', false, { row: 4, col: 5 }],
      ['ArrowDown', false, { row: 6, col: 5 }],
      ['ArrowLeft', false, { row: 5, col: 4 }],
      ['ArrowRight', false, { row: 5, col: 6 }],
      ['Home', false, { row: 5, col: 0 }],
      ['End', false, { row: 5, col: 9 }],
      ['Home', true, { row: 0, col: 0 }],
      ['End', true, { row: 9, col: 9 }],
      ['PageUp', false, { row: 2, col: 5 }],
      ['PageDown', false, { row: 8, col: 5 }],
    ];
    for (const [key, ctrl, want] of cases) assert.deepEqual(moveFocus(f, key, 10, 3, ctrl), want, `${ctrl ? 'Ctrl+' : ''}${key}`);
    assert.deepEqual(moveFocus({ row: 0, col: 0 }, 'ArrowUp', 10, 3), { row: 0, col: 0 }, 'stays at the edge');
    assert.deepEqual(moveFocus({ row: 9, col: 9 }, 'PageDown', 10, 3), { row: 9, col: 9 });
    assert.equal(moveFocus(f, 'a', 10, 3), null);
    assert.equal(moveFocus(f, 'ArrowUp', 0, 3), null);
  });

  it('scrolls just enough to show the focused cell', () => {
    assert.equal(scrollToShow(10, 24, 0, 480), 0);
    assert.equal(scrollToShow(20, 24, 0, 480), 24);
    assert.equal(scrollToShow(2, 24, 240, 480), 48);
  });

  it('marks namespace band starts and labels cells in words', () => {
    assert.deepEqual([...groupStarts([{ start: 0 }, { start: 3 }, { start: 7 }])], [3, 7]);
    assert.equal(cellLabel('a/x', 'b/y', '80/TCP', false), 'a/x → b/y 80/TCP: denied');
  });
});
