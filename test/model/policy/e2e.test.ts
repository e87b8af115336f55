/**
 * The upstream e2e NetworkPolicy scenarios, judged pair by pair with decide(): every truth table must
 * match (loopback ignored, as upstream does).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decide, podEndpoint, PolicyIndex } from '../../../src/model/policy/index.ts';
import { ALL_SCENARIOS, scenarioObjects, SCTP_SCENARIOS, TCP_SCENARIOS, UDP_SCENARIOS } from './e2e-scenarios.ts';
import { mismatches, Truth, view } from './fixtures.ts';

describe('upstream e2e scenarios (decide, per pair)', () => {
  it('covers the 42 TCP + 3 UDP + 3 SCTP upstream tests', () => {
    const base = (n: string): string => n.replace(/ \((before|after|while|port|allow|egress|ingress)[^)]*\)$/, '');
    assert.equal(new Set(TCP_SCENARIOS.map((s) => base(s.name))).size, 42);
    assert.equal(UDP_SCENARIOS.length, 3);
    assert.equal(SCTP_SCENARIOS.length, 3);
  });

  for (const s of ALL_SCENARIOS) {
    it(s.name, () => {
      const v = view(scenarioObjects(s));
      const index = new PolicyIndex(v);
      assert.deepEqual(index.problems, []);
      for (const c of s.cases) {
        const truth = c.expect(new Truth(s.pods));
        const bad = mismatches(truth, (from, to) => {
          const [fns, fname] = from.split('/');
          const [tns, tname] = to.split('/');
          const src = podEndpoint(v, v.pod(fns, fname)!);
          const dst = podEndpoint(v, v.pod(tns, tname)!);
          return decide(index, { src, dst, port: c.port, protocol: c.protocol }).allowed;
        });
        assert.deepEqual(bad, [], `${c.port}/${c.protocol}`);
      }
    });
  }
});
