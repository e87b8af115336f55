/**
 * `podnet probe`: the model's all-pairs matrix (model/matrix) proven cell by cell with packets.
 * The cluster is the one the node agents loaded (their source: the persisted store or the `up -f`
 * snapshot), after waiting until every agent applied its current revision. A cell is allowed in
 * the kernel when the attempt reached the destination pod (connected, or refused by a port with no
 * listener: policy let it through); a reject (admin-prohibited) or a timeout is blocked. Loopback
 * cells are not compared (a pod reaching its own IP never leaves its namespace; upstream e2e
 * ignores them too), nor SCTP ports (the test server speaks TCP and UDP).
 */
import type { Pod } from '../../api/types.ts';
import { computeMatrix, declaredPorts, matrixPods, portKey, type MatrixPort } from '../../model/matrix/index.ts';
import { decide, podEndpoint, PolicyIndex } from '../../model/policy/index.ts';
import type { PodPlan } from '../plan.ts';
import { mapLimit } from '../run.ts';
import type { DataplaneLayout, DataplaneState } from '../state.ts';
import { readAgentConfig, waitForRules } from '../rules/agents.ts';
import { loadCluster, type LoadedCluster } from '../rules/cluster-source.ts';
import { probeFrom, ProbeError, reachedDestination, type ProbeOutcome, type ProbeResult, type ProbeTarget } from './probe.ts';

export interface ProbeMatrixOptions {
  ports?: readonly MatrixPort[];
  /** Only pods of these namespaces (default all). */
  namespaces?: readonly string[];
  timeoutMs?: number;
  /** Source namespaces probed at once (default 4). */
  parallel?: number;
  /** Attempts in flight per source (default 16). */
  concurrency?: number;
  /** How long to wait for the node agents to apply the cluster's current revision (default 15 s). */
  rulesTimeoutMs?: number;
}

export interface ProbeCell {
  from: string;
  to: string;
  /** `80/TCP` */
  port: string;
  model: 'allow' | 'deny';
  /** The kernel's verdict: the attempt reached the destination or not. */
  real: 'allow' | 'deny';
  result: ProbeResult;
  reply?: string;
  error?: string;
  agree: boolean;
  /** For a mismatch: the model's reasons (egress; ingress), or the wrong pod that answered. */
  reason?: string;
}

export interface ProbeReport {
  prefix: string;
  cni: string;
  /** Store revision the rules were applied at (0: a `-f` snapshot). */
  revision: number;
  enforced: boolean;
  pods: string[];
  ports: string[];
  cells: ProbeCell[];
  mismatches: ProbeCell[];
  /** What was not compared, and why. */
  skipped: string[];
  summary: { compared: number; agree: number; mismatches: number };
  durationMs: number;
  /** Of which waiting for the node agents to apply the cluster's current revision. */
  waitMs: number;
  notes: string[];
}

const ref = (p: Pod): string => `${p.metadata.namespace ?? 'default'}/${p.metadata.name}`;

/**
 * The cluster the node agents loaded, once every agent has applied its current revision (what a
 * probe must compare against); throws ProbeError when they lag or failed.
 */
export async function runningCluster(state: DataplaneState, layout: DataplaneLayout, rulesTimeoutMs = 15000): Promise<LoadedCluster> {
  const nodes = state.topology.nodes.map((n) => n.name);
  const agent = nodes.length ? readAgentConfig(layout, nodes[0]) : undefined;
  if (!agent) throw new ProbeError(`dataplane "${state.prefix}" has no rules agents (started by an older podnet up?): run podnet down and podnet up`);
  const progress = await waitForRules(layout, nodes, rulesTimeoutMs);
  if (!progress.current) {
    const lag = progress.statuses.map((s, i) => `${nodes[i]}: ${s ? (s.error ? `error: ${s.error}` : `revision ${s.revision}`) : 'no status'}`).join('; ');
    throw new ProbeError(`the node agents have not applied revision ${progress.revision} of the cluster (${lag})`);
  }
  return loadCluster(agent.source, agent.config);
}

