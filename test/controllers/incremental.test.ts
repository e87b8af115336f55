// Incremental reconcile: a pass that skips the controllers whose inputs did not change must leave
// the cluster exactly as a full pass (every controller over a working set read afresh from the
// store) would. Random clusters and random change sequences — applies, updates, deletes of user and
// controller-made objects, dry runs, rejected applies, commits made outside the pipeline, config
// changes — run on two stores side by side, one incremental and one full, compared after each step.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SourcedObject } from '../../src/api/decode.ts';
import { InvalidInputError } from '../../src/api/errors.ts';
import { kindInfo } from '../../src/api/kinds.ts';
import type { KObject } from '../../src/api/types.ts';
import { defaultClusterConfig, type ClusterConfig } from '../../src/cluster/config.ts';
import { keyOf, ObjectSet, type IndexSpec, type ObjectIndex } from '../../src/cluster/object-set.ts';
import { Store, type WatchEvent } from '../../src/cluster/store.ts';
import { applyObjects, deleteObjects, reconcileStore, type ApplyOptions } from '../../src/controllers/apply.ts';
import type { ReconcileContext } from '../../src/controllers/context.ts';
import { IncrementalReconciler } from '../../src/controllers/incremental.ts';
import { PIPELINE, READS } from '../../src/controllers/reconcile.ts';
import { rng } from '../support/prng.ts';

/** Seeded choices (mulberry32 underneath), so every failure names the seed that reproduces it. */
function choices(seed: number): { int(n: number): number; pick<T>(xs: readonly T[]): T; chance(p: number): boolean } {
  const next = rng(seed);
  return {
    int: (n) => Math.floor(next() * n),
    pick: (xs) => xs[Math.floor(next() * xs.length)],
    chance: (p) => next() < p,
  };
}
type Rng = ReturnType<typeof choices>;

const NAMESPACES = ['default', 'shop', 'data'];
const NODES = ['node-1', 'node-2', 'node-3', 'node-4'];
const APPS = ['web', 'db', 'cache'];

const container = (r: Rng, app: string): Record<string, unknown> => ({
  name: 'c',
  image: r.chance(0.8) ? 'nginx' : 'nginx:2',
  ports: [{ name: 'http', containerPort: app === 'db' ? 5432 : 8080, protocol: 'TCP' }],
});

function template(r: Rng, app: string): Record<string, unknown> {
  const spec: Record<string, unknown> = { containers: [container(r, app)] };
  if (r.chance(0.2)) spec.nodeSelector = { zone: r.pick(['z1', 'z2']) };
  if (r.chance(0.1)) spec.hostNetwork = true;
  return { metadata: { labels: { app } }, spec };
}

