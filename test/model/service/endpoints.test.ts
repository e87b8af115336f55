/**
 * kube-proxy's EndpointSliceCache semantics: which slices count, how slice ports bind to service
 * ports, nil-condition defaults, deduplication and order. Address plan: fixtures.ts.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { servicePortEndpoints, type ServicePortName } from '../../../src/model/service/index.ts';
import { clusterView, NODE_A, NODE_B, nodes, on, service, slice } from './fixtures.ts';

const http: ServicePortName = { namespace: 'shop', name: 'web', port: 'http', protocol: 'TCP' };
const svc = service('shop', 'web', { clusterIP: '10.96.0.10' });

describe('servicePortEndpoints', () => {
  it('nil conditions mean ready=true, serving=true, terminating=false (consumers must assume so)', () => {
    const view = clusterView([...nodes(), svc, slice('shop', 'web', 'web-1', [{ name: 'http', port: 8080 }], [{ ip: '10.244.1.11', noConditions: true }])]);
    const [e] = servicePortEndpoints(view, http, 'node-a');
    assert.deepEqual([e.ready, e.serving, e.terminating], [true, true, false]);
  });

  it('endpoints are sorted as "ip:port" strings, so 10.244.1.10 comes before 10.244.1.9', () => {
    const view = clusterView([...nodes(), svc, slice('shop', 'web', 'web-1', [{ name: 'http', port: 8080 }], [{ ip: '10.244.1.9' }, { ip: '10.244.1.10' }, { ip: '10.244.1.100' }])]);
    assert.deepEqual(servicePortEndpoints(view, http, 'node-a').map((e) => e.key), ['10.244.1.100:8080', '10.244.1.10:8080', '10.244.1.9:8080']);
  });

  it('the same ip:port in two slices is one endpoint, and the local copy wins', () => {
    const view = clusterView([...nodes(), svc,
      slice('shop', 'web', 'web-1', [{ name: 'http', port: 8080 }], [{ ip: '10.244.1.11', node: 'node-b' }]),
      slice('shop', 'web', 'web-2', [{ name: 'http', port: 8080 }], [on(NODE_A, '10.244.1.11')]),
    ]);
    const eps = servicePortEndpoints(view, http, 'node-a');
    assert.equal(eps.length, 1);
    assert.equal(eps[0].isLocal, true);
  });

  it('slice ports bind to the service port by name and protocol; an unnamed port is ""', () => {
    const view = clusterView([...nodes(), svc,
      slice('shop', 'web', 'web-tcp', [{ name: 'http', port: 8080 }, { name: 'metrics', port: 9090 }], [on(NODE_A, '10.244.1.11')]),
      slice('shop', 'web', 'web-udp', [{ name: 'http', port: 8080, protocol: 'UDP' }], [on(NODE_B, '10.244.2.11')]),
      slice('shop', 'web', 'web-unnamed', [{ port: 7070 }], [on(NODE_B, '10.244.2.12')]),
    ]);
    assert.deepEqual(servicePortEndpoints(view, http, 'node-a').map((e) => e.key), ['10.244.1.11:8080']);
    assert.deepEqual(servicePortEndpoints(view, { ...http, protocol: 'UDP' }, 'node-a').map((e) => e.key), ['10.244.2.11:8080']);
    assert.deepEqual(servicePortEndpoints(view, { ...http, port: '' }, 'node-a').map((e) => e.key), ['10.244.2.12:7070']);
  });

  it('slices labelled service-proxy-name or headless, non-IPv4 slices and unlabelled slices are ignored', () => {
    const unlabelled = slice('shop', 'web', 'web-x', [{ name: 'http', port: 8080 }], [{ ip: '10.244.9.9' }]);
    delete unlabelled.metadata.labels?.['kubernetes.io/service-name'];
    const view = clusterView([...nodes(), svc,
      slice('shop', 'web', 'web-1', [{ name: 'http', port: 8080 }], [{ ip: '10.244.1.11' }]),
      slice('shop', 'web', 'web-2', [{ name: 'http', port: 8080 }], [{ ip: '10.244.1.12' }], { labels: { 'service.kubernetes.io/service-proxy-name': 'other' } }),
      slice('shop', 'web', 'web-3', [{ name: 'http', port: 8080 }], [{ ip: '10.244.1.13' }], { labels: { 'service.kubernetes.io/headless': '' } }),
      slice('shop', 'web', 'web-4', [{ name: 'http', port: 8080 }], [{ ip: 'fd00::1' }], { addressType: 'IPv6' }),
      unlabelled,
    ]);
    assert.deepEqual(servicePortEndpoints(view, http, 'node-a').map((e) => e.key), ['10.244.1.11:8080']);
  });

  it('only the first address of an endpoint is used', () => {
    const s = slice('shop', 'web', 'web-1', [{ name: 'http', port: 8080 }], [{ ip: '10.244.1.11' }]);
    s.endpoints![0].addresses.push('10.244.1.99');
    const view = clusterView([...nodes(), svc, s]);
    assert.deepEqual(servicePortEndpoints(view, http, 'node-a').map((e) => e.key), ['10.244.1.11:8080']);
  });

  it('isLocal follows the endpoint nodeName; zone and hints are carried', () => {
    const view = clusterView([...nodes(), svc, slice('shop', 'web', 'web-1', [{ name: 'http', port: 8080 }], [on(NODE_A, '10.244.1.11', { zoneHints: ['zone-a'] }), on(NODE_B, '10.244.2.11')])]);
    const eps = servicePortEndpoints(view, http, 'node-b');
    assert.deepEqual(eps.map((e) => [e.key, e.isLocal, e.zone]), [['10.244.1.11:8080', false, 'zone-a'], ['10.244.2.11:8080', true, 'zone-b']]);
    assert.deepEqual(eps[0].zoneHints, ['zone-a']);
  });
});