export async function probeMatrix(state: DataplaneState, layout: DataplaneLayout, opts: ProbeMatrixOptions = {}): Promise<ProbeReport> {
  const t0 = Date.now();
  const top = state.topology;
  const { view, revision } = await runningCluster(state, layout, opts.rulesTimeoutMs);
  const tReady = Date.now();
  const index = new PolicyIndex(view);
  const skipped: string[] = [];
  const plans = new Map(top.pods.map((p) => [`${p.namespace}/${p.name}`, p]));
  const inPlane = (p: Pod): PodPlan | undefined => {
    const plan = plans.get(ref(p));
    return plan && !plan.hostNetwork && plan.ip === (p.status?.podIP ?? plan.ip) ? plan : undefined;
  };
  const pods = matrixPods(index, opts.namespaces).filter((p) => {
    if (inPlane(p)) return true;
    skipped.push(`pod ${ref(p)}: not wired in the dataplane yet (its node agent picks new pods up live when up follows the store; an up -f cluster is a fixed snapshot)`);
    return false;
  });
  const allPorts = opts.ports ?? declaredPorts(pods);
  const ports = allPorts.filter((p) => p.protocol === 'TCP' || p.protocol === 'UDP');
  for (const p of allPorts) if (!ports.includes(p)) skipped.push(`port ${portKey(p)}: not probed (the test server speaks TCP and UDP)`);
  const m = computeMatrix(index, pods, ports);
  const names = new Set(view.pods.map((p) => p.metadata.name));

  const endpoints = pods.map((p) => podEndpoint(view, p));
  const rows = await mapLimit(pods, opts.parallel ?? 4, async (src, s) => {
    const targets: { d: number; p: number; t: ProbeTarget }[] = [];
    pods.forEach((dst, d) => {
      if (d === s) return;
      const ip = inPlane(dst)!.ip;
      ports.forEach((port, p) => targets.push({ d, p, t: { ip, port: port.port, protocol: port.protocol as 'TCP' | 'UDP' } }));
    });
    const outcomes = await probeFrom(inPlane(src)!.netns, targets.map((x) => x.t), { timeoutMs: opts.timeoutMs, concurrency: opts.concurrency });
    return targets.map((x, i) => ({ s, d: x.d, p: x.p, o: outcomes[i] }));
  });

  const cells: ProbeCell[] = [];
  for (const { s, d, p, o } of rows.flat()) cells.push(cell(s, d, p, o));
  function cell(s: number, d: number, p: number, o: ProbeOutcome): ProbeCell {
    const model = m.allowed(s, d, p);
    const reached = reachedDestination(o);
    const wrongPod = o.reply && o.reply !== pods[d].metadata.name && names.has(o.reply) ? o.reply : undefined;
    const agree = model === reached && !wrongPod;
    const c: ProbeCell = {
      from: m.pods[s], to: m.pods[d], port: portKey(ports[p]),
      model: model ? 'allow' : 'deny', real: reached ? 'allow' : 'deny', result: o.result,
      ...(o.reply ? { reply: o.reply } : {}), ...(o.error ? { error: o.error } : {}), agree,
    };
    if (!agree) {
      if (wrongPod) c.reason = `answered by ${wrongPod}, not ${pods[d].metadata.name}`;
      else {
        const dec = decide(index, { src: endpoints[s], dst: endpoints[d], port: ports[p].port, protocol: ports[p].protocol });
        c.reason = `egress: ${dec.egress.reason}; ingress: ${dec.ingress.reason}`;
      }
    }
    return c;
  }
  const order = (c: ProbeCell): string => `${c.port}\u0000${c.from}\u0000${c.to}`;
  cells.sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0));
  const mismatches = cells.filter((c) => !c.agree);
  return {
    prefix: state.prefix,
    cni: top.profile.mode,
    revision,
    enforced: m.enforced,
    pods: m.pods,
    ports: ports.map(portKey),
    cells,
    mismatches,
    skipped,
    summary: { compared: cells.length, agree: cells.length - mismatches.length, mismatches: mismatches.length },
    durationMs: Date.now() - t0,
    waitMs: tReady - t0,
    notes: [...m.notes, 'loopback cells (a pod to its own IP) are not compared'],
  };
}

/** The human form: one grid per port (`.` both allow, `X` both block, `!` kernel allows what the model blocks, `x` kernel blocks what the model allows), then the mismatches. */
export function probeTable(r: ProbeReport): string {
  const out: string[] = ['rows: from, columns: to; . allowed, X blocked, ! kernel allows what the model blocks, x kernel blocks what the model allows, - not compared', ''];
  const width = Math.max(0, ...r.pods.map((p) => p.length));
  const byKey = new Map(r.cells.map((c) => [`${c.port}|${c.from}|${c.to}`, c]));
  for (const port of r.ports) {
    out.push(port);
    out.push(`${''.padEnd(width)}  ${r.pods.join(' ')}`.trimEnd());
    for (const src of r.pods) {
      const cells = r.pods.map((dst) => {
        const c = byKey.get(`${port}|${src}|${dst}`);
        const ch = !c ? '-' : c.agree ? (c.real === 'allow' ? '.' : 'X') : c.real === 'allow' ? '!' : 'x';
        return ch.padEnd(dst.length);
      });
      out.push(`${src.padEnd(width)}  ${cells.join(' ')}`.trimEnd());
    }
    out.push('');
  }
  for (const c of r.mismatches) {
    out.push(`MISMATCH ${c.from} -> ${c.to} ${c.port}: model ${c.model === 'allow' ? 'allows' : 'denies'}, kernel ${c.real === 'allow' ? 'allows' : 'blocks'} (${c.result}${c.error ? ` ${c.error}` : ''}${c.reply ? `, reply ${JSON.stringify(c.reply)}` : ''})`);
    if (c.reason) out.push(`  ${c.reason}`);
  }
  for (const s of r.skipped) out.push(`skipped: ${s}`);
  for (const n of r.notes) out.push(`note: ${n}`);
  out.push(`${r.summary.compared} cells probed, ${r.summary.agree} agree, ${r.summary.mismatches} mismatches (${(r.durationMs / 1000).toFixed(1)}s)`);
  return `${out.join('\n')}\n`;
}
