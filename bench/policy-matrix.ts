/**
 * NetworkPolicy matrix benchmark: 10,000 pods, 2,000 policies, 200 namespaces, 4 ports → the full
 * pod × pod matrix with equivalence classes (target: < 5 s, < 2 GiB), and the ratio against the
 * straightforward per-pair evaluator (decide() per cell) measured on a slice in the same run.
 *
 *   node --import tsx bench/policy-matrix.ts [--pods N] [--policies N] [--namespaces N] [--slice N] [--pod-ipblocks]
 *
 * The cluster is synthetic and deterministic: apps/teams/tiers labels, a unique pod-template-hash per
 * pod (labels no selector uses), named ports, policies mixing default-deny, pod and namespace
 * selectors (AND and OR forms), ipBlocks, numeric/named/ranged ports and egress with DNS.
 * `--pod-ipblocks` makes ipBlock excepts cut the pod range into /24s, the worst case for classes.
 */
import type { KObject, NetworkPolicy, NetworkPolicyPeer, Pod, Protocol } from '../src/api/types.ts';
import { defaultClusterConfig } from '../src/cluster/config.ts';
import { ClusterView } from '../src/cluster/view.ts';
import { computeMatrix, matrixPods, perPairMatrix, type MatrixPort } from '../src/model/matrix/index.ts';
import { PolicyIndex } from '../src/model/policy/index.ts';
import { rng } from '../test/support/prng.ts';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

const PODS = arg('pods', 10_000);
const POLICIES = arg('policies', 2_000);
const NAMESPACES = arg('namespaces', 200);
const SLICE = arg('slice', 400);
/** Adversarial: ipBlocks whose excepts cut the pod range into /24s, so almost every pod is its own class. */
const POD_IPBLOCKS = process.argv.includes('--pod-ipblocks');


function cluster(): KObject[] {
  const r = rng(42);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const apps = ['web', 'api', 'db', 'cache', 'worker'];
  const teams = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
  const objects: KObject[] = [];
  for (let n = 0; n < NAMESPACES; n++) {
    objects.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: `ns-${n}`, labels: { 'kubernetes.io/metadata.name': `ns-${n}`, team: teams[n % teams.length], env: n % 3 === 0 ? 'prod' : 'dev' } } });
  }
  for (let i = 0; i < PODS; i++) {
    const ns = `ns-${i % NAMESPACES}`;
    const app = pick(apps);
    const pod: Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `${app}-${i}`, namespace: ns, labels: { app, tier: app === 'db' || app === 'cache' ? 'data' : 'front', 'pod-template-hash': `h${i}` } },
      spec: {
        nodeName: `node-${i % 50}`,
        containers: [{ name: 'main', image: 'app', ports: [{ name: 'http', containerPort: app === 'api' ? 8080 : 80, protocol: 'TCP' }, { name: 'metrics', containerPort: 9090, protocol: 'TCP' }] }],
      },
      status: { phase: 'Running', podIP: `10.${64 + Math.floor(i / 65536)}.${Math.floor(i / 256) % 256}.${i % 256}`, podIPs: [] },
    };
    pod.status!.podIPs = [{ ip: pod.status!.podIP! }];
    objects.push(pod);
  }
  const sel = () => (r() < 0.15 ? {} : { matchLabels: { app: pick(apps) } });
  const peer = (): NetworkPolicyPeer => {
    const k = r();
    if (k < 0.3) return { podSelector: { matchLabels: { app: pick(apps) } } };
    if (k < 0.55) return { namespaceSelector: { matchLabels: { team: pick(teams) } }, podSelector: { matchLabels: { app: pick(apps) } } };
    if (k < 0.7) return { namespaceSelector: { matchExpressions: [{ key: 'env', operator: 'In', values: ['prod'] }] } };
    if (k < 0.85) return { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': `ns-${Math.floor(r() * NAMESPACES)}` } } };
    if (POD_IPBLOCKS) return { ipBlock: { cidr: '10.64.0.0/12', except: [`10.64.${Math.floor(r() * 40)}.0/24`] } };
    // ipBlocks as policies use them: the internet minus private ranges, external services, the pod range.
    const b = r();
    if (b < 0.5) return { ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'] } };
    if (b < 0.8) return { ipBlock: { cidr: `203.0.${Math.floor(r() * 256)}.0/24` } };
    return { ipBlock: { cidr: '10.64.0.0/12' } };
  };
  const port = () => {
    const k = r();
    if (k < 0.4) return { port: pick([80, 8080]), protocol: 'TCP' as Protocol };
    if (k < 0.7) return { port: 'http', protocol: 'TCP' as Protocol };
    if (k < 0.85) return { port: 8000, endPort: 8100, protocol: 'TCP' as Protocol };
    return { port: 9090, protocol: 'TCP' as Protocol };
  };
  for (let i = 0; i < POLICIES; i++) {
    const ns = `ns-${i % NAMESPACES}`;
    const k = r();
    let spec: NetworkPolicy['spec'];
    if (k < 0.1) spec = { podSelector: {}, policyTypes: ['Ingress'], ingress: [] };
    else if (k < 0.75) spec = { podSelector: sel(), policyTypes: ['Ingress'], ingress: [{ from: [peer(), ...(r() < 0.4 ? [peer()] : [])], ports: [port()] }, ...(r() < 0.3 ? [{ from: [peer()] }] : [])] };
    else spec = {
      podSelector: sel(),
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ from: [peer()], ports: [port()] }],
      egress: [{ to: [peer()], ports: [port()] }, { to: [{ namespaceSelector: {}, podSelector: { matchLabels: { app: 'dns' } } }], ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }] }],
    };
    objects.push({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: `np-${i}`, namespace: ns }, spec } as NetworkPolicy);
  }
  return objects;
}

