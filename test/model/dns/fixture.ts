/**
 * The cluster every DNS test shares, built directly as a ClusterView (no controllers): Services already
 * allocated, EndpointSlices written out as the EndpointSlice controller would.
 *
 * Address plan: cluster domain cluster.local; ClusterIPs 10.96.0.0/12 (kube-dns 10.96.0.10, test
 * Services 10.96.0.1xx) and fd00:10:96::/112; pods 10.244.0.0/16 and fd00:244::/64; nodes 172.18.0.0/16
 * (node resolver 172.18.0.1); the outside world: example.com and friends from `dns.upstream`.
 */
import type { Endpoint, EndpointPort, EndpointSlice, KObject, Namespace, Pod, PodSpec, Service, ServiceSpec } from '../../../src/api/types.ts';
import { defaultClusterConfig, type ClusterConfig } from '../../../src/cluster/config.ts';
import { ClusterView } from '../../../src/cluster/view.ts';

export function namespace(name: string): Namespace {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name } };
}

export function service(ns: string, name: string, spec: ServiceSpec): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns }, spec: { type: 'ClusterIP', ...spec } };
}

export function slice(ns: string, svc: string, name: string, addressType: 'IPv4' | 'IPv6', endpoints: Endpoint[], ports: EndpointPort[] | null): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
    metadata: { name, namespace: ns, labels: { 'kubernetes.io/service-name': svc } },
    addressType, endpoints, ports,
  };
}

export function ep(ip: string, extra: Partial<Endpoint> = {}): Endpoint {
  return { addresses: [ip], conditions: { ready: true }, ...extra };
}

export function pod(ns: string, name: string, ip: string | undefined, spec: Partial<PodSpec> = {}): Pod {
  return {
    apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns },
    spec: { containers: [{ name: 'c' }], ...spec },
    status: { phase: 'Running', ...(ip ? { podIP: ip, podIPs: [{ ip }] } : {}), hostIP: '172.18.0.2' },
  };
}

const http: EndpointPort = { name: 'http', port: 8080, protocol: 'TCP' };