/** One random object of a random kind, from small name pools so later steps update and clash. */
function randomObject(r: Rng, variant = r.int(11)): KObject {
  const ns = r.pick(NAMESPACES);
  const app = r.pick(APPS);
  switch (variant) {
    case 0: {
      const name = r.pick(NODES);
      const node: Record<string, unknown> = { apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { zone: r.pick(['z1', 'z2']) } }, spec: {} };
      if (r.chance(0.2)) node.spec = { taints: [{ key: 'dedicated', value: 'x', effect: 'NoSchedule' }] };
      if (r.chance(0.1)) node.spec = { unschedulable: true };
      if (r.chance(0.15)) {
        // Complete as given (podCIDR, InternalIP, Hostname), clashing with other nodes at times.
        const podCIDR = `10.244.${r.int(4)}.0/24`;
        node.spec = { ...(node.spec as object), podCIDR, ...(r.chance(0.5) ? { podCIDRs: [podCIDR] } : {}) };
        node.status = { addresses: [{ type: 'InternalIP', address: `172.18.0.${2 + r.int(4)}` }, { type: 'Hostname', address: name }] };
      }
      return node as unknown as KObject;
    }
    case 1:
    case 2: {
      const spec: Record<string, unknown> = { containers: [container(r, app)] };
      if (r.chance(0.4)) spec.nodeName = r.pick(NODES);
      if (r.chance(0.15)) spec.nodeSelector = { zone: r.pick(['z1', 'z2', 'z9']) };
      if (r.chance(0.1)) spec.hostNetwork = true;
      const pod: Record<string, unknown> = { apiVersion: 'v1', kind: 'Pod', metadata: { name: `p${r.int(8)}`, namespace: ns, labels: { app } }, spec };
      if (r.chance(0.15)) pod.status = { phase: 'Running', podIP: `10.244.${r.int(3)}.${2 + r.int(6)}` };
      else if (r.chance(0.05)) pod.status = { phase: 'Succeeded' };
      else if (r.chance(0.1)) pod.status = { phase: 'Running', conditions: [{ type: 'Ready', status: 'False' }] };
      return pod as unknown as KObject;
    }
    case 3: {
      const type = r.pick(['ClusterIP', 'ClusterIP', 'NodePort', 'LoadBalancer', 'Headless', 'Selectorless']);
      const spec: Record<string, unknown> = { ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }] };
      if (type !== 'Selectorless') spec.selector = r.chance(0.25) ? { app, tier: r.pick(['a', 'b']) } : { app };
      if (type === 'Headless') spec.clusterIP = 'None';
      else if (type !== 'Selectorless') spec.type = type;
      if (type === 'LoadBalancer' && r.chance(0.5)) spec.externalTrafficPolicy = 'Local';
      if (r.chance(0.1)) spec.publishNotReadyAddresses = true;
      return { apiVersion: 'v1', kind: 'Service', metadata: { name: `s${r.int(4)}`, namespace: ns }, spec } as unknown as KObject;
    }
    case 4: {
      const ip = `192.168.${r.int(2)}.${1 + r.int(4)}`;
      const subsets = [{ addresses: [{ ip }], ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] }];
      return { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: `s${r.int(4)}`, namespace: ns }, subsets } as unknown as KObject;
    }
    case 5:
      return {
        apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: `d${r.int(2)}`, namespace: ns },
        spec: { replicas: r.int(4), selector: { matchLabels: { app } }, template: template(r, app) },
      } as unknown as KObject;
    case 6:
      return {
        apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: `r${r.int(2)}`, namespace: ns },
        spec: { replicas: r.int(3), selector: { matchLabels: { app } }, template: template(r, app) },
      } as unknown as KObject;
    case 7:
      return {
        apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: `st${r.int(2)}`, namespace: ns },
        spec: { replicas: r.int(3), serviceName: `s${r.int(4)}`, selector: { matchLabels: { app } }, template: template(r, app) },
      } as unknown as KObject;
    case 8:
      return {
        apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: `ds${r.int(2)}`, namespace: ns },
        spec: { selector: { matchLabels: { app } }, template: template(r, app) },
      } as unknown as KObject;
    case 11: {
      // A slice claiming a Service: as the EndpointSlice controller's, the mirroring controller's or a user's.
      const labels: Record<string, string> = { 'kubernetes.io/service-name': `s${r.int(4)}` };
      const manager = r.pick(['endpointslice-controller.k8s.io', 'endpointslicemirroring-controller.k8s.io', undefined]);
      if (manager) labels['endpointslice.kubernetes.io/managed-by'] = manager;
      return {
        apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: `es${r.int(3)}`, namespace: ns, labels }, addressType: 'IPv4',
        endpoints: [{ addresses: [`192.168.7.${1 + r.int(4)}`] }], ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      } as unknown as KObject;
    }
    case 9:
      return { apiVersion: 'v1', kind: 'Namespace', metadata: { name: r.pick(NAMESPACES.slice(1)) } } as unknown as KObject;
    default:
      return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `c${r.int(4)}`, namespace: ns }, data: { k: String(r.int(3)) } } as unknown as KObject;
  }
}

const sourced = (objects: readonly KObject[]): SourcedObject[] =>
  objects.map((object) => ({ object: structuredClone(object), info: kindInfo(object.kind)!, source: { file: 'gen.yaml', line: 1, lineOf: () => 1 } }));

/** A step's outcome on one store, for comparing the two. */
type Outcome = { ok: true; actions: string[]; events: string[]; warnings: string[] } | { ok: false; error: string };

const describeEvents = (events: readonly WatchEvent[]): string[] => events.map((e) => `${e.type} ${keyOf(e.object)} ${e.object.metadata.resourceVersion}`);

function attempt(run: () => { events: WatchEvent[]; actions?: string[]; warnings?: string[] }): Outcome {
  try {
    const r = run();
    return { ok: true, actions: r.actions ?? [], events: describeEvents(r.events), warnings: r.warnings ?? [] };
  } catch (err) {
    if (err instanceof InvalidInputError) return { ok: false, error: err.message };
    throw err;
  }
}

