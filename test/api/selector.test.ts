// Label selectors: kubectl's string syntax (k8s.io/apimachinery/pkg/labels.Parse) and the structured
// form (metav1.LabelSelectorAsSelector): semantics of =, ==, !=, in, notin, exists, !key, and errors.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromLabelSelector, fromMap, labelKeyErrors, labelValueErrors, parseSelector, SelectorSyntaxError } from '../../src/api/selector.ts';

const web = { app: 'web', tier: 'frontend', env: 'prod' };
const db = { app: 'db', tier: 'backend' };

describe('parseSelector (string syntax)', () => {
  const cases: [string, string, boolean, boolean][] = [
    // selector, description, matches web, matches db
    ['app=web', 'equality', true, false],
    ['app==web', 'double equals', true, false],
    ['app!=web', 'inequality', false, true],
    ['env!=prod', 'inequality matches objects lacking the key', false, true],
    ['app in (web, db)', 'set membership', true, true],
    ['env notin (prod)', 'notin matches objects lacking the key', false, true],
    ['env', 'exists', true, false],
    ['!env', 'does not exist', false, true],
    ['app=web,tier=frontend', 'comma is AND', true, false],
    ['tier in (frontend,backend),!env', 'set and does-not-exist', false, true],
    ['', 'empty selects everything', true, true],
  ];
  for (const [text, what, a, b] of cases) {
    it(`${what}: ${JSON.stringify(text)}`, () => {
      const s = parseSelector(text);
      assert.equal(s.matches(web), a);
      assert.equal(s.matches(db), b);
    });
  }

  it('requirements are parsed with their operator and values', () => {
    assert.deepEqual(parseSelector('a=b,c!=d,e in (f,g),h notin (i),j,!k').requirements, [
      { key: 'a', operator: 'In', values: ['b'] },
      { key: 'c', operator: 'NotIn', values: ['d'] },
      { key: 'e', operator: 'In', values: ['f', 'g'] },
      { key: 'h', operator: 'NotIn', values: ['i'] },
      { key: 'j', operator: 'Exists', values: [] },
      { key: 'k', operator: 'DoesNotExist', values: [] },
    ]);
  });

  it('prefixed keys are allowed', () => assert.equal(parseSelector('app.kubernetes.io/name=web').matches({ 'app.kubernetes.io/name': 'web' }), true));

  const errors: [string, RegExp][] = [
    ['a=b,', /found '', expected: identifier/],
    ['a in ()', /at least one value is required/],
    ['a in (b', /cannot parse/],
    ['-bad=x', /invalid label key "-bad"/],
    ['a=b c', /cannot parse/],
    ['a=-x', /invalid label value: "-x"/],
  ];
  for (const [text, re] of errors) {
    it(`syntax error: ${JSON.stringify(text)}`, () => {
      assert.throws(() => parseSelector(text), (e: unknown) => e instanceof SelectorSyntaxError && re.test(e.message));
    });
  }
});

describe('structured selectors', () => {
  it('matchLabels AND matchExpressions', () => {
    const s = fromLabelSelector({ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'env', operator: 'In', values: ['prod', 'stage'] }] });
    assert.equal(s.matches(web), true);
    assert.equal(s.matches({ app: 'web' }), false);
  });

  it('NotIn matches a missing key; DoesNotExist; Exists', () => {
    assert.equal(fromLabelSelector({ matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod'] }] }).matches(db), true);
    assert.equal(fromLabelSelector({ matchExpressions: [{ key: 'env', operator: 'DoesNotExist' }] }).matches(web), false);
    assert.equal(fromLabelSelector({ matchExpressions: [{ key: 'env', operator: 'Exists' }] }).matches(web), true);
  });

  it('{} selects everything (and is marked empty); an undefined selector too', () => {
    assert.equal(fromLabelSelector({}).empty, true);
    assert.equal(fromLabelSelector({}).matches(undefined), true);
    assert.equal(fromLabelSelector(undefined).matches(db), true);
  });

  it('map selectors (Service.spec.selector): every pair must match', () => {
    assert.equal(fromMap({ app: 'web', tier: 'frontend' }).matches(web), true);
    assert.equal(fromMap({ app: 'web', tier: 'backend' }).matches(web), false);
  });
});

describe('label key and value formats (upstream messages)', () => {
  it('keys: prefix must be a DNS subdomain, name at most 63 characters', () => {
    assert.deepEqual(labelKeyErrors('example.com/app'), []);
    assert.deepEqual(labelKeyErrors('/app'), ['prefix part must be non-empty']);
    assert.deepEqual(labelKeyErrors(`${'a'.repeat(64)}`), [
      'name part must be no more than 63 characters',
    ]);
    assert.match(labelKeyErrors('Example.com/app')[0], /^prefix part a lowercase RFC 1123 subdomain must consist of/);
    assert.match(labelKeyErrors('a/b/c')[0], /^a valid label key must consist of .* with an optional DNS subdomain prefix and '\/' \(e\.g\. 'example\.com\/MyName'\)$/);
  });

  it('values: empty is valid; must start and end alphanumeric', () => {
    assert.deepEqual(labelValueErrors(''), []);
    assert.deepEqual(labelValueErrors('v1.2_x-y'), []);
    assert.deepEqual(labelValueErrors('-x'), [
      "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
    ]);
  });
});
