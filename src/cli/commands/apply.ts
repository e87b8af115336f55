/**
 * `podnet apply -f PATH…`: decode, validate, reconcile, commit — or reject everything with every error.
 */
import type { Command } from 'commander';
import { decodePaths } from '../../api/decode.ts';
import { kindInfo } from '../../api/kinds.ts';
import { applyObjects } from '../../controllers/apply.ts';
import { collect, outputFormat, printJSON, UsageError } from '../output.ts';
import { effectiveConfig, openStore } from '../state.ts';

export function registerApply(program: Command): void {
  program
    .command('apply')
    .description('Apply manifests (files, directories, - for stdin) to the cluster; nothing is applied if any object is invalid')
    .option('-f, --filename <path>', 'manifest file, directory (recursive) or - (repeatable)', collect, [])
    .option('--config <file>', 'ClusterConfig for the cluster (kept for later commands)')
    .option('--dry-run', 'validate and reconcile, but do not persist')
    .option('-o, --output <format>', 'output format: json|name')
    .action((opts: { filename: string[]; config?: string; dryRun?: boolean; output?: string }) => {
      if (!opts.filename.length) throw new UsageError('must specify one of -f and -k');
      const format = outputFormat(opts.output, ['json', 'name', 'text'] as const, 'text');
      const decoded = decodePaths(opts.filename);
      for (const w of decoded.warnings) process.stderr.write(`Warning: ${w}\n`);
      const store = openStore();
      const config = effectiveConfig(store, opts.config);
      const result = applyObjects(store, decoded.objects, config, { dryRun: opts.dryRun });
      for (const w of result.warnings) process.stderr.write(`Warning: ${w}\n`);
      if (format === 'json') {
        printJSON({ results: result.results.map((r) => ({ kind: r.object.kind, namespace: r.object.metadata.namespace, name: r.object.metadata.name, action: r.action })) });
        return;
      }
      const suffix = opts.dryRun ? ' (dry run)' : '';
      for (const { object, action } of result.results) {
        const info = kindInfo(object.kind);
        const ref = `${info?.singular ?? object.kind.toLowerCase()}${info?.group ? `.${info.group}` : ''}/${object.metadata.name}`;
        process.stdout.write(format === 'name' ? `${ref}\n` : `${ref} ${action}${suffix}\n`);
      }
    });
}
