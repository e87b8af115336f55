/**
 * The upstream e2e NetworkPolicy scenarios with real packets: the e2e model (namespaces x, y, z;
 * pods a, b, c serving 80 and 81 on TCP and UDP) is brought up once per CNI mode — one node per
 * namespace, so pairs inside a namespace stay on a node and pairs across namespaces cross nodes —
 * and each scenario is applied to the persisted cluster while it runs (the node agents reconcile
 * live). Then `probe` must find the kernel's matrix equal to the model's, cell by cell, and both
 * equal to the upstream truth table. Flannel enforces nothing: both say everything is allowed and
 * its nodes have no policy table. Cilium's ipBlock never selects pod addresses, so for the ipBlock
 * scenarios only kernel == model is required (upstream's table assumes Calico-like ipBlock).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeText, type DecodeResult } from '../../src/api/decode.ts';
import type { InputError } from '../../src/api/errors.ts';
import type { KObject, Node, Protocol } from '../../src/api/types.ts';
import { defaultClusterConfig, type ClusterConfig, type CNIMode } from '../../src/cluster/config.ts';
import { FileBackend } from '../../src/cluster/file-backend.ts';
import { keyOf } from '../../src/cluster/object-set.ts';
import { Store } from '../../src/cluster/store.ts';
import { ClusterView } from '../../src/cluster/view.ts';
import { applyObjects, deleteObjects } from '../../src/controllers/apply.ts';
import { DataplaneLayout, DataplaneNames, dataplaneDown, dataplaneUp } from '../../src/dataplane/index.ts';
import { probeMatrix, type ProbeReport } from '../../src/dataplane/probe/index.ts';
import { run } from '../../src/dataplane/run.ts';
import type { MatrixPort } from '../../src/model/matrix/index.ts';
import { ALL_E2E_PODS, e2eIP, e2ePorts, namespace, NS, pod } from '../model/policy/fixtures.ts';
import { TCP_SCENARIOS, UDP_SCENARIOS, type E2EScenario } from '../model/policy/e2e-scenarios.ts';
import { Truth } from '../model/policy/fixtures.ts';
import { skipReason, uniquePrefix } from './helpers.ts';

const NODE_OF: Record<string, string> = { x: 'node-1', y: 'node-2', z: 'node-3' };

function baseObjects(s?: E2EScenario): KObject[] {
  const nodes: Node[] = NS.map((ns, i) => ({
    apiVersion: 'v1', kind: 'Node', metadata: { name: NODE_OF[ns] },
    spec: { podCIDR: `10.244.${i + 1}.0/24` },
    status: { addresses: [{ type: 'InternalIP', address: `172.18.0.${11 + i}` }] },
  }));
  const namespaces = NS.map((n) => namespace(n, s?.nsLabels?.[n] ?? {}));
  const pods = ALL_E2E_PODS.map((ref) => {
    const [ns, name] = ref.split('/');
    const p = pod(ns, name, { ip: e2eIP(ref), nodeName: NODE_OF[ns], ports: e2ePorts(), labels: { pod: name, ...(s?.podLabels?.[ref] ?? {}) } });
    return { ...p, spec: { ...p.spec, containers: p.spec.containers.map((c) => ({ ...c, image: 'registry.k8s.io/e2e-test-images/agnhost:2.53' })) } };
  });
  return [...nodes, ...namespaces, ...pods];
}

function decoded(objects: KObject[]): DecodeResult {
  const out: DecodeResult = { objects: [], warnings: [] };
  const errors: InputError[] = [];
  decodeText(objects.map((o) => JSON.stringify(o)).join('\n---\n'), 'e2e.yaml', out, errors);
  if (errors.length) throw new Error(errors.map((e) => `${e.field}: ${e.reason}`).join('\n'));
  return out;
}

/** What `podnet apply` + `podnet delete` do: the scenario's labels and policies, every other policy deleted. */
function applyScenario(home: string, config: ClusterConfig, s: E2EScenario): void {
  const store = new Store({ backend: new FileBackend(home) });
  const wanted = new Set(s.policies.map(keyOf));
  const stale = store.list().filter((o) => o.kind === 'NetworkPolicy' && !wanted.has(keyOf(o))).map(keyOf);
  if (stale.length) deleteObjects(store, stale, config);
  applyObjects(store, decoded([...baseObjects(s), ...s.policies]).objects, config);
}

