/**
 * Which Services kube-proxy proxies and what it captures per port (ShouldSkipService,
 * newBaseServiceInfo, ExternallyAccessible / ExternalPolicyLocal / NeedsHealthCheck).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { servicePortInfo, skipReason } from '../../../src/model/service/index.ts';
import type { Service } from '../../../src/api/types.ts';
import { service } from './fixtures.ts';

const info = (s: Service) => servicePortInfo(s, s.spec.ports![0]);

describe('skipReason (ShouldSkipService + kube-proxy label selector)', () => {
  const cases: [string, Service, boolean][] = [
    ['ClusterIP Service is proxied', service('ns', 's', { clusterIP: '10.96.0.5' }), false],
    ['headless Service (clusterIP None) is not', service('ns', 's', { clusterIP: 'None' }), true],
    ['ExternalName Service is not', { ...service('ns', 's', { clusterIP: '' }), spec: { type: 'ExternalName', externalName: 'db.example.com' } }, true],
    ['Service labelled service.kubernetes.io/service-proxy-name is not', { ...service('ns', 's', { clusterIP: '10.96.0.5' }), metadata: { name: 's', namespace: 'ns', labels: { 'service.kubernetes.io/service-proxy-name': 'cilium' } } }, true],
    ['Service labelled service.kubernetes.io/headless is not', { ...service('ns', 's', { clusterIP: '10.96.0.5' }), metadata: { name: 's', namespace: 'ns', labels: { 'service.kubernetes.io/headless': '' } } }, true],
  ];
  for (const [name, svc, skipped] of cases) it(name, () => assert.equal(skipReason(svc) !== undefined, skipped));
});

describe('servicePortInfo', () => {
  it('externalTrafficPolicy Local on a ClusterIP Service without externalIPs has no effect', () => {
    assert.equal(info(service('ns', 's', { clusterIP: '10.96.0.5', externalTrafficPolicy: 'Local' }))!.externalPolicyLocal, false);
  });
  it('a ClusterIP Service with externalIPs is externally accessible', () => {
    const i = info(service('ns', 's', { clusterIP: '10.96.0.5', externalIPs: ['198.51.100.5'], externalTrafficPolicy: 'Local' }))!;
    assert.deepEqual([i.externallyAccessible, i.externalPolicyLocal, i.externalIPs], [true, true, ['198.51.100.5']]);
  });
  it('LoadBalancer ingress with ipMode Proxy is not captured; ipMode VIP and unset are', () => {
    const i = info(service('ns', 's', { type: 'LoadBalancer', clusterIP: '10.96.0.5', ports: [{ name: 'http', port: 80, nodePort: 30080 }] },
      { loadBalancer: { ingress: [{ ip: '192.0.2.1' }, { ip: '192.0.2.2', ipMode: 'Proxy' }, { ip: '192.0.2.3', ipMode: 'VIP' }, { hostname: 'lb.example.com' }] } }))!;
    assert.deepEqual(i.loadBalancerIPs, ['192.0.2.1', '192.0.2.3']);
  });
  it('healthCheckNodePort is used only by LoadBalancer Services with externalTrafficPolicy Local', () => {
    const lb = (etp: 'Local' | 'Cluster') => info(service('ns', 's', { type: 'LoadBalancer', clusterIP: '10.96.0.5', externalTrafficPolicy: etp, healthCheckNodePort: 32000, ports: [{ name: 'http', port: 80, nodePort: 30080 }] }))!;
    assert.equal(lb('Local').healthCheckNodePort, 32000);
    assert.equal(lb('Cluster').healthCheckNodePort, 0);
  });
  it('sessionAffinity ClientIP defaults to 10800 s; an explicit timeout is kept', () => {
    assert.equal(info(service('ns', 's', { clusterIP: '10.96.0.5', sessionAffinity: 'ClientIP' }))!.stickySeconds, 10800);
    assert.equal(info(service('ns', 's', { clusterIP: '10.96.0.5', sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } }))!.stickySeconds, 60);
    assert.equal(info(service('ns', 's', { clusterIP: '10.96.0.5' }))!.stickySeconds, 0);
  });
  it('loadBalancerSourceRanges are trimmed and apply only with LB IPs', () => {
    const withIP = info(service('ns', 's', { type: 'LoadBalancer', clusterIP: '10.96.0.5', loadBalancerSourceRanges: [' 203.0.113.0/25'], ports: [{ name: 'http', port: 80, nodePort: 30080 }] }, { loadBalancer: { ingress: [{ ip: '192.0.2.1' }] } }))!;
    assert.deepEqual(withIP.loadBalancerSourceRanges, ['203.0.113.0/25']);
    const pending = info(service('ns', 's', { type: 'LoadBalancer', clusterIP: '10.96.0.5', loadBalancerSourceRanges: ['203.0.113.0/25'], ports: [{ name: 'http', port: 80, nodePort: 30080 }] }))!;
    assert.deepEqual(pending.loadBalancerSourceRanges, []);
  });
  it('the ServicePortName string drops ":port" for an unnamed port', () => {
    assert.equal(info(service('ns', 's', { clusterIP: '10.96.0.5', ports: [{ port: 80 }] }))!.nameString, 'ns/s');
    assert.equal(info(service('ns', 's', { clusterIP: '10.96.0.5' }))!.nameString, 'ns/s:http');
  });
});
