/**
 * resolveServiceDestination: Service addresses → possible backends, the seam the policy and trace
 * models use to follow a flow through kube-proxy. Address plan: fixtures.ts.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { resolveServiceDestination } from '../../../src/model/service/index.ts';
import { kitchenSinkObjects } from './cluster-fixture.ts';
import { clusterView, pod } from './fixtures.ts';

const view = clusterView([...kitchenSinkObjects(), pod('ns1', 'client', 'node-a', '10.244.1.5')], { proxyMode: 'nftables' });

describe('resolveServiceDestination', () => {
  it('a ClusterIP resolves to its endpoints, with the backing pods', () => {
    const r = resolveServiceDestination(view, { ip: '10.96.0.41', port: 80 }, { srcIP: '10.244.1.5' })!;
    assert.equal(r.verdict, 'dnat');
    assert.equal(r.via, 'clusterIP');
    assert.deepEqual(r.service, { namespace: 'ns1', name: 'svc1' });
    assert.deepEqual(r.backends, [
      { ip: '10.244.1.11', port: 8080, pod: 'ns1/web-a', masquerade: false },
      { ip: '10.244.2.11', port: 8080, pod: 'ns1/web-b', masquerade: false },
    ]);
  });

  it('an address that is no Service address is undefined (the flow goes to the IP itself)', () => {
    assert.equal(resolveServiceDestination(view, { ip: '10.244.2.11', port: 8080 }, { srcIP: '10.244.1.5' }), undefined);
    assert.equal(resolveServiceDestination(view, { ip: '10.96.0.41', port: 81 }, { srcIP: '10.244.1.5' }), undefined);
  });

  it('the client pod\'s node decides iTP Local: no local endpoint on node-a → drop', () => {
    const r = resolveServiceDestination(view, { ip: '10.96.0.47', port: 80 }, { srcIP: '10.244.1.5' })!;
    assert.equal(r.verdict, 'drop');
    assert.deepEqual(r.backends, []);
  });

  it('a NodePort reached by an outside client: the union over the node that owns the address', () => {
    const r = resolveServiceDestination(view, { ip: '172.18.0.3', port: 30042 }, { srcIP: '203.0.113.7', node: 'node-b' })!;
    assert.equal(r.via, 'nodePort');
    assert.deepEqual(r.backends.map((b) => `${b.ip}:${b.port}`), ['10.244.2.21:8080']);
  });

  it('an outside client with no node given is considered on every node (any node may receive it)', () => {
    const r = resolveServiceDestination(view, { ip: '192.0.2.42', port: 80 }, { srcIP: '203.0.113.7' })!;
    assert.equal(r.verdict, 'dnat');
    assert.equal(r.decisions.length, 3);
    assert.deepEqual(r.decisions.map((d) => d.verdict), ['drop', 'dnat', 'drop']);
  });

  it('a Service with no endpoints resolves to reject', () => {
    assert.equal(resolveServiceDestination(view, { ip: '10.96.0.45', port: 80 }, { srcIP: '10.244.1.5' })?.verdict, 'reject');
  });

  it('UDP and TCP on the same port are different service ports', () => {
    const udp = resolveServiceDestination(view, { ip: '10.96.0.11', port: 53, protocol: 'UDP' }, { srcIP: '10.244.1.5' })!;
    const tcp = resolveServiceDestination(view, { ip: '10.96.0.11', port: 53, protocol: 'TCP' }, { srcIP: '10.244.1.5' })!;
    assert.deepEqual(udp.backends.map((b) => b.port), [53, 53]);
    assert.deepEqual(tcp.backends.map((b) => b.port), [5353, 5353]);
  });
});
