/**
 * Path matching shared by Ingress and Gateway API. `Prefix`/`PathPrefix` match element-wise on
 * `/`-separated segments, case-sensitively, with a trailing `/` ignored on both sides: `/foo` matches
 * `/foo`, `/foo/` and `/foo/bar`, never `/foobar`. `Exact` compares the whole path, slash included.
 */

/** The segments a prefix is made of: `/aaa/bbb/` → ['aaa', 'bbb']; `/` → []. */
export function pathSegments(path: string): string[] {
  return path.split('/').filter((s) => s !== '');
}

/** Element-wise prefix test (Ingress `Prefix`, Gateway `PathPrefix`). */
export function prefixMatches(prefix: string, path: string): boolean {
  const p = trimTrailingSlash(prefix);
  if (p === '') return true;
  if (!path.startsWith(p)) return false;
  return path.length === p.length || path[p.length] === '/';
}

export function trimTrailingSlash(path: string): string {
  let end = path.length;
  while (end > 0 && path[end - 1] === '/') end--;
  return path.slice(0, end);
}

/**
 * Gateway API `ReplacePrefixMatch`: the matched prefix (trailing slash ignored) is replaced and the
 * rest of the path kept element-wise: `/foo/bar` with prefix `/foo` → `''` gives `/bar`, `/xyz/` gives
 * `/xyz/bar`; an empty result is `/`.
 */
export function replacePrefix(path: string, matchedPrefix: string, replacement: string): string {
  const rest = path.slice(trimTrailingSlash(matchedPrefix).length);
  const out = trimTrailingSlash(replacement) + rest;
  return out === '' ? '/' : out.startsWith('/') ? out : `/${out}`;
}

/** Splits a request target into path and query (the query never takes part in path matching). */
export function splitTarget(target: string): { path: string; query: string } {
  const q = target.indexOf('?');
  const path = q >= 0 ? target.slice(0, q) : target;
  return { path: path === '' ? '/' : path, query: q >= 0 ? target.slice(q + 1) : '' };
}

/**
 * A trie over path segments: `walk` returns the values stored on every node along a request path,
 * deepest first — the candidate prefixes in O(path length), whatever the number of routes.
 */
export class SegmentTrie<T> {
  private readonly root: TrieNode<T> = { children: new Map(), values: [] };

  insert(prefix: string, value: T): void {
    let node = this.root;
    for (const seg of pathSegments(prefix)) {
      let next = node.children.get(seg);
      if (!next) node.children.set(seg, (next = { children: new Map(), values: [] }));
      node = next;
    }
    node.values.push(value);
  }

  /** Value lists of matching prefixes, deepest (longest) first. */
  walk(path: string): T[][] {
    const found: T[][] = [];
    let node: TrieNode<T> | undefined = this.root;
    if (node.values.length) found.push(node.values);
    // Empty segments (`//`) cannot match a prefix segment: stop there, as element-wise matching does.
    const segs = path.split('/').slice(1);
    for (let i = 0; i < segs.length && node; i++) {
      const seg = segs[i];
      if (seg === '') break;
      node = node.children.get(seg);
      if (node?.values.length) found.push(node.values);
    }
    return found.reverse();
  }

  /** Sorts every node's values once, after all inserts. */
  sortValues(compare: (a: T, b: T) => number): void {
    const visit = (n: TrieNode<T>): void => {
      n.values.sort(compare);
      for (const c of n.children.values()) visit(c);
    };
    visit(this.root);
  }
}

interface TrieNode<T> {
  children: Map<string, TrieNode<T>>;
  values: T[];
}
