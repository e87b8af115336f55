// NetworkPolicy, Ingress, IngressClass (pkg/apis/networking/validation), EndpointSlice
// (pkg/apis/discovery/validation) and Endpoints (core ValidateEndpoints) rules.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateText } from './validate-helpers.ts';

const doc = (apiVersion: string, kind: string, body: string): string => `apiVersion: ${apiVersion}\nkind: ${kind}\nmetadata: {name: x}\n${body}\n`;
const errs = (text: string): string[] => validateText(text).map((e) => `${e.field ?? ''}: ${e.reason}`);
const np = (spec: string): string[] => errs(doc('networking.k8s.io/v1', 'NetworkPolicy', `spec: ${spec}`));
const ing = (spec: string): string[] => errs(doc('networking.k8s.io/v1', 'Ingress', `spec: ${spec}`));
const slice = (body: string): string[] => errs(doc('discovery.k8s.io/v1', 'EndpointSlice', body));
const ep = (body: string): string[] => errs(doc('v1', 'Endpoints', body));

describe('ValidateNetworkPolicySpec', () => {
  const cases: [string, string, string[]][] = [
    ['podSelector {} selects all pods', '{podSelector: {}}', []],
    ['a peer must have at least one field', '{podSelector: {}, ingress: [{from: [{}]}]}', ['spec.ingress[0].from[0]: Required value: must specify a peer']],
    ['podSelector and namespaceSelector together are one peer', '{podSelector: {}, ingress: [{from: [{podSelector: {}, namespaceSelector: {}}]}]}', []],
    ['ipBlock.cidr required', '{podSelector: {}, egress: [{to: [{ipBlock: {except: [10.0.0.0/8]}}]}]}', ['spec.egress[0].to[0].ipBlock.cidr: Required value']],
    ['ipBlock.cidr must be a CIDR', '{podSelector: {}, egress: [{to: [{ipBlock: {cidr: 10.0.0.1}}]}]}', ['spec.egress[0].to[0].ipBlock.cidr: Invalid value: "10.0.0.1": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)']],
    ['except of another family is not a strict subset', '{podSelector: {}, egress: [{to: [{ipBlock: {cidr: 10.0.0.0/8, except: ["fd00::/64"]}}]}]}', ['spec.egress[0].to[0].ipBlock.except[0]: Invalid value: "fd00::/64": must be a strict subset of `cidr`']],
    ['except strictly inside cidr is valid', '{podSelector: {}, egress: [{to: [{ipBlock: {cidr: 0.0.0.0/0, except: [169.254.169.254/32]}}]}]}', []],
    ['protocol enum', '{podSelector: {}, ingress: [{ports: [{protocol: ICMP}]}]}', ['spec.ingress[0].ports[0].protocol: Unsupported value: "ICMP": supported values: "TCP", "UDP", "SCTP"']],
    ['port number 1..65535', '{podSelector: {}, ingress: [{ports: [{port: 0}]}]}', ['spec.ingress[0].ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive']],
    ['named port is an IANA_SVC_NAME', '{podSelector: {}, ingress: [{ports: [{port: "8080"}]}]}', ['spec.ingress[0].ports[0].port: Invalid value: "8080": must contain at least one letter (a-z)']],
    ['endPort without port', '{podSelector: {}, ingress: [{ports: [{endPort: 90}]}]}', ['spec.ingress[0].ports[0].endPort: Invalid value: 90: may not be specified when `port` is not specified']],
    ['endPort equal to port is valid', '{podSelector: {}, ingress: [{ports: [{port: 80, endPort: 80}]}]}', []],
    ['endPort out of range', '{podSelector: {}, ingress: [{ports: [{port: 80, endPort: 65536}]}]}', ['spec.ingress[0].ports[0].endPort: Invalid value: 65536: must be between 1 and 65535, inclusive']],
    ['policyTypes values Ingress and Egress only', '{podSelector: {}, policyTypes: [ingress]}', ['spec.policyTypes[0]: Unsupported value: "ingress": supported values: "Ingress", "Egress"']],
    ['no more than two policyTypes', '{podSelector: {}, policyTypes: [Ingress, Egress, Ingress]}', ['spec.policyTypes: Invalid value: ["Ingress","Egress","Ingress"]: may not specify more than two policyTypes']],
    [
      'label selector syntax in namespaceSelector',
      '{podSelector: {}, ingress: [{from: [{namespaceSelector: {matchExpressions: [{key: team, operator: Exists, values: [a]}]}}]}]}',
      ["spec.ingress[0].from[0].namespaceSelector.matchExpressions[0].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'"],
    ],
  ];
  for (const [name, spec, expected] of cases) it(name, () => assert.deepEqual(np(spec), expected));
});

