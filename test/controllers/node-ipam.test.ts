// Node IPAM as the nodeipam range allocator does it (podCIDR split in /nodeCIDRMaskSize blocks,
// handed out first-free; given podCIDRs occupied), plus node InternalIPs on the underlay network.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidInputError } from '../../src/api/errors.ts';
import type { Node } from '../../src/api/types.ts';
import { Cluster, config, internalIP, podYAML } from './cluster-harness.ts';

const nodeYAML = (name: string, extra: string[] = []): string => ['apiVersion: v1', 'kind: Node', `metadata: {name: ${name}}`, ...extra].join('\n') + '\n---\n';
const cidrs = (c: Cluster): string[] => c.list<Node>('Node').map((n) => `${n.metadata.name} ${n.spec?.podCIDR} ${JSON.stringify(n.spec?.podCIDRs)}`);

describe('node podCIDR allocation (range allocator)', () => {
  it('first node gets 10.244.0.0/24, the second 10.244.1.0/24; podCIDRs mirrors podCIDR', () => {
    const c = new Cluster();
    c.apply('');
    assert.deepEqual(cidrs(c), ['node-1 10.244.0.0/24 ["10.244.0.0/24"]', 'node-2 10.244.1.0/24 ["10.244.1.0/24"]']);
  });

  it('nodeCIDRMaskSize sets the block size', () => {
    const c = new Cluster(config({ podCIDR: '10.0.0.0/20', nodeCIDRMaskSize: 26 }));
    c.apply('');
    assert.deepEqual(cidrs(c), ['node-1 10.0.0.0/26 ["10.0.0.0/26"]', 'node-2 10.0.0.64/26 ["10.0.0.64/26"]']);
  });

  it('a given podCIDR is kept and its block skipped; others fill the free blocks in name order', () => {
    const c = new Cluster();
    c.apply(nodeYAML('a') + nodeYAML('b', ['spec: {podCIDR: 10.244.0.0/24}']) + nodeYAML('c'));
    assert.deepEqual(cidrs(c), ['a 10.244.1.0/24 ["10.244.1.0/24"]', 'b 10.244.0.0/24 ["10.244.0.0/24"]', 'c 10.244.2.0/24 ["10.244.2.0/24"]']);
  });

  it('a given podCIDR outside the cluster podCIDR is accepted with a warning', () => {
    const c = new Cluster();
    const r = c.apply(nodeYAML('a', ['spec: {podCIDR: 192.168.5.0/24}']));
    assert.equal(c.node('a').spec?.podCIDR, '192.168.5.0/24');
    assert.ok(r.warnings.some((w) => w.includes('192.168.5.0/24') && w.includes('not inside')));
  });

  it('two nodes with the same podCIDR: the apply is rejected with file, line and field', () => {
    const c = new Cluster();
    assert.throws(
      () => c.apply(nodeYAML('a', ['spec: {podCIDR: 10.244.3.0/24}']) + nodeYAML('b', ['spec: {podCIDR: 10.244.3.0/24}']), 'nodes.yaml'),
      (e: unknown) => e instanceof InvalidInputError && e.errors.length === 1 && e.errors[0].file === 'nodes.yaml' && e.errors[0].line === 9
        && e.errors[0].field === 'spec.podCIDR' && /already used by node a/.test(e.errors[0].reason),
    );
    assert.equal(c.store.revision, 0, 'nothing applied');
  });

  it('blocks run out: the node gets no podCIDR and a warning', () => {
    const c = new Cluster(config({ podCIDR: '10.244.0.0/24', nodeCIDRMaskSize: 24, nodes: ['n1', 'n2'] }));
    const r = c.apply('');
    assert.equal(c.node('n1').spec?.podCIDR, '10.244.0.0/24');
    assert.equal(c.node('n2').spec?.podCIDR, undefined);
    assert.ok(r.warnings.some((w) => w.includes('n2') && w.includes('no /24 block left')));
  });

  it("a node reconstructed from a dump takes the block its pods' IPs are in", () => {
    const c = new Cluster();
    c.apply(podYAML('a', { node: 'w1', ip: '10.244.2.7' }) + podYAML('b', { node: 'w2', ip: '10.244.0.9' }));
    assert.equal(c.node('w1').spec?.podCIDR, '10.244.2.0/24');
    assert.equal(c.node('w2').spec?.podCIDR, '10.244.0.0/24');
  });
});

describe('node addresses', () => {
  it('InternalIPs from the node network starting at .2 (.1 is the gateway), plus a Hostname address', () => {
    const c = new Cluster();
    c.apply('');
    assert.deepEqual(c.node('node-1').status?.addresses, [{ type: 'InternalIP', address: '172.18.0.2' }, { type: 'Hostname', address: 'node-1' }]);
    assert.equal(internalIP(c.node('node-2')), '172.18.0.3');
  });

  it('given addresses are kept and skipped by allocation', () => {
    const c = new Cluster();
    c.apply(nodeYAML('a') + nodeYAML('b', ['status: {addresses: [{type: InternalIP, address: 172.18.0.2}]}']));
    assert.equal(internalIP(c.node('a')), '172.18.0.3');
    assert.deepEqual(c.node('b').status?.addresses, [{ type: 'InternalIP', address: '172.18.0.2' }, { type: 'Hostname', address: 'b' }]);
  });

  it("a node reconstructed from a dump takes its pods' hostIP", () => {
    const c = new Cluster();
    c.apply(podYAML('a', { node: 'w1', ip: '10.244.2.7' }).replace('  phase: Running', '  phase: Running\n  hostIP: 192.168.49.3'));
    assert.equal(internalIP(c.node('w1')), '192.168.49.3');
  });

  it('two nodes with one InternalIP is an error', () => {
    const c = new Cluster();
    assert.throws(
      () => c.apply(nodeYAML('a', ['status: {addresses: [{type: InternalIP, address: 172.18.0.9}]}']) + nodeYAML('b', ['status: {addresses: [{type: InternalIP, address: 172.18.0.9}]}'])),
      (e: unknown) => e instanceof InvalidInputError && e.errors[0].field === 'status.addresses[0].address' && /already used by node a/.test(e.errors[0].reason),
    );
  });
});