interface Plane {
  home: string;
  names: DataplaneNames;
  layout: DataplaneLayout;
  config: ClusterConfig;
}

async function withPlane(tag: string, cni: CNIMode, fn: (p: Plane) => Promise<void>): Promise<void> {
  const home = mkdtempSync(join(tmpdir(), 'podnet-e2e-'));
  const names = new DataplaneNames(uniquePrefix(tag));
  const layout = new DataplaneLayout(join(home, 'dataplane'));
  const base = defaultClusterConfig();
  const config: ClusterConfig = { ...base, cni, proxyMode: 'nftables', cniOptions: { ...base.cniOptions, flannelBackend: 'vxlan' } };
  try {
    const store = new Store({ backend: new FileBackend(home) });
    applyObjects(store, decoded(baseObjects()).objects, config);
    await dataplaneUp({ view: new ClusterView(store.list(), store.config ?? config), config: store.config ?? config, names, layout, follow: home });
    await fn({ home, names, layout, config: store.config ?? config });
  } finally {
    try {
      await dataplaneDown(names, layout);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  }
}

const ports = (s: E2EScenario): MatrixPort[] => {
  const seen = new Map<string, MatrixPort>();
  for (const c of s.cases) if (c.protocol !== 'SCTP') seen.set(`${c.port}/${c.protocol}`, { port: c.port, protocol: c.protocol });
  return [...seen.values()];
};

async function probe(p: Plane, s: E2EScenario): Promise<ProbeReport> {
  const state = p.layout.read();
  assert.ok(state);
  return probeMatrix(state, p.layout, { ports: ports(s), namespaces: [...NS], timeoutMs: 1500 });
}

/** Cells of the scenario's pods where the kernel differs from upstream's truth table (loopback ignored). */
function againstTruth(s: E2EScenario, r: ProbeReport): string[] {
  const bad: string[] = [];
  for (const c of s.cases) {
    if (c.protocol === 'SCTP') continue;
    const truth = c.expect(new Truth(s.pods));
    for (const from of s.pods) for (const to of s.pods) {
      if (from === to) continue;
      const cell = r.cells.find((x) => x.from === from && x.to === to && x.port === `${c.port}/${c.protocol}`);
      assert.ok(cell, `${from} -> ${to} ${c.port}/${c.protocol} probed`);
      const real = cell.real === 'allow';
      if (real !== truth.get(from, to)) bad.push(`${from} -> ${to} ${c.port}/${c.protocol}: upstream ${truth.get(from, to) ? 'allows' : 'denies'}, kernel ${real ? 'allows' : 'blocks'} (${cell.result})`);
    }
  }
  return bad;
}

const usesIPBlock = (s: E2EScenario): boolean => s.policies.some((p) => JSON.stringify(p.spec).includes('ipBlock'));
const SCENARIOS = [...TCP_SCENARIOS, ...UDP_SCENARIOS];

/**
 * Cilium runs a subset (Calico runs them all), one scenario per semantic: default deny in each
 * direction, pod and namespace selectors alone, ANDed and ORed, ports and named ports on both
 * sides, protocol-only rules, stacked policies, client-side egress denial, label updates, UDP —
 * and every ipBlock scenario, where Cilium departs from upstream's table.
 */
const CILIUM_SUBSET = [
  "should support a 'default-deny-ingress' policy",
  "should support a 'default-deny-all' policy",
  'should enforce policy to allow traffic from pods within server namespace based on PodSelector',
  'should enforce policy to allow traffic only from a different namespace, based on NamespaceSelector',
  'should enforce policy based on PodSelector or NamespaceSelector',
  'should enforce policy based on PodSelector and NamespaceSelector',
  'should enforce policy based on Ports',
  'should allow ingress access from namespace on one named port',
  'should allow egress access on one named port',
  'should allow ingress access from updated pod (after the label)',
  'should deny egress from pods based on PodSelector',
  'should work with Ingress, Egress specified together',
  'should support denying of egress traffic on the client side (even if the server explicitly allows this traffic)',
  'should enforce ingress policy allowing any port traffic to a server on a specific protocol',
  'should enforce multiple egress policies with egress allow-all policy taking precedence (allow-all added)',
  'UDP: should enforce policy to allow traffic only from a pod in a different namespace based on PodSelector and NamespaceSelector',
];
const scenariosFor = (cni: CNIMode): E2EScenario[] => (cni === 'calico' ? SCENARIOS : SCENARIOS.filter((s) => CILIUM_SUBSET.includes(s.name) || usesIPBlock(s)));

for (const cni of ['calico', 'cilium'] as const) {
  test(`${cni}: upstream e2e NetworkPolicy scenarios — probe matrix == model matrix == upstream truth`, { skip: skipReason, timeout: 600_000 }, async () => {
    await withPlane(cni.slice(0, 3), cni, async (p) => {
      // No policy yet: everything reaches everything (and every pod answers with its own name).
      const open = await probe(p, { name: 'open', pods: [...ALL_E2E_PODS], policies: [], cases: [{ port: 80, protocol: 'TCP', expect: (t) => t }, { port: 81, protocol: 'UDP', expect: (t) => t }] });
      assert.deepEqual(open.mismatches, []);
      assert.equal(open.summary.compared, 9 * 8 * 2);
      assert.ok(open.cells.every((c) => c.real === 'allow' && c.reply === c.to.split('/')[1]), 'every pod answers with its own name');
      for (const s of scenariosFor(cni)) {
        applyScenario(p.home, p.config, s);
        const r = await probe(p, s);
        assert.deepEqual(r.mismatches.map((c) => `${c.from} -> ${c.to} ${c.port}: model ${c.model}, kernel ${c.real} (${c.result}): ${c.reason}`), [], `${cni}: ${s.name}`);
        if (cni === 'calico' || !usesIPBlock(s)) assert.deepEqual(againstTruth(s, r), [], `${cni}: ${s.name} (upstream truth)`);
      }
    });
  });
}

test('flannel: policies are not enforced — model and kernel both allow everything, no policy table', { skip: skipReason, timeout: 300_000 }, async () => {
  await withPlane('fla', 'flannel', async (p) => {
    const denyAll = SCENARIOS.find((s) => s.name === "should support a 'default-deny-all' policy")!;
    const ingress80 = SCENARIOS.find((s) => s.name === 'should enforce policy based on Ports')!;
    for (const s of [denyAll, ingress80]) {
      applyScenario(p.home, p.config, s);
      const r = await probe(p, s);
      assert.equal(r.enforced, false);
      assert.deepEqual(r.mismatches, []);
      assert.ok(r.cells.every((c) => c.model === 'allow' && c.real === 'allow'), `${s.name}: everything allowed`);
      assert.ok(r.notes.some((n) => /does not enforce NetworkPolicy/.test(n)));
    }
    for (const n of ['node-1', 'node-2', 'node-3']) {
      const tables = await run('ip', ['netns', 'exec', p.names.node(n), 'nft', 'list', 'tables']);
      assert.equal(tables.code, 0);
      assert.doesNotMatch(tables.stdout, /podnet-netpol/, `${n} has no policy table`);
      assert.match(tables.stdout, /table ip kube-proxy/);
    }
  });
});

test('coverage: Calico probes every upstream TCP and UDP scenario; the Cilium subset names real scenarios', () => {
  const protocols = new Set<Protocol>(SCENARIOS.flatMap((s) => s.cases.map((c) => c.protocol)));
  assert.ok(protocols.has('TCP') && protocols.has('UDP'));
  assert.equal(scenariosFor('calico').length, TCP_SCENARIOS.length + 3);
  for (const name of CILIUM_SUBSET) assert.ok(SCENARIOS.some((s) => s.name === name), name);
  assert.equal(scenariosFor('cilium').filter(usesIPBlock).length, 3);
});