describe('ValidateIngressSpec', () => {
  const backend = '{service: {name: web, port: {number: 80}}}';
  const cases: [string, string, string[]][] = [
    ['a valid Ingress', `{rules: [{host: a.example.com, http: {paths: [{path: /, pathType: Prefix, backend: ${backend}}]}}]}`, []],
    ['defaultBackend or rules required', '{ingressClassName: nginx}', ['spec: Invalid value: null: either `defaultBackend` or `rules` must be specified']],
    ['pathType required (no default in v1)', `{rules: [{http: {paths: [{path: /, backend: ${backend}}]}}]}`, ['spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified']],
    ['pathType enum', `{rules: [{http: {paths: [{path: /, pathType: Regex, backend: ${backend}}]}}]}`, ['spec.rules[0].http.paths[0].pathType: Unsupported value: "Regex": supported values: "Exact", "ImplementationSpecific", "Prefix"']],
    ['Prefix paths must be absolute', `{rules: [{http: {paths: [{path: api, pathType: Prefix, backend: ${backend}}]}}]}`, ['spec.rules[0].http.paths[0].path: Invalid value: "api": must be an absolute path']],
    ['Exact paths must not contain //', `{rules: [{http: {paths: [{path: /a//b, pathType: Exact, backend: ${backend}}]}}]}`, ["spec.rules[0].http.paths[0].path: Invalid value: \"/a//b\": must not contain '//'"]],
    ['host may not be an IP', `{rules: [{host: 192.0.2.1, http: {paths: [{path: /, pathType: Prefix, backend: ${backend}}]}}]}`, ['spec.rules[0].host: Invalid value: "192.0.2.1": must be a DNS name, not an IP address']],
    ['wildcard only as the first label', `{rules: [{host: "foo.*.com", http: {paths: [{path: /, pathType: Prefix, backend: ${backend}}]}}]}`, [
      "spec.rules[0].host: Invalid value: \"foo.*.com\": a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character (e.g. '*.example.com', regex used for validation is '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    ]],
    ['backend needs service or resource', '{defaultBackend: {}}', ['spec.defaultBackend: Invalid value: "": resource or service backend is required']],
    ['backend: not both service and resource', '{defaultBackend: {service: {name: web, port: {number: 80}}, resource: {kind: Bucket, name: b}}}', ['spec.defaultBackend: Invalid value: "": cannot set both resource and service backends']],
    ['service port: not both name and number', '{defaultBackend: {service: {name: web, port: {name: http, number: 80}}}}', ['spec.defaultBackend: Invalid value: "": cannot set both port name & port number']],
    ['service port: name or number required', '{defaultBackend: {service: {name: web, port: {}}}}', ['spec.defaultBackend: Required value: port name or number is required']],
    ['service name required', '{defaultBackend: {service: {port: {number: 80}}}}', ['spec.defaultBackend.service.name: Required value']],
    ['rule http needs paths', '{rules: [{host: a.example.com, http: {paths: []}}]}', ['spec.rules[0].http.paths: Required value']],
  ];
  for (const [name, spec, expected] of cases) it(name, () => assert.deepEqual(ing(spec), expected));
});

describe('ValidateIngressClass', () => {
  it('controller required', () => assert.deepEqual(errs(doc('networking.k8s.io/v1', 'IngressClass', 'spec: {}')), ['spec.controller: Required value']));
  it('controller is a domain-prefixed path', () =>
    assert.deepEqual(errs(doc('networking.k8s.io/v1', 'IngressClass', 'spec: {controller: nginx}')), ['spec.controller: Invalid value: "nginx": must be a domain-prefixed path (such as "acme.io/foo")']));
  it('a valid IngressClass', () => assert.deepEqual(errs(doc('networking.k8s.io/v1', 'IngressClass', 'spec: {controller: k8s.io/ingress-nginx}')), []));
});

describe('ValidateEndpointSlice', () => {
  const cases: [string, string, string[]][] = [
    ['addressType required', 'endpoints: []', ['addressType: Required value']],
    ['addressType enum', 'addressType: IP\nendpoints: []', ['addressType: Unsupported value: "IP": supported values: "FQDN", "IPv4", "IPv6"']],
    ['an endpoint needs an address', 'addressType: IPv4\nendpoints: [{addresses: []}]', ['endpoints[0].addresses: Required value: must contain at least 1 address']],
    ['IPv4 addresses must be IPv4', 'addressType: IPv4\nendpoints: [{addresses: ["fd00::1"]}]', ['endpoints[0].addresses[0]: Invalid value: "fd00::1": must be a valid IPv4 address']],
    ['addresses may not be special', 'addressType: IPv4\nendpoints: [{addresses: [169.254.0.5]}]', ['endpoints[0].addresses[0]: Invalid value: "169.254.0.5": may not be in the link-local range (169.254.0.0/16, fe80::/10)']],
    ['port names unique (the empty name too)', 'addressType: IPv4\nendpoints: []\nports: [{port: 80}, {port: 81}]', ['ports[1].name: Duplicate value: ""']],
    ['hostname is a DNS label', 'addressType: IPv4\nendpoints: [{addresses: [10.0.0.1], hostname: a.b}]', ['endpoints[0].hostname: Invalid value: "a.b": must not contain dots']],
  ];
  for (const [name, body, expected] of cases) it(name, () => assert.deepEqual(slice(body), expected));

  it('at most 1000 endpoints and 100 ports', () => {
    const endpoints = Array.from({ length: 1001 }, (_, i) => `{addresses: [10.1.${Math.floor(i / 250)}.${(i % 250) + 1}]}`).join(', ');
    assert.deepEqual(slice(`addressType: IPv4\nendpoints: [${endpoints}]`), ['endpoints: Too many: 1001: must have at most 1000 items']);
    const ports = Array.from({ length: 101 }, (_, i) => `{name: p${i}, port: ${1000 + i}}`).join(', ');
    assert.deepEqual(slice(`addressType: IPv4\nendpoints: []\nports: [${ports}]`), ['ports: Too many: 101: must have at most 100 items']);
  });
});

describe('ValidateEndpoints', () => {
  it('addresses must be IPs', () =>
    assert.deepEqual(ep('subsets: [{addresses: [{ip: 10.0.0.300}], ports: [{port: 80}]}]'), ['subsets[0].addresses[0].ip: Invalid value: "10.0.0.300": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)']));
  it('a subset needs addresses or notReadyAddresses', () => assert.deepEqual(ep('subsets: [{ports: [{port: 80}]}]'), ['subsets[0]: Required value: must specify `addresses` or `notReadyAddresses`']));
  it('port names required with more than one port', () =>
    assert.deepEqual(ep('subsets: [{addresses: [{ip: 10.0.0.1}], ports: [{port: 80}, {name: b, port: 81}]}]'), ['subsets[0].ports[0].name: Required value']));
  it('a valid Endpoints object', () => assert.deepEqual(ep('subsets: [{addresses: [{ip: 10.0.0.1, nodeName: n1}], ports: [{name: http, port: 80}]}]'), []));
});
