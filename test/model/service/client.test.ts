/**
 * resolveProxyClient: which source address and which node's rules a client stands for.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ProxyClientError, resolveProxyClient } from '../../../src/model/service/index.ts';
import { clusterView, nodes, pod } from './fixtures.ts';

const hostPod = { ...pod('kube-system', 'agent', 'node-b', '172.18.0.3'), spec: { nodeName: 'node-b', hostNetwork: true, containers: [{ name: 'c', image: 'agent' }] } };
const view = clusterView([...nodes(), pod('ns1', 'client', 'node-a', '10.244.1.5'), hostPod]);

describe('resolveProxyClient', () => {
  it('a pod sends from its IP, decided on its node', () => assert.deepEqual(resolveProxyClient(view, 'ns1/client'), { src: '10.244.1.5', node: 'node-a', name: 'ns1/client' }));
  it("a host-network pod sends from its node's address", () => assert.deepEqual(resolveProxyClient(view, 'kube-system/agent'), { src: '172.18.0.3', node: 'node-b', name: 'kube-system/agent' }));
  it('node/NAME sends from the InternalIP', () => assert.deepEqual(resolveProxyClient(view, 'node/node-c'), { src: '172.18.0.4', node: 'node-c', name: 'node/node-c' }));
  it("a pod's IP resolves to its node; --node overrides", () => {
    assert.equal(resolveProxyClient(view, '10.244.1.5').node, 'node-a');
    assert.equal(resolveProxyClient(view, '10.244.1.5', 'node-b').node, 'node-b');
  });
  it('an outside IP needs a node', () => {
    assert.throws(() => resolveProxyClient(view, '203.0.113.7'), (e: unknown) => e instanceof ProxyClientError && e.field === 'node');
    assert.equal(resolveProxyClient(view, '203.0.113.7', 'node-a').node, 'node-a');
  });
  it('unknown pods and nodes are reported with the field', () => {
    assert.throws(() => resolveProxyClient(view, 'ns1/nope'), (e: unknown) => e instanceof ProxyClientError && e.field === 'from');
    assert.throws(() => resolveProxyClient(view, 'ns1/client', 'node-x'), (e: unknown) => e instanceof ProxyClientError && e.field === 'node');
  });
});
