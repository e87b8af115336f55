// Defaulting rules, each named after the upstream source that defines it:
// pkg/apis/core/v1/defaults.go (SetDefaults_Service, _PodSpec, _Pod, _Endpoints), the `+default`
// markers of k8s.io/api types (ContainerPort.protocol, apps replicas), the Service registry's
// initIPFamilyFields, pkg/apis/networking/v1/defaults.go, discovery/v1 defaults and the Gateway API
// CRD `default:` values.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultObject } from '../../src/api/defaults.ts';
import type { KObject } from '../../src/api/types.ts';

type Rec = Record<string, unknown>;
const obj = (kind: string, apiVersion: string, body: Rec): KObject => ({ apiVersion, kind, metadata: { name: 'x', namespace: 'default' }, ...body }) as KObject;
const svc = (spec: Rec, extra: Rec = {}): Rec => defaultObject(obj('Service', 'v1', { spec, ...extra })).spec as Rec;
const pod = (spec: Rec): Rec => defaultObject(obj('Pod', 'v1', { spec })).spec as Rec;

describe('SetDefaults_Service', () => {
  it('type ClusterIP, sessionAffinity None, internalTrafficPolicy Cluster, no externalTrafficPolicy', () => {
    const s = svc({ ports: [{ port: 80 }] });
    assert.equal(s.type, 'ClusterIP');
    assert.equal(s.sessionAffinity, 'None');
    assert.equal(s.internalTrafficPolicy, 'Cluster');
    assert.equal(s.externalTrafficPolicy, undefined);
    assert.equal(s.allocateLoadBalancerNodePorts, undefined);
  });

  it('ports: protocol TCP and targetPort = port (also when targetPort is 0 or "")', () => {
    const s = svc({ ports: [{ port: 80 }, { port: 81, targetPort: 0, protocol: 'UDP' }, { port: 82, targetPort: '' }, { port: 83, targetPort: 'http' }] });
    assert.deepEqual(s.ports, [
      { port: 80, protocol: 'TCP', targetPort: 80 },
      { port: 81, protocol: 'UDP', targetPort: 81 },
      { port: 82, protocol: 'TCP', targetPort: 82 },
      { port: 83, protocol: 'TCP', targetPort: 'http' },
    ]);
  });

  it('externalTrafficPolicy Cluster for NodePort and LoadBalancer (externally accessible)', () => {
    assert.equal(svc({ type: 'NodePort', ports: [{ port: 80 }] }).externalTrafficPolicy, 'Cluster');
    assert.equal(svc({ type: 'LoadBalancer', ports: [{ port: 80 }] }).externalTrafficPolicy, 'Cluster');
    assert.equal(svc({ type: 'NodePort', externalTrafficPolicy: 'Local', ports: [{ port: 80 }] }).externalTrafficPolicy, 'Local');
  });

  it('externalTrafficPolicy Cluster also for ClusterIP with externalIPs (ExternallyAccessible)', () => {
    assert.equal(svc({ externalIPs: ['192.0.2.10'], ports: [{ port: 80 }] }).externalTrafficPolicy, 'Cluster');
  });

  it('allocateLoadBalancerNodePorts true only for LoadBalancer; status ingress ipMode VIP', () => {
    const out = defaultObject(obj('Service', 'v1', { spec: { type: 'LoadBalancer', ports: [{ port: 80 }] }, status: { loadBalancer: { ingress: [{ ip: '192.0.2.1' }, { hostname: 'lb.example.com' }] } } }));
    assert.equal((out.spec as Rec).allocateLoadBalancerNodePorts, true);
    assert.deepEqual((out.status as Rec).loadBalancer, { ingress: [{ ip: '192.0.2.1', ipMode: 'VIP' }, { hostname: 'lb.example.com' }] });
    assert.equal(svc({ type: 'NodePort', ports: [{ port: 80 }] }).allocateLoadBalancerNodePorts, undefined);
  });

  it('sessionAffinity ClientIP gets clientIP.timeoutSeconds 10800; None drops sessionAffinityConfig', () => {
    assert.deepEqual(svc({ sessionAffinity: 'ClientIP', ports: [{ port: 80 }] }).sessionAffinityConfig, { clientIP: { timeoutSeconds: 10800 } });
    assert.deepEqual(svc({ sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } }).sessionAffinityConfig, { clientIP: { timeoutSeconds: 60 } });
    assert.equal('sessionAffinityConfig' in svc({ sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } }), false);
  });

  it('ExternalName: no internalTrafficPolicy, no IP families', () => {
    const s = svc({ type: 'ExternalName', externalName: 'db.example.com' });
    assert.equal(s.internalTrafficPolicy, undefined);
    assert.equal(s.ipFamilies, undefined);
    assert.equal(s.ipFamilyPolicy, undefined);
  });

  it('initIPFamilyFields: SingleStack in the family of the clusterIP, else the primary family', () => {
    assert.deepEqual([svc({ ports: [{ port: 80 }] }).ipFamilyPolicy, svc({ ports: [{ port: 80 }] }).ipFamilies], ['SingleStack', ['IPv4']]);
    assert.deepEqual(svc({ clusterIP: 'fd00::10', ports: [{ port: 80 }] }).ipFamilies, ['IPv6']);
    const v6 = defaultObject(obj('Service', 'v1', { spec: { ports: [{ port: 80 }] } }), { primaryIPFamily: 'IPv6' });
    assert.deepEqual((v6.spec as Rec).ipFamilies, ['IPv6']);
  });

  it('initIPFamilyFields: headless without selector is RequireDualStack; with selector SingleStack', () => {
    assert.equal(svc({ clusterIP: 'None' }).ipFamilyPolicy, 'RequireDualStack');
    assert.equal(svc({ clusterIP: 'None', selector: { app: 'db' } }).ipFamilyPolicy, 'SingleStack');
  });

  it('never overrides what the user set', () => {
    const s = svc({ type: 'NodePort', sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 5 } }, internalTrafficPolicy: 'Local', externalTrafficPolicy: 'Local', ipFamilyPolicy: 'PreferDualStack', ipFamilies: ['IPv6', 'IPv4'], ports: [{ port: 80, targetPort: 8080, protocol: 'SCTP' }] });
    assert.deepEqual(s, { type: 'NodePort', sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 5 } }, internalTrafficPolicy: 'Local', externalTrafficPolicy: 'Local', ipFamilyPolicy: 'PreferDualStack', ipFamilies: ['IPv6', 'IPv4'], ports: [{ port: 80, targetPort: 8080, protocol: 'SCTP' }] });
  });
});