const state = (store: Store): string[] => store.list().map((o) => JSON.stringify(o)).sort();

type Step =
  | { op: 'apply'; objects: KObject[]; dryRun: boolean }
  | { op: 'delete'; keys: string[] }
  | { op: 'outside'; puts: KObject[]; deletes: string[] }
  | { op: 'config'; config: ClusterConfig }
  | { op: 'reconcile' };

/** The next step, chosen from what `store` holds now (both stores hold the same). */
function randomStep(r: Rng, store: Store, config: ClusterConfig): Step {
  const roll = r.int(100);
  const stored = store.list();
  if (roll < 55) {
    // Often one kind only, so passes where most controllers have nothing new are common.
    const variant = r.chance(0.5) ? r.pick([0, 1, 3, 3, 4, 5, 6, 7, 8, 9, 10, 10, 11]) : undefined;
    const objects = Array.from({ length: 1 + r.int(4) }, () => randomObject(r, variant));
    if (r.chance(0.08)) objects.push({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'bad', namespace: 'default' }, spec: { ports: [{ port: 99999 }] } } as unknown as KObject);
    return { op: 'apply', objects, dryRun: r.chance(0.1) };
  }
  if (roll < 80 && stored.length) {
    // Any stored object: the user's, or one a controller made (a workload's pod, a slice, a node).
    return { op: 'delete', keys: Array.from({ length: 1 + r.int(2) }, () => keyOf(r.pick(stored))) };
  }
  if (roll < 88 && stored.length) {
    // A commit that bypasses the pipeline (an import, a status writer): labels change, an object goes.
    const victim = r.pick(stored);
    const relabelled = { ...victim, metadata: { ...victim.metadata, labels: { ...(victim.metadata.labels ?? {}), touched: String(r.int(3)) } } };
    return { op: 'outside', puts: [relabelled], deletes: r.chance(0.3) ? [keyOf(r.pick(stored))] : [] };
  }
  if (roll < 94) {
    const next = { ...config };
    if (r.chance(0.5)) next.loadBalancerPool = next.loadBalancerPool ? undefined : '172.30.0.0/29';
    else next.nodes = r.chance(0.5) ? ['node-1', 'node-2'] : ['node-1', 'node-2', 'node-3'];
    return { op: 'config', config: next };
  }
  return { op: 'reconcile' };
}

/** A pod from a larger pool: many pods over the nodes and namespaces, some with given IPs or bound. */
function randomPod(r: Rng): KObject {
  const labels: Record<string, string> = { app: r.pick(APPS) };
  if (r.chance(0.5)) labels.tier = r.pick(['a', 'b']);
  const spec: Record<string, unknown> = { containers: [container(r, labels.app)] };
  if (r.chance(0.3)) spec.nodeName = r.pick([...NODES, 'node-9']);
  if (r.chance(0.05)) spec.hostNetwork = true;
  const pod: Record<string, unknown> = { apiVersion: 'v1', kind: 'Pod', metadata: { name: `q${r.int(30)}`, namespace: r.pick(NAMESPACES), labels }, spec };
  if (r.chance(0.1)) pod.status = { phase: 'Running', podIP: `10.244.${r.int(4)}.${2 + r.int(12)}` };
  else if (r.chance(0.05)) pod.status = { phase: r.pick(['Succeeded', 'Failed']) };
  return pod as unknown as KObject;
}

/**
 * Steps heavy in pods: batches of pod creates and updates, deletes of several pods at once (their
 * IPs are reused by later pods), Services with selectors over them, nodes coming and going.
 */
function randomPodStep(r: Rng, store: Store): Step {
  const roll = r.int(100);
  const stored = store.list();
  const pods = stored.filter((o) => o.kind === 'Pod');
  if (roll < 45) return { op: 'apply', objects: Array.from({ length: 3 + r.int(8) }, () => randomPod(r)), dryRun: r.chance(0.05) };
  if (roll < 55) return { op: 'apply', objects: Array.from({ length: 1 + r.int(2) }, () => randomObject(r, 3)), dryRun: false };
  if (roll < 75 && pods.length) return { op: 'delete', keys: Array.from({ length: 1 + r.int(5) }, () => keyOf(r.pick(pods))) };
  if (roll < 80) return { op: 'apply', objects: [randomObject(r, 0)], dryRun: false };
  if (roll < 85 && stored.some((o) => o.kind === 'Node')) return { op: 'delete', keys: [keyOf(r.pick(stored.filter((o) => o.kind === 'Node')))] };
  if (roll < 92) return { op: 'apply', objects: [randomObject(r, r.pick([4, 11, 5]))], dryRun: false };
  if (roll < 96 && stored.length) return { op: 'delete', keys: [keyOf(r.pick(stored.filter((o) => o.kind !== 'Pod')))] };
  return { op: 'reconcile' };
}

