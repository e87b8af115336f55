/**
 * `podnet explain pod NS/NAME | policy NS/NAME | flow --from … --to … --port N`: which policies select
 * a pod and what they admit; what a policy selects and admits; a flow with the full rule walk.
 */
import type { Command } from 'commander';
import { explainPod, explainPolicy, type PolicyDirectionExplanation } from '../../model/policy/index.ts';
import { collect, outputFormat, printJSON, UsageError } from '../output.ts';
import { loadCluster } from '../state.ts';
import { flowCommand, formatReach, policyIndexOf, runReach, type FlowOptions } from './reach.ts';

interface RefOptions {
  filename: string[];
  config?: string;
  output?: string;
}

function splitRef(text: string): { namespace: string; name: string } {
  const parts = text.split('/');
  if (parts.length === 1 && parts[0]) return { namespace: 'default', name: parts[0] };
  if (parts.length !== 2 || !parts[0] || !parts[1]) throw new UsageError(`${JSON.stringify(text)}: expected namespace/name`);
  return { namespace: parts[0], name: parts[1] };
}

function refCommand(cmd: Command): Command {
  return cmd
    .option('-f, --filename <path>', 'work on an ephemeral cluster built from these manifests (repeatable)', collect, [])
    .option('--config <file>', 'ClusterConfig for the cluster')
    .option('-o, --output <format>', 'output format: text|json');
}

function rulesText(d: PolicyDirectionExplanation, dir: 'ingress' | 'egress', indent: string): string[] {
  const out = [`${indent}${d.policy}: ${d.summary}`];
  for (const r of d.rules) {
    out.push(`${indent}  ${r.field}: ${dir === 'ingress' ? 'from' : 'to'} ${r.peers.join(' OR ')}; ports ${r.ports.join(', ')}`);
    if (r.matchesPods) out.push(`${indent}    pods matched now: ${r.matchesPods.length ? r.matchesPods.join(', ') : '(none)'}`);
  }
  return out;
}

export function registerExplain(program: Command): void {
  const explain = program.command('explain').description('Explain NetworkPolicy: a pod, a policy, or a flow (the rule walk)');

  refCommand(explain.command('pod').argument('<pod>', 'namespace/name').description('Policies selecting the pod, per direction, and what they allow'))
    .action((ref: string, opts: RefOptions) => {
      const format = outputFormat(opts.output, ['text', 'json'] as const, 'text');
      const { namespace, name } = splitRef(ref);
      const { view } = loadCluster({ file: opts.filename, config: opts.config });
      const index = policyIndexOf(view);
      const pod = view.pod(namespace, name);
      if (!pod) throw new UsageError(`pod ${namespace}/${name} not found`);
      const e = explainPod(index, pod);
      if (format === 'json') return printJSON(e);
      const out = [`Pod ${e.pod}`];
      for (const dir of ['ingress', 'egress'] as const) {
        out.push(`  ${dir}: ${e[dir].summary}`);
        for (const p of e[dir].policies) out.push(...rulesText(p, dir, '    '));
      }
      for (const n of e.notes) out.push(`  note: ${n}`);
      process.stdout.write(`${out.join('\n')}\n`);
    });

  refCommand(explain.command('policy').argument('<policy>', 'namespace/name').description('Pods a policy selects and the peers it admits'))
    .action((ref: string, opts: RefOptions) => {
      const format = outputFormat(opts.output, ['text', 'json'] as const, 'text');
      const { namespace, name } = splitRef(ref);
      const { view } = loadCluster({ file: opts.filename, config: opts.config });
      const index = policyIndexOf(view);
      const policy = index.policy(namespace, name);
      if (!policy) throw new UsageError(`networkpolicy ${namespace}/${name} not found`);
      const e = explainPolicy(index, policy);
      if (format === 'json') return printJSON(e);
      const out = [
        `NetworkPolicy ${e.policy}`,
        `  policyTypes: ${e.policyTypes.join(', ')}`,
        `  selects: ${e.podSelector}: ${e.selects.length ? e.selects.join(', ') : '(no pods now)'}`,
      ];
      for (const dir of ['ingress', 'egress'] as const) {
        const d = e[dir];
        out.push(d ? `  ${dir}:` : `  ${dir}: not restricted by this policy`);
        if (d) out.push(...rulesText(d, dir, '    '));
      }
      for (const n of e.notes) out.push(`  note: ${n}`);
      process.stdout.write(`${out.join('\n')}\n`);
    });

  flowCommand(explain.command('flow').description('A flow with the rule walk (like reach); exit 0 allowed, 1 denied'))
    .action((opts: FlowOptions) => {
      const format = outputFormat(opts.output, ['text', 'json'] as const, 'text');
      const r = runReach(opts);
      if (format === 'json') printJSON(r);
      else process.stdout.write(formatReach(r, true));
      process.exitCode = r.allowed ? 0 : 1;
    });
}
