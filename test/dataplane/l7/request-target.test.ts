/**
 * The proxy's request-target split must give exactly what WHATWG URL parsing gives (the model's
 * `podnet route` path goes through URL()): dot segments resolved, percent-encoding applied, query
 * without `?`, fragment dropped. The fast path may only skip URL() where URL() changes nothing.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { splitRequestTarget } from '../../../src/dataplane/l7/proxy.ts';

function viaURL(raw: string): { path: string; query: string } | undefined {
  if (!URL.canParse(raw.startsWith('/') ? raw : `/${raw}`, 'http://proxy.invalid')) return undefined;
  const u = new URL(raw.startsWith('/') ? raw : `/${raw}`, 'http://proxy.invalid');
  return { path: u.pathname, query: u.search.replace(/^\?/, '') };
}

describe('request target → path and query (WHATWG URL semantics)', () => {
  const cases: [string, { path: string; query: string } | undefined][] = [
    ['/', { path: '/', query: '' }],
    ['/app7/items/42', { path: '/app7/items/42', query: '' }],
    ['/api/v1?x=1&y=2', { path: '/api/v1', query: 'x=1&y=2' }],
    ['/a?', { path: '/a', query: '' }],
    ['/a?b?c', { path: '/a', query: 'b?c' }],
    // Dot segments are resolved, including their percent-encoded form.
    ['/a/../b', { path: '/b', query: '' }],
    ['/a/./b/', { path: '/a/b/', query: '' }],
    ['/a/%2e%2E/b', { path: '/b', query: '' }],
    ['/a/%2e/b', { path: '/a/b', query: '' }],
    // Dots in the query are data.
    ['/a?x=../..', { path: '/a', query: 'x=../..' }],
    // Percent-encoding is kept as sent; unsafe characters get encoded.
    ['/a%20b', { path: '/a%20b', query: '' }],
    ['/a b', { path: '/a%20b', query: '' }],
    ['/a?q=\'x\'', { path: '/a', query: 'q=%27x%27' }],
    ['/é', { path: '/%C3%A9', query: '' }],
    // Backslashes are slashes in http URLs; the fragment never reaches the path or query.
    ['/a\\b', { path: '/a/b', query: '' }],
    ['/a#frag', { path: '/a', query: '' }],
    ['/a?x=1#frag', { path: '/a', query: 'x=1' }],
    // A target starting with `//` is authority-relative for URL().
    ['//x/y', { path: '/y', query: '' }],
    // …and `//` alone has an empty host, which URL() rejects: no path at all (the proxy answers 400).
    ['//', undefined],
    ['//a:b', undefined],
    ['/.well-known/acme', { path: '/.well-known/acme', query: '' }],
    ['/a;b=c,d', { path: '/a;b=c,d', query: '' }],
    ['/a%', { path: '/a%', query: '' }],
  ];
  for (const [raw, want] of cases) {
    it(JSON.stringify(raw), () => {
      assert.deepEqual(viaURL(raw), want, 'the table states URL() behaviour');
      assert.deepEqual(splitRequestTarget(raw), want);
    });
  }

  it('agrees with URL() on generated targets', () => {
    const alphabet = ['a', 'Z', '0', '/', '.', '..', '%2e', '%2F', '%', '?', '=', '&', '#', ' ', '\\', '~', "'", '"', '<', '|', '^', '`', '{', '@', ':', ';', '+', '$', 'é', '//'];
    let seed = 7;
    const next = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648);
    for (let i = 0; i < 5000; i++) {
      let raw = '/';
      const n = next() % 8;
      for (let j = 0; j < n; j++) raw += alphabet[next() % alphabet.length];
      assert.deepEqual(splitRequestTarget(raw), viaURL(raw), JSON.stringify(raw));
    }
  });
});