export function fixtureObjects(): KObject[] {
  return [
    namespace('default'), namespace('kube-system'), namespace('testns'), namespace('podns'), namespace('prod'), namespace('web'),
    service('kube-system', 'kube-dns', {
      clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'], selector: { 'k8s-app': 'kube-dns' },
      ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }, { name: 'metrics', port: 9153, protocol: 'TCP' }],
    }),
    slice('kube-system', 'kube-dns', 'kube-dns-abc', 'IPv4', [ep('10.244.0.2'), ep('10.244.0.3')],
      [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }, { name: 'metrics', port: 9153, protocol: 'TCP' }]),

    // ClusterIP Service with one ready and one not-ready endpoint.
    service('testns', 'svc1', { clusterIP: '10.96.0.101', clusterIPs: ['10.96.0.101'], selector: { app: 'svc1' }, ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 }] }),
    slice('testns', 'svc1', 'svc1-x', 'IPv4', [ep('10.244.1.10'), ep('10.244.1.11', { conditions: { ready: false } })], [http]),
    // ClusterIP Service without endpoints.
    service('testns', 'svcempty', { clusterIP: '10.96.0.102', clusterIPs: ['10.96.0.102'], selector: { app: 'none' }, ports: [{ name: 'http', port: 80, protocol: 'TCP' }] }),
    // IPv6 and dual-stack ClusterIPs.
    service('testns', 'svc6', { clusterIP: 'fd00:10:96::6', clusterIPs: ['fd00:10:96::6'], ipFamilies: ['IPv6'], ports: [{ name: 'http', port: 80, protocol: 'TCP' }] }),
    service('testns', 'dual', { clusterIP: '10.96.0.103', clusterIPs: ['10.96.0.103', 'fd00:10:96::3'], ipFamilies: ['IPv4', 'IPv6'], ports: [{ name: 'http', port: 80, protocol: 'TCP' }] }),
    // Three ports, one UDP.
    service('testns', 'multi', {
      clusterIP: '10.96.0.104', clusterIPs: ['10.96.0.104'],
      ports: [{ name: 'http', port: 80, protocol: 'TCP' }, { name: 'dns', port: 53, protocol: 'UDP' }, { name: 'metrics', port: 9090, protocol: 'TCP' }],
    }),

    // Headless Service: IPv4 and IPv6 slices, a shared hostname, a not-ready endpoint.
    service('testns', 'hdls1', { clusterIP: 'None', clusterIPs: ['None'], selector: { app: 'hdls1' }, ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 }] }),
    slice('testns', 'hdls1', 'hdls1-v4', 'IPv4', [
      ep('10.244.1.2'), ep('10.244.1.3'), ep('10.244.1.4', { hostname: 'dup-name' }), ep('10.244.1.5', { hostname: 'dup-name' }),
      ep('10.244.1.6', { conditions: { ready: false } }),
    ], [http]),
    slice('testns', 'hdls1', 'hdls1-v6', 'IPv6', [ep('fd00:244::1'), ep('fd00:244::2')], [http]),
    // Headless without ports.
    service('testns', 'hdlsprtls', { clusterIP: 'None', clusterIPs: ['None'], selector: { app: 'p' } }),
    slice('testns', 'hdlsprtls', 'hdlsprtls-x', 'IPv4', [ep('10.244.1.20')], null),
    // Headless with no ready endpoint, and one that publishes not-ready addresses.
    service('testns', 'hdlsdown', { clusterIP: 'None', clusterIPs: ['None'], selector: { app: 'down' }, ports: [{ name: 'http', port: 80, protocol: 'TCP' }] }),
    slice('testns', 'hdlsdown', 'hdlsdown-x', 'IPv4', [ep('10.244.1.25', { conditions: { ready: false } })], [http]),
    service('testns', 'peers', { clusterIP: 'None', clusterIPs: ['None'], selector: { app: 'peers' }, publishNotReadyAddresses: true, ports: [{ name: 'gossip', port: 7946, protocol: 'UDP' }] }),
    slice('testns', 'peers', 'peers-x', 'IPv4', [ep('10.244.1.30', { conditions: { ready: false }, hostname: 'peer-0' })], [{ name: 'gossip', port: 7946, protocol: 'UDP' }]),

    // StatefulSet web with governing headless Service web: pods web-0, web-1.
    service('testns', 'web', { clusterIP: 'None', clusterIPs: ['None'], selector: { app: 'web' }, ports: [{ name: 'http', port: 80, protocol: 'TCP' }] }),
    slice('testns', 'web', 'web-x', 'IPv4', [
      ep('10.244.2.10', { hostname: 'web-0', targetRef: { kind: 'Pod', namespace: 'testns', name: 'web-0' } }),
      ep('10.244.2.11', { hostname: 'web-1', targetRef: { kind: 'Pod', namespace: 'testns', name: 'web-1' } }),
    ], [{ name: 'http', port: 80, protocol: 'TCP' }]),
    pod('testns', 'web-0', '10.244.2.10', { hostname: 'web-0', subdomain: 'web' }),
    pod('testns', 'web-1', '10.244.2.11', { hostname: 'web-1', subdomain: 'web' }),

    // Two Services selecting the same pod (one PTR each).
    service('testns', 'front-a', { clusterIP: '10.96.0.105', clusterIPs: ['10.96.0.105'], ports: [{ name: 'http', port: 80, protocol: 'TCP' }] }),
    slice('testns', 'front-a', 'front-a-x', 'IPv4', [ep('10.244.3.5', { targetRef: { kind: 'Pod', namespace: 'testns', name: 'front-7d9f' } })], [http]),
    service('testns', 'front-b', { clusterIP: '10.96.0.106', clusterIPs: ['10.96.0.106'], ports: [{ name: 'http', port: 80, protocol: 'TCP' }] }),
    slice('testns', 'front-b', 'front-b-x', 'IPv4', [ep('10.244.3.5', { targetRef: { kind: 'Pod', namespace: 'testns', name: 'front-7d9f' } })], [http]),

    // ExternalName Services: a host outside, a host inside the zone, and an IP (not a host name).
    service('testns', 'external', { type: 'ExternalName', externalName: 'ext.example.com' }),
    service('testns', 'external-to-service', { type: 'ExternalName', externalName: 'svc1.testns.svc.cluster.local' }),
    service('testns', 'extip', { type: 'ExternalName', externalName: '192.0.2.7' }),

    // Short-name capture: a headless Service "prod" in namespace web with a pod of hostname "backend".
    service('web', 'prod', { clusterIP: 'None', clusterIPs: ['None'], selector: { app: 'b' }, ports: [{ name: 'http', port: 80, protocol: 'TCP' }] }),
    slice('web', 'prod', 'prod-x', 'IPv4', [ep('10.244.4.7', { hostname: 'backend' })], [http]),
    service('prod', 'backend', { clusterIP: '10.96.0.107', clusterIPs: ['10.96.0.107'], ports: [{ name: 'http', port: 80, protocol: 'TCP' }] }),

    pod('testns', 'client', '10.244.1.50'),
    pod('web', 'frontend', '10.244.4.8'),
    pod('podns', 'p1', '10.244.5.1'),
  ];
}

export const UPSTREAM = [
  'example.com. A 93.184.216.34',
  'example.com. AAAA 2606:2800:220:1:248:1893:25c8:1946',
  'www.example.com. CNAME example.com.',
  'ext.example.com. 120 A 93.184.216.35',
  'api.example.com. A 93.184.216.36',
  'example.com. SOA ns.icann.org. noc.dns.icann.org. 2024 7200 3600 1209600 3600',
];

export function fixtureConfig(patch: Partial<ClusterConfig['dns']> = {}): ClusterConfig {
  const config = defaultClusterConfig();
  config.dns = { ...config.dns, upstream: UPSTREAM, ...patch };
  return config;
}

export function fixtureView(patch: Partial<ClusterConfig['dns']> = {}, extra: KObject[] = []): ClusterView {
  return new ClusterView([...fixtureObjects(), ...extra], fixtureConfig(patch));
}
