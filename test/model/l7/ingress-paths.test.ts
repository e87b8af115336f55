/**
 * The Ingress concept page's path-matching examples table, row by row: each rule path goes to its own
 * Service; a miss goes to the Ingress defaultBackend.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ingress, ingressClass, namespace, onlyBackend, route, service, type PathSpec } from './fixtures.ts';
import type { KObject } from '../../../src/api/types.ts';

type Row = { paths: [PathSpec['pathType'], string][]; requests: string[]; expect: number | 'default' };

// expect: index of the matching rule path, or 'default' (no path matched → defaultBackend).
const TABLE: { name: string; rows: Row[] }[] = [
  { name: 'Prefix / matches all paths', rows: [{ paths: [['Prefix', '/']], requests: ['/', '/foo', '/foo/bar/', '/x?y=1'], expect: 0 }] },
  {
    name: 'Exact /foo',
    rows: [
      { paths: [['Exact', '/foo']], requests: ['/foo'], expect: 0 },
      { paths: [['Exact', '/foo']], requests: ['/bar', '/foo/', '/FOO'], expect: 'default' },
    ],
  },
  { name: 'Exact /foo/ does not match /foo', rows: [{ paths: [['Exact', '/foo/']], requests: ['/foo'], expect: 'default' }] },
  { name: 'Prefix /foo matches /foo and /foo/', rows: [{ paths: [['Prefix', '/foo']], requests: ['/foo', '/foo/'], expect: 0 }] },
  { name: 'Prefix /foo/ matches /foo and /foo/', rows: [{ paths: [['Prefix', '/foo/']], requests: ['/foo', '/foo/'], expect: 0 }] },
  { name: 'Prefix /aaa/bb does not match /aaa/bbb', rows: [{ paths: [['Prefix', '/aaa/bb']], requests: ['/aaa/bbb'], expect: 'default' }] },
  { name: 'Prefix /aaa/bbb matches /aaa/bbb', rows: [{ paths: [['Prefix', '/aaa/bbb']], requests: ['/aaa/bbb'], expect: 0 }] },
  { name: 'Prefix /aaa/bbb/ ignores the trailing slash', rows: [{ paths: [['Prefix', '/aaa/bbb/']], requests: ['/aaa/bbb'], expect: 0 }] },
  { name: 'Prefix /aaa/bbb matches the trailing slash', rows: [{ paths: [['Prefix', '/aaa/bbb']], requests: ['/aaa/bbb/'], expect: 0 }] },
  { name: 'Prefix /aaa/bbb matches the subpath', rows: [{ paths: [['Prefix', '/aaa/bbb']], requests: ['/aaa/bbb/ccc'], expect: 0 }] },
  { name: 'Prefix /aaa/bbb is not a string prefix', rows: [{ paths: [['Prefix', '/aaa/bbb']], requests: ['/aaa/bbbxyz'], expect: 'default' }] },
  { name: 'Prefix /, /aaa: /aaa/ccc matches /aaa', rows: [{ paths: [['Prefix', '/'], ['Prefix', '/aaa']], requests: ['/aaa/ccc'], expect: 1 }] },
  {
    name: 'Prefix /, /aaa, /aaa/bbb',
    rows: [
      { paths: [['Prefix', '/'], ['Prefix', '/aaa'], ['Prefix', '/aaa/bbb']], requests: ['/aaa/bbb'], expect: 2 },
      { paths: [['Prefix', '/'], ['Prefix', '/aaa'], ['Prefix', '/aaa/bbb']], requests: ['/ccc'], expect: 0 },
    ],
  },
  { name: 'Prefix /aaa: /ccc uses the default backend', rows: [{ paths: [['Prefix', '/aaa']], requests: ['/ccc'], expect: 'default' }] },
  {
    name: 'Mixed /foo Prefix + /foo Exact prefers Exact, whatever the list order',
    rows: [
      { paths: [['Prefix', '/foo'], ['Exact', '/foo']], requests: ['/foo'], expect: 1 },
      { paths: [['Exact', '/foo'], ['Prefix', '/foo']], requests: ['/foo'], expect: 0 },
      { paths: [['Exact', '/foo'], ['Prefix', '/foo']], requests: ['/foo/'], expect: 1 },
    ],
  },
  {
    name: 'longest path wins regardless of list order',
    rows: [{ paths: [['Prefix', '/aaa/bbb'], ['Prefix', '/aaa'], ['Prefix', '/']], requests: ['/aaa/bbb/c'], expect: 0 }],
  },
  { name: 'ImplementationSpecific behaves as Prefix', rows: [{ paths: [['ImplementationSpecific', '/foo']], requests: ['/foo/bar'], expect: 0 }] },
];

function cluster(paths: Row['paths']): KObject[] {
  return [
    namespace('default'),
    ingressClass('nginx'),
    ...paths.flatMap((_, i) => service('default', `svc-${i}`)),
    ...service('default', 'fallback'),
    ingress('default', 'web', {
      defaultBackend: { service: 'fallback', port: 80 },
      rules: [{ host: 'foo.bar.com', paths: paths.map(([pathType, path], i) => ({ path, pathType, service: `svc-${i}` })) }],
    }),
  ];
}

describe('Ingress path matching (Kubernetes Ingress docs, examples table)', () => {
  for (const group of TABLE) {
    it(group.name, () => {
      for (const row of group.rows) {
        const objects = cluster(row.paths);
        for (const path of row.requests) {
          const d = route(objects, `http://foo.bar.com${path}`);
          const want = row.expect === 'default' ? 'default/fallback:80' : `default/svc-${row.expect}:80`;
          assert.equal(onlyBackend(d), want, `${row.paths.map((p) => p.join(' ')).join(', ')} — request ${path}: ${d.message}`);
        }
      }
    });
  }
});
