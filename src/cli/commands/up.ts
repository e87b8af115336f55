/**
 * `podnet up [--config FILE] [-f PATH…] [--cni-bin-dir DIR] [-o json]`: builds the cluster as Linux
 * network namespaces (root). Names carry $PODNET_PREFIX (default `pn`); state in $PODNET_HOME/dataplane.
 */
import { join } from 'node:path';
import type { Command } from 'commander';
import {
  DataplaneError, DataplaneLayout, DataplaneNames, dataplanePrefix, dataplaneUp, PrefixError, TopologyError,
} from '../../dataplane/index.ts';
import { collect, outputFormat, printJSON } from '../output.ts';
import { loadCluster, stateDir } from '../state.ts';

export function dataplaneLayout(): DataplaneLayout {
  return new DataplaneLayout(join(stateDir(), 'dataplane'));
}

/** The run prefix from $PODNET_PREFIX; a bad one is a usage error (exit 2). */
export function dataplaneNames(): DataplaneNames {
  return new DataplaneNames(dataplanePrefix());
}

/** Prints dataplane refusals; returns the exit code (2 for input problems, 1 for the machine or state). */
export function reportDataplaneError(err: unknown): number {
  if (err instanceof TopologyError || err instanceof PrefixError) {
    const problems = err instanceof TopologyError ? err.problems : [err.message];
    for (const p of problems) process.stderr.write(`error: ${p}\n`);
    return 2;
  }
  if (err instanceof DataplaneError) {
    for (const p of err.problems) process.stderr.write(`error: ${p}\n`);
    return 1;
  }
  throw err;
}

export function registerUp(program: Command): void {
  program
    .command('up')
    .description('Build the cluster as network namespaces with real veths, bridges, routes, VXLAN/BGP and pod test servers (root)')
    .option('-f, --filename <path>', 'build from these manifests instead of the persisted cluster (repeatable)', collect, [])
    .option('--config <file>', 'ClusterConfig for the cluster')
    .option('--cni-bin-dir <dir>', 'CNI_PATH for pod plugins (default: podnet\'s own; /usr/lib/cni for the reference plugins)')
    .option('--concurrency <n>', 'pods wired in parallel', '4')
    .option('-o, --output <format>', 'output format: text|json')
    .action(async (opts: { filename: string[]; config?: string; cniBinDir?: string; concurrency: string; output?: string }) => {
      const format = outputFormat(opts.output, ['text', 'json'] as const, 'text');
      try {
        const names = dataplaneNames();
        const { view, config } = loadCluster({ file: opts.filename, config: opts.config });
        const report = await dataplaneUp({
          view,
          config,
          names,
          layout: dataplaneLayout(),
          ...(opts.cniBinDir ? { cniBinDirs: [opts.cniBinDir] } : {}),
          concurrency: Math.max(1, Number(opts.concurrency) || 4),
          ...(opts.filename.length ? {} : { follow: stateDir() }),
          log: format === 'text' ? (l) => process.stdout.write(`${l}\n`) : undefined,
        });
        for (const w of report.warnings) process.stderr.write(`Warning: ${w}\n`);
        const t = report.topology;
        if (format === 'json') {
          printJSON({ prefix: t.prefix, cni: t.profile.mode, podMTU: t.profile.podMTU, nodes: t.nodes.length, pods: t.pods.length, durationMs: report.durationMs, warnings: report.warnings });
        } else {
          process.stdout.write(`dataplane "${t.prefix}" up: ${t.profile.mode}, ${t.nodes.length} nodes, ${t.pods.length} pods in ${(report.durationMs / 1000).toFixed(1)}s\n`);
        }
      } catch (err) {
        process.exitCode = reportDataplaneError(err);
      }
    });
}
