import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_STATE, formatHash, parseHash } from '../../web/src/lib/url-state.ts';

describe('URL state', () => {
  it('round-trips every field through the hash', () => {
    const s = { ...DEFAULT_STATE, view: 'matrix' as const, ns: ['shop', 'data'], port: '5432/TCP', from: 'shop/web-1', to: 'data/db-0', focus: 'policy:shop/x', selector: 'app in (a,b)' };
    assert.deepEqual(parseHash(formatHash(s)), s);
  });

  it('keeps links short: defaults are left out, slashes and commas stay readable', () => {
    assert.equal(formatHash(DEFAULT_STATE), '#/topology');
    assert.equal(formatHash({ ...DEFAULT_STATE, view: 'matrix', ns: ['a', 'b'], from: 'a/x' }), '#/matrix?ns=a,b&from=a/x');
  });

  it('never throws: unknown views fall back to the topology, unknown keys are ignored', () => {
    const cases: [string, string][] = [['', 'topology'], ['#', 'topology'], ['#/nope?x=1', 'topology'], ['#/lint?%E0%A4%A=1', 'lint'], ['#matrix', 'matrix']];
    for (const [h, view] of cases) assert.equal(parseHash(h).view, view, h);
    assert.deepEqual(parseHash('#/topology?ns=,a,,b').ns, ['a', 'b']);
  });
});
