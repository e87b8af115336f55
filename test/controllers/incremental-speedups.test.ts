// The hot paths rewritten for incremental passes answer as the straightforward versions did:
// IPv4 parsing in pod IPAM (character scan vs the dotted-quad rule), the Service → pods index
// (an index kept in step vs a plain filter), and ObjectSet's kept sorted lists, change journal,
// secondary indexes and change log (vs sorting, filing and diffing from scratch).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCIDR } from '../../src/api/cidr.ts';
import type { KObject, Pod } from '../../src/api/types.ts';
import { compareObjects, keyOf, ObjectSet, type IndexSpec } from '../../src/cluster/object-set.ts';
import { canonicalIP, RangeAllocator } from '../../src/controllers/ip-allocator.ts';
import { ServicePodIndex } from '../../src/controllers/service-pod-index.ts';
import { stableStringify } from '../../src/controllers/names.ts';
import { sameContent } from '../../src/controllers/object-changes.ts';
import { rng } from '../support/prng.ts';


/** The dotted-quad rule as a regular expression: 1-3 digits per octet, no leading zero, at most 255. */
function referenceIPv4(ip: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (!m) return undefined;
  let v = 0;
  for (const octet of m.slice(1)) {
    if (octet.length > 1 && octet[0] === '0') return undefined;
    if (Number(octet) > 255) return undefined;
    v = v * 256 + Number(octet);
  }
  return v;
}

