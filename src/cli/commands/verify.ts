/**
 * `podnet verify --expect FILE [--real]`: network expectations as code, for CI. Exit 0 all pass, 1 any
 * fail, 2 bad input. With --real, `reach` checks are judged by real packets in the running dataplane
 * (the model's verdict is reported alongside); every other kind is still answered by the model.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { InvalidInputError } from '../../api/errors.ts';
import { parseExpectations, runChecks, type Check, type VerifyReport } from '../../model/verify/index.ts';
import type { ClusterView } from '../../cluster/view.ts';
import { probeReach, ProbeError, runningCluster } from '../../dataplane/probe/index.ts';
import type { Protocol } from '../../api/types.ts';
import { dataplaneLayout, dataplaneNames, reportDataplaneError } from './up.ts';
import { collect, outputFormat, printJSON, UsageError } from '../output.ts';
import { loadCluster } from '../state.ts';

export function registerVerify(program: Command): void {
  program
    .command('verify')
    .description('Check network expectations (an Expectations file) against the cluster; exit 1 if any fails')
    .requiredOption('--expect <file>', 'Expectations file (apiVersion: podnet/v1alpha1, kind: Expectations)')
    .option('-f, --filename <path>', 'work on an ephemeral cluster built from these manifests (repeatable)', collect, [])
    .option('--config <file>', 'ClusterConfig for the cluster')
    .option('--real', 'judge reach checks with real packets in the running dataplane (podnet up)')
    .option('-o, --output <format>', 'output format: json')
    .action(async (opts: { expect: string; filename: string[]; config?: string; real?: boolean; output?: string }) => {
      const format = outputFormat(opts.output, ['json', 'text'] as const, 'text');
      let text: string;
      try {
        text = readFileSync(opts.expect, 'utf8');
      } catch {
        throw new InvalidInputError([{ file: opts.expect, reason: 'cannot read expectations file' }]);
      }
      const checks = parseExpectations(text, opts.expect);
      if (!checks.length) throw new UsageError(`${opts.expect}: no checks`);
      if (opts.real && (opts.filename.length || opts.config)) throw new UsageError('--real checks the running dataplane: -f and --config do not apply');
      let real: { view: ClusterView; run: (check: Check) => Promise<RealOutcome> } | undefined;
      if (opts.real) {
        real = await realReach();
        if (!real) return;
      }
      const { view } = real ?? loadCluster({ file: opts.filename, config: opts.config });
      const report = runChecks(view, checks, opts.expect);
      if (real) await replaceReachResults(report, checks, real.run);
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

interface RealOutcome {
  passed: boolean;
  actual: 'allow' | 'deny' | null;
  message: string;
}

/** The running dataplane's cluster and a packet-based judge for reach checks; undefined (exit code set) when not up. */
async function realReach(): Promise<{ view: ClusterView; run: (check: Check) => Promise<RealOutcome> } | undefined> {
  let names;
  try {
    names = dataplaneNames();
  } catch (err) {
    process.exitCode = reportDataplaneError(err);
    return undefined;
  }
  const layout = dataplaneLayout();
  const state = layout.read();
  if (!state || state.phase !== 'up') {
    process.stderr.write(`error: dataplane "${names.prefix}" is not up; --real needs podnet up\n`);
    process.exitCode = 2;
    return undefined;
  }
  let view: ClusterView;
  try {
    view = (await runningCluster(state, layout)).view;
  } catch (err) {
    if (!(err instanceof ProbeError)) throw err;
    process.stderr.write(`error: ${err.message}\n`);
    process.exitCode = 1;
    return undefined;
  }
  const run = async (check: Check): Promise<RealOutcome> => {
    const a = check.args as Record<string, unknown>;
    const q = { from: String(a.from ?? a.fromIP), to: String(a.to ?? a.toIP), port: Number(a.port), protocol: (a.protocol ?? 'TCP') as Protocol };
    const r = await probeReach(state, view, q);
    if (r.unsupported) return { passed: false, actual: null, message: `cannot test with packets: ${r.unsupported}` };
    const actual = r.allowed ? 'allow' : 'deny';
    return { passed: actual === check.expect, actual, message: r.message };
  };
  return { view, run };
}

/** Reach results become the packets' verdict; the model's verdict stays in the message. */
async function replaceReachResults(report: VerifyReport, checks: readonly Check[], run: (check: Check) => Promise<RealOutcome>): Promise<void> {
  for (const r of report.results) {
    if (r.kind !== 'reach') continue;
    const check = checks.find((c) => c.index === r.index)!;
    const o = await run(check);
    const model = r.actual === null ? 'no verdict' : r.actual === 'allow' ? 'allowed' : 'denied';
    Object.assign(r, { passed: o.passed, actual: o.actual, message: `${o.message}; model: ${model}${o.actual !== null && r.actual !== null && o.actual !== r.actual ? ' (the kernel disagrees with the model)' : ''}` });
  }
  report.summary = { passed: report.results.filter((r) => r.passed).length, failed: report.results.filter((r) => !r.passed).length };
}