const PORTS: MatrixPort[] = [{ port: 80, protocol: 'TCP' }, { port: 8080, protocol: 'TCP' }, { port: 9090, protocol: 'TCP' }, { port: 53, protocol: 'UDP' }];
const mib = (b: number): string => `${(b / 1048576).toFixed(0)} MiB`;
let peakRSS = process.memoryUsage().rss;
const sample = (): void => {
  peakRSS = Math.max(peakRSS, process.memoryUsage().rss);
};
const timer = setInterval(sample, 20);

const objects = cluster();
const view = new ClusterView(objects, defaultClusterConfig());
sample();
console.log(`cluster: ${POD_IPBLOCKS ? '(pod-range ipBlock excepts) ' : ''}${PODS} pods, ${POLICIES} policies, ${NAMESPACES} namespaces, ${PORTS.length} ports (${PORTS.map((p) => `${p.port}/${p.protocol}`).join(', ')})`);

const t0 = performance.now();
const index = new PolicyIndex(view);
if (index.problems.length) throw new Error(`generator produced invalid policies: ${index.problems[0].reason}`);
const pods = matrixPods(index);
const m = computeMatrix(index, pods, PORTS);
const t1 = performance.now();
let allowed = 0;
for (let p = 0; p < PORTS.length; p++) {
  const bits = m.expand(p);
  for (let i = 0; i < bits.length; i++) {
    let v = bits[i];
    while (v) {
      v &= v - 1;
      allowed++;
    }
  }
  sample();
}
const t2 = performance.now();
const cells = pods.length * pods.length * PORTS.length;
console.log(`class-based: ${m.classes} classes; index+classes+class matrix ${((t1 - t0) / 1000).toFixed(2)} s; full ${pods.length}×${pods.length}×${PORTS.length} expansion ${((t2 - t1) / 1000).toFixed(2)} s; total ${((t2 - t0) / 1000).toFixed(2)} s`);
console.log(`  ${cells.toLocaleString('en-US')} cells, ${allowed.toLocaleString('en-US')} allowed (${((100 * allowed) / cells).toFixed(1)}%)`);

// Per-pair on a slice: the first SLICE pods (spread across namespaces), same index, same ports.
const slice = pods.slice(0, SLICE);
const s0 = performance.now();
const slow = perPairMatrix(new PolicyIndex(view), slice, PORTS);
const s1 = performance.now();
const fastSlice = computeMatrix(new PolicyIndex(view), slice, PORTS);
let disagreements = 0;
for (let p = 0; p < PORTS.length; p++) for (let a = 0; a < slice.length; a++) for (let b = 0; b < slice.length; b++) if (slow.allowed(a, b, p) !== fastSlice.allowed(a, b, p)) disagreements++;
sample();
clearInterval(timer);
const perCellSlow = (s1 - s0) / (slice.length * slice.length * PORTS.length);
const fullPerPairEstimate = perCellSlow * cells;
console.log(`per-pair: ${slice.length}×${slice.length}×${PORTS.length} slice in ${((s1 - s0) / 1000).toFixed(2)} s (${(perCellSlow * 1e6).toFixed(0)} ns/cell) ⇒ full matrix ≈ ${(fullPerPairEstimate / 1000).toFixed(0)} s`);
console.log(`ratio (per-pair estimate / class-based total): ${(fullPerPairEstimate / (t2 - t0)).toFixed(0)}×; slice agreement: ${disagreements === 0 ? 'identical' : `${disagreements} cells differ`}`);
console.log(`peak RSS: ${mib(peakRSS)}; heap used now: ${mib(process.memoryUsage().heapUsed)}`);
if (disagreements) process.exitCode = 1;