describe('SetDefaults_PodSpec / SetDefaults_Pod', () => {
  it('dnsPolicy ClusterFirst, restartPolicy Always, container and init container ports TCP', () => {
    const s = pod({ containers: [{ name: 'a', image: 'i', ports: [{ containerPort: 80 }, { containerPort: 53, protocol: 'UDP' }] }], initContainers: [{ name: 'b', image: 'i', ports: [{ containerPort: 81 }] }] });
    assert.equal(s.dnsPolicy, 'ClusterFirst');
    assert.equal(s.restartPolicy, 'Always');
    assert.deepEqual((s.containers as Rec[])[0].ports, [{ containerPort: 80, protocol: 'TCP' }, { containerPort: 53, protocol: 'UDP' }]);
    assert.deepEqual((s.initContainers as Rec[])[0].ports, [{ containerPort: 81, protocol: 'TCP' }]);
  });

  it('hostNetwork: hostPort defaults to containerPort (defaultHostNetworkPorts)', () => {
    const s = pod({ hostNetwork: true, containers: [{ name: 'a', image: 'i', ports: [{ containerPort: 9100 }] }] });
    assert.deepEqual((s.containers as Rec[])[0].ports, [{ containerPort: 9100, hostPort: 9100, protocol: 'TCP' }]);
  });

  it('keeps dnsPolicy and restartPolicy the user set', () => {
    const s = pod({ dnsPolicy: 'None', restartPolicy: 'Never', containers: [] });
    assert.deepEqual([s.dnsPolicy, s.restartPolicy], ['None', 'Never']);
  });
});

