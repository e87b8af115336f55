/** The `reach` check kind of podnet verify: expect allow|deny, aliases fromIP/toIP, bad arguments. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CheckArgumentError } from '../../../src/model/verify/check.ts';
import { reachCheck } from '../../../src/model/verify/reach-check.ts';
import { e2eIP, e2eObjects, policy, view } from '../policy/fixtures.ts';

const v = view([...e2eObjects(['x/a', 'x/b', 'y/a']), policy('x', 'deny-ingress', { ingress: [] })]);

describe('verify reach check', () => {
  it('passes when the verdict matches expect, fails with the reason otherwise', () => {
    assert.equal(reachCheck.evaluate(v, { from: 'x/a', to: 'y/a', port: 80 }, 'allow').passed, true);
    const r = reachCheck.evaluate(v, { from: 'y/a', to: 'x/a', port: 80 }, 'allow');
    assert.equal(r.passed, false);
    assert.equal(r.actual, 'deny');
    assert.match(r.message, /isolated by x\/deny-ingress/);
  });
  it('accepts fromIP/toIP and a protocol', () => {
    assert.equal(reachCheck.evaluate(v, { fromIP: e2eIP('y/a'), toIP: e2eIP('x/b'), port: 81, protocol: 'UDP' }, 'deny').passed, true);
  });
  it('malformed arguments are bad input', () => {
    assert.throws(() => reachCheck.evaluate(v, { from: 'x/a', port: 80 }, 'allow'), CheckArgumentError);
    assert.throws(() => reachCheck.evaluate(v, { from: 'x/a', to: 'y/a', port: 0 }, 'allow'), CheckArgumentError);
    assert.throws(() => reachCheck.evaluate(v, { from: 'x/a', to: 'y/a', port: 80 }, 'maybe'), CheckArgumentError);
    assert.throws(() => reachCheck.evaluate(v, { from: 'x/a', to: 'y/a', port: 80, bogus: 1 }, 'allow'), CheckArgumentError);
  });
  it('an unknown pod is a failed check, not a crash', () => {
    const r = reachCheck.evaluate(v, { from: 'x/nope', to: 'y/a', port: 80 }, 'allow');
    assert.equal(r.passed, false);
    assert.match(r.message, /pod x\/nope not found/);
  });
});
