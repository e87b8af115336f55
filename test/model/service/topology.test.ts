/**
 * CategorizeEndpoints (pkg/proxy/topology.go): Cluster and Local endpoint sets and hasAnyEndpoints,
 * cases named after the upstream behaviour. Node "node-a" in zone "zone-a" unless the case says.
 * Expectation lists are "ip:port" keys; an empty list means the set is empty (unused or no match).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { categorizeEndpoints, type EndpointInfo, type ServicePortInfo } from '../../../src/model/service/index.ts';

function ep(ip: string, o: Partial<EndpointInfo> = {}): EndpointInfo {
  return { ip, port: 80, key: `${ip}:80`, isLocal: false, ready: true, serving: true, terminating: false, zoneHints: [], nodeHints: [], ...o };
}

function svc(o: Partial<ServicePortInfo> = {}): ServicePortInfo {
  return {
    name: { namespace: 'ns1', name: 'svc1', port: 'p80', protocol: 'TCP' }, nameString: 'ns1/svc1:p80', clusterIP: '10.96.0.41', port: 80, nodePort: 0,
    externalIPs: [], loadBalancerIPs: [], loadBalancerSourceRanges: [], healthCheckNodePort: 0,
    internalPolicyLocal: false, externalPolicyLocal: false, externallyAccessible: false, stickySeconds: 0, ...o,
  };
}

const externalLocal = { externallyAccessible: true, externalPolicyLocal: true, nodePort: 30080 };

interface Case {
  name: string;
  svc: ServicePortInfo;
  endpoints: EndpointInfo[];
  node?: string;
  zone?: string;
  cluster: string[];
  local: string[];
  allReachable: string[];
  hasAny: boolean;
}

const cases: Case[] = [
  {
    name: 'no topology hints: every ready endpoint is a Cluster endpoint',
    svc: svc(),
    endpoints: [ep('10.1.2.3'), ep('10.1.2.4'), ep('10.1.2.5'), ep('10.1.2.6', { ready: false, serving: false })],
    cluster: ['10.1.2.3:80', '10.1.2.4:80', '10.1.2.5:80'], local: [], allReachable: ['10.1.2.3:80', '10.1.2.4:80', '10.1.2.5:80'], hasAny: true,
  },
  {
    name: 'zone hints for every endpoint, some for this zone: filtered to this zone',
    svc: svc(),
    endpoints: [ep('10.1.2.3', { zoneHints: ['zone-a'] }), ep('10.1.2.4', { zoneHints: ['zone-b'] }), ep('10.1.2.5', { zoneHints: ['zone-c'] }), ep('10.1.2.6', { zoneHints: ['zone-a'] })],
    cluster: ['10.1.2.3:80', '10.1.2.6:80'], local: [], allReachable: ['10.1.2.3:80', '10.1.2.6:80'], hasAny: true,
  },
  {
    name: 'multiple hints per endpoint: an endpoint hinted for several zones serves each',
    svc: svc(),
    endpoints: [ep('10.1.2.3', { zoneHints: ['zone-a', 'zone-b'] }), ep('10.1.2.4', { zoneHints: ['zone-b', 'zone-c'] }), ep('10.1.2.5', { zoneHints: ['zone-b', 'zone-d'] }), ep('10.1.2.6', { zoneHints: ['zone-c'] })],
    zone: 'zone-b',
    cluster: ['10.1.2.3:80', '10.1.2.4:80', '10.1.2.5:80'], local: [], allReachable: ['10.1.2.3:80', '10.1.2.4:80', '10.1.2.5:80'], hasAny: true,
  },
  {
    name: 'one ready endpoint missing a hint: hints ignored',
    svc: svc(),
    endpoints: [ep('10.1.2.3', { zoneHints: ['zone-a'] }), ep('10.1.2.4', { zoneHints: ['zone-b'] }), ep('10.1.2.5')],
    cluster: ['10.1.2.3:80', '10.1.2.4:80', '10.1.2.5:80'], local: [], allReachable: ['10.1.2.3:80', '10.1.2.4:80', '10.1.2.5:80'], hasAny: true,
  },
  {
    name: 'unready endpoint without a hint does not disable hints',
    svc: svc(),
    endpoints: [ep('10.1.2.3', { zoneHints: ['zone-a'] }), ep('10.1.2.4', { zoneHints: ['zone-b'] }), ep('10.1.2.5', { ready: false, serving: false })],
    cluster: ['10.1.2.3:80'], local: [], allReachable: ['10.1.2.3:80'], hasAny: true,
  },
  {
    name: 'node in a zone no hint names: no filtering',
    svc: svc(),
    endpoints: [ep('10.1.2.3', { zoneHints: ['zone-b'] }), ep('10.1.2.4', { zoneHints: ['zone-c'] })],
    cluster: ['10.1.2.3:80', '10.1.2.4:80'], local: [], allReachable: ['10.1.2.3:80', '10.1.2.4:80'], hasAny: true,
  },
  {
    name: 'node without a zone label: hints ignored',
    svc: svc(),
    endpoints: [ep('10.1.2.3', { zoneHints: ['zone-a'] }), ep('10.1.2.4', { zoneHints: ['zone-b'] })],
    zone: undefined,
    cluster: ['10.1.2.3:80', '10.1.2.4:80'], local: [], allReachable: ['10.1.2.3:80', '10.1.2.4:80'], hasAny: true,
  },
  {
    name: 'only unready endpoints in this zone: the hint for this zone is not counted, no filtering',
    svc: svc(),
    endpoints: [ep('10.1.2.3', { zoneHints: ['zone-a'], ready: false, serving: false }), ep('10.1.2.4', { zoneHints: ['zone-b'] })],
    cluster: ['10.1.2.4:80'], local: [], allReachable: ['10.1.2.4:80'], hasAny: true,
  },
  {
    name: 'node hints (PreferSameNode) win over zone hints',
    svc: svc(),
    endpoints: [ep('10.1.2.3', { zoneHints: ['zone-a'], nodeHints: ['node-a'] }), ep('10.1.2.4', { zoneHints: ['zone-a'], nodeHints: ['node-c'] })],
    cluster: ['10.1.2.3:80'], local: [], allReachable: ['10.1.2.3:80'], hasAny: true,
  },
  {
    name: 'node hints that do not name this node fall back to zone hints',
    svc: svc(),
    endpoints: [ep('10.1.2.3', { zoneHints: ['zone-a'], nodeHints: ['node-c'] }), ep('10.1.2.4', { zoneHints: ['zone-b'], nodeHints: ['node-b'] })],
    cluster: ['10.1.2.3:80'], local: [], allReachable: ['10.1.2.3:80'], hasAny: true,
  },
  {
    name: 'internalTrafficPolicy: Local, topology ignored for Local endpoints',
    svc: svc({ internalPolicyLocal: true }),
    endpoints: [ep('10.0.0.0', { isLocal: true, zoneHints: ['zone-a'] }), ep('10.0.0.1', { isLocal: true, zoneHints: ['zone-b'] }), ep('10.0.0.2', { zoneHints: ['zone-a'] })],
    cluster: [], local: ['10.0.0.0:80', '10.0.0.1:80'], allReachable: ['10.0.0.0:80', '10.0.0.1:80'], hasAny: true,
  },
  {
    name: 'internalTrafficPolicy: Local, but all endpoints are remote',
    svc: svc({ internalPolicyLocal: true }),
    endpoints: [ep('10.0.0.0'), ep('10.0.0.1')],
    cluster: [], local: [], allReachable: [], hasAny: true,
  },
  {
    name: 'internalTrafficPolicy: Local, only non-ready local endpoints: no endpoints at all',
    svc: svc({ internalPolicyLocal: true }),
    endpoints: [ep('10.0.0.0', { isLocal: true, ready: false, serving: false })],
    cluster: [], local: [], allReachable: [], hasAny: false,
  },
  {
    name: 'externalTrafficPolicy: Local, topology ignored for Local endpoints; Cluster set still computed for short-circuits',
    svc: svc(externalLocal),
    endpoints: [ep('10.0.0.0', { isLocal: true, zoneHints: ['zone-a'] }), ep('10.0.0.1', { isLocal: true, zoneHints: ['zone-b'] }), ep('10.0.0.2', { zoneHints: ['zone-a'] })],
    cluster: ['10.0.0.0:80', '10.0.0.2:80'], local: ['10.0.0.0:80', '10.0.0.1:80'], allReachable: ['10.0.0.0:80', '10.0.0.1:80', '10.0.0.2:80'], hasAny: true,
  },
  {
    name: 'externalTrafficPolicy: Local, no local endpoints: Local set empty but the Service has endpoints',
    svc: svc(externalLocal),
    endpoints: [ep('10.0.0.1'), ep('10.0.0.2')],
    cluster: ['10.0.0.1:80', '10.0.0.2:80'], local: [], allReachable: ['10.0.0.1:80', '10.0.0.2:80'], hasAny: true,
  },
  {
    name: 'Cluster policy, only terminating endpoints that are serving: fall back to them (KEP-1669)',
    svc: svc(),
    endpoints: [ep('10.0.0.0', { ready: false, serving: true, terminating: true }), ep('10.0.0.1', { ready: false, serving: false, terminating: true }), ep('10.0.0.2', { ready: false, serving: true, terminating: true })],
    cluster: ['10.0.0.0:80', '10.0.0.2:80'], local: [], allReachable: ['10.0.0.0:80', '10.0.0.2:80'], hasAny: true,
  },
  {
    name: 'Cluster policy, ready endpoints present: serving terminating endpoints are not used',
    svc: svc(),
    endpoints: [ep('10.0.0.0', { ready: false, serving: true, terminating: true }), ep('10.0.0.1')],
    cluster: ['10.0.0.1:80'], local: [], allReachable: ['10.0.0.1:80'], hasAny: true,
  },
  {
    name: 'Cluster policy, terminating endpoints that are not serving: no endpoints',
    svc: svc(),
    endpoints: [ep('10.0.0.0', { ready: false, serving: false, terminating: true })],
    cluster: [], local: [], allReachable: [], hasAny: false,
  },
  {
    name: 'externalTrafficPolicy: Local, local endpoint only serving-terminating: Local uses it, Cluster uses the remote ready one; merged',
    svc: svc(externalLocal),
    endpoints: [ep('10.0.0.0', { isLocal: true, ready: false, serving: true, terminating: true }), ep('10.0.0.1')],
    cluster: ['10.0.0.1:80'], local: ['10.0.0.0:80'], allReachable: ['10.0.0.0:80', '10.0.0.1:80'], hasAny: true,
  },
  {
    name: 'conflicting topology and localness require merging allReachable',
    svc: svc(externalLocal),
    endpoints: [ep('10.0.0.0', { isLocal: true, zoneHints: ['zone-b'] }), ep('10.0.0.1', { zoneHints: ['zone-a'] })],
    cluster: ['10.0.0.1:80'], local: ['10.0.0.0:80'], allReachable: ['10.0.0.0:80', '10.0.0.1:80'], hasAny: true,
  },
];

describe('categorizeEndpoints (CategorizeEndpoints)', () => {
  for (const c of cases) {
    it(c.name, () => {
      const zone = 'zone' in c ? c.zone : 'zone-a';
      const r = categorizeEndpoints(c.endpoints, c.svc, c.node ?? 'node-a', zone);
      assert.deepEqual(r.cluster.map((e) => e.key), c.cluster, 'cluster');
      assert.deepEqual(r.local.map((e) => e.key), c.local, 'local');
      assert.deepEqual(r.allReachable.map((e) => e.key), c.allReachable, 'allReachable');
      assert.equal(r.hasAnyEndpoints, c.hasAny, 'hasAnyEndpoints');
    });
  }
});
