/**
 * `podnet diff --before PATH --after PATH` or `podnet diff -f CHANGE…` (against the current cluster):
 * which pod-to-pod flows a change opens and closes, per port — "what will this policy block?".
 */
import type { Command } from 'commander';
import { decodePaths } from '../../api/decode.ts';
import { ClusterView } from '../../cluster/view.ts';
import { applyObjects } from '../../controllers/apply.ts';
import { computeMatrix, declaredPorts, diffMatrices, portKey, type MatrixDiff, type MatrixPort } from '../../model/matrix/index.ts';
import { collect, outputFormat, printJSON, UsageError } from '../output.ts';
import { loadCluster } from '../state.ts';
import { parsePorts, scopePods, type ScopeOptions } from './matrix.ts';
import { policyIndexOf } from './reach.ts';

interface DiffOptions extends ScopeOptions {
  before?: string;
  after?: string;
  filename: string[];
  config?: string;
  output?: string;
}

function views(opts: DiffOptions): { before: ClusterView; after: ClusterView } {
  if (opts.filename.length) {
    if (opts.before || opts.after) throw new UsageError('use either -f CHANGE or --before/--after, not both');
    const { store, view, config } = loadCluster({ config: opts.config });
    const next = store.ephemeralCopy();
    const decoded = decodePaths(opts.filename);
    for (const w of decoded.warnings) process.stderr.write(`Warning: ${w}\n`);
    const result = applyObjects(next, decoded.objects, config);
    for (const w of result.warnings) process.stderr.write(`Warning: ${w}\n`);
    return { before: view, after: new ClusterView(next.list(), config) };
  }
  if (!opts.before || !opts.after) throw new UsageError('give --before PATH and --after PATH, or -f CHANGE to compare with the current cluster');
  return {
    before: loadCluster({ file: [opts.before], config: opts.config }).view,
    after: loadCluster({ file: [opts.after], config: opts.config }).view,
  };
}

function formatDiff(d: MatrixDiff): string {
  const out: string[] = [];
  for (const s of d.summary) out.push(`${s.port}: ${s.opened} opened, ${s.closed} closed (allowed ${s.allowedBefore} → ${s.allowedAfter} of ${s.compared} pairs)`);
  if (d.closed.length) out.push('', 'Closed (allowed before, denied after):', ...d.closed.map((c) => `  - ${c.from} -> ${c.to} ${c.port}`));
  if (d.opened.length) out.push('', 'Opened (denied before, allowed after):', ...d.opened.map((c) => `  + ${c.from} -> ${c.to} ${c.port}`));
  if (!d.closed.length && !d.opened.length) out.push('', 'No flow changes.');
  if (d.addedPods.length) out.push('', `Pods only after the change (not compared): ${d.addedPods.join(', ')}`);
  if (d.removedPods.length) out.push('', `Pods only before the change (not compared): ${d.removedPods.join(', ')}`);
  for (const n of d.notes) out.push(`note: ${n}`);
  return `${out.join('\n')}\n`;
}

export function registerDiff(program: Command): void {
  program
    .command('diff')
    .description('Which flows a change opens and closes, per port (NetworkPolicy what-if)')
    .option('--before <path>', 'manifests of the cluster before the change')
    .option('--after <path>', 'manifests of the cluster after the change')
    .option('-f, --filename <path>', 'a change (manifests to apply) compared with the current cluster (repeatable)', collect, [])
    .option('--ports <list>', 'ports to compare, e.g. 80/TCP,53/UDP (default: every declared containerPort, both sides)')
    .option('-n, --namespace <ns>', 'only pods of this namespace (repeatable; default: all namespaces)', collect, [])
    .option('-A, --all-namespaces', 'pods of all namespaces (the default)')
    .option('--config <file>', 'ClusterConfig for the cluster')
    .option('-o, --output <format>', 'output format: text|json')
    .action((opts: DiffOptions) => {
      const format = outputFormat(opts.output, ['text', 'json'] as const, 'text');
      const explicit = opts.ports !== undefined ? parsePorts(opts.ports) : undefined;
      const v = views(opts);
      const before = policyIndexOf(v.before);
      const after = policyIndexOf(v.after);
      const podsBefore = scopePods(before, opts);
      const podsAfter = scopePods(after, opts);
      let ports: MatrixPort[] = explicit ?? [];
      if (!explicit) {
        const seen = new Map<string, MatrixPort>();
        for (const p of [...declaredPorts(podsBefore), ...declaredPorts(podsAfter)]) seen.set(portKey(p), p);
        ports = [...seen.values()];
      }
      const d = diffMatrices(computeMatrix(before, podsBefore, ports), computeMatrix(after, podsAfter, ports));
      if (format === 'json') printJSON(d);
      else process.stdout.write(formatDiff(d));
    });
}
