/** `podnet down [-o json]`: removes every namespace, link and process of the run prefix, even after a crashed `up`. */
import type { Command } from 'commander';
import { dataplaneDown } from '../../dataplane/index.ts';
import { outputFormat, printJSON } from '../output.ts';
import { dataplaneLayout, dataplaneNames, reportDataplaneError } from './up.ts';

export function registerDown(program: Command): void {
  program
    .command('down')
    .description('Tear down the dataplane of $PODNET_PREFIX: kill processes in its namespaces, delete the namespaces and state')
    .option('-o, --output <format>', 'output format: text|json')
    .action(async (opts: { output?: string }) => {
      const format = outputFormat(opts.output, ['text', 'json'] as const, 'text');
      try {
        const names = dataplaneNames();
        const r = await dataplaneDown(names, dataplaneLayout());
        if (format === 'json') printJSON({ prefix: names.prefix, namespaces: r.namespaces, processes: r.processes });
        else process.stdout.write(`dataplane "${names.prefix}" down: ${r.namespaces.length} network namespaces and ${r.processes} processes removed\n`);
      } catch (err) {
        process.exitCode = reportDataplaneError(err);
      }
    });
}
