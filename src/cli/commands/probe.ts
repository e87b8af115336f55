/**
 * `podnet probe [--ports 80/TCP,81/UDP] [-n NS]… [-A] [--timeout MS] [--parallel N] [-o table|json]`:
 * real TCP/UDP connection attempts between every pair of pods of the running dataplane, compared
 * cell by cell with `podnet matrix`. Exit 0 all agree, 1 any mismatch, 2 not up or bad input.
 */
import type { Command } from 'commander';
import { ProbeError, probeMatrix, probeTable } from '../../dataplane/probe/index.ts';
import { collect, outputFormat, printJSON, UsageError } from '../output.ts';
import { parsePorts } from './matrix.ts';
import { dataplaneLayout, dataplaneNames, reportDataplaneError } from './up.ts';

function positive(text: string, flag: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1) throw new UsageError(`${flag}: ${JSON.stringify(text)} is not a positive integer`);
  return n;
}

export function registerProbe(program: Command): void {
  program
    .command('probe')
    .description('Real TCP/UDP attempts between every pair of pods of the running dataplane, compared with the model\'s matrix; exit 1 on any mismatch')
    .option('--ports <list>', 'ports to probe, e.g. 80/TCP,81/UDP (default: every declared containerPort)')
    .option('-n, --namespace <ns>', 'only pods of this namespace (repeatable; default: all namespaces)', collect, [])
    .option('-A, --all-namespaces', 'pods of all namespaces (the default)')
    .option('--timeout <ms>', 'per attempt', '1000')
    .option('--parallel <n>', 'source pods probed at once', '4')
    .option('-o, --output <format>', 'output format: table|json')
    .action(async (opts: { ports?: string; namespace: string[]; allNamespaces?: boolean; timeout: string; parallel: string; output?: string }) => {
      const format = outputFormat(opts.output, ['table', 'json'] as const, 'table');
      if (opts.allNamespaces && opts.namespace.length) throw new UsageError('-n and -A are mutually exclusive');
      const ports = opts.ports !== undefined ? parsePorts(opts.ports) : undefined;
      const timeoutMs = positive(opts.timeout, '--timeout');
      const parallel = positive(opts.parallel, '--parallel');
      let names;
      try {
        names = dataplaneNames();
      } catch (err) {
        process.exitCode = reportDataplaneError(err);
        return;
      }
      const layout = dataplaneLayout();
      const state = layout.read();
      if (!state || state.phase !== 'up') {
        process.stderr.write(`error: dataplane "${names.prefix}" is not up${state ? ` (phase ${state.phase})` : ''}; run podnet up\n`);
        process.exitCode = 2;
        return;
      }
      try {
        const report = await probeMatrix(state, layout, { ...(ports ? { ports } : {}), namespaces: opts.allNamespaces ? undefined : opts.namespace, timeoutMs, parallel });
        if (format === 'json') printJSON(report);
        else process.stdout.write(probeTable(report));
        process.exitCode = report.mismatches.length ? 1 : 0;
      } catch (err) {
        if (!(err instanceof ProbeError)) throw err;
        process.stderr.write(`error: ${err.message}\n`);
        process.exitCode = 1;
      }
    });
}
