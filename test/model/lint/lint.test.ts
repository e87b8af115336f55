/**
 * Every lint rule against a fixture that must trigger it and a near-identical one that must not.
 * Clusters go through the real pipeline (pod IPs, ClusterIPs and EndpointSlices by the controllers),
 * except where a rule is about the configuration itself (the view then gets another config).
 *
 * Base: namespace app (default-deny ingress, web reachable on http from anywhere), pods web-1 on
 * node-1 (app=web, containerPort http 8080) and client on node-1, Service web 80 → http.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeText, type DecodeResult } from '../../../src/api/decode.ts';
import type { InputError } from '../../../src/api/errors.ts';
import type { KObject, Service } from '../../../src/api/types.ts';
import { defaultClusterConfig, type ClusterConfig } from '../../../src/cluster/config.ts';
import { Store } from '../../../src/cluster/store.ts';
import { ClusterView } from '../../../src/cluster/view.ts';
import { applyObjects } from '../../../src/controllers/apply.ts';
import { lint, RULES } from '../../../src/model/lint/index.ts';

const BASE = `
apiVersion: v1
kind: Namespace
metadata: {name: app}
---
apiVersion: v1
kind: Pod
metadata: {name: web-1, namespace: app, labels: {app: web}}
spec:
  nodeName: node-1
  containers: [{name: nginx, image: nginx, ports: [{name: http, containerPort: 8080}]}]
---
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: app, labels: {role: client}}
spec:
  nodeName: node-1
  containers: [{name: c, image: curl}]
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: app}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: http}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny, namespace: app}
spec:
  podSelector: {}
  policyTypes: [Ingress]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web-public, namespace: app}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress: [{ports: [{port: http}]}]
`;

type Patch = Partial<Omit<ClusterConfig, 'cniOptions'>> & { cniOptions?: Partial<ClusterConfig['cniOptions']> };

function withPatch(patch: Patch = {}): ClusterConfig {
  const base = defaultClusterConfig();
  return { ...base, ...patch, cniOptions: { ...base.cniOptions, ...(patch.cniOptions ?? {}) } };
}

interface Fixture {
  extra?: string;
  /** Config the manifests are applied with. */
  patch?: Patch;
  /** Config the view (and so lint) reads, when it differs: rules about the configuration. */
  viewPatch?: Patch;
  /** A view of explicit objects instead of the pipeline. */
  objects?: () => { objects: KObject[]; patch: Patch };
}

function build(f: Fixture): ClusterView {
  if (f.objects) {
    const { objects, patch } = f.objects();
    return new ClusterView(objects, withPatch(patch));
  }
  const result: DecodeResult = { objects: [], warnings: [] };
  const errors: InputError[] = [];
  decodeText(`${BASE}${f.extra ? `---\n${f.extra}` : ''}`, 'lint-fixture.yaml', result, errors);
  if (errors.length) throw new Error(errors.map((e) => `${e.field ?? ''} ${e.reason}`).join('\n'));
  const store = new Store({ now: () => new Date('2024-01-01T00:00:00Z') });
  applyObjects(store, result.objects, withPatch(f.patch));
  return new ClusterView(store.list(), withPatch({ ...f.patch, ...f.viewPatch }));
}

const services = (n: number): KObject[] => Array.from({ length: n }, (_, i): Service => ({
  apiVersion: 'v1', kind: 'Service', metadata: { name: `s${i}`, namespace: 'app' }, spec: { clusterIP: `10.96.0.${i + 1}`, ports: [{ port: 80 }] },
}));

const slice = (svc: string, ready: boolean) => `apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: ${svc}-1, namespace: app, labels: {kubernetes.io/service-name: ${svc}}}
addressType: IPv4
ports: [{port: 8080}]
endpoints: [{addresses: [10.1.2.3], conditions: {ready: ${ready}}}]
`;

