// Generated names, after k8s.io/apimachinery/pkg/util/rand (alphabet, SafeEncodeString),
// apiserver's SimpleNameGenerator (base truncated to 58 + 5 random characters) and
// controller.ComputeHash (FNV-32a, decimal, SafeEncodeString).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generatedName, podTemplateHash, safeEncodeString, SAFE_ALPHABET, suffixFrom, uidFor } from '../../src/controllers/names.ts';

describe('rand.SafeEncodeString', () => {
  it('maps each character by code point modulo the 27-letter alphabet', () => {
    assert.equal(SAFE_ALPHABET, 'bcdfghjklmnpqrstvwxz2456789');
    // '0' is 48, 48 % 27 = 21 → '4'; '6' is 54, 54 % 27 = 0 → 'b'.
    assert.equal(safeEncodeString('0123456789'), '456789bcdf');
  });
});

describe('pod-template-hash (controller.ComputeHash shape)', () => {
  const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } };
  it('is the SafeEncodeString of a 32-bit decimal: at most 10 characters from "456789bcdf"', () => {
    const h = podTemplateHash(template);
    assert.match(h, /^[456789bcdf]{1,10}$/);
  });
  it('ignores key order and changes with content or collision count', () => {
    const reordered = { spec: { containers: [{ image: 'nginx', name: 'c' }] }, metadata: { labels: { app: 'web' } } };
    assert.equal(podTemplateHash(reordered), podTemplateHash(template));
    assert.notEqual(podTemplateHash({ ...template, metadata: { labels: { app: 'api' } } }), podTemplateHash(template));
    assert.notEqual(podTemplateHash(template, 1), podTemplateHash(template));
  });
});

describe('SimpleNameGenerator stand-in', () => {
  it('appends 5 alphabet characters, deterministic per seed', () => {
    const name = generatedName('web-5d8f7c9b6-', 'default/web-5d8f7c9b6#0');
    assert.match(name, /^web-5d8f7c9b6-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    assert.equal(generatedName('web-5d8f7c9b6-', 'default/web-5d8f7c9b6#0'), name);
    assert.notEqual(generatedName('web-5d8f7c9b6-', 'default/web-5d8f7c9b6#1'), name);
  });
  it('truncates the base to 58 characters so the name fits 63', () => {
    const base = 'a'.repeat(70) + '-';
    const name = generatedName(base, 'seed');
    assert.equal(name.length, 63);
    assert.ok(name.startsWith('a'.repeat(58)));
  });
  it('suffixes spread over the alphabet', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) seen.add(suffixFrom(`s${i}`));
    assert.equal(seen.size, 200);
  });
});

describe('uids', () => {
  it('are UUID-shaped and stable per key', () => {
    assert.match(uidFor('Pod/default/a'), /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(uidFor('Pod/default/a'), uidFor('Pod/default/a'));
    assert.notEqual(uidFor('Pod/default/a'), uidFor('Pod/default/b'));
  });
});
