/**
 * Ingress v1 semantics beyond path matching: host wildcards (exactly one label), no fallback from a
 * matched host to host-less rules, defaultBackend, merging across Ingresses, IngressClass selection,
 * backend ports by number or name, 503 without ready endpoints, TLS certificate by SNI.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../../src/api/types.ts';
import { certificateForSNI, compileRouteTable } from '../../../src/model/l7/index.ts';
import { ingress, ingressClass, namespace, onlyBackend, PEM_CERT, route, service, tlsSecret, view, T0 } from './fixtures.ts';

const base = () => [namespace('default'), ingressClass('nginx'), ...service('default', 'a'), ...service('default', 'b'), ...service('default', 'c'), ...service('default', 'def')];

describe('Ingress hosts', () => {
  const objects = [
    ...base(),
    ingress('default', 'hosts', {
      rules: [
        { host: 'foo.bar.com', paths: [{ path: '/', service: 'a' }] },
        { host: '*.bar.com', paths: [{ path: '/', service: 'b' }] },
        { paths: [{ path: '/', service: 'c' }] },
      ],
    }),
  ];
  const cases: [string, string | undefined][] = [
    ['http://foo.bar.com/', 'default/a:80'], // exact host wins over the wildcard
    ['http://baz.bar.com/', 'default/b:80'], // wildcard covers one label
    ['http://baz.foo.bar.com/', 'default/c:80'], // …and only one: falls to host-less rules
    ['http://bar.com/', 'default/c:80'], // the wildcard never matches the bare suffix
    ['http://other.example/', 'default/c:80'],
  ];
  for (const [url, want] of cases) {
    it(`${url} → ${want}`, () => assert.equal(onlyBackend(route(objects, url)), want));
  }

  it('the Host header is case-insensitive and its port is ignored', () => {
    assert.equal(onlyBackend(route(objects, 'http://x/', { headers: ['Host: FOO.bar.com:8080'] })), 'default/a:80');
  });

  it('the controller serves the well-known ports: http on 80, https on 443', () => {
    assert.equal(route(objects, 'http://foo.bar.com:8080/').reason, 'NoMatchingListener');
    assert.equal(onlyBackend(route(objects, 'https://foo.bar.com/')), 'default/a:80');
  });

  it('a host that matched never falls back to host-less rules on a path miss', () => {
    const objs = [
      ...base(),
      ingress('default', 'x', { rules: [{ host: 'foo.bar.com', paths: [{ path: '/api', service: 'a' }] }, { paths: [{ path: '/', service: 'c' }] }] }),
    ];
    const d = route(objs, 'http://foo.bar.com/web');
    assert.equal(d.status, 404);
    assert.equal(d.reason, 'NoMatchingPath');
    assert.equal(onlyBackend(route(objs, 'http://other/web')), 'default/c:80');
  });

  it('a host that matched never falls back from the exact host to the wildcard', () => {
    const objs = [...base(), ingress('default', 'x', { rules: [{ host: 'foo.bar.com', paths: [{ path: '/api', service: 'a' }] }, { host: '*.bar.com', paths: [{ path: '/', service: 'b' }] }] })];
    assert.equal(route(objs, 'http://foo.bar.com/web').status, 404);
  });
});

describe('Ingress defaultBackend', () => {
  it('takes what no rule matches, on the Ingress own hosts and as the catch-all', () => {
    const objs = [...base(), ingress('default', 'x', { defaultBackend: { service: 'def', port: 80 }, rules: [{ host: 'foo.bar.com', paths: [{ path: '/api', service: 'a' }] }] })];
    assert.equal(onlyBackend(route(objs, 'http://foo.bar.com/web')), 'default/def:80');
    const other = route(objs, 'http://unknown.example/');
    assert.equal(onlyBackend(other), 'default/def:80');
    assert.equal(other.defaultBackend, 'default/x');
  });

  it('an Ingress with only a defaultBackend (no rules) serves every request', () => {
    const objs = [...base(), ingress('default', 'only', { defaultBackend: { service: 'def', port: 80 } })];
    assert.equal(onlyBackend(route(objs, 'http://anything/any/path')), 'default/def:80');
  });

  it('without any defaultBackend a miss is the controller 404', () => {
    const objs = [...base(), ingress('default', 'x', { rules: [{ host: 'foo.bar.com', paths: [{ path: '/api', service: 'a' }] }] })];
    const d = route(objs, 'http://unknown.example/');
    assert.equal(d.status, 404);
    assert.equal(d.reason, 'NoMatchingHost');
  });
});

describe('Ingress merging across Ingresses of one class', () => {
  it('rules for one host from several Ingresses merge; precedence ignores which Ingress holds the path', () => {
    const objs = [
      ...base(),
      ingress('default', 'one', { rules: [{ host: 'foo.bar.com', paths: [{ path: '/', service: 'a' }] }] }),
      ingress('default', 'two', { rules: [{ host: 'foo.bar.com', paths: [{ path: '/api', service: 'b' }] }] }),
    ];
    assert.equal(onlyBackend(route(objs, 'http://foo.bar.com/api/x')), 'default/b:80');
    assert.equal(onlyBackend(route(objs, 'http://foo.bar.com/web')), 'default/a:80');
  });

  it('the same host and path in two Ingresses: the oldest Ingress wins', () => {
    const objs = [
      ...base(),
      ingress('default', 'aaa-new', { created: '2024-02-01T00:00:00Z', rules: [{ host: 'foo.bar.com', paths: [{ path: '/', service: 'a' }] }] }),
      ingress('default', 'zzz-old', { created: T0, rules: [{ host: 'foo.bar.com', paths: [{ path: '/', service: 'b' }] }] }),
    ];
    assert.equal(onlyBackend(route(objs, 'http://foo.bar.com/')), 'default/b:80');
  });
});

describe('IngressClass selection', () => {
  const rules = [{ host: 'foo.bar.com', paths: [{ path: '/', service: 'a' }] }];
  const routed = (objs: ReturnType<typeof base>) => compileRouteTable(view(objs)).status.ingresses.map((s) => [s.ingress, s.routed, s.reason]);

  it('ingressClassName naming a class of our controller is routed; foreign and missing classes are not', () => {
    const objs = [
      ...base(),
      ingressClass('traefik', 'traefik.io/ingress-controller'),
      ingress('default', 'ours', { className: 'nginx', rules }),
      ingress('default', 'foreign', { className: 'traefik', rules: [{ host: 'x.com', paths: [{ path: '/', service: 'b' }] }] }),
      ingress('default', 'missing', { className: 'nope', rules: [{ host: 'y.com', paths: [{ path: '/', service: 'b' }] }] }),
    ];
    assert.deepEqual(routed(objs), [
      ['default/foreign', false, 'ForeignClass'],
      ['default/missing', false, 'ClassNotFound'],
      ['default/ours', true, 'Routed'],
    ]);
    assert.equal(route(objs, 'http://x.com/').status, 404);
    assert.equal(route(objs, 'http://y.com/').status, 404);
  });

  it('the controller from ClusterConfig.ingressController decides which classes are ours', () => {
    const objs = [...base(), ingressClass('traefik', 'traefik.io/ingress-controller'), ingress('default', 't', { className: 'traefik', rules })];
    assert.equal(onlyBackend(route(view(objs, { ingressController: 'traefik.io/ingress-controller' }), 'http://foo.bar.com/')), 'default/a:80');
    assert.equal(route(objs, 'http://foo.bar.com/').status, 404);
  });

  it('the legacy kubernetes.io/ingress.class annotation names the class', () => {
    const objs = [...base(), ingress('default', 'legacy', { className: null, annotations: { 'kubernetes.io/ingress.class': 'nginx' }, rules })];
    assert.equal(onlyBackend(route(objs, 'http://foo.bar.com/')), 'default/a:80');
  });

  it('a class-less Ingress gets the single default class (admission at creation)', () => {
    const objs = [namespace('default'), ingressClass('nginx', 'k8s.io/ingress-nginx', true), ...service('default', 'a'), ingress('default', 'plain', { className: null, rules, created: '2024-03-01T00:00:00Z' })];
    assert.equal(onlyBackend(route(objs, 'http://foo.bar.com/')), 'default/a:80');
  });

  it('a default class created after the Ingress was never applied to it', () => {
    const objs = [namespace('default'), ingressClass('nginx', 'k8s.io/ingress-nginx', true, '2024-05-01T00:00:00Z'), ...service('default', 'a'), ingress('default', 'plain', { className: null, rules, created: '2024-03-01T00:00:00Z' })];
    assert.equal(route(objs, 'http://foo.bar.com/').status, 404);
  });

  it('two default classes: a class-less Ingress is refused (not routed)', () => {
    const objs = [namespace('default'), ingressClass('nginx', 'k8s.io/ingress-nginx', true), ingressClass('other', 'k8s.io/ingress-nginx', true), ...service('default', 'a'), ingress('default', 'plain', { className: null, rules })];
    assert.deepEqual(routed(objs), [['default/plain', false, 'MultipleDefaultClasses']]);
  });

  it('a class-less Ingress with no default class is not routed', () => {
    const objs = [...base(), ingress('default', 'plain', { className: null, rules })];
    assert.deepEqual(routed(objs), [['default/plain', false, 'NoClass']]);
  });
});

describe('Ingress backends', () => {
  it('port by number or by name resolves to the Service port; the proxy target is the endpoint port', () => {
    const objs = [
      namespace('default'), ingressClass('nginx'),
      ...service('default', 'multi', { ports: [{ name: 'http', port: 80, targetPort: 8080 }, { name: 'admin', port: 9000, targetPort: 9090 }], ips: ['10.244.1.5'] }),
      ingress('default', 'x', { rules: [{ host: 'h', paths: [{ path: '/admin', service: 'multi', port: 'admin' }, { path: '/', service: 'multi', port: 80 }] }] }),
    ];
    const admin = route(objs, 'http://h/admin');
    assert.equal(onlyBackend(admin), 'default/multi:admin');
    assert.deepEqual(admin.backends[0].endpoints, ['10.244.1.5:9090']);
    assert.deepEqual(route(objs, 'http://h/').backends[0].endpoints, ['10.244.1.5:8080']);
  });

  it('a matched backend without ready endpoints answers 503, not 404', () => {
    const objs = [namespace('default'), ingressClass('nginx'), ...service('default', 'down', { ready: 0, notReady: 2 }), ingress('default', 'x', { rules: [{ host: 'h', paths: [{ path: '/', service: 'down' }] }] })];
    const d = route(objs, 'http://h/');
    assert.equal(d.status, 503);
    assert.equal(d.reason, 'NoReadyEndpoints');
  });

  it('only ready endpoints are targets', () => {
    const objs = [namespace('default'), ingressClass('nginx'), ...service('default', 'svc', { ips: ['10.244.0.9'], notReady: 1 }), ingress('default', 'x', { rules: [{ host: 'h', paths: [{ path: '/', service: 'svc' }] }] })];
    assert.deepEqual(route(objs, 'http://h/').backends[0].endpoints, ['10.244.0.9:8080']);
  });

  it('a missing Service or port answers 503 (ingress-nginx)', () => {
    const objs = [...base(), ingress('default', 'x', { rules: [{ host: 'h', paths: [{ path: '/a', service: 'ghost' }, { path: '/b', service: 'a', port: 81 }] }] })];
    assert.equal(route(objs, 'http://h/a').status, 503);
    assert.equal(route(objs, 'http://h/b').status, 503);
  });
});

describe('Ingress TLS', () => {
  const objs = [
    ...base(),
    tlsSecret('default', 'foo-cert'),
    tlsSecret('default', 'wild-cert'),
    ingress('default', 'tls', {
      tls: [{ hosts: ['foo.bar.com'], secretName: 'foo-cert' }, { hosts: ['*.bar.com'], secretName: 'wild-cert' }],
      rules: [{ host: 'foo.bar.com', paths: [{ path: '/', service: 'a' }] }, { host: '*.bar.com', paths: [{ path: '/', service: 'b' }] }, { host: 'plain.example', paths: [{ path: '/', service: 'c' }] }],
    }),
  ];
  it('SNI picks the certificate, the Host header routes', () => {
    const d = route(objs, 'https://foo.bar.com/');
    assert.deepEqual(d.tls, { secret: 'default/foo-cert' });
    assert.equal(onlyBackend(d), 'default/a:80');
    assert.deepEqual(route(objs, 'https://x.bar.com/').tls, { secret: 'default/wild-cert' });
  });
  it('a host outside every tls entry gets the default certificate (null) and is still routed', () => {
    const d = route(objs, 'https://plain.example/');
    assert.deepEqual(d.tls, { secret: null });
    assert.equal(onlyBackend(d), 'default/c:80');
  });

  // ingress-nginx getPemCertificate: tls.crt and tls.key are read whatever the Secret's type; a missing
  // Secret, a missing key or no PEM keypair is logged and the host gets the default (fake) certificate.
  describe('the Secret decides: unusable → the default certificate for that host, still routed', () => {
    const withSecret = (...secret: KObject[]) => [
      ...base(),
      ...secret,
      ingress('default', 'tls', { tls: [{ hosts: ['foo.bar.com'], secretName: 'foo-cert' }], rules: [{ host: 'foo.bar.com', paths: [{ path: '/', service: 'a' }] }] }),
    ];
    const cases: [string, KObject[], string | null, string | undefined][] = [
      ['a kubernetes.io/tls Secret', [tlsSecret('default', 'foo-cert')], 'default/foo-cert', undefined],
      ['an Opaque Secret with tls.crt and tls.key (ingress-nginx does not look at the type)', [tlsSecret('default', 'foo-cert', { type: 'Opaque' })], 'default/foo-cert', undefined],
      ['no such Secret', [], null, 'NotFound'],
      ['the Secret in another namespace', [tlsSecret('other', 'foo-cert')], null, 'NotFound'],
      ['no tls.key', [tlsSecret('default', 'foo-cert', { type: 'Opaque', data: { 'tls.crt': PEM_CERT } })], null, 'MissingKeys'],
      ['tls.key that is not PEM', [tlsSecret('default', 'foo-cert', { data: { 'tls.crt': PEM_CERT, 'tls.key': 'not a key' } })], null, 'MalformedPEM'],
    ];
    for (const [name, secret, want, reason] of cases) {
      it(name, () => {
        const d = route(withSecret(...secret), 'https://foo.bar.com/');
        assert.equal(d.tls?.secret, want);
        assert.equal(d.tls?.rejected?.reason, reason);
        if (reason) assert.match(d.tls?.rejected?.message ?? '', /default\/foo-cert.*the default certificate is served/);
        assert.equal(onlyBackend(d), 'default/a:80');
      });
    }

    it('the SNI name still selects the entry, so a proxy holding its certificate from elsewhere serves it', () => {
      const table = compileRouteTable(view(withSecret()));
      assert.equal(certificateForSNI(table, {}, 'foo.bar.com', 443), 'default/foo-cert');
    });
  });
});