const egressDeny = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: egress-deny, namespace: app}
spec:
  podSelector: {}
  policyTypes: [Egress]
`;

const allowDNS = (ports: string) => `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-dns, namespace: app}
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
    - to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}, podSelector: {matchLabels: {k8s-app: kube-dns}}}]
      ports: ${ports}
`;

const gateway = (from: string) => `apiVersion: v1
kind: Namespace
metadata: {name: infra}
---
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: podnet}
spec: {controllerName: podnet.dev/gateway-controller}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: infra}
spec:
  gatewayClassName: podnet
  listeners: [{name: http, port: 80, protocol: HTTP, allowedRoutes: {namespaces: {from: ${from}}}}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web, namespace: app}
spec:
  parentRefs: [{name: gw, namespace: infra}]
  rules: [{backendRefs: [{name: web, port: 80}]}]
`;

const ingress = (cls: string, service: string, port: number) => `apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: nginx}
spec: {controller: k8s.io/ingress-nginx}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: shop, namespace: app}
spec:
  ingressClassName: ${cls}
  rules: [{host: shop.example.com, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: ${service}, port: {number: ${port}}}}}]}}]
`;

const b64 = (text: string): string => Buffer.from(text).toString('base64');
const PEM = { crt: b64('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n'), key: b64('-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n') };
/** The ingress fixture with tls naming Secret shop-tls, plus that Secret (`secret` = its type and data lines, or none). */
const tlsIngress = (secret?: { type: string; data: string }) => `${ingress('nginx', 'web', 80)}  tls: [{hosts: [shop.example.com], secretName: shop-tls}]
${secret ? `---\napiVersion: v1\nkind: Secret\nmetadata: {name: shop-tls, namespace: app}\ntype: ${secret.type}\ndata: ${secret.data}\n` : ''}`;
const pemData = `{tls.crt: ${PEM.crt}, tls.key: ${PEM.key}}`;
const httpsGateway = (secret: string) => `apiVersion: v1
kind: Namespace
metadata: {name: infra}
---
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: podnet}
spec: {controllerName: podnet.dev/gateway-controller}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: infra}
spec:
  gatewayClassName: podnet
  listeners: [{name: https, port: 443, protocol: HTTPS, tls: {certificateRefs: [{name: gw-tls}]}}]
---
${secret}`;

const shadowPolicy = (secondPort: number) => `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web-extra, namespace: app}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress:
    - ports: [{port: 8080}]
    - from: [{podSelector: {matchLabels: {role: client}}}]
      ports: [{port: ${secondPort}}]
