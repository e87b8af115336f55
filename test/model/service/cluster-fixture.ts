/**
 * One cluster with every Service shape the packet-flow tests need (address plan: fixtures.ts).
 * Shared by the decide() tests, the renderers' golden tests and the differential test.
 */
import type { KObject } from '../../../src/api/types.ts';
import type { ClusterConfig } from '../../../src/cluster/config.ts';
import type { ClusterView } from '../../../src/cluster/view.ts';
import { clusterView, NODE_A, NODE_B, NODE_C, nodes, on, service, slice } from './fixtures.ts';

export function kitchenSinkObjects(): KObject[] {
  return [
    ...nodes(),
    // ClusterIP, two endpoints on two nodes.
    service('ns1', 'svc1', { clusterIP: '10.96.0.41', ports: [{ name: 'http', port: 80, targetPort: 8080 }] }),
    slice('ns1', 'svc1', 'svc1-abc', [{ name: 'http', port: 8080 }], [on(NODE_A, '10.244.1.11', { pod: 'web-a' }), on(NODE_B, '10.244.2.11', { pod: 'web-b' })]),
    // Multi-port, TCP/UDP/SCTP on one port number.
    service('ns1', 'dns', {
      clusterIP: '10.96.0.11',
      ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 5353 }, { name: 'dns-sctp', port: 53, protocol: 'SCTP' }],
    }),
    slice('ns1', 'dns', 'dns-abc', [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 5353 }, { name: 'dns-sctp', port: 53, protocol: 'SCTP' }], [on(NODE_A, '10.244.1.53'), on(NODE_B, '10.244.2.53')]),
    // LoadBalancer, externalTrafficPolicy Local, endpoint on node-b only.
    service('ns2', 'lb-local', {
      type: 'LoadBalancer', clusterIP: '10.96.0.42', externalTrafficPolicy: 'Local', healthCheckNodePort: 32042,
      externalIPs: ['198.51.100.42'], ports: [{ name: 'http', port: 80, targetPort: 8080, nodePort: 30042 }],
    }, { loadBalancer: { ingress: [{ ip: '192.0.2.42', ipMode: 'VIP' }] } }),
    slice('ns2', 'lb-local', 'lb-local-abc', [{ name: 'http', port: 8080 }], [on(NODE_B, '10.244.2.21')]),
    // NodePort, Cluster policy.
    service('ns3', 'np', { type: 'NodePort', clusterIP: '10.96.0.43', ports: [{ name: 'http', port: 80, targetPort: 8080, nodePort: 30043 }] }),
    slice('ns3', 'np', 'np-abc', [{ name: 'http', port: 8080 }], [on(NODE_A, '10.244.1.31'), on(NODE_B, '10.244.2.31')]),
    // LoadBalancer with loadBalancerSourceRanges; one range covers the node network.
    service('ns4', 'lb-fw', {
      type: 'LoadBalancer', clusterIP: '10.96.0.44', loadBalancerSourceRanges: ['203.0.113.0/25', '172.18.0.0/16'],
      ports: [{ name: 'http', port: 80, targetPort: 8080, nodePort: 30044 }],
    }, { loadBalancer: { ingress: [{ ip: '192.0.2.44' }] } }),
    slice('ns4', 'lb-fw', 'lb-fw-abc', [{ name: 'http', port: 8080 }], [on(NODE_C, '10.244.3.41')]),
    // No endpoints at all: a ClusterIP and a LoadBalancer with every address kind.
    service('ns5', 'empty', { clusterIP: '10.96.0.45' }),
    service('ns5', 'empty-lb', {
      type: 'LoadBalancer', clusterIP: '10.96.0.46', externalIPs: ['198.51.100.46'], ports: [{ name: 'http', port: 80, nodePort: 30046 }],
    }, { loadBalancer: { ingress: [{ ip: '192.0.2.46' }] } }),
    // internalTrafficPolicy Local, endpoint on node-b only.
    service('ns6', 'itp-local', { clusterIP: '10.96.0.47', internalTrafficPolicy: 'Local', ports: [{ name: 'http', port: 80, targetPort: 8080 }] }),
    slice('ns6', 'itp-local', 'itp-local-abc', [{ name: 'http', port: 8080 }], [on(NODE_B, '10.244.2.71')]),
    // ClientIP session affinity, 60 s.
    service('ns7', 'sticky', { clusterIP: '10.96.0.48', sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] }),
    slice('ns7', 'sticky', 'sticky-abc', [{ name: 'http', port: 8080 }], [on(NODE_A, '10.244.1.81'), on(NODE_B, '10.244.2.81')]),
    // Only terminating endpoints: one still serving.
    service('ns8', 'term', { clusterIP: '10.96.0.49', ports: [{ name: 'http', port: 80, targetPort: 8080 }] }),
    slice('ns8', 'term', 'term-abc', [{ name: 'http', port: 8080 }], [
      on(NODE_A, '10.244.1.91', { ready: false, serving: true, terminating: true }),
      on(NODE_B, '10.244.2.91', { ready: false, serving: false, terminating: true }),
    ]),
    // Owned by another proxy: ignored by kube-proxy.
    { ...service('ns9', 'other-proxy', { clusterIP: '10.96.0.50' }), metadata: { name: 'other-proxy', namespace: 'ns9', labels: { 'service.kubernetes.io/service-proxy-name': 'cilium' } } },
    slice('ns9', 'other-proxy', 'other-proxy-abc', [{ name: 'http', port: 80 }], [on(NODE_A, '10.244.1.99')]),
    // Headless: no VIP.
    service('ns9', 'headless', { clusterIP: 'None' }),
    slice('ns9', 'headless', 'headless-abc', [{ name: 'http', port: 80 }], [on(NODE_A, '10.244.1.98')]),
  ];
}

export function kitchenSink(config: Partial<ClusterConfig> = {}): ClusterView {
  return clusterView(kitchenSinkObjects(), config);
}