describe('hot-path rewrites keep their answers', () => {
  it('IPv4 parsing: canonicalIP and range membership agree with the dotted-quad rule', () => {
    const edge = ['10.244.1.2', '0.0.0.0', '255.255.255.255', '256.1.1.1', '1.1.1.256', '01.1.1.1', '1.1.1.01', '1.1.1.0', '1..1.1', '.1.1.1', '1.1.1.', '1.1.1', '1.1.1.1.1', '1.1.1.1000', '1.1.1.1 ', ' 1.1.1.1', '1.1.1.1\n', 'a.b.c.d', '', '10.244.0.1/24', '::1', '::ffff:10.0.0.1', '1.2.3.4e', '999.999.999.999', '00.0.0.0', '0.0.0.00'];
    const next = rng(7);
    const chars = '0123456789.....a: ';
    const random = Array.from({ length: 20000 }, () => Array.from({ length: 1 + Math.floor(next() * 15) }, () => chars[Math.floor(next() * chars.length)]).join(''));
    const valid = Array.from({ length: 5000 }, () => Array.from({ length: 4 }, () => String(Math.floor(next() * 300))).join('.'));
    const cidr = parseCIDR('10.244.1.0/24')!;
    for (const ip of [...edge, ...random, ...valid]) {
      const want = referenceIPv4(ip);
      const canonical = canonicalIP(ip);
      if (want !== undefined) assert.equal(canonical, ip, `canonicalIP(${JSON.stringify(ip)})`);
      else if (canonical === ip) assert.ok(ip.includes(':'), `canonicalIP(${JSON.stringify(ip)}) accepted a non-dotted-quad`);
      const inRange = want !== undefined && want >= Number(cidr.network) && want < Number(cidr.network + cidr.size);
      assert.equal(new RangeAllocator(cidr).reserve(ip), inRange, `reserve(${JSON.stringify(ip)})`);
    }
  });

  it('Service pod index: selections equal a plain filter over the namespace, in pod order', () => {
    const next = rng(11);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)];
    const pods: Pod[] = Array.from({ length: 400 }, (_, i) => {
      const labels: Record<string, string> = {};
      if (next() < 0.8) labels.app = pick(['a', 'b', 'c']);
      if (next() < 0.5) labels.tier = pick(['x', 'y']);
      return { apiVersion: 'v1', kind: 'Pod', metadata: { name: `p${i}`, namespace: pick(['n1', 'n2', 'n3']), labels }, spec: { containers: [] } } as unknown as Pod;
    }).sort(compareObjects);
    const index = new ServicePodIndex(new ObjectSet(pods));
    for (let i = 0; i < 300; i++) {
      const ns = pick(['n1', 'n2', 'n3', 'n4']);
      const selector: Record<string, string> = {};
      if (next() < 0.8) selector.app = pick(['a', 'b', 'c', 'd']);
      if (next() < 0.5) selector.tier = pick(['x', 'y']);
      const want = Object.keys(selector).length
        ? pods.filter((p) => p.metadata.namespace === ns && Object.entries(selector).every(([k, v]) => p.metadata.labels?.[k] === v))
        : [];
      assert.deepEqual(index.select(ns, selector).map(keyOf), want.map(keyOf), `${ns} ${JSON.stringify(selector)}`);
    }
  });

  it('ObjectSet: kept sorted lists, change journal and rollback match a set rebuilt from scratch', () => {
    const next = rng(3);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)];
    const make = (v: number): KObject => ({ apiVersion: 'v1', kind: pick(['Pod', 'Service']), metadata: { name: `o${Math.floor(next() * 30)}`, namespace: pick(['a', 'b', undefined]) }, data: { v } }) as unknown as KObject;
    const set = new ObjectSet(Array.from({ length: 40 }, (_, i) => make(i)));
    for (let round = 0; round < 200; round++) {
      const before = new Map([...set.values()].map((o) => [keyOf(o), o]));
      set.track();
      for (let i = 0; i < 1 + Math.floor(next() * 6); i++) {
        set.list(pick(['Pod', 'Service'])); // caches, then keeps them in step
        if (next() < 0.6) set.put(make(round * 100 + i));
        else set.delete(pick([...set.keys()]) ?? '');
      }
      for (const kind of ['Pod', 'Service']) {
        assert.deepEqual(set.list(kind), [...set.values()].filter((o) => o.kind === kind).sort(compareObjects), `round ${round}: ${kind} list`);
      }
      const changed = new Set([...set.keys(), ...before.keys()].filter((k) => set.byKey(k) !== before.get(k)));
      assert.deepEqual(new Set(set.changedKeys()), changed, `round ${round}: changed keys`);
      if (next() < 0.5) {
        set.rollback();
        assert.deepEqual(new Map([...set.values()].map((o) => [keyOf(o), o])), before, `round ${round}: rollback`);
        for (const kind of ['Pod', 'Service']) assert.deepEqual(set.list(kind), [...before.values()].filter((o) => o.kind === kind).sort(compareObjects));
      } else set.untrack();
    }
  });

  it('ObjectSet: indexes, per-namespace lists and the change log match what a rebuild and a snapshot say', () => {
    const next = rng(5);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)];
    // Pods filed under their node and under each label pair (several buckets, some none).
    const BY_NODE: IndexSpec<Pod> = { kind: 'Pod', buckets: (p) => p.spec.nodeName };
    const BY_LABEL: IndexSpec<Pod> = { kind: 'Pod', buckets: (p) => Object.entries(p.metadata.labels ?? {}).map(([k, v]) => `${k}=${v}`) };
    const make = (): KObject => {
      const labels: Record<string, string> = {};
      if (next() < 0.7) labels.app = pick(['a', 'b']);
      if (next() < 0.4) labels.tier = pick(['x', 'y']);
      const nodeName = next() < 0.7 ? pick(['n1', 'n2', 'n3']) : undefined;
      return { apiVersion: 'v1', kind: pick(['Pod', 'Pod', 'Service']), metadata: { name: `o${Math.floor(next() * 25)}`, namespace: pick(['a', 'b', 'c']), labels }, spec: { nodeName } } as unknown as KObject;
    };
    const set = new ObjectSet(Array.from({ length: 30 }, make));
    const byNode = set.index(BY_NODE);
    const snapshots: { mark: number; state: Map<string, KObject> }[] = [];
    for (let round = 0; round < 300; round++) {
      if (round === 20) set.index(BY_LABEL); // an index made late starts from what is there
      snapshots.push({ mark: set.version(), state: new Map([...set.values()].map((o) => [keyOf(o), o])) });
      set.track();
      for (let i = 0; i < 1 + Math.floor(next() * 5); i++) {
        if (next() < 0.6) set.put(make());
        else set.delete(pick([...set.keys()]) ?? '');
      }
      if (next() < 0.3) set.rollback();
      else set.untrack();
      const pods = [...set.values()].filter((o): o is Pod => o.kind === 'Pod');
      for (const [spec, index] of round >= 20 ? [[BY_NODE, byNode], [BY_LABEL, set.index(BY_LABEL)]] as const : [[BY_NODE, byNode]] as const) {
        const want = new Map<string, string[]>();
        for (const p of [...pods].sort(compareObjects)) {
          const b = spec.buckets(p);
          for (const bucket of b === undefined ? [] : typeof b === 'string' ? [b] : b) want.set(bucket, [...(want.get(bucket) ?? []), keyOf(p)]);
        }
        assert.deepEqual(new Set(index.buckets()), new Set(want.keys()), `round ${round}: buckets`);
        for (const [bucket, keys] of want) {
          assert.deepEqual(index.sorted(bucket).map(keyOf), keys, `round ${round}: bucket ${bucket}`);
          assert.equal(index.count(bucket), keys.length);
        }
        assert.deepEqual(new Set(index.shared()), new Set([...want].filter(([, k]) => k.length > 1).map(([b]) => b)), `round ${round}: shared buckets`);
      }
      for (const ns of ['a', 'b', 'c', 'd']) {
        assert.deepEqual(set.list('Pod', ns), pods.filter((p) => p.metadata.namespace === ns).sort(compareObjects), `round ${round}: list in ${ns}`);
      }
      // changesSince(mark): every key whose object differs from the snapshot then, with that object.
      const { mark, state } = pick(snapshots);
      const changes = set.changesSince(mark)!;
      for (const key of new Set([...state.keys(), ...set.keys()])) {
        if (state.get(key) !== set.byKey(key)) assert.ok(changes.has(key), `round ${round}: ${key} changed since ${mark}`);
      }
      for (const [key, before] of changes) assert.equal(before, state.get(key), `round ${round}: ${key} as it was at ${mark}`);
      if (round % 50 === 49) {
        set.trimChanges(snapshots[snapshots.length - 1].mark);
        assert.equal(set.changesSince(snapshots[0].mark), undefined, 'trimmed away');
        snapshots.splice(0, snapshots.length - 1);
      }
    }
  });

  it('sameContent (a structural walk) says what comparing stableStringify texts says', () => {
    const next = rng(9);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)];
    const scalar = (): unknown => pick([0, 1, 'a', '', true, false, null, undefined]);
    const value = (depth: number): unknown => {
      const r = next();
      if (depth > 3 || r < 0.4) return scalar();
      if (r < 0.65) return Array.from({ length: Math.floor(next() * 3) }, () => value(depth + 1));
      const o: Record<string, unknown> = {};
      for (const k of ['x', 'y', 'z'].filter(() => next() < 0.6)) o[k] = value(depth + 1);
      return o;
    };
    const reorder = (v: unknown): unknown => {
      if (Array.isArray(v)) return v.map((e) => (next() < 0.1 ? scalar() : reorder(e)));
      if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).reverse().map(([k, e]) => [k, next() < 0.05 ? scalar() : reorder(e)]));
      return v;
    };
    for (let i = 0; i < 5000; i++) {
      const a = value(0);
      const b = next() < 0.5 ? reorder(a) : value(0);
      assert.equal(sameContent(a, b), stableStringify(a) === stableStringify(b), `${stableStringify(a)} vs ${stableStringify(b)}`);
    }
  });

  it('ObjectSet change log: a log that outgrows its bound forgets older points (readers run in full)', () => {
    const set = new ObjectSet();
    const cm = (i: number): KObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `c${i % 50}`, namespace: 'a' }, data: { i: String(i) } }) as unknown as KObject;
    const start = set.version();
    for (let i = 0; i < 200_010; i++) set.put(cm(i));
    assert.equal(set.changesSince(start), undefined, 'the first point is forgotten');
    const recent = set.version();
    set.put(cm(7));
    assert.deepEqual([...set.changesSince(recent)!.keys()], ['ConfigMap/a/c7']);
    assert.equal(set.changesSince(set.version() + 1), undefined, 'a point not reached yet');
  });
});
