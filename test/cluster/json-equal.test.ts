// jsonEqual says what comparing canonical JSON texts (object keys sorted) says, for JSON-shaped
// values as the Store holds them: key order ignored, members whose value JSON.stringify leaves out
// (undefined, functions) treated as absent, such array elements as null, NaN as null, -0 as 0.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jsonEqual } from '../../src/cluster/json-equal.ts';
import { canonicalJSON } from '../../src/cluster/store.ts';
import { rng } from '../support/prng.ts';

describe('jsonEqual', () => {
  it('edge cases the JSON text rules decide', () => {
    const cases: [unknown, unknown, boolean][] = [
      [{ a: 1, b: 2 }, { b: 2, a: 1 }, true],
      [{ a: 1, b: undefined }, { a: 1 }, true],
      [{ a: 1, f: () => 1 }, { a: 1 }, true],
      [[1, undefined], [1, null], true],
      [[1, undefined], [1], false],
      [NaN, null, true],
      [{ n: -0 }, { n: 0 }, true],
      [{ a: [] }, { a: {} }, false],
      [{ a: null }, { a: undefined }, false],
      [{ '10': 1, '9': 2 }, { '9': 2, '10': 1 }, true],
      [{ d: new Date(0) }, { d: '1970-01-01T00:00:00.000Z' }, true],
      ['1', 1, false],
      [{ a: { b: [{ c: 1, d: 'x' }] } }, { a: { b: [{ d: 'x', c: 1 }] } }, true],
      [{ a: { b: [{ c: 1, d: 'x' }] } }, { a: { b: [{ d: 'y', c: 1 }] } }, false],
    ];
    for (const [a, b, want] of cases) {
      assert.equal(canonicalJSON(a) === canonicalJSON(b), want, `canonical ${JSON.stringify([a, b])}`);
      assert.equal(jsonEqual(a, b), want, JSON.stringify([a, b]));
    }
  });

  it('random JSON-shaped values: agrees with comparing canonical JSON', () => {
    const next = rng(21);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)];
    const scalar = (): unknown => pick([0, 1, -0, NaN, 'a', 'b', '', true, false, null, undefined]);
    const value = (depth: number): unknown => {
      const r = next();
      if (depth > 3 || r < 0.4) return scalar();
      if (r < 0.65) return Array.from({ length: Math.floor(next() * 3) }, () => value(depth + 1));
      const o: Record<string, unknown> = {};
      for (const k of ['x', 'y', 'z', '1'].filter(() => next() < 0.6)) o[k] = value(depth + 1);
      return o;
    };
    // A near copy: keys reordered, sometimes one leaf changed.
    const shuffle = (v: unknown): unknown => {
      if (Array.isArray(v)) return v.map((e) => (next() < 0.1 ? scalar() : shuffle(e)));
      if (v && typeof v === 'object') {
        const entries = Object.entries(v).reverse();
        if (next() < 0.1) entries.push(['w', scalar()]);
        return Object.fromEntries(entries.map(([k, e]) => [k, next() < 0.05 ? scalar() : shuffle(e)]));
      }
      return v;
    };
    let equal = 0;
    for (let i = 0; i < 5000; i++) {
      const a = value(0);
      const b = next() < 0.5 ? shuffle(a) : value(0);
      const want = canonicalJSON(a) === canonicalJSON(b);
      if (want) equal++;
      assert.equal(jsonEqual(a, b), want, `${canonicalJSON(a)} vs ${canonicalJSON(b)}`);
    }
    assert.ok(equal > 1000 && equal < 4500, `both outcomes exercised (${equal} equal)`);
  });
});
