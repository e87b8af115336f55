/** explain pod / explain policy: which policies select a pod and what their rules admit. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { explainPod, explainPolicy, PolicyIndex } from '../../../src/model/policy/index.ts';
import { e2eObjects, policy, view } from './fixtures.ts';

const ALL = ['x/a', 'x/b', 'x/c', 'y/a', 'y/b'];

describe('explain pod', () => {
  const objects = [
    ...e2eObjects(ALL),
    policy('x', 'deny-all', { ingress: [] }),
    policy('x', 'allow-b-to-a', { podSelector: { matchLabels: { pod: 'a' } }, ingress: [{ from: [{ podSelector: { matchLabels: { pod: 'b' } } }], ports: [{ port: 80 }] }] }),
  ];
  const index = new PolicyIndex(view(objects));
  it('lists the policies isolating the pod per direction, with the pods each rule admits', () => {
    const e = explainPod(index, index.view.pod('x', 'a')!);
    assert.equal(e.ingress.isolated, true);
    assert.deepEqual(e.ingress.policies.map((p) => p.policy), ['x/allow-b-to-a', 'x/deny-all']);
    const allow = e.ingress.policies.find((p) => p.policy === 'x/allow-b-to-a')!;
    assert.deepEqual(allow.rules[0].matchesPods, ['x/b']);
    assert.deepEqual(allow.rules[0].ports, ['80/TCP']);
    assert.deepEqual(allow.rules[0].peers, ['pods matching {pod In ["b"]} in namespace x']);
    assert.equal(e.ingress.policies.find((p) => p.policy === 'x/deny-all')!.summary, 'denies all ingress (no rules)');
    assert.equal(e.egress.isolated, false);
  });
  it('a pod in another namespace is not selected by x policies', () => {
    const e = explainPod(index, index.view.pod('y', 'a')!);
    assert.equal(e.ingress.isolated, false);
    assert.equal(e.egress.isolated, false);
  });
});

describe('explain policy', () => {
  it('selected pods, effective types, and notes on defaulting and ignored sections', () => {
    const np = policy('x', 'p', { podSelector: { matchLabels: { pod: 'a' } }, ingress: [{ from: [{ namespaceSelector: {} }] }], egress: [{}], policyTypes: ['Egress'] });
    const index = new PolicyIndex(view([...e2eObjects(ALL), np]));
    const e = explainPolicy(index, index.policy('x', 'p')!);
    assert.deepEqual(e.selects, ['x/a']);
    assert.deepEqual(e.policyTypes, ['Egress']);
    assert.equal(e.ingress, null);
    assert.equal(e.egress!.summary, 'allows all egress');
    assert.ok(e.notes.includes('spec.ingress is ignored: policyTypes does not include Ingress'));
  });
  it('a raw policy reports the defaulted types', () => {
    const np = policy('x', 'raw', { egress: [{ to: [{ podSelector: {} }] }], raw: true });
    const index = new PolicyIndex(view([...e2eObjects(ALL), np]));
    const e = explainPolicy(index, index.policy('x', 'raw')!);
    assert.deepEqual(e.policyTypes, ['Ingress', 'Egress']);
    assert.deepEqual(e.selects, ['x/a', 'x/b', 'x/c']);
    assert.deepEqual(e.egress!.rules[0].matchesPods, ['x/a', 'x/b', 'x/c']);
    assert.ok(e.notes.some((n) => n.startsWith('policyTypes omitted')));
  });
});
