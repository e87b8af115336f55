/**
 * The `http` and `routeStatus` verify check kinds, through an Expectations document as users write
 * one: each expectation form of the issue (backend, status, location, path + requestHeaders,
 * mirroredTo, weights; routeStatus conditions) passing and failing.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { stringify } from 'yaml';
import { InvalidInputError } from '../../../src/api/errors.ts';
import { parseExpectations, runChecks } from '../../../src/model/verify/index.ts';
import { gateway, gatewayClass, httpRoute, ingress, ingressClass, namespace, pathMatch, rule, service, view } from './fixtures.ts';

const cluster = view([
  namespace('shop'), namespace('infra'), ingressClass('nginx'), gatewayClass(),
  ...service('shop', 'web'), ...service('shop', 'api'), ...service('shop', 'shadow'),
  ingress('shop', 'site', { rules: [{ host: 'shop.example.com', paths: [{ path: '/', service: 'web' }, { path: '/api', service: 'api', port: 'http' }] }] }),
  gateway('infra', 'gw', [{ name: 'http', port: 8080, from: 'All' }]),
  httpRoute('shop', 'split', {
    parentRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'gw', namespace: 'infra' }],
    hostnames: ['shop.example.com'],
    rules: [
      rule({ matches: [pathMatch('PathPrefix', '/old')], filters: [{ type: 'RequestRedirect', requestRedirect: { hostname: 'new.example.com', statusCode: 301 } }] }),
      rule({ matches: [pathMatch('PathPrefix', '/v1')], filters: [
        { type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/' } } },
        { type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'X-Version', value: '1' }], remove: ['Cookie'] } },
        { type: 'RequestMirror', requestMirror: { backendRef: { name: 'shadow', port: 80 } } },
      ], backends: [{ name: 'api' }] }),
      rule({ backends: [{ name: 'web', weight: 80 }, { name: 'api', weight: 20 }] }),
    ],
  }),
  httpRoute('shop', 'broken', { parentRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'gw', namespace: 'infra' }], hostnames: ['broken.example.com'], rules: [rule({ backends: [{ name: 'missing' }] })] }),
]);

function run(checks: Record<string, unknown>[]) {
  const text = stringify({ apiVersion: 'podnet/v1alpha1', kind: 'Expectations', checks });
  return runChecks(cluster, parseExpectations(text, 'exp.yaml'), 'exp.yaml');
}

const passing: [string, Record<string, unknown>][] = [
  ['backend via the Ingress (port by name or number)', { http: { url: 'http://shop.example.com/api/x' }, expect: { backend: 'shop/api:80' } }],
  ['backend by port name', { http: { url: 'http://shop.example.com/api/x' }, expect: { backend: 'shop/api:http', status: 200 } }],
  ['404 for an unknown host', { http: { url: 'http://nope.example.com:8080/', via: 'gateway' }, expect: { status: 404 } }],
  ['redirect status and Location', { http: { url: 'http://shop.example.com:8080/old/page', gateway: 'infra/gw' }, expect: { status: 301, location: 'http://new.example.com:8080/old/page' } }],
  ['what the backend receives', { http: { url: 'http://shop.example.com:8080/v1/items', headers: { Cookie: 'a=b' } }, expect: { path: '/items', requestHeaders: { 'x-version': '1', cookie: null, host: 'shop.example.com:8080' } } }],
  ['mirroredTo', { http: { url: 'http://shop.example.com:8080/v1/items' }, expect: { mirroredTo: 'shop/shadow:80' } }],
  ['weights', { http: { url: 'http://shop.example.com:8080/' }, expect: { weights: { 'shop/web:80': 80, 'shop/api:80': 20 } } }],
  ['500 for an invalid backendRef', { http: { url: 'http://broken.example.com:8080/' }, expect: { status: 500 } }],
  ['routeStatus accepted and resolved', { routeStatus: { route: 'shop/split', parent: 'infra/gw' }, expect: { Accepted: 'True', ResolvedRefs: 'True' } }],
  ['routeStatus with a reason', { routeStatus: { route: 'shop/broken', parent: 'infra/gw' }, expect: { Accepted: 'True', ResolvedRefs: 'False:BackendNotFound' } }],
];

const failing: [string, Record<string, unknown>, RegExp][] = [
  ['wrong backend', { http: { url: 'http://shop.example.com/' }, expect: { backend: 'shop/api:80' } }, /forwarded to shop\/web:80, not shop\/api:80/],
  ['wrong status', { http: { url: 'http://shop.example.com/' }, expect: { status: 404 } }, /status 200, not 404/],
  ['header present that should be absent', { http: { url: 'http://shop.example.com/', headers: { Cookie: 'a=b' } }, expect: { requestHeaders: { cookie: null } } }, /cookie: "a=b", not \(absent\)/],
  ['weights off by more than the tolerance', { http: { url: 'http://shop.example.com:8080/' }, expect: { weights: { 'shop/web:80': 50, 'shop/api:80': 50 }, tolerance: 5 } }, /shop\/web:80 gets 80\.0%, expected 50%/],
  ['routeStatus mismatch', { routeStatus: { route: 'shop/broken', parent: 'infra/gw' }, expect: { ResolvedRefs: 'True' } }, /ResolvedRefs is False:BackendNotFound/],
  ['routeStatus for a parent that is not ours', { routeStatus: { route: 'shop/split', parent: 'infra/other' }, expect: { Accepted: 'True' } }, /no status for parent infra\/other/],
];

describe('verify: http and routeStatus checks', () => {
  for (const [name, check] of passing) {
    it(`passes: ${name}`, () => {
      const r = run([check]).results[0];
      assert.equal(r.passed, true, r.message);
    });
  }
  for (const [name, check, message] of failing) {
    it(`fails: ${name}`, () => {
      const r = run([check]).results[0];
      assert.equal(r.passed, false);
      assert.match(r.message, message);
    });
  }
  it('malformed arguments are bad input with the field path', () => {
    assert.throws(() => run([{ http: { url: 'http://x/', bogus: 1 }, expect: { status: 200 } }]), (e: unknown) => e instanceof InvalidInputError && /checks\[0\]\.http\.bogus: unknown field/.test(e.message));
    assert.throws(() => run([{ http: { url: 'ftp://x/' }, expect: { status: 200 } }]), (e: unknown) => e instanceof InvalidInputError && /checks\[0\]\.http\.url/.test(e.message));
    assert.throws(() => run([{ http: { url: 'http://x/' }, expect: { backend: 'web' } }]), (e: unknown) => e instanceof InvalidInputError && /expect\.backend: must be "namespace\/service:port"/.test(e.message));
    assert.throws(() => run([{ routeStatus: { route: 'shop/split', parent: 'infra/gw' }, expect: { Accepted: 'yes' } }]), InvalidInputError);
  });
});
