/**
 * Patch semantics: JSON merge patch cases from RFC 7386 Appendix A, JSON patch cases from RFC 6902
 * Appendix A, strategic merge patch rules from k8s.io/apimachinery/pkg/util/strategicpatch (merge by
 * patchMergeKey, `$patch: delete|replace`, `$setElementOrder`, `$retainKeys`,
 * `$deleteFromPrimitiveList`, replace for lists without a merge key).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { jsonPatch, mergePatch, PatchError, strategicMergePatch } from '../../src/server/patch.ts';

describe('JSON merge patch (RFC 7386 Appendix A)', () => {
  const cases: [unknown, unknown, unknown][] = [
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [['a', 'b'], ['c', 'd'], ['c', 'd']],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ];
  cases.forEach(([target, patch, want], i) => test(`example ${i + 1}`, () => assert.deepEqual(mergePatch(target, patch), want)));
});

describe('JSON patch (RFC 6902 Appendix A)', () => {
  test('A.1 adding an object member', () => assert.deepEqual(jsonPatch({ foo: 'bar' }, [{ op: 'add', path: '/baz', value: 'qux' }]), { foo: 'bar', baz: 'qux' }));
  test('A.2 adding an array element', () => assert.deepEqual(jsonPatch({ foo: ['bar', 'baz'] }, [{ op: 'add', path: '/foo/1', value: 'qux' }]), { foo: ['bar', 'qux', 'baz'] }));
  test('A.3 removing an object member', () => assert.deepEqual(jsonPatch({ baz: 'qux', foo: 'bar' }, [{ op: 'remove', path: '/baz' }]), { foo: 'bar' }));
  test('A.4 removing an array element', () => assert.deepEqual(jsonPatch({ foo: ['bar', 'qux', 'baz'] }, [{ op: 'remove', path: '/foo/1' }]), { foo: ['bar', 'baz'] }));
  test('A.5 replacing a value', () => assert.deepEqual(jsonPatch({ baz: 'qux', foo: 'bar' }, [{ op: 'replace', path: '/baz', value: 'boo' }]), { baz: 'boo', foo: 'bar' }));
  test('A.6 moving a value', () =>
    assert.deepEqual(jsonPatch({ foo: { bar: 'baz', waldo: 'fred' }, qux: { corge: 'grault' } }, [{ op: 'move', from: '/foo/waldo', path: '/qux/thud' }]), {
      foo: { bar: 'baz' },
      qux: { corge: 'grault', thud: 'fred' },
    }));
  test('A.7 moving an array element', () => assert.deepEqual(jsonPatch({ foo: ['all', 'grass', 'cows', 'eat'] }, [{ op: 'move', from: '/foo/1', path: '/foo/3' }]), { foo: ['all', 'cows', 'eat', 'grass'] }));
  test('A.8 testing a value: success', () => assert.deepEqual(jsonPatch({ baz: 'qux', foo: ['a', 2, 'c'] }, [{ op: 'test', path: '/baz', value: 'qux' }, { op: 'test', path: '/foo/1', value: 2 }]), { baz: 'qux', foo: ['a', 2, 'c'] }));
  test('A.9 testing a value: error', () => assert.throws(() => jsonPatch({ baz: 'qux' }, [{ op: 'test', path: '/baz', value: 'bar' }]), (e: unknown) => e instanceof PatchError && e.code === 422));
  test('A.10 adding a nested member object', () => assert.deepEqual(jsonPatch({ foo: 'bar' }, [{ op: 'add', path: '/child', value: { grandchild: {} } }]), { foo: 'bar', child: { grandchild: {} } }));
  test('A.12 adding to a nonexistent target', () => assert.throws(() => jsonPatch({ foo: 'bar' }, [{ op: 'add', path: '/baz/bat', value: 'qux' }]), (e: unknown) => e instanceof PatchError && e.code === 422));
  test('A.14 ~ escape ordering', () => assert.deepEqual(jsonPatch({ '/': 9, '~1': 10 }, [{ op: 'test', path: '/~01', value: 10 }]), { '/': 9, '~1': 10 }));
  test('A.16 adding an array value', () => assert.deepEqual(jsonPatch({ foo: ['bar'] }, [{ op: 'add', path: '/foo/-', value: ['abc', 'def'] }]), { foo: ['bar', ['abc', 'def']] }));
  test('a patch that is not a list is a 400', () => assert.throws(() => jsonPatch({}, { op: 'add' }), (e: unknown) => e instanceof PatchError && e.code === 400));
  test('operations apply atomically: the input is never modified', () => {
    const doc = { a: 1 };
    assert.throws(() => jsonPatch(doc, [{ op: 'remove', path: '/a' }, { op: 'test', path: '/a', value: 1 }]));
    assert.deepEqual(doc, { a: 1 });
  });
});

const deployment = (containers: unknown[]): Record<string, unknown> => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', labels: { app: 'web' }, finalizers: ['a'] },
  spec: { template: { spec: { containers } } },
});
const containersOf = (o: unknown): unknown => (o as { spec: { template: { spec: { containers: unknown } } } }).spec.template.spec.containers;

describe('strategic merge patch', () => {
  const live = deployment([
    { name: 'app', image: 'app:1', ports: [{ containerPort: 80 }], env: [{ name: 'A', value: '1' }] },
    { name: 'sidecar', image: 'side:1' },
  ]);

  test('containers merge by name (patchMergeKey), fields inside merge recursively', () => {
    const out = strategicMergePatch('Deployment', live, { spec: { template: { spec: { containers: [{ name: 'app', image: 'app:2' }] } } } });
    assert.deepEqual(containersOf(out), [
      { name: 'app', image: 'app:2', ports: [{ containerPort: 80 }], env: [{ name: 'A', value: '1' }] },
      { name: 'sidecar', image: 'side:1' },
    ]);
  });

  test('a new key is appended; env merges by name inside a container', () => {
    const out = strategicMergePatch('Deployment', live, { spec: { template: { spec: { containers: [{ name: 'app', env: [{ name: 'B', value: '2' }] }, { name: 'new', image: 'n:1' }] } } } });
    const cs = containersOf(out) as { name: string; env?: unknown[] }[];
    assert.deepEqual(cs.map((x) => x.name), ['app', 'sidecar', 'new']);
    assert.deepEqual(cs[0].env, [{ name: 'A', value: '1' }, { name: 'B', value: '2' }]);
  });

  test('$patch: delete removes the keyed element', () => {
    const out = strategicMergePatch('Deployment', live, { spec: { template: { spec: { containers: [{ name: 'sidecar', $patch: 'delete' }] } } } });
    assert.deepEqual((containersOf(out) as { name: string }[]).map((x) => x.name), ['app']);
  });

  test('$patch: replace on a list replaces it whole', () => {
    const out = strategicMergePatch('Deployment', live, { spec: { template: { spec: { containers: [{ name: 'only', image: 'o:1' }, { $patch: 'replace' }] } } } });
    assert.deepEqual(containersOf(out), [{ name: 'only', image: 'o:1' }]);
  });

  test('$setElementOrder orders the merged list as kubectl apply sends it', () => {
    const out = strategicMergePatch('Deployment', live, { spec: { template: { spec: { ['$setElementOrder/containers']: [{ name: 'sidecar' }, { name: 'app' }], containers: [{ name: 'app', image: 'app:3' }] } } } });
    assert.deepEqual((containersOf(out) as { name: string }[]).map((x) => x.name), ['sidecar', 'app']);
  });

  test('null deletes a map key; maps merge', () => {
    const out = strategicMergePatch('Deployment', live, { metadata: { labels: { app: null, tier: 'x' } } }) as { metadata: { labels: unknown } };
    assert.deepEqual(out.metadata.labels, { tier: 'x' });
  });

  test('$retainKeys keeps only the listed fields of the map', () => {
    const out = strategicMergePatch('Deployment', { kind: 'Deployment', spec: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } } } }, { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } });
    assert.deepEqual((out as { spec: unknown }).spec, { strategy: { type: 'Recreate' } });
  });

  test('$deleteFromPrimitiveList removes values; finalizers merge as a set', () => {
    const removed = strategicMergePatch('Deployment', live, { metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] } }) as { metadata: { finalizers: string[] } };
    assert.deepEqual(removed.metadata.finalizers, []);
    const added = strategicMergePatch('Deployment', live, { metadata: { finalizers: ['b', 'a'] } }) as { metadata: { finalizers: string[] } };
    assert.deepEqual(added.metadata.finalizers, ['a', 'b']);
  });

  test('lists without a merge key are replaced (NetworkPolicy ingress)', () => {
    const np = { kind: 'NetworkPolicy', spec: { ingress: [{ ports: [{ port: 80 }] }, { ports: [{ port: 81 }] }] } };
    const out = strategicMergePatch('NetworkPolicy', np, { spec: { ingress: [{ ports: [{ port: 90 }] }] } });
    assert.deepEqual((out as { spec: unknown }).spec, { ingress: [{ ports: [{ port: 90 }] }] });
  });

  test('Service ports merge by port', () => {
    const svc = { kind: 'Service', spec: { ports: [{ port: 80, targetPort: 8080 }, { port: 443 }] } };
    const out = strategicMergePatch('Service', svc, { spec: { ports: [{ port: 80, targetPort: 9090 }] } });
    assert.deepEqual((out as { spec: unknown }).spec, { ports: [{ port: 80, targetPort: 9090 }, { port: 443 }] });
  });

  test('an element without its merge key is a 400', () => {
    assert.throws(() => strategicMergePatch('Deployment', live, { spec: { template: { spec: { containers: [{ image: 'x' }] } } } }), (e: unknown) => e instanceof PatchError && e.code === 400);
  });
});
