/**
 * `podnet verify --expect FILE`: network expectations as code, for CI. Exit 0 all pass, 1 any fail,
 * 2 bad input.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { InvalidInputError } from '../../api/errors.ts';
import { parseExpectations, runChecks } from '../../model/verify/index.ts';
import { collect, outputFormat, printJSON, UsageError } from '../output.ts';
import { loadCluster } from '../state.ts';

export function registerVerify(program: Command): void {
  program
    .command('verify')
    .description('Check network expectations (an Expectations file) against the cluster; exit 1 if any fails')
    .requiredOption('--expect <file>', 'Expectations file (apiVersion: podnet/v1alpha1, kind: Expectations)')
    .option('-f, --filename <path>', 'work on an ephemeral cluster built from these manifests (repeatable)', collect, [])
    .option('--config <file>', 'ClusterConfig for the cluster')
    .option('-o, --output <format>', 'output format: json')
    .action((opts: { expect: string; filename: string[]; config?: string; output?: string }) => {
      const format = outputFormat(opts.output, ['json', 'text'] as const, 'text');
      let text: string;
      try {
        text = readFileSync(opts.expect, 'utf8');
      } catch {
        throw new InvalidInputError([{ file: opts.expect, reason: 'cannot read expectations file' }]);
      }
      const checks = parseExpectations(text, opts.expect);
      if (!checks.length) throw new UsageError(`${opts.expect}: no checks`);
      const { view } = loadCluster({ file: opts.filename, config: opts.config });
      const report = runChecks(view, checks, opts.expect);
      if (format === 'json') {
        printJSON(report);
      } else {
        for (const r of report.results) {
          if (r.passed) continue;
          const label = r.name ? `${r.name} (${r.kind})` : r.kind;
          process.stdout.write(`FAIL checks[${r.index}] ${label}: ${r.message}\n`);
          process.stdout.write(`  expected: ${JSON.stringify(r.expected)}\n  actual:   ${JSON.stringify(r.actual)}\n`);
        }
        process.stdout.write(`${report.summary.passed} passed, ${report.summary.failed} failed\n`);
      }
      process.exitCode = report.summary.failed ? 1 : 0;
    });
}
