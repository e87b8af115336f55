/**
 * `podnet route` explanations: every rule the frontend holds gets a verdict, and the verdict names the
 * rule of the spec that decided it (host choice, failed condition, precedence criterion).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compileRouteTable, explainRequest, requestFromURL } from '../../../src/model/l7/index.ts';
import { gateway, gatewayClass, httpRoute, ingress, ingressClass, namespace, pathMatch, rule, service, view } from './fixtures.ts';

describe('route explanations', () => {
  it('Ingress: selected, lower precedence (longer path), no match, other host never considered', () => {
    const v = view([namespace('default'), ingressClass('nginx'), ...service('default', 'a'), ...service('default', 'b'),
      ingress('default', 'x', { rules: [
        { host: 'foo.bar.com', paths: [{ path: '/', service: 'a' }, { path: '/api', service: 'b' }, { path: '/api/v2', pathType: 'Exact', service: 'b' }] },
        { paths: [{ path: '/', service: 'a' }] },
      ] })]);
    const x = explainRequest(compileRouteTable(v), requestFromURL('http://foo.bar.com/api/v1'));
    const byId = Object.fromEntries(x.candidates.map((c) => [`${c.id}@${c.hostPattern}`, [c.verdict, c.reason]]));
    assert.deepEqual(byId['Ingress default/x rules[0].http.paths[1]@foo.bar.com'], ['selected', 'highest precedence match (host group foo.bar.com)']);
    assert.deepEqual(byId['Ingress default/x rules[0].http.paths[0]@foo.bar.com'], ['lower-precedence', 'a longer path wins']);
    assert.equal(byId['Ingress default/x rules[0].http.paths[2]@foo.bar.com'][0], 'no-match');
    assert.match(byId['Ingress default/x rules[0].http.paths[2]@foo.bar.com'][1], /does not match Exact \/api\/v2/);
    assert.equal(byId['Ingress default/x rules[1].http.paths[0]@*'][0], 'host-not-considered');
    assert.match(byId['Ingress default/x rules[1].http.paths[0]@*'][1], /never falls back/);
  });

  it('Gateway: the failing condition and the deciding precedence criterion', () => {
    const v = view([namespace('infra'), gatewayClass(), gateway('infra', 'gw', [{ name: 'http' }, { name: 'alt', port: 8080 }]), ...service('infra', 'a'),
      httpRoute('infra', 'r', { parentRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'gw', sectionName: 'http' }], rules: [
        rule({ matches: [pathMatch('PathPrefix', '/', { headers: [{ type: 'Exact', name: 'x-env', value: 'canary' }] })], backends: [{ name: 'a' }] }),
        rule({ matches: [pathMatch('PathPrefix', '/', { method: 'GET' })], backends: [{ name: 'a' }] }),
        rule({ matches: [pathMatch('PathPrefix', '/')], backends: [{ name: 'a' }] }),
      ] }),
      httpRoute('infra', 'other', { parentRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'gw', sectionName: 'alt' }], rules: [rule({ backends: [{ name: 'a' }] })] })]);
    const x = explainRequest(compileRouteTable(v), requestFromURL('http://h/', 'GET', ['x-env: prod']));
    const v0 = x.candidates.find((c) => c.id === 'HTTPRoute infra/r rules[0].matches[0]');
    const v1 = x.candidates.find((c) => c.id === 'HTTPRoute infra/r rules[1].matches[0]');
    const v2 = x.candidates.find((c) => c.id === 'HTTPRoute infra/r rules[2].matches[0]');
    const other = x.candidates.find((c) => c.id === 'HTTPRoute infra/other rules[0].matches[0]');
    assert.deepEqual([v0?.verdict, v0?.reason], ['no-match', 'header x-env: "prod" does not match Exact "canary"']);
    assert.deepEqual([v1?.verdict, v2?.verdict, v2?.reason], ['selected', 'lower-precedence', 'a method match wins']);
    assert.deepEqual([other?.verdict, other?.reason], ['listener-not-selected', 'listener alt is on port 8080, the request on 80']);
  });
});