describe('workloads (apps/v1)', () => {
  for (const kind of ['Deployment', 'ReplicaSet', 'StatefulSet']) {
    it(`${kind}: replicas 1 and the pod template defaulted like a PodSpec`, () => {
      const out = defaultObject(obj(kind, 'apps/v1', { spec: { selector: {}, template: { spec: { containers: [{ name: 'a', image: 'i', ports: [{ containerPort: 80 }] }] } } } }));
      const spec = out.spec as Rec;
      assert.equal(spec.replicas, 1);
      const podSpec = (spec.template as Rec).spec as Rec;
      assert.equal(podSpec.dnsPolicy, 'ClusterFirst');
      assert.equal(podSpec.restartPolicy, 'Always');
      assert.deepEqual((podSpec.containers as Rec[])[0].ports, [{ containerPort: 80, protocol: 'TCP' }]);
    });
  }

  it('replicas 0 is kept; StatefulSet podManagementPolicy OrderedReady; DaemonSet has no replicas', () => {
    assert.equal((defaultObject(obj('Deployment', 'apps/v1', { spec: { replicas: 0 } })).spec as Rec).replicas, 0);
    assert.equal((defaultObject(obj('StatefulSet', 'apps/v1', { spec: {} })).spec as Rec).podManagementPolicy, 'OrderedReady');
    assert.equal('replicas' in (defaultObject(obj('DaemonSet', 'apps/v1', { spec: {} })).spec as Rec), false);
  });

  // apps/v1 defaults.go: SetDefaults_Deployment, SetDefaults_StatefulSet, SetDefaults_DaemonSet.
  const spec = (kind: string, given: Rec): Rec => defaultObject(obj(kind, 'apps/v1', { spec: given })).spec as Rec;
  it('Deployment: RollingUpdate 25%/25%, revisionHistoryLimit 10, progressDeadlineSeconds 600; Recreate gets no rollingUpdate', () => {
    const d = spec('Deployment', {});
    assert.deepEqual(d.strategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } });
    assert.deepEqual([d.revisionHistoryLimit, d.progressDeadlineSeconds], [10, 600]);
    assert.deepEqual(spec('Deployment', { strategy: { type: 'Recreate' } }).strategy, { type: 'Recreate' });
    assert.deepEqual(spec('Deployment', { strategy: { rollingUpdate: { maxSurge: 1 } }, revisionHistoryLimit: 0 }).strategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: 1 } });
    assert.equal(spec('Deployment', { revisionHistoryLimit: 0 }).revisionHistoryLimit, 0);
  });

  it('StatefulSet: RollingUpdate with partition 0 only when the type was unset; PVC retention Retain/Retain; revisionHistoryLimit 10', () => {
    const s = spec('StatefulSet', {});
    assert.deepEqual(s.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
    assert.deepEqual(s.persistentVolumeClaimRetentionPolicy, { whenDeleted: 'Retain', whenScaled: 'Retain' });
    assert.equal(s.revisionHistoryLimit, 10);
    // A given RollingUpdate type without rollingUpdate stays without it; OnDelete gets nothing.
    assert.deepEqual(spec('StatefulSet', { updateStrategy: { type: 'RollingUpdate' } }).updateStrategy, { type: 'RollingUpdate' });
    assert.deepEqual(spec('StatefulSet', { updateStrategy: { type: 'RollingUpdate', rollingUpdate: {} } }).updateStrategy, { type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
    assert.deepEqual(spec('StatefulSet', { updateStrategy: { type: 'OnDelete' } }).updateStrategy, { type: 'OnDelete' });
    assert.deepEqual(spec('StatefulSet', { persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete' } }).persistentVolumeClaimRetentionPolicy, { whenDeleted: 'Delete', whenScaled: 'Retain' });
  });

  it('DaemonSet: RollingUpdate maxUnavailable 1, maxSurge 0; OnDelete kept; revisionHistoryLimit 10', () => {
    const d = spec('DaemonSet', {});
    assert.deepEqual(d.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
    assert.equal(d.revisionHistoryLimit, 10);
    assert.deepEqual(spec('DaemonSet', { updateStrategy: { type: 'OnDelete' } }).updateStrategy, { type: 'OnDelete' });
  });

  // Defaulting runs before validation and must not hide a wrong type from it (the API server's
  // decoder refuses a string where DeploymentStrategy is a struct).
  it('a strategy of the wrong type is left as given, for validation to report', () => {
    assert.equal(spec('Deployment', { strategy: 'Recreate' }).strategy, 'Recreate');
    assert.equal(spec('StatefulSet', { updateStrategy: 'OnDelete' }).updateStrategy, 'OnDelete');
    assert.deepEqual(spec('StatefulSet', { persistentVolumeClaimRetentionPolicy: [] }).persistentVolumeClaimRetentionPolicy, []);
    assert.equal(spec('DaemonSet', { updateStrategy: 'OnDelete' }).updateStrategy, 'OnDelete');
    assert.deepEqual(spec('Deployment', { strategy: { rollingUpdate: 1 } }).strategy, { type: 'RollingUpdate', rollingUpdate: 1 });
  });
});

describe('SetDefaults_NetworkPolicy / NetworkPolicyPort', () => {
  const np = (spec: Rec): Rec => defaultObject(obj('NetworkPolicy', 'networking.k8s.io/v1', { spec })).spec as Rec;
  it('policyTypes absent: [Ingress]', () => assert.deepEqual(np({ podSelector: {} }).policyTypes, ['Ingress']));
  it('policyTypes absent with egress rules: [Ingress, Egress]', () => assert.deepEqual(np({ podSelector: {}, egress: [{}] }).policyTypes, ['Ingress', 'Egress']));
  it('egress: [] does not add Egress', () => assert.deepEqual(np({ podSelector: {}, egress: [] }).policyTypes, ['Ingress']));
  it('policyTypes: [] is treated as absent (len == 0)', () => assert.deepEqual(np({ podSelector: {}, policyTypes: [], egress: [{}] }).policyTypes, ['Ingress', 'Egress']));
  it('given policyTypes are kept', () => assert.deepEqual(np({ podSelector: {}, policyTypes: ['Egress'] }).policyTypes, ['Egress']));
  it('ports protocol TCP in ingress and egress', () => {
    const s = np({ podSelector: {}, ingress: [{ ports: [{ port: 80 }, { protocol: 'UDP', port: 53 }] }], egress: [{ ports: [{ port: 'dns' }] }] });
    assert.deepEqual((s.ingress as Rec[])[0].ports, [{ port: 80, protocol: 'TCP' }, { protocol: 'UDP', port: 53 }]);
    assert.deepEqual((s.egress as Rec[])[0].ports, [{ port: 'dns', protocol: 'TCP' }]);
  });
});

describe('Endpoints, EndpointSlice, IngressClass', () => {
  it('SetDefaults_Endpoints: ports protocol TCP', () => {
    const out = defaultObject(obj('Endpoints', 'v1', { subsets: [{ addresses: [{ ip: '10.0.0.1' }], ports: [{ port: 80 }] }] }));
    assert.deepEqual((out.subsets as Rec[])[0].ports, [{ port: 80, protocol: 'TCP' }]);
  });
  it('discovery/v1 EndpointPort: name "" and protocol TCP', () => {
    const out = defaultObject(obj('EndpointSlice', 'discovery.k8s.io/v1', { addressType: 'IPv4', endpoints: [], ports: [{ port: 80 }, { name: 'dns', port: 53, protocol: 'UDP' }] }));
    assert.deepEqual(out.ports, [{ name: '', port: 80, protocol: 'TCP' }, { name: 'dns', port: 53, protocol: 'UDP' }]);
  });
  it('SetDefaults_IngressClass: parameters.scope Cluster', () => {
    const out = defaultObject(obj('IngressClass', 'networking.k8s.io/v1', { spec: { controller: 'k8s.io/ingress-nginx', parameters: { kind: 'X', name: 'y' } } }));
    assert.equal(((out.spec as Rec).parameters as Rec).scope, 'Cluster');
  });
  it('Ingress pathType has no default in networking.k8s.io/v1', () => {
    const out = defaultObject(obj('Ingress', 'networking.k8s.io/v1', { spec: { rules: [{ http: { paths: [{ path: '/', backend: {} }] } }] } }));
    assert.equal('pathType' in (((((out.spec as Rec).rules as Rec[])[0].http as Rec).paths as Rec[])[0]), false);
  });
});

describe('Gateway API CRD defaults', () => {
  it('HTTPRoute without rules: one rule matching PathPrefix /', () => {
    const out = defaultObject(obj('HTTPRoute', 'gateway.networking.k8s.io/v1', { spec: { parentRefs: [{ name: 'gw' }] } }));
    const spec = out.spec as Rec;
    assert.deepEqual(spec.rules, [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }] }]);
    assert.deepEqual(spec.parentRefs, [{ name: 'gw', group: 'gateway.networking.k8s.io', kind: 'Gateway' }]);
  });

  it('rule without matches, match without path, path without type; header type Exact; backendRef group/kind/weight', () => {
    const out = defaultObject(obj('HTTPRoute', 'gateway.networking.k8s.io/v1', {
      spec: {
        rules: [
          { backendRefs: [{ name: 'web', port: 80 }] },
          { matches: [{ headers: [{ name: 'x', value: 'y' }] }, { path: { value: '/api' } }], backendRefs: [{ name: 'api', port: 8080, weight: 0 }] },
        ],
      },
    }));
    const rules = (out.spec as Rec).rules as Rec[];
    assert.deepEqual(rules[0], { matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: [{ name: 'web', port: 80, group: '', kind: 'Service', weight: 1 }] });
    assert.deepEqual(rules[1].matches, [
      { headers: [{ name: 'x', value: 'y', type: 'Exact' }], path: { type: 'PathPrefix', value: '/' } },
      { path: { value: '/api', type: 'PathPrefix' } },
    ]);
    assert.deepEqual(rules[1].backendRefs, [{ name: 'api', port: 8080, weight: 0, group: '', kind: 'Service' }]);
  });

  it('Gateway listener: allowedRoutes.namespaces.from Same; tls mode Terminate', () => {
    const out = defaultObject(obj('Gateway', 'gateway.networking.k8s.io/v1', {
      spec: { gatewayClassName: 'c', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }, { name: 'https', port: 443, protocol: 'HTTPS', tls: { certificateRefs: [{ name: 'cert' }] }, allowedRoutes: { namespaces: {} } }] },
    }));
    const ls = (out.spec as Rec).listeners as Rec[];
    assert.deepEqual(ls[0].allowedRoutes, { namespaces: { from: 'Same' } });
    assert.deepEqual(ls[1].allowedRoutes, { namespaces: { from: 'Same' } });
    assert.equal((ls[1].tls as Rec).mode, 'Terminate');
  });

  it('ReferenceGrant and GatewayClass: nothing defaulted', () => {
    const rg = obj('ReferenceGrant', 'gateway.networking.k8s.io/v1beta1', { spec: { from: [{ group: '', kind: 'HTTPRoute', namespace: 'a' }], to: [{ group: '', kind: 'Service' }] } });
    assert.deepEqual(defaultObject(rg), rg);
  });
});