`;

const cases: { rule: string; why: string; positive: Fixture; negative: Fixture }[] = [
  {
    rule: 'service-selector-no-pods', why: 'a selector matching no pod in the namespace leaves the Service without endpoints',
    positive: { extra: 'apiVersion: v1\nkind: Service\nmetadata: {name: ghost, namespace: app}\nspec: {selector: {app: ghost}, ports: [{port: 80}]}\n' },
    negative: {},
  },
  {
    rule: 'service-target-port-missing', why: 'a named targetPort resolves per pod by containerPort name and protocol (findPort)',
    positive: { extra: 'apiVersion: v1\nkind: Service\nmetadata: {name: metrics, namespace: app}\nspec: {selector: {app: web}, ports: [{port: 9090, targetPort: metrics}]}\n' },
    negative: { extra: 'apiVersion: v1\nkind: Service\nmetadata: {name: web2, namespace: app}\nspec: {selector: {app: web}, ports: [{port: 9090, targetPort: http}]}\n' },
  },
  {
    rule: 'service-no-ready-endpoints', why: 'endpoints with ready=false take no ClusterIP traffic',
    positive: { extra: `apiVersion: v1\nkind: Service\nmetadata: {name: ext, namespace: app}\nspec: {ports: [{port: 80, targetPort: 8080}]}\n---\n${slice('ext', false)}` },
    negative: { extra: `apiVersion: v1\nkind: Service\nmetadata: {name: ext, namespace: app}\nspec: {ports: [{port: 80, targetPort: 8080}]}\n---\n${slice('ext', true)}` },
  },
  {
    rule: 'service-headless-no-endpoints', why: 'a headless Service without ready endpoints answers NXDOMAIN',
    positive: { extra: 'apiVersion: v1\nkind: Service\nmetadata: {name: hl, namespace: app}\nspec: {clusterIP: None, ports: [{port: 8080}]}\n' },
    negative: { extra: `apiVersion: v1\nkind: Service\nmetadata: {name: hl, namespace: app}\nspec: {clusterIP: None, ports: [{port: 8080}]}\n---\n${slice('hl', true)}` },
  },
  {
    rule: 'nodeport-out-of-range', why: 'nodePorts must lie in --service-node-port-range',
    positive: { extra: 'apiVersion: v1\nkind: Service\nmetadata: {name: np, namespace: app}\nspec: {type: NodePort, selector: {app: web}, ports: [{port: 80, targetPort: http, nodePort: 30080}]}\n', viewPatch: { nodePortRange: { base: 31000, size: 1768 } } },
    negative: { extra: 'apiVersion: v1\nkind: Service\nmetadata: {name: np, namespace: app}\nspec: {type: NodePort, selector: {app: web}, ports: [{port: 80, targetPort: http, nodePort: 30080}]}\n' },
  },
  {
    rule: 'external-traffic-local-no-endpoints', why: 'eTP Local drops external traffic on nodes without a local endpoint',
    positive: { extra: 'apiVersion: v1\nkind: Service\nmetadata: {name: np, namespace: app}\nspec: {type: NodePort, externalTrafficPolicy: Local, selector: {app: web}, ports: [{port: 80, targetPort: http}]}\n' },
    negative: { extra: 'apiVersion: v1\nkind: Service\nmetadata: {name: np, namespace: app}\nspec: {type: NodePort, externalTrafficPolicy: Cluster, selector: {app: web}, ports: [{port: 80, targetPort: http}]}\n' },
  },
  {
    rule: 'policy-not-enforced', why: 'flannel implements no NetworkPolicy',
    positive: { patch: { cni: 'flannel' } },
    negative: { patch: { cni: 'calico' } },
  },
  {
    rule: 'policy-selects-no-pods', why: 'podSelector is namespace-local; selecting nothing isolates nothing',
    positive: { extra: 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: ghost, namespace: app}\nspec: {podSelector: {matchLabels: {app: ghost}}}\n' },
    negative: {},
  },
  {
    rule: 'policy-peer-matches-nothing', why: 'a peer podSelector without namespaceSelector only looks in the policy namespace',
    positive: { extra: 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: from-ghost, namespace: app}\nspec: {podSelector: {matchLabels: {app: web}}, ingress: [{from: [{podSelector: {matchLabels: {app: ghost}}}]}]}\n' },
    negative: { extra: 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: from-client, namespace: app}\nspec: {podSelector: {matchLabels: {app: web}}, ingress: [{from: [{podSelector: {matchLabels: {role: client}}}]}]}\n' },
  },
  {
    rule: 'policy-rule-shadowed', why: 'policies are a union of allows: a rule inside another adds nothing',
    positive: { extra: shadowPolicy(8080) },
    negative: { extra: shadowPolicy(9090) },
  },
  {
    rule: 'egress-without-dns', why: 'egress isolation blocks UDP/TCP 53 to kube-dns unless a rule admits it',
    positive: { extra: egressDeny },
    negative: { extra: `${egressDeny}---\n${allowDNS('[{protocol: UDP, port: 53}, {protocol: TCP, port: 53}]')}` },
  },
  {
    rule: 'namespace-without-default-deny', why: 'pods are non-isolated until a policy selects them',
    positive: { extra: 'apiVersion: v1\nkind: Namespace\nmetadata: {name: open}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: open}\nspec: {nodeName: node-1, containers: [{name: c, image: x}]}\n' },
    negative: {},
  },
  {
    rule: 'cidr-overlap', why: 'pod, service and node ranges must be disjoint',
    positive: { viewPatch: { serviceCIDR: '10.244.128.0/17' } },
    negative: {},
  },
  {
    rule: 'pod-cidr-too-small', why: 'a /26 node block holds 62 pod IPs, below kubelet\'s default max-pods 110',
    positive: { viewPatch: { nodeCIDRMaskSize: 26 } },
    negative: { viewPatch: { nodeCIDRMaskSize: 24 } },
  },
  {
    rule: 'service-cidr-exhaustion', why: 'ClusterIP allocation fails once the range is used up',
    positive: { objects: () => ({ objects: services(12), patch: { serviceCIDR: '10.96.0.0/28' } }) },
    negative: { objects: () => ({ objects: services(3), patch: { serviceCIDR: '10.96.0.0/28' } }) },
  },
  {
    rule: 'mtu-mismatch', why: 'VXLAN costs 50 bytes: a 1500-byte pod MTU on a 1500 underlay does not fit the tunnel',
    positive: { patch: { cni: 'flannel', cniOptions: { podMTU: 1500 } } },
    negative: { patch: { cni: 'flannel' } },
  },
  {
    rule: 'dns-ndots-external-names', why: 'with ndots:5 a name of fewer dots walks the search list first',
    positive: { extra: 'apiVersion: v1\nkind: Service\nmetadata: {name: search, namespace: app}\nspec: {type: ExternalName, externalName: search.example.com}\n' },
    negative: { extra: 'apiVersion: v1\nkind: Service\nmetadata: {name: search, namespace: app}\nspec: {type: ExternalName, externalName: a.b.c.d.example.com}\n' },
  },
  {
    rule: 'hostnetwork-clusterfirst-dns', why: 'kubelet treats ClusterFirst on the host network as Default',
    positive: { extra: 'apiVersion: v1\nkind: Pod\nmetadata: {name: agent, namespace: app}\nspec: {nodeName: node-1, hostNetwork: true, containers: [{name: c, image: x}]}\n' },
    negative: { extra: 'apiVersion: v1\nkind: Pod\nmetadata: {name: agent, namespace: app}\nspec: {nodeName: node-1, hostNetwork: true, dnsPolicy: ClusterFirstWithHostNet, containers: [{name: c, image: x}]}\n' },
  },
  {
    rule: 'ingress-class-missing', why: 'an Ingress of a class no IngressClass defines is served by no controller',
    positive: { extra: ingress('missing', 'web', 80) },
    negative: { extra: ingress('nginx', 'web', 80) },
  },
  {
    rule: 'ingress-backend-missing', why: 'a backend Service or port that does not exist answers 503',
    positive: { extra: ingress('nginx', 'web', 81) },
    negative: { extra: ingress('nginx', 'web', 80) },
  },
  {
    rule: 'ingress-tls-secret-invalid', why: 'ingress-nginx serves its default certificate for hosts whose TLS Secret is missing or has no tls.crt/tls.key keypair',
    positive: { extra: tlsIngress() },
    negative: { extra: tlsIngress({ type: 'kubernetes.io/tls', data: pemData }) },
  },
  {
    rule: 'ingress-tls-secret-type', why: 'a TLS Secret of another type is read by ingress-nginx but refused by Gateways',
    positive: { extra: tlsIngress({ type: 'Opaque', data: pemData }) },
    negative: { extra: tlsIngress({ type: 'kubernetes.io/tls', data: pemData }) },
  },
  {
    rule: 'gateway-listener-certificate-invalid', why: 'a listener certificateRef must name a kubernetes.io/tls Secret (else InvalidCertificateRef)',
    positive: { extra: httpsGateway(`apiVersion: v1\nkind: Secret\nmetadata: {name: gw-tls, namespace: infra}\ntype: Opaque\ndata: ${pemData}\n`) },
    negative: { extra: httpsGateway(`apiVersion: v1\nkind: Secret\nmetadata: {name: gw-tls, namespace: infra}\ntype: kubernetes.io/tls\ndata: ${pemData}\n`) },
  },
  {
    rule: 'httproute-not-accepted', why: 'listeners allow routes from their own namespace by default (allowedRoutes Same)',
    positive: { extra: gateway('Same') },
    negative: { extra: gateway('All') },
  },
];

describe('lint rules: one fixture that triggers each, one that does not', () => {
  for (const c of cases) {
    test(`${c.rule}: ${c.why}`, () => {
      const pos = lint(build(c.positive), { rules: [c.rule] }).findings;
      assert.ok(pos.length > 0, `expected a ${c.rule} finding`);
      for (const f of pos) {
        assert.equal(f.rule, c.rule);
        assert.ok(f.objects.length > 0 && f.message && f.fix);
      }
      const neg = lint(build(c.negative), { rules: [c.rule] }).findings;
      assert.deepEqual(neg, [], JSON.stringify(neg, null, 1));
    });
  }

  test('every rule has a case above', () => {
    assert.deepEqual(RULES.map((r) => r.id).sort(), cases.map((c) => c.rule).sort());
  });
});

describe('ingress-tls-secret-invalid', () => {
  test('a missing Secret: the finding names the field, the host and the default certificate; a Secret without tls.key too', () => {
    const [missing] = lint(build({ extra: tlsIngress() }), { rules: ['ingress-tls-secret-invalid'] }).findings;
    assert.deepEqual(missing.objects, ['Ingress app/shop']);
    assert.match(missing.message, /^spec\.tls\[0\]\.secretName: Secret app\/shop-tls does not exist: .*default .*certificate for shop\.example\.com/);
    const [noKey] = lint(build({ extra: tlsIngress({ type: 'Opaque', data: `{tls.crt: ${PEM.crt}}` }) }), { rules: ['ingress-tls-secret-invalid'] }).findings;
    assert.deepEqual(noKey.objects, ['Ingress app/shop', 'Secret app/shop-tls']);
    assert.match(noKey.message, /no tls\.key/);
  });
  test('each tls entry is its own SNI mapping: two entries naming one missing Secret each report their own hosts', () => {
    const extra = `${ingress('nginx', 'web', 80)}  tls: [{hosts: [a.example.com], secretName: shop-tls}, {hosts: [b.example.com], secretName: shop-tls}]\n`;
    const findings = lint(build({ extra }), { rules: ['ingress-tls-secret-invalid'] }).findings;
    assert.deepEqual(findings.map((f) => /^(spec\.tls\[\d\])\.secretName: .* for ([^ ]+) instead$/.exec(f.message)?.slice(1)), [['spec.tls[0]', 'a.example.com'], ['spec.tls[1]', 'b.example.com']]);
  });
});

describe('lint report', () => {
  test('the clean base has no error findings; findings sort by severity', () => {
    const r = lint(build({ extra: `${egressDeny}` }));
    assert.ok(r.counts.error >= 1);
    const ranks = r.findings.map((f) => ['error', 'warning', 'info'].indexOf(f.severity));
    assert.deepEqual(ranks, [...ranks].sort((a, b) => a - b));
    assert.equal(lint(build({})).counts.error, 0);
  });
  test('egress-without-dns names the protocol left out: TCP only allowed → UDP blocked is still an error', () => {
    const f = lint(build({ extra: `${egressDeny}---\n${allowDNS('[{protocol: TCP, port: 53}]')}` }), { rules: ['egress-without-dns'] }).findings;
    assert.equal(f.length, 1);
    assert.match(f[0].message, /DNS over UDP 53/);
  });
});
