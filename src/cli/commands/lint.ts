/**
 * `podnet lint [--rule ID]... [--severity error|warning|info] [--exit-zero]`: diagnostics with stable
 * rule ids, the objects involved and the fix. Exit 1 when an error-severity finding exists (unless
 * --exit-zero), 2 bad input. `--rules` lists every rule.
 */
import type { Command } from 'commander';
import { formatLint, lint, RULES, type Severity } from '../../model/lint/index.ts';
import { collect, formatTable, outputFormat, printJSON, UsageError } from '../output.ts';
import { loadCluster } from '../state.ts';
import { policyIndexOf } from './reach.ts';

interface LintCommandOptions {
  rule: string[];
  severity?: string;
  exitZero?: boolean;
  rules?: boolean;
  filename: string[];
  config?: string;
  output?: string;
}

const RANK: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

export function registerLint(program: Command): void {
  program
    .command('lint')
    .description('Diagnose the cluster: each finding has a rule id, severity, objects and fix. Exit 1 on an error finding')
    .option('--rule <id>', 'only this rule (repeatable)', collect, [])
    .option('--severity <level>', 'minimum severity shown: error, warning or info', 'info')
    .option('--exit-zero', 'exit 0 even when error findings exist (show, do not gate)')
    .option('--rules', 'list the rules and exit')
    .option('-f, --filename <path>', 'work on an ephemeral cluster built from these manifests (repeatable)', collect, [])
    .option('--config <file>', 'ClusterConfig for the cluster')
    .option('-o, --output <format>', 'output format: text|json')
    .action((opts: LintCommandOptions) => {
      const format = outputFormat(opts.output, ['text', 'json'] as const, 'text');
      if (opts.rules) {
        const rows = RULES.map((r) => ({ id: r.id, severity: r.severity, title: r.title }));
        if (format === 'json') printJSON(rows);
        else process.stdout.write(formatTable(['RULE', 'SEVERITY', 'CHECKS'], rows.map((r) => [r.id, r.severity, r.title])));
        return;
      }
      const min = (opts.severity ?? 'info') as Severity;
      if (!(min in RANK)) throw new UsageError(`--severity: ${JSON.stringify(opts.severity)} is not one of error, warning, info`);
      const unknown = opts.rule.filter((id) => !RULES.some((r) => r.id === id));
      if (unknown.length) throw new UsageError(`unknown rule ${unknown.join(', ')} (podnet lint --rules lists them)`);
      const { view } = loadCluster({ file: opts.filename, config: opts.config });
      const report = lint(view, { policy: policyIndexOf(view), ...(opts.rule.length ? { rules: opts.rule } : {}) });
      const shown = { ...report, findings: report.findings.filter((f) => RANK[f.severity] <= RANK[min]) };
      if (format === 'json') printJSON(shown);
      else process.stdout.write(formatLint(shown, { colour: process.stdout.isTTY === true && !process.env.NO_COLOR }));
      process.exitCode = report.counts.error > 0 && !opts.exitZero ? 1 : 0;
    });
}