describe('defaultObject is pure and robust', () => {
  it('returns a new object and leaves the input untouched', () => {
    const input = obj('Service', 'v1', { spec: { ports: [{ port: 80 }] } });
    const copy = structuredClone(input);
    const out = defaultObject(input);
    assert.notEqual(out, input);
    assert.deepEqual(input, copy);
  });

  it('leaves wrongly typed fields for validation to report', () => {
    const out = defaultObject(obj('Service', 'v1', { spec: { ports: 'eighty' } }));
    assert.equal((out.spec as Rec).ports, 'eighty');
    const bad = defaultObject(obj('Service', 'v1', { spec: { ports: [{ port: '80' }, 'x', null] } }));
    assert.deepEqual((bad.spec as Rec).ports, [{ port: '80', protocol: 'TCP' }, 'x', null]);
    assert.doesNotThrow(() => defaultObject(obj('Pod', 'v1', { spec: 'nope' })));
    assert.doesNotThrow(() => defaultObject(obj('NetworkPolicy', 'networking.k8s.io/v1', { spec: { policyTypes: 'Ingress' } })));
  });

  it('clears metadata.namespace on cluster-scoped kinds (the API server ignores it on create)', () => {
    const out = defaultObject({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', namespace: 'default' } });
    assert.equal(out.metadata.namespace, undefined);
  });
});
