import assert from 'node:assert/strict';
import { test } from 'node:test';
import { warningHeaders } from '../../src/server/respond.ts';

test('Warning headers: 299 code, one line each, cut to 256 characters and 4 KiB in all', () => {
  assert.deepEqual(warningHeaders(['a\nb', 'a\nb']), ['299 - "a b"']);
  const long = warningHeaders(['x'.repeat(1000)]);
  assert.equal(long.length, 1);
  assert.ok(long[0].length < 300);
  const many = warningHeaders(Array.from({ length: 500 }, (_, i) => `pod ns/p-${i} is Pending: no free address in 10.244.0.0/24`));
  assert.ok(many.length > 10 && many.length < 500);
  assert.ok(many.join('').length <= 4096);
});