function runStep(store: Store, step: Step, config: ClusterConfig, full: boolean): Outcome {
  const opts: ApplyOptions = { full };
  switch (step.op) {
    case 'apply':
      return attempt(() => {
        const res = applyObjects(store, sourced(step.objects), config, { ...opts, dryRun: step.dryRun });
        return { events: res.events, warnings: res.warnings, actions: res.results.map((x) => `${keyOf(x.object)} ${x.action} ${JSON.stringify(x.object)}`) };
      });
    case 'delete':
      return attempt(() => {
        const res = deleteObjects(store, step.keys, config, opts);
        return { events: res.events, actions: res.deleted.map(keyOf) };
      });
    case 'outside':
      return attempt(() => ({ events: store.commit({ puts: structuredClone(step.puts), deletes: step.deletes }) }));
    case 'config':
      return { ok: true, actions: [], events: [], warnings: [] };
    case 'reconcile':
      return attempt(() => ({ events: reconcileStore(store, config) }));
  }
}

function compareRun(seed: number, steps: number, next: (r: Rng, store: Store, config: ClusterConfig) => Step = randomStep): { applied: number; rejected: number } {
  const r = choices(seed);
  const now = (): Date => new Date('2024-01-01T00:00:00Z');
  const incremental = new Store({ now });
  const full = new Store({ now });
  let config = defaultClusterConfig();
  let applied = 0;
  let rejected = 0;
  for (let i = 0; i < steps; i++) {
    const step = next(r, incremental, config);
    if (step.op === 'config') config = step.config;
    const a = runStep(incremental, step, config, false);
    const b = runStep(full, step, config, true);
    const where = `seed ${seed}, step ${i} (${step.op})`;
    assert.equal(a.ok, b.ok, `${where}: one store rejected the step: ${JSON.stringify([a, b])}`);
    if (a.ok && b.ok) {
      applied++;
      assert.deepEqual(a.actions, b.actions, `${where}: results`);
      assert.deepEqual(a.events, b.events, `${where}: events`);
      // Skipped controllers do not repeat warnings about unrelated objects; nothing new appears.
      for (const w of a.warnings) assert.ok(b.warnings.includes(w), `${where}: warning only incremental: ${w}`);
    } else if (!a.ok && !b.ok) {
      rejected++;
      assert.equal(a.error, b.error, `${where}: errors`);
    }
    assert.equal(incremental.revision, full.revision, `${where}: revision`);
    assert.deepEqual(state(incremental), state(full), `${where}: stored state`);
  }
  // The incremental working set is still the stored state: a full pass from it changes nothing more.
  assert.deepEqual(describeEvents(reconcileStore(incremental, config)), describeEvents(reconcileStore(full, config)), `seed ${seed}: final full pass`);
  return { applied, rejected };
}

