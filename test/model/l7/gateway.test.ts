/**
 * Gateway API v1 semantics (apis/v1 *_types.go and the GATEWAY-HTTP conformance tests): class
 * ownership, listener attachment and status, hostname intersection, match precedence and its
 * tie-breaks, filters, weights, ReferenceGrant, 404/500/503.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../../src/api/types.ts';
import { compileRouteTable, type Condition, type RouteDecision } from '../../../src/model/l7/index.ts';
import { gateway, gatewayClass, httpRoute, namespace, onlyBackend, pathMatch, PEM_KEY, referenceGrant, route, rule, service, tlsSecret, view, T0, type ListenerSpec } from './fixtures.ts';

const infra = (listeners: ListenerSpec[] = [{ name: 'http' }], extra: KObject[] = []): KObject[] => [
  namespace('infra'), namespace('apps', { team: 'apps' }), namespace('other'),
  gatewayClass(), gateway('infra', 'gw', listeners),
  ...['a', 'b', 'c', 'd'].flatMap((n) => service('infra', n)),
  ...['a', 'b'].flatMap((n) => service('apps', n)),
  ...extra,
];
const parent = (name = 'gw', extra: Record<string, unknown> = {}) => ({ parentRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name, namespace: 'infra', ...extra }] });

function routeStatus(objects: KObject[], routeKey: string, gw = 'infra/gw'): Record<string, string> | undefined {
  const st = compileRouteTable(view(objects)).status.httpRoutes.find((r) => r.route === routeKey);
  const p = st?.parents.find((x) => `${x.parentRef.namespace}/${x.parentRef.name}` === gw);
  return p ? Object.fromEntries(p.conditions.map((c: Condition) => [c.type, c.status === 'True' ? 'True' : `False:${c.reason}`])) : undefined;
}

describe('GatewayClass ownership', () => {
  it('a Gateway of a foreign class gets neither routes nor status', () => {
    const objs = [...infra(), gatewayClass('other-class', 'example.com/other'), gateway('infra', 'foreign', [{ name: 'http' }], 'other-class'),
      httpRoute('infra', 'r', { ...parent('foreign'), rules: [rule({ backends: [{ name: 'a' }] })] })];
    assert.equal(route(objs, 'http://x/', { gateway: 'infra/foreign' }).reason, 'NoFrontend');
    const table = compileRouteTable(view(objs));
    assert.deepEqual(table.status.gateways.map((g) => g.gateway), ['infra/gw']);
    assert.deepEqual(table.status.httpRoutes, []);
  });
  it('ClusterConfig.gatewayController decides ownership', () => {
    const objs = [...infra(), httpRoute('infra', 'r', { ...parent(), rules: [rule({ backends: [{ name: 'a' }] })] })];
    assert.equal(route(view(objs, { gatewayController: 'example.com/else' }), 'http://x/').status, 404);
    assert.equal(onlyBackend(route(objs, 'http://x/')), 'infra/a:80');
  });
});

describe('Route attachment (allowedRoutes, sectionName, port) and Accepted', () => {
  const r = (ns: string, extra: Record<string, unknown> = {}) => httpRoute(ns, 'r', { ...parent('gw', extra), rules: [rule({ backends: [{ name: 'a' }] })] });
  const cases: { name: string; listeners: ListenerSpec[]; routeNs: string; ref?: Record<string, unknown>; accepted: string }[] = [
    { name: 'from Same (default) accepts routes of the Gateway namespace', listeners: [{ name: 'http' }], routeNs: 'infra', accepted: 'True' },
    { name: 'from Same rejects other namespaces', listeners: [{ name: 'http' }], routeNs: 'apps', accepted: 'False:NotAllowedByListeners' },
    { name: 'from All accepts any namespace', listeners: [{ name: 'http', from: 'All' }], routeNs: 'apps', accepted: 'True' },
    { name: 'from Selector matches Namespace labels', listeners: [{ name: 'http', from: 'Selector', selector: { matchLabels: { team: 'apps' } } }], routeNs: 'apps', accepted: 'True' },
    { name: 'from Selector rejects unlabelled namespaces', listeners: [{ name: 'http', from: 'Selector', selector: { matchLabels: { team: 'apps' } } }], routeNs: 'other', accepted: 'False:NotAllowedByListeners' },
    { name: 'from Selector on kubernetes.io/metadata.name', listeners: [{ name: 'http', from: 'Selector', selector: { matchLabels: { 'kubernetes.io/metadata.name': 'other' } } }], routeNs: 'other', accepted: 'True' },
    { name: 'allowedRoutes.kinds without HTTPRoute rejects it', listeners: [{ name: 'http', from: 'All', kinds: [{ kind: 'GRPCRoute' }] }], routeNs: 'apps', accepted: 'False:NotAllowedByListeners' },
    { name: 'sectionName selects one listener', listeners: [{ name: 'http' }, { name: 'alt', port: 8080 }], routeNs: 'infra', ref: { sectionName: 'alt' }, accepted: 'True' },
    { name: 'an unknown sectionName is NoMatchingParent', listeners: [{ name: 'http' }], routeNs: 'infra', ref: { sectionName: 'nope' }, accepted: 'False:NoMatchingParent' },
    { name: 'parentRef port must match a listener port', listeners: [{ name: 'http' }], routeNs: 'infra', ref: { port: 8080 }, accepted: 'False:NoMatchingParent' },
    { name: 'sectionName naming a listener that rejects the namespace', listeners: [{ name: 'open', from: 'All', port: 8080 }, { name: 'closed' }], routeNs: 'apps', ref: { sectionName: 'closed' }, accepted: 'False:NotAllowedByListeners' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const objs = [...infra(c.listeners), r(c.routeNs, c.ref)];
      assert.equal(routeStatus(objs, `${c.routeNs}/r`)?.Accepted, c.accepted);
    });
  }

  it('attachedRoutes counts accepted routes per listener', () => {
    const objs = [...infra([{ name: 'http', from: 'All' }, { name: 'alt', port: 8080 }]), r('infra'), httpRoute('apps', 'x', { ...parent('gw', { sectionName: 'http' }), rules: [rule({ backends: [{ name: 'a' }] })] })];
    const st = compileRouteTable(view(objs)).status.gateways[0];
    assert.deepEqual(st.listeners.map((l) => [l.name, l.attachedRoutes]), [['http', 2], ['alt', 1]]);
  });

  it('sectionName restricts traffic to that listener', () => {
    const objs = [...infra([{ name: 'http' }, { name: 'alt', port: 8080 }]), r('infra', { sectionName: 'alt' })];
    assert.equal(route(objs, 'http://x:8080/').status, 200);
    assert.equal(route(objs, 'http://x/').status, 404);
  });
});

describe('Listener status', () => {
  it('unsupported protocol, conflicts and HTTPS without certificates', () => {
    const objs = infra([{ name: 'http' }, { name: 'tcp', port: 9000, protocol: 'TCP' }, { name: 'dup' }, { name: 'https', port: 443, protocol: 'HTTPS' }]);
    const st = compileRouteTable(view(objs)).status.gateways[0];
    const byName = Object.fromEntries(st.listeners.map((l) => [l.name, Object.fromEntries(l.conditions.map((c) => [c.type, `${c.status}:${c.reason}`]))]));
    assert.equal(byName.http.Programmed, 'True:Programmed');
    assert.equal(byName.tcp.Accepted, 'False:UnsupportedProtocol');
    assert.equal(byName.dup.Conflicted, 'True:HostnameConflict');
    assert.equal(byName.https.ResolvedRefs, 'False:InvalidCertificateRef');
    assert.deepEqual(st.conditions.map((c) => `${c.type}=${c.status}`), ['Accepted=True', 'Programmed=True']);
  });
  it('a cross-namespace certificateRef needs a ReferenceGrant from the Gateway', () => {
    const tls = { mode: 'Terminate', certificateRefs: [{ group: '', kind: 'Secret', name: 'cert', namespace: 'other' }] };
    const listeners: ListenerSpec[] = [{ name: 'https', port: 443, protocol: 'HTTPS', tls }];
    const cond = (objs: KObject[]) => compileRouteTable(view(objs)).status.gateways[0].listeners[0].conditions.find((c) => c.type === 'ResolvedRefs')?.reason;
    assert.equal(cond(infra(listeners, [tlsSecret('other', 'cert')])), 'RefNotPermitted');
    assert.equal(cond(infra(listeners, [tlsSecret('other', 'cert'), referenceGrant('other', 'g', 'infra', { kind: 'Secret' }, 'Gateway')])), 'ResolvedRefs');
    // Permitted but missing: InvalidCertificateRef (RefNotPermitted only when the grant is missing).
    assert.equal(cond(infra(listeners, [referenceGrant('other', 'g', 'infra', { kind: 'Secret' }, 'Gateway')])), 'InvalidCertificateRef');
  });

  describe('certificateRefs resolve to a Secret of type kubernetes.io/tls (GatewayTLSConfig Core support), else InvalidCertificateRef', () => {
    const tls = { mode: 'Terminate', certificateRefs: [{ group: '', kind: 'Secret', name: 'cert' }] };
    const listeners: ListenerSpec[] = [{ name: 'https', port: 443, protocol: 'HTTPS', tls }];
    const conditions = (objs: KObject[]) => Object.fromEntries(compileRouteTable(view(objs)).status.gateways[0].listeners[0].conditions.map((c) => [c.type, `${c.status}:${c.reason}`]));
    const cases: [string, KObject[], string][] = [
      ['a kubernetes.io/tls Secret with tls.crt and tls.key', [tlsSecret('infra', 'cert')], 'True:ResolvedRefs'],
      ['no such Secret', [], 'False:InvalidCertificateRef'],
      ['an Opaque Secret, even with tls.crt and tls.key', [tlsSecret('infra', 'cert', { type: 'Opaque' })], 'False:InvalidCertificateRef'],
      ['tls.crt that is not PEM (malformed)', [tlsSecret('infra', 'cert', { data: { 'tls.crt': 'garbage', 'tls.key': PEM_KEY } })], 'False:InvalidCertificateRef'],
      ['a Secret in another namespace of the same name does not count', [tlsSecret('other', 'cert')], 'False:InvalidCertificateRef'],
    ];
    for (const [name, extra, want] of cases) {
      it(name, () => {
        const c = conditions(infra(listeners, extra));
        assert.equal(c.ResolvedRefs, want);
        assert.equal(c.Programmed, want.startsWith('True') ? 'True:Programmed' : 'False:Invalid');
      });
    }

    it('a listener with an invalid certificateRef serves no routes', () => {
      const objs = [...infra(listeners), httpRoute('infra', 'r', { ...parent(), rules: [rule({ backends: [{ name: 'a' }] })] })];
      assert.equal(route(objs, 'https://x.example.com/').reason, 'NoMatchingListener');
      assert.equal(route([...objs, tlsSecret('infra', 'cert')], 'https://x.example.com/').status, 200);
    });
  });
});

describe('Hostnames (listener ∩ route; wildcards are suffix matches over one or more labels)', () => {
  it('listener *.example.com and route [test.example.com, test.example.net]: only the intersection is served', () => {
    const objs = [...infra([{ name: 'http', hostname: '*.example.com' }]), httpRoute('infra', 'r', { ...parent(), hostnames: ['test.example.com', 'test.example.net'], rules: [rule({ backends: [{ name: 'a' }] })] })];
    assert.equal(onlyBackend(route(objs, 'http://test.example.com/')), 'infra/a:80');
    assert.equal(route(objs, 'http://test.example.net/').status, 404);
    assert.equal(route(objs, 'http://other.example.com/').status, 404);
    assert.equal(routeStatus(objs, 'infra/r')?.Accepted, 'True');
  });
  it('no intersecting hostname: Accepted=False NoMatchingListenerHostname', () => {
    const objs = [...infra([{ name: 'http', hostname: 'foo.example.com' }]), httpRoute('infra', 'r', { ...parent(), hostnames: ['bar.example.com'], rules: [rule({ backends: [{ name: 'a' }] })] })];
    assert.equal(routeStatus(objs, 'infra/r')?.Accepted, 'False:NoMatchingListenerHostname');
  });
  it('route hostname wildcards match more than one label, never the bare suffix', () => {
    const objs = [...infra(), httpRoute('infra', 'r', { ...parent(), hostnames: ['*.example.com'], rules: [rule({ backends: [{ name: 'a' }] })] })];
    assert.equal(route(objs, 'http://a.b.example.com/').status, 200);
    assert.equal(route(objs, 'http://example.com/').status, 404);
  });
  it('route wildcard on an exact listener serves the listener hostname', () => {
    const objs = [...infra([{ name: 'http', hostname: 'foo.example.com' }]), httpRoute('infra', 'r', { ...parent(), hostnames: ['*.example.com'], rules: [rule({ backends: [{ name: 'a' }] })] })];
    assert.equal(route(objs, 'http://foo.example.com/').status, 200);
    assert.equal(route(objs, 'http://bar.example.com/').status, 404);
  });
  it('the most specific listener serves the request (exact > longer wildcard > none)', () => {
    const listeners: ListenerSpec[] = [{ name: 'any' }, { name: 'wild', hostname: '*.example.com' }, { name: 'exact', hostname: 'foo.example.com' }];
    const objs = [...infra(listeners),
      httpRoute('infra', 'ra', { ...parent('gw', { sectionName: 'any' }), rules: [rule({ backends: [{ name: 'a' }] })] }),
      httpRoute('infra', 'rb', { ...parent('gw', { sectionName: 'wild' }), rules: [rule({ backends: [{ name: 'b' }] })] }),
      httpRoute('infra', 'rc', { ...parent('gw', { sectionName: 'exact' }), rules: [rule({ backends: [{ name: 'c' }] })] })];
    assert.equal(route(objs, 'http://foo.example.com/').listener, 'exact');
    assert.equal(onlyBackend(route(objs, 'http://foo.example.com/')), 'infra/c:80');
    assert.equal(onlyBackend(route(objs, 'http://x.y.example.com/')), 'infra/b:80');
    assert.equal(onlyBackend(route(objs, 'http://elsewhere.org/')), 'infra/a:80');
  });
  it('across routes, the longer matching non-wildcard hostname wins, then the longer hostname', () => {
    const objs = [...infra(),
      httpRoute('infra', 'wild', { ...parent(), hostnames: ['*.example.com'], rules: [rule({ backends: [{ name: 'a' }] })] }),
      httpRoute('infra', 'wild-long', { ...parent(), hostnames: ['*.foo.example.com'], rules: [rule({ backends: [{ name: 'd' }] })] }),
      httpRoute('infra', 'exact', { ...parent(), hostnames: ['bar.foo.example.com'], rules: [rule({ backends: [{ name: 'b' }] })] }),
      httpRoute('infra', 'none', { ...parent(), rules: [rule({ backends: [{ name: 'c' }] })] })];
    assert.equal(onlyBackend(route(objs, 'http://bar.foo.example.com/')), 'infra/b:80');
    assert.equal(onlyBackend(route(objs, 'http://baz.foo.example.com/')), 'infra/d:80');
    assert.equal(onlyBackend(route(objs, 'http://x.example.com/')), 'infra/a:80');
    assert.equal(onlyBackend(route(objs, 'http://example.org/')), 'infra/c:80');
  });
  it('the Host header port is ignored', () => {
    const objs = [...infra(), httpRoute('infra', 'r', { ...parent(), hostnames: ['foo.com'], rules: [rule({ backends: [{ name: 'a' }] })] })];
    assert.equal(route(objs, 'http://x/', { headers: ['Host: foo.com:1234'] }).status, 200);
  });
});

describe('Match precedence across rules and routes', () => {
  const m = (d: RouteDecision) => onlyBackend(d);
  it('Exact beats PathPrefix; the longer prefix beats the shorter; element-wise prefixes', () => {
    const objs = [...infra(), httpRoute('infra', 'r', { ...parent(), rules: [
      rule({ matches: [pathMatch('PathPrefix', '/')], backends: [{ name: 'a' }] }),
      rule({ matches: [pathMatch('PathPrefix', '/foo')], backends: [{ name: 'b' }] }),
      rule({ matches: [pathMatch('Exact', '/foo/bar')], backends: [{ name: 'c' }] }),
      rule({ matches: [pathMatch('PathPrefix', '/foo/bar')], backends: [{ name: 'd' }] }),
    ] })];
    assert.equal(m(route(objs, 'http://x/foo/bar')), 'infra/c:80');
    assert.equal(m(route(objs, 'http://x/foo/bar/')), 'infra/d:80');
    assert.equal(m(route(objs, 'http://x/foo/baz')), 'infra/b:80');
    assert.equal(m(route(objs, 'http://x/foobar')), 'infra/a:80');
  });
  it('then method, then header count, then query-param count', () => {
    const objs = [...infra(), httpRoute('infra', 'r', { ...parent(), rules: [
      rule({ matches: [pathMatch('PathPrefix', '/', { headers: [{ type: 'Exact', name: 'h1', value: '1' }, { type: 'Exact', name: 'h2', value: '2' }] })], backends: [{ name: 'a' }] }),
      rule({ matches: [pathMatch('PathPrefix', '/', { method: 'POST' })], backends: [{ name: 'b' }] }),
      rule({ matches: [pathMatch('PathPrefix', '/', { headers: [{ type: 'Exact', name: 'h1', value: '1' }] })], backends: [{ name: 'c' }] }),
      rule({ matches: [pathMatch('PathPrefix', '/', { queryParams: [{ type: 'Exact', name: 'q', value: '1' }] })], backends: [{ name: 'd' }] }),
    ] })];
    assert.equal(m(route(objs, 'http://x/', { method: 'POST', headers: ['h1: 1', 'h2: 2'] })), 'infra/b:80');
    assert.equal(m(route(objs, 'http://x/?q=1', { headers: ['h1: 1', 'h2: 2'] })), 'infra/a:80');
    assert.equal(m(route(objs, 'http://x/?q=1', { headers: ['h1: 1'] })), 'infra/c:80');
    assert.equal(m(route(objs, 'http://x/?q=1')), 'infra/d:80');
    assert.equal(route(objs, 'http://x/').status, 404);
  });
  it('a match on a longer path beats one with more conditions on a shorter path', () => {
    const objs = [...infra(), httpRoute('infra', 'r', { ...parent(), rules: [
      rule({ matches: [pathMatch('PathPrefix', '/', { method: 'GET', headers: [{ type: 'Exact', name: 'h', value: '1' }] })], backends: [{ name: 'a' }] }),
      rule({ matches: [pathMatch('PathPrefix', '/v2')], backends: [{ name: 'b' }] }),
    ] })];
    assert.equal(m(route(objs, 'http://x/v2/x', { headers: ['h: 1'] })), 'infra/b:80');
  });
  it('ties across routes: the oldest creationTimestamp wins, then namespace/name alphabetically', () => {
    const same = (name: string, svc: string, created: string) => httpRoute('infra', name, { ...parent(), rules: [rule({ matches: [pathMatch('PathPrefix', '/x')], backends: [{ name: svc }] })] }, created);
    assert.equal(m(route([...infra(), same('aaa', 'a', '2024-06-01T00:00:00Z'), same('zzz', 'b', T0)], 'http://x/x')), 'infra/b:80');
    assert.equal(m(route([...infra(), same('bbb', 'a', T0), same('aaa', 'b', T0)], 'http://x/x')), 'infra/b:80');
  });
  it('ties inside one route: the first rule in list order wins', () => {
    const objs = [...infra(), httpRoute('infra', 'r', { ...parent(), rules: [
      rule({ matches: [pathMatch('PathPrefix', '/x')], backends: [{ name: 'a' }] }),
      rule({ matches: [pathMatch('PathPrefix', '/x')], backends: [{ name: 'b' }] }),
    ] })];
    assert.equal(m(route(objs, 'http://x/x')), 'infra/a:80');
  });
  it('matches inside a rule are ORed; conditions inside a match are ANDed', () => {
    const objs = [...infra(), httpRoute('infra', 'r', { ...parent(), rules: [
      rule({ matches: [pathMatch('PathPrefix', '/foo', { headers: [{ type: 'Exact', name: 'version', value: 'v2' }] }), pathMatch('PathPrefix', '/v2/foo')], backends: [{ name: 'b' }] }),
      rule({ backends: [{ name: 'a' }] }),
    ] })];
    assert.equal(m(route(objs, 'http://x/foo', { headers: ['version: v2'] })), 'infra/b:80');
    assert.equal(m(route(objs, 'http://x/v2/foo')), 'infra/b:80');
    assert.equal(m(route(objs, 'http://x/foo')), 'infra/a:80');
  });
  it('header names are case-insensitive, values exact; query names and values case-sensitive', () => {
    const objs = [...infra(), httpRoute('infra', 'r', { ...parent(), rules: [
      rule({ matches: [pathMatch('PathPrefix', '/', { headers: [{ type: 'Exact', name: 'X-Version', value: 'One' }] })], backends: [{ name: 'a' }] }),
      rule({ matches: [pathMatch('PathPrefix', '/', { queryParams: [{ type: 'Exact', name: 'Animal', value: 'whale' }] })], backends: [{ name: 'b' }] }),
    ] })];
    assert.equal(m(route(objs, 'http://x/', { headers: ['x-version: One'] })), 'infra/a:80');
    assert.equal(route(objs, 'http://x/', { headers: ['x-version: one'] }).status, 404);
    assert.equal(m(route(objs, 'http://x/?Animal=whale')), 'infra/b:80');
    assert.equal(route(objs, 'http://x/?animal=whale').status, 404);
  });
  it('RegularExpression paths rank below Exact and above PathPrefix (implementation-specific)', () => {
    const objs = [...infra(), httpRoute('infra', 'r', { ...parent(), rules: [
      rule({ matches: [pathMatch('PathPrefix', '/api/v1')], backends: [{ name: 'a' }] }),
      rule({ matches: [pathMatch('RegularExpression', '/api/v[0-9]+/.*')], backends: [{ name: 'b' }] }),
      rule({ matches: [pathMatch('Exact', '/api/v1/exact')], backends: [{ name: 'c' }] }),
    ] })];
    assert.equal(m(route(objs, 'http://x/api/v1/users')), 'infra/b:80');
    assert.equal(m(route(objs, 'http://x/api/v1/exact')), 'infra/c:80');
    assert.equal(m(route(objs, 'http://x/api/v1')), 'infra/a:80');
  });
  it('a miss on the exact-hostname route falls through to less specific hostnames (spec precedence order)', () => {
    const objs = [...infra(),
      httpRoute('infra', 'exact', { ...parent(), hostnames: ['foo.example.com'], rules: [rule({ matches: [pathMatch('PathPrefix', '/api')], backends: [{ name: 'a' }] })] }),
      httpRoute('infra', 'wild', { ...parent(), hostnames: ['*.example.com'], rules: [rule({ backends: [{ name: 'b' }] })] })];
    assert.equal(m(route(objs, 'http://foo.example.com/api')), 'infra/a:80');
    assert.equal(m(route(objs, 'http://foo.example.com/web')), 'infra/b:80');
  });
  it('no rule matches: 404', () => {
    const objs = [...infra(), httpRoute('infra', 'r', { ...parent(), rules: [rule({ matches: [pathMatch('Exact', '/only')], backends: [{ name: 'a' }] })] })];
    const d = route(objs, 'http://x/other');
    assert.equal(d.status, 404);
    assert.equal(d.reason, 'NoMatchingRoute');
  });
});

describe('Filters', () => {
  const one = (filters: Record<string, unknown>[], match = pathMatch('PathPrefix', '/'), backends: { name: string }[] | undefined = [{ name: 'a' }], listeners?: ListenerSpec[]) =>
    [...infra(listeners), httpRoute('infra', 'r', { ...parent(), rules: [rule({ matches: [match], filters, backends })] })];

  it('RequestHeaderModifier: set overwrites, add appends comma-joined, remove deletes', () => {
    const objs = one([{ type: 'RequestHeaderModifier', requestHeaderModifier: {
      set: [{ name: 'X-Header-Set', value: 'set-overwrites-values' }],
      add: [{ name: 'X-Header-Add', value: 'add-appends-values' }],
      remove: ['X-Header-Remove'],
    } }]);
    const d = route(objs, 'http://x/', { headers: ['x-header-set: some-other-value', 'x-header-add: add-value', 'x-header-remove: gone', 'x-keep: kept'] });
    assert.equal(d.upstream?.headers['x-header-set'], 'set-overwrites-values');
    assert.equal(d.upstream?.headers['x-header-add'], 'add-value,add-appends-values');
    assert.equal(d.upstream?.headers['x-header-remove'], undefined);
    assert.equal(d.upstream?.headers['x-keep'], 'kept');
    const fresh = route(objs, 'http://x/');
    assert.equal(fresh.upstream?.headers['x-header-add'], 'add-appends-values');
  });

  const redirectCases: { name: string; redirect: Record<string, unknown>; url: string; match?: Record<string, unknown>; listeners?: ListenerSpec[]; location: string; status: number }[] = [
    { name: 'hostname only, default 302', redirect: { hostname: 'example.org' }, url: 'http://x/path?q=1', location: 'http://example.org/path?q=1', status: 302 },
    { name: 'statusCode 301', redirect: { hostname: 'example.org', statusCode: 301 }, url: 'http://x/', location: 'http://example.org/', status: 301 },
    { name: 'scheme https: port 443 omitted', redirect: { scheme: 'https' }, url: 'http://x.com/a', location: 'https://x.com/a', status: 302 },
    { name: 'scheme https on a listener at 8080: well-known port of the scheme', redirect: { scheme: 'https' }, url: 'http://x.com:8080/a', listeners: [{ name: 'http', port: 8080 }], location: 'https://x.com/a', status: 302 },
    { name: 'no scheme: the listener port (8080 shown)', redirect: { hostname: 'example.org' }, url: 'http://x.com:8080/a', listeners: [{ name: 'http', port: 8080 }], location: 'http://example.org:8080/a', status: 302 },
    { name: 'explicit port', redirect: { port: 8443, scheme: 'https' }, url: 'http://x.com/a', location: 'https://x.com:8443/a', status: 302 },
    { name: 'explicit port 80 on http is omitted', redirect: { hostname: 'example.org', port: 80 }, url: 'http://x.com/a', location: 'http://example.org/a', status: 302 },
    { name: 'ReplaceFullPath', redirect: { path: { type: 'ReplaceFullPath', replaceFullPath: '/new' } }, url: 'http://x.com/old/deep', location: 'http://x.com/new', status: 302 },
    { name: 'ReplacePrefixMatch keeps the rest', redirect: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/xyz' } }, match: pathMatch('PathPrefix', '/foo'), url: 'http://x.com/foo/bar', location: 'http://x.com/xyz/bar', status: 302 },
    { name: 'statusCode 308 (Extended)', redirect: { scheme: 'https', statusCode: 308 }, url: 'http://x.com/', location: 'https://x.com/', status: 308 },
  ];
  for (const c of redirectCases) {
    it(`RequestRedirect: ${c.name}`, () => {
      const d = route(one([{ type: 'RequestRedirect', requestRedirect: c.redirect }], c.match, undefined, c.listeners), c.url);
      assert.equal(d.outcome, 'redirect');
      assert.deepEqual(d.redirect, { location: c.location, statusCode: c.status });
    });
  }

  // The spec's ReplacePrefixMatch table.
  const prefixTable: [string, string, string, string][] = [
    ['/foo/bar', '/foo', '/xyz', '/xyz/bar'],
    ['/foo/bar', '/foo', '/xyz/', '/xyz/bar'],
    ['/foo/bar', '/foo/', '/xyz', '/xyz/bar'],
    ['/foo/bar', '/foo/', '/xyz/', '/xyz/bar'],
    ['/foo', '/foo', '/xyz', '/xyz'],
    ['/foo/', '/foo', '/xyz', '/xyz/'],
    ['/foo/bar', '/foo', '', '/bar'],
    ['/foo/', '/foo', '', '/'],
    ['/foo', '/foo', '', '/'],
    ['/foo/', '/foo', '/', '/'],
    ['/foo', '/foo', '/', '/'],
  ];
  for (const [path, prefix, replacement, want] of prefixTable) {
    it(`URLRewrite ReplacePrefixMatch ${path} with prefix ${prefix} → ${JSON.stringify(replacement)} = ${want}`, () => {
      const d = route(one([{ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: replacement } } }], pathMatch('PathPrefix', prefix)), `http://x${path}`);
      assert.equal(d.upstream?.path, want);
    });
  }

  it('URLRewrite hostname and ReplaceFullPath', () => {
    const d = route(one([{ type: 'URLRewrite', urlRewrite: { hostname: 'internal.svc', path: { type: 'ReplaceFullPath', replaceFullPath: '/one' } } }]), 'http://x/some/path?a=b');
    assert.deepEqual([d.upstream?.host, d.upstream?.path, d.upstream?.query], ['internal.svc', '/one', 'a=b']);
  });

  it('RequestMirror names the mirror backend and its percentage; the response comes from the main backend', () => {
    const d = route(one([{ type: 'RequestMirror', requestMirror: { backendRef: { name: 'b', port: 80 }, percent: 25 } }]), 'http://x/');
    assert.equal(onlyBackend(d), 'infra/a:80');
    assert.deepEqual(d.mirrors.map((x) => [x.backend, x.percent]), [['infra/b:80', 25]]);
  });

  it('an unsupported filter is never skipped: 500', () => {
    const d = route(one([{ type: 'ExtensionRef', extensionRef: { group: 'example.com', kind: 'Thing', name: 'x' } }]), 'http://x/');
    assert.equal(d.status, 500);
  });
});

describe('backendRefs: weights, invalid references, ReferenceGrant', () => {
  it('shares are weight / sum of weights; weight 0 never receives traffic', () => {
    const objs = [...infra(), httpRoute('infra', 'r', { ...parent(), rules: [rule({ backends: [{ name: 'a', weight: 70 }, { name: 'b', weight: 30 }, { name: 'c', weight: 0 }] })] })];
    const d = route(objs, 'http://x/');
    assert.deepEqual(d.backends.map((b) => [b.backend, b.share]), [['infra/a:80', 0.7], ['infra/b:80', 0.3], ['infra/c:80', 0]]);
  });

  const refCases: { name: string; backend: { name: string; namespace?: string; kind?: string; group?: string; port?: number }; extra?: KObject[]; status: number; resolvedRefs: string }[] = [
    { name: 'missing Service', backend: { name: 'ghost' }, status: 500, resolvedRefs: 'False:BackendNotFound' },
    { name: 'missing Service port', backend: { name: 'a', port: 81 }, status: 500, resolvedRefs: 'False:BackendNotFound' },
    { name: 'unsupported kind', backend: { name: 'a', kind: 'Bucket', group: 'storage.example.com' }, status: 500, resolvedRefs: 'False:InvalidKind' },
    { name: 'cross-namespace without ReferenceGrant', backend: { name: 'a', namespace: 'apps' }, status: 500, resolvedRefs: 'False:RefNotPermitted' },
    { name: 'cross-namespace with a ReferenceGrant in the target namespace', backend: { name: 'a', namespace: 'apps' }, extra: [referenceGrant('apps', 'g', 'infra')], status: 200, resolvedRefs: 'True' },
    { name: 'ReferenceGrant for another Service name', backend: { name: 'a', namespace: 'apps' }, extra: [referenceGrant('apps', 'g', 'infra', { kind: 'Service', name: 'b' })], status: 500, resolvedRefs: 'False:RefNotPermitted' },
    { name: 'ReferenceGrant from another namespace', backend: { name: 'a', namespace: 'apps' }, extra: [referenceGrant('apps', 'g', 'other')], status: 500, resolvedRefs: 'False:RefNotPermitted' },
    { name: 'ReferenceGrant in the wrong (source) namespace', backend: { name: 'a', namespace: 'apps' }, extra: [{ ...referenceGrant('infra', 'g', 'infra'), metadata: { name: 'g', namespace: 'infra' } }], status: 500, resolvedRefs: 'False:RefNotPermitted' },
  ];
  for (const c of refCases) {
    it(`${c.name}: ${c.status}, ResolvedRefs ${c.resolvedRefs}, Accepted stays True`, () => {
      const objs = [...infra([{ name: 'http' }], c.extra), httpRoute('infra', 'r', { ...parent(), rules: [rule({ backends: [c.backend] })] })];
      assert.equal(route(objs, 'http://x/').status, c.status);
      assert.deepEqual(routeStatus(objs, 'infra/r'), { Accepted: 'True', ResolvedRefs: c.resolvedRefs });
    });
  }

  it('the invalid share of weighted backends gets 500, the rest is forwarded', () => {
    const objs = [...infra(), httpRoute('infra', 'r', { ...parent(), rules: [rule({ backends: [{ name: 'a', weight: 1 }, { name: 'ghost', weight: 1 }] })] })];
    const d = route(objs, 'http://x/');
    assert.equal(d.outcome, 'forward');
    assert.deepEqual(d.backends.map((b) => [b.backend, b.share, b.status]), [['infra/a:80', 0.5, 200], ['infra/ghost:80', 0.5, 500]]);
  });

  it('a rule with no backendRefs and no filters answers 500', () => {
    const objs = [...infra(), httpRoute('infra', 'r', { ...parent(), rules: [rule({})] })];
    assert.equal(route(objs, 'http://x/').status, 500);
  });

  it('a valid backend without ready endpoints answers 503', () => {
    const objs = [...infra([{ name: 'http' }], service('infra', 'down', { ready: 0, notReady: 1 })), httpRoute('infra', 'r', { ...parent(), rules: [rule({ backends: [{ name: 'down' }] })] })];
    const d = route(objs, 'http://x/');
    assert.equal(d.status, 503);
    assert.equal(routeStatus(objs, 'infra/r')?.ResolvedRefs, 'True');
  });
});

describe('HTTPS listeners', () => {
  it('an https request on 443 is served by the HTTPS listener with its certificate; http on 443 is not', () => {
    const tls = { mode: 'Terminate', certificateRefs: [{ group: '', kind: 'Secret', name: 'gw-cert' }] };
    const objs = [...infra([{ name: 'http' }, { name: 'https', port: 443, protocol: 'HTTPS', hostname: 'secure.example.com', tls }], [tlsSecret('infra', 'gw-cert')]),
      httpRoute('infra', 'r', { ...parent(), rules: [rule({ backends: [{ name: 'a' }] })] })];
    const d = route(objs, 'https://secure.example.com/');
    assert.deepEqual([d.listener, d.tls?.secret, onlyBackend(d)], ['https', 'infra/gw-cert', 'infra/a:80']);
    assert.equal(route(objs, 'https://other.example.com/').reason, 'NoMatchingListener');
    assert.equal(route(objs, 'http://secure.example.com:443/').reason, 'NoMatchingListener');
    assert.equal(route(objs, 'http://secure.example.com/').listener, 'http');
  });
});

describe('Frontend selection', () => {
  it('--gateway and --via pick the frontend; the listener port must match the request port', () => {
    const objs = [...infra([{ name: 'http', port: 8080 }]), httpRoute('infra', 'r', { ...parent(), rules: [rule({ backends: [{ name: 'a' }] })] })];
    assert.equal(route(objs, 'http://x:8080/', { gateway: 'infra/gw' }).status, 200);
    const d = route(objs, 'http://x/', { via: 'gateway' });
    assert.equal(d.reason, 'NoMatchingListener');
    assert.equal(route(objs, 'http://x:8080/', { via: 'ingress' }).reason, 'NoFrontend');
  });
});
