// Gateway API validation: the v1 CRDs' OpenAPI constraints and CEL rules (apis/v1/*_types.go markers),
// reported as the API server reports CRD validation errors.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateText } from './validate-helpers.ts';

const errs = (kind: string, spec: string, apiVersion = 'gateway.networking.k8s.io/v1'): string[] =>
  validateText(`apiVersion: ${apiVersion}\nkind: ${kind}\nmetadata: {name: x}\nspec: ${spec}\n`).map((e) => `${e.field ?? ''}: ${e.reason}`);
const gw = (listeners: string): string[] => errs('Gateway', `{gatewayClassName: podnet, listeners: ${listeners}}`);
const route = (rules: string, extra = ''): string[] => errs('HTTPRoute', `{parentRefs: [{name: gw}]${extra}, rules: ${rules}}`);

describe('Gateway', () => {
  const cases: [string, string, string[]][] = [
    ['a valid Gateway', '[{name: http, port: 80, protocol: HTTP}, {name: https, port: 443, protocol: HTTPS, hostname: "*.example.com", tls: {certificateRefs: [{name: cert}]}}]', []],
    ['listener names unique', '[{name: web, port: 80, protocol: HTTP}, {name: web, port: 8080, protocol: HTTP}]', ['spec.listeners: Invalid value: "array": Listener name must be unique within the Gateway']],
    ['port, protocol and hostname combination unique', '[{name: a, port: 80, protocol: HTTP}, {name: b, port: 80, protocol: HTTP}]', ['spec.listeners: Invalid value: "array": Combination of port, protocol and hostname must be unique for each listener']],
    ['port 1..65535', '[{name: a, port: 0, protocol: HTTP}]', ['spec.listeners[0].port: Invalid value: 0: spec.listeners[0].port in body should be greater than or equal to 1']],
    ['protocol enum (core protocols or a domain-prefixed one)', '[{name: a, port: 80, protocol: HTTP3}, {name: b, port: 81, protocol: example.com/quic}]', ['spec.listeners[0].protocol: Unsupported value: "HTTP3": supported values: "HTTP", "HTTPS", "TLS", "TCP", "UDP"']],
    ['hostname pattern: wildcard only as the first label', '[{name: a, port: 80, protocol: HTTP, hostname: "foo.*.com"}]', ["spec.listeners[0].hostname: Invalid value: \"foo.*.com\": spec.listeners[0].hostname in body should match '^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$'"]],
    ['tls not for HTTP', '[{name: a, port: 80, protocol: HTTP, tls: {mode: Terminate}}]', ["spec.listeners: Invalid value: \"array\": tls must not be specified for protocols ['HTTP', 'TCP', 'UDP']"]],
    ['no hostname for TCP', '[{name: a, port: 5432, protocol: TCP, hostname: db.example.com}]', ["spec.listeners: Invalid value: \"array\": hostname must not be specified for protocols ['TCP', 'UDP']"]],
    ['allowedRoutes.namespaces.from enum', '[{name: a, port: 80, protocol: HTTP, allowedRoutes: {namespaces: {from: Any}}}]', ['spec.listeners[0].allowedRoutes.namespaces.from: Unsupported value: "Any": supported values: "All", "Selector", "Same"']],
  ];
  for (const [name, listeners, expected] of cases) it(name, () => assert.deepEqual(gw(listeners), expected));
  it('listeners required', () => assert.deepEqual(errs('Gateway', '{gatewayClassName: podnet}'), ['spec.listeners: Required value']));
});

describe('HTTPRoute', () => {
  const cases: [string, string, string[]][] = [
    ['a valid HTTPRoute', '[{matches: [{path: {type: PathPrefix, value: /api}, headers: [{name: x-env, value: prod}]}], backendRefs: [{name: api, port: 8080, weight: 3}]}]', []],
    ['path match values start with /', '[{matches: [{path: {type: PathPrefix, value: api}}]}]', ["spec.rules[0].matches[0].path: Invalid value: \"object\": value must be an absolute path and start with '/' when type one of ['Exact', 'PathPrefix']"]],
    ['path type enum', '[{matches: [{path: {type: Prefix, value: /}}]}]', ['spec.rules[0].matches[0].path.type: Unsupported value: "Prefix": supported values: "Exact", "PathPrefix", "RegularExpression"']],
    ['weights 0..1000000', '[{backendRefs: [{name: a, port: 80, weight: 1000001}]}]', ['spec.rules[0].backendRefs[0].weight: Invalid value: 1000001: spec.rules[0].backendRefs[0].weight in body should be less than or equal to 1000000']],
    ['a Service backendRef needs a port', '[{backendRefs: [{name: a}]}]', ['spec.rules[0].backendRefs[0]: Invalid value: "object": Must have port for Service reference']],
    ['filter type enum', '[{filters: [{type: Rewrite}]}]', ['spec.rules[0].filters[0].type: Unsupported value: "Rewrite": supported values: "RequestHeaderModifier", "ResponseHeaderModifier", "RequestMirror", "RequestRedirect", "URLRewrite", "ExtensionRef", "CORS", "ExternalAuth"']],
    ['filter field must match its type', '[{filters: [{type: RequestRedirect, urlRewrite: {hostname: a.example.com}}]}]', [
      'spec.rules[0].filters[0]: Invalid value: "object": filter.urlRewrite must be nil if the filter.type is not URLRewrite',
      'spec.rules[0].filters[0]: Invalid value: "object": filter.requestRedirect must be specified for RequestRedirect filter.type',
    ]],
    ['redirect and rewrite are exclusive', '[{filters: [{type: RequestRedirect, requestRedirect: {statusCode: 301}}, {type: URLRewrite, urlRewrite: {hostname: a.example.com}}]}]', ['spec.rules[0].filters: Invalid value: "array": May specify either httpRouteFilterRequestRedirect or httpRouteFilterRequestRewrite, but not both']],
    ['method enum', '[{matches: [{method: FETCH}]}]', ['spec.rules[0].matches[0].method: Unsupported value: "FETCH": supported values: "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"']],
  ];
  for (const [name, rules, expected] of cases) it(name, () => assert.deepEqual(route(rules), expected));

  it('at most 16 rules', () => {
    const rules = `[${Array.from({ length: 17 }, () => '{}').join(', ')}]`;
    assert.deepEqual(route(rules), ['spec.rules: Too many: 17: must have at most 16 items']);
  });
  it('hostnames follow the Hostname pattern', () =>
    assert.deepEqual(route('[{}]', ', hostnames: ["192.0.2.1:80"]'), ["spec.hostnames[0]: Invalid value: \"192.0.2.1:80\": spec.hostnames[0] in body should match '^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$'"]));
});

describe('ReferenceGrant and GatewayClass', () => {
  it('from and to required', () => assert.deepEqual(errs('ReferenceGrant', '{}', 'gateway.networking.k8s.io/v1beta1'), ['spec.from: Required value', 'spec.to: Required value']));
  it('from entries need group (may be ""), kind and namespace', () =>
    assert.deepEqual(errs('ReferenceGrant', '{from: [{kind: HTTPRoute}], to: [{group: "", kind: Service}]}', 'gateway.networking.k8s.io/v1beta1'), ['spec.from[0].group: Required value', 'spec.from[0].namespace: Required value']));
  it('GatewayClass controllerName is a domain-prefixed path', () =>
    assert.deepEqual(errs('GatewayClass', '{controllerName: podnet}'), ["spec.controllerName: Invalid value: \"podnet\": spec.controllerName in body should match '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\\/[A-Za-z0-9\\/\\-._~%!$&'()*+,;=:]+$'"]));
});
