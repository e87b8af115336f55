import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { elkGraph, INCLUDE_CHILDREN_MAX_LEAVES, leafCentres, type LayoutNode } from '../../web/src/lib/elk-graph.ts';

describe('ELK graph of the topology', () => {
  const nodes: LayoutNode[] = [
    { id: 'node:n1', width: 0, height: 0 },
    { id: 'nsgroup:n1/a', parent: 'node:n1', width: 0, height: 0 },
    { id: 'pod:a/x', parent: 'nsgroup:n1/a', width: 190, height: 40 },
    { id: 'service:a/s', width: 180, height: 40 },
  ];

  it('nests compounds, sizes leaves, and keeps only edges whose ends exist', () => {
    const g = elkGraph(nodes, [{ id: 'e1', source: 'service:a/s', target: 'pod:a/x' }, { id: 'e2', source: 'service:a/s', target: 'pod:gone' }]);
    assert.deepEqual(g.children!.map((c) => c.id), ['node:n1', 'service:a/s']);
    const island = g.children![0];
    assert.equal(island.children![0].children![0].id, 'pod:a/x');
    assert.equal(island.children![0].children![0].width, 190);
    assert.equal(island.width, undefined, 'compound sizes are ELK\'s to compute');
    assert.deepEqual(g.edges!.map((e) => e.id), ['e1']);
    assert.equal(g.layoutOptions!['elk.hierarchyHandling'], 'INCLUDE_CHILDREN');
  });

  it('lays compounds out separately for large clusters', () => {
    const many: LayoutNode[] = Array.from({ length: INCLUDE_CHILDREN_MAX_LEAVES + 1 }, (_, i) => ({ id: `pod:a/p${i}`, parent: 'node:n1', width: 10, height: 10 }));
    assert.equal(elkGraph([{ id: 'node:n1', width: 0, height: 0 }, ...many], []).layoutOptions!['elk.hierarchyHandling'], 'SEPARATE_CHILDREN');
  });

  it('turns parent-relative corners into absolute leaf centres', () => {
    const laid = {
      id: '__root',
      children: [
        { id: 'node:n1', x: 100, y: 50, children: [{ id: 'nsgroup:n1/a', x: 10, y: 20, children: [{ id: 'pod:a/x', x: 5, y: 6, width: 190, height: 40 }] }] },
        { id: 'service:a/s', x: 0, y: 0, width: 180, height: 40 },
      ],
    };
    const c = leafCentres(laid);
    assert.deepEqual(c.get('pod:a/x'), { x: 100 + 10 + 5 + 95, y: 50 + 20 + 6 + 20 });
    assert.deepEqual(c.get('service:a/s'), { x: 90, y: 20 });
    assert.equal(c.has('node:n1'), false);
  });
});
