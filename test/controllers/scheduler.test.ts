// kube-scheduler's filters (NodeUnschedulable, TaintToleration, NodeAffinity) and FitError message,
// with podnet's deterministic score: fewest pods, ties by node name.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Node, Pod, Taint, Toleration } from '../../src/api/types.ts';
import { filterReason, unschedulableMessage } from '../../src/controllers/scheduler.ts';
import { toleratesTaint } from '../../src/controllers/taints.ts';
import { Cluster, config, podYAML } from './cluster-harness.ts';

const node = (name: string, spec: Node['spec'] = {}, labels: Record<string, string> = {}): Node => ({ apiVersion: 'v1', kind: 'Node', metadata: { name, labels }, spec });
const pod = (spec: Partial<Pod['spec']> = {}): Pod => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: { containers: [{ name: 'c' }], ...spec } });

describe('Toleration.ToleratesTaint', () => {
  const taint: Taint = { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' };
  const cases: { name: string; toleration: Toleration; want: boolean }[] = [
    { name: 'Equal with the same key, value and effect', toleration: { key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }, want: true },
    { name: 'empty operator means Equal', toleration: { key: 'dedicated', value: 'gpu' }, want: true },
    { name: 'Equal with another value', toleration: { key: 'dedicated', operator: 'Equal', value: 'cpu' }, want: false },
    { name: 'Exists matches any value', toleration: { key: 'dedicated', operator: 'Exists' }, want: true },
    { name: 'empty effect matches all effects', toleration: { key: 'dedicated', operator: 'Exists' }, want: true },
    { name: 'another effect does not match', toleration: { key: 'dedicated', operator: 'Exists', effect: 'NoExecute' }, want: false },
    { name: 'empty key with Exists tolerates everything', toleration: { operator: 'Exists' }, want: true },
    { name: 'another key does not match', toleration: { key: 'other', operator: 'Exists' }, want: false },
  ];
  for (const c of cases) it(c.name, () => assert.equal(toleratesTaint(c.toleration, taint), c.want));
});

describe('filters', () => {
  const cases: { name: string; node: Node; pod: Pod; want: string | undefined }[] = [
    { name: 'a plain node fits', node: node('n'), pod: pod(), want: undefined },
    { name: 'unschedulable node', node: node('n', { unschedulable: true }), pod: pod(), want: 'node(s) were unschedulable' },
    { name: 'unschedulable tolerated', node: node('n', { unschedulable: true }), pod: pod({ tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }] }), want: undefined },
    { name: 'NoSchedule taint not tolerated', node: node('n', { taints: [{ key: 'gpu', value: 'yes', effect: 'NoSchedule' }] }), pod: pod(), want: 'node(s) had untolerated taint {gpu: yes}' },
    { name: 'NoExecute taint not tolerated', node: node('n', { taints: [{ key: 'gone', effect: 'NoExecute' }] }), pod: pod(), want: 'node(s) had untolerated taint {gone: }' },
    { name: 'PreferNoSchedule only scores', node: node('n', { taints: [{ key: 'soft', effect: 'PreferNoSchedule' }] }), pod: pod(), want: undefined },
    { name: 'nodeSelector mismatch', node: node('n', {}, { disk: 'hdd' }), pod: pod({ nodeSelector: { disk: 'ssd' } }), want: "node(s) didn't match Pod's node affinity/selector" },
    { name: 'nodeSelector match', node: node('n', {}, { disk: 'ssd' }), pod: pod({ nodeSelector: { disk: 'ssd' } }), want: undefined },
    {
      name: 'required node affinity NotIn',
      node: node('n', {}, { zone: 'a' }),
      pod: pod({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }] } } } }),
      want: "node(s) didn't match Pod's node affinity/selector",
    },
  ];
  for (const c of cases) it(c.name, () => assert.equal(filterReason(c.pod, c.node), c.want));

  it('FitError message counts and sorts the reasons', () => {
    assert.equal(
      unschedulableMessage(3, ["node(s) didn't match Pod's node affinity/selector", 'node(s) had untolerated taint {a: }', "node(s) didn't match Pod's node affinity/selector"]),
      "0/3 nodes are available: 1 node(s) had untolerated taint {a: }, 2 node(s) didn't match Pod's node affinity/selector.",
    );
  });
});

describe('scheduling', () => {
  it('spec.nodeName is honoured', () => {
    const c = new Cluster();
    c.apply(podYAML('a', { node: 'node-2' }));
    assert.equal(c.pods()[0].spec.nodeName, 'node-2');
  });

  it('picks the least-loaded node, ties broken by node name', () => {
    const c = new Cluster(config({ nodes: ['n1', 'n2', 'n3'] }));
    c.apply(podYAML('a', { node: 'n1' }) + podYAML('b', { node: 'n1' }) + podYAML('c', { node: 'n2' }) + podYAML('px') + podYAML('py') + podYAML('pz'));
    // Loads before: n1 2, n2 1, n3 0 (+ coredns pods, scheduled after default/* pods) → px→n3, py→n2 (1,1 tie n2<n3), pz→n3.
    const placed = Object.fromEntries(c.pods().map((p) => [p.metadata.name, p.spec.nodeName]));
    assert.deepEqual([placed.px, placed.py, placed.pz], ['n3', 'n2', 'n3']);
  });

  it('nodeSelector and taints restrict the choice', () => {
    const c = new Cluster();
    c.apply([
      'apiVersion: v1', 'kind: Node', 'metadata: {name: a, labels: {disk: ssd}}', 'spec: {taints: [{key: team, value: x, effect: NoSchedule}]}', '---',
      'apiVersion: v1', 'kind: Node', 'metadata: {name: b, labels: {disk: ssd}}', '---',
      'apiVersion: v1', 'kind: Node', 'metadata: {name: c}', '---', '',
    ].join('\n') + podYAML('p', { extraSpec: ['nodeSelector: {disk: ssd}'] }));
    assert.equal(c.get<Pod>('Pod', 'default', 'p')?.spec.nodeName, 'b');
  });

  it('no feasible node: Pending, PodScheduled False/Unschedulable, a warning, no IP', () => {
    const c = new Cluster();
    const r = c.apply(podYAML('p', { extraSpec: ['nodeSelector: {disk: ssd}'] }));
    const p = c.get<Pod>('Pod', 'default', 'p')!;
    assert.equal(p.spec.nodeName, undefined);
    assert.equal(p.status?.phase, 'Pending');
    assert.equal(p.status?.podIP, undefined);
    assert.deepEqual(p.status?.conditions, [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: "0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector." }]);
    assert.ok(r.warnings.some((w) => w.includes('default/p') && w.includes('Pending')));
  });

  it('a pending pod is scheduled once a node fits, and becomes Running', () => {
    const c = new Cluster();
    c.apply(podYAML('p', { extraSpec: ['nodeSelector: {disk: ssd}'] }));
    c.apply('apiVersion: v1\nkind: Node\nmetadata: {name: fast, labels: {disk: ssd}}\n');
    const p = c.get<Pod>('Pod', 'default', 'p')!;
    assert.equal(p.spec.nodeName, 'fast');
    assert.equal(p.status?.phase, 'Running');
    assert.ok(p.status?.podIP);
  });

  it('deterministic: the same input places pods the same way', () => {
    const input = Array.from({ length: 7 }, (_, i) => podYAML(`p${i}`)).join('');
    const place = (): string[] => { const c = new Cluster(config({ nodes: ['n1', 'n2', 'n3'] })); c.apply(input); return c.pods().map((p) => `${p.metadata.name}@${p.spec.nodeName}`); };
    assert.deepEqual(place(), place());
  });
});