describe('incremental reconcile', () => {
  it('every controller reads only the kinds READS declares', () => {
    // A working set that records, per controller, the kinds each read touches.
    class Recording extends ObjectSet {
      current = '';
      readonly seen = new Map<string, Set<string>>();
      note(kind: string): void {
        let s = this.seen.get(this.current);
        if (!s) this.seen.set(this.current, (s = new Set()));
        s.add(kind);
      }
      override get<T extends KObject = KObject>(kind: string, namespace: string | undefined, name: string): T | undefined {
        this.note(kind);
        return super.get<T>(kind, namespace, name);
      }
      override list<T extends KObject = KObject>(kind: string, namespace?: string): T[] {
        this.note(kind);
        return super.list<T>(kind, namespace);
      }
      override has(key: string): boolean {
        this.note(key.slice(0, key.indexOf('/')));
        return super.has(key);
      }
      override byKey(key: string): KObject | undefined {
        this.note(key.slice(0, key.indexOf('/')));
        return super.byKey(key);
      }
      override values(): IterableIterator<KObject> {
        this.note('*');
        return super.values();
      }
      override keys(): IterableIterator<string> {
        this.note('*');
        return super.keys();
      }
      override namespaces(): string[] {
        this.note('*');
        return super.namespaces();
      }
      override index<T extends KObject>(spec: IndexSpec<T>): ObjectIndex<T> {
        this.note(spec.kind);
        return super.index(spec);
      }
    }
    for (let seed = 1; seed <= 40; seed++) {
      const r = choices(seed);
      const store = new Store({ now: () => new Date('2024-01-01T00:00:00Z') });
      for (let i = 0; i < 6; i++) {
        try {
          applyObjects(store, sourced(Array.from({ length: 3 }, () => randomObject(r))), defaultClusterConfig());
        } catch (err) {
          if (!(err instanceof InvalidInputError)) throw err;
        }
      }
      const objects = new Recording(store.list());
      const input = sourced(Array.from({ length: 3 }, () => randomObject(r)).filter((o) => kindInfo(o.kind)));
      const sources = new Map<string, SourcedObject>();
      for (const s of input) {
        if (s.info.namespaced) s.object.metadata.namespace ??= 'default';
        objects.put(s.object);
        sources.set(keyOf(s.object), s);
      }
      const ctx: ReconcileContext = { objects, config: defaultClusterConfig(), sources, errors: [], warnings: [] };
      for (const [name, controller] of PIPELINE) {
        objects.current = name;
        controller(ctx);
      }
      for (const [name, kinds] of objects.seen) {
        const declared = READS[name];
        assert.ok(declared, `controller ${name} has a READS entry`);
        if (declared === '*') continue;
        for (const k of kinds) assert.ok(declared.includes(k), `seed ${seed}: ${name} read ${k}, not declared in READS`);
      }
    }
    assert.deepEqual(PIPELINE.map(([n]) => n).filter((n) => !READS[n]), []);
  });

  it('a pass with nothing new runs no controller but system-defaults; a config change runs them all', () => {
    const store = new Store();
    const config = defaultClusterConfig();
    reconcileStore(store, config);
    const reconciler = new IncrementalReconciler();
    const objects = new ObjectSet(store.list());
    const ctx = (c: ClusterConfig, sources = new Map<string, SourcedObject>()): ReconcileContext => ({ objects, config: c, sources, errors: [], warnings: [] });
    assert.equal(reconciler.reconcile(ctx(config)).length, PIPELINE.length, 'first pass: everything');
    assert.deepEqual(reconciler.reconcile(ctx(config)), [], 'nothing changed since');
    const [cm] = sourced([{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'default' }, data: {} } as unknown as KObject]);
    objects.put(cm.object);
    assert.deepEqual(reconciler.reconcile(ctx(config, new Map([[keyOf(cm.object), cm]]))), ['system-defaults']);
    assert.deepEqual(reconciler.reconcile(ctx(config)), ['system-defaults'], 'its sources steered the last run');
    assert.deepEqual(reconciler.reconcile(ctx(config)), []);
    assert.equal(reconciler.reconcile(ctx({ ...config, loadBalancerPool: '172.30.0.0/29' })).length, PIPELINE.length);
    const [pod] = sourced([{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } as unknown as KObject]);
    objects.put(pod.object);
    assert.deepEqual(
      reconciler.reconcile(ctx({ ...config, loadBalancerPool: '172.30.0.0/29' }, new Map([[keyOf(pod.object), pod]]))),
      ['system-defaults', 'nodes', 'node-ipam', 'workloads', 'scheduler', 'pod-ipam', 'workload-status', 'endpointslices'],
    );
  });

  it('random change sequences: incremental passes leave the store exactly as full passes do', () => {
    let applied = 0;
    let rejected = 0;
    for (let seed = 1; seed <= 50; seed++) {
      const r = compareRun(seed, 30);
      applied += r.applied;
      rejected += r.rejected;
    }
    // The generator must exercise both paths: most steps apply, some are rejected whole.
    assert.ok(applied > 50 * 30 * 0.6, `applied ${applied}`);
    assert.ok(rejected > 20, `rejected ${rejected}`);
  });

  it('random pod-heavy sequences (pod batches, IP reuse after deletes, Services, nodes): incremental equals full', () => {
    let applied = 0;
    let rejected = 0;
    for (let seed = 101; seed <= 125; seed++) {
      const r = compareRun(seed, 40, randomPodStep);
      applied += r.applied;
      rejected += r.rejected;
    }
    assert.ok(applied > 25 * 40 * 0.6, `applied ${applied}`);
    assert.ok(rejected > 10, `rejected ${rejected}`);
  });
});
