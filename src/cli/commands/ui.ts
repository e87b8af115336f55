/**
 * `podnet ui [--listen 127.0.0.1:7070] [-f PATH]… [--config FILE]`: the web UI (topology, policy
 * matrix, trace, what-if editor, lint) over the persisted cluster, or over an in-memory one built from
 * `-f` manifests. Builds the browser bundle first when it is missing or stale.
 */
import type { Command } from 'commander';
import { loadClusterConfig } from '../../cluster/config.ts';
import { ensureBundle, memorySource, persistedSource, startUIServer } from '../../server/ui-api/index.ts';
import { isLoopback, parseListen, serveUntilSignal } from '../listen.ts';
import { collect } from '../output.ts';
import { loadCluster, stateDir } from '../state.ts';

interface UIOptions {
  listen: string;
  filename: string[];
  config?: string;
}

export function registerUI(program: Command): void {
  program
    .command('ui')
    .description('Serve the web UI: topology, policy matrix, trace, what-if editor and lint')
    .option('--listen <host:port>', 'address to listen on (loopback by default)', '127.0.0.1:7070')
    .option('-f, --filename <path>', 'show an in-memory cluster built from these manifests (repeatable); applies are not persisted', collect, [])
    .option('--config <file>', 'ClusterConfig for the cluster')
    .action(async (opts: UIOptions) => {
      const { host, port } = parseListen(opts.listen);
      let source;
      if (opts.filename.length) {
        const { store, config } = loadCluster({ file: opts.filename, config: opts.config });
        source = memorySource(store, () => config, `in memory, from ${opts.filename.join(', ')}`);
      } else {
        source = persistedSource(stateDir(), loadClusterConfig(undefined), opts.config ? loadClusterConfig(opts.config) : undefined);
      }
      await ensureBundle((line) => process.stderr.write(`${line}\n`));
      const server = await startUIServer({ source, host, port });
      if (!isLoopback(host)) process.stderr.write(`Warning: the UI on ${host} can change the cluster and has no authentication\n`);
      process.stdout.write(`podnet UI on ${server.url} (${source.description})\n`);
      await serveUntilSignal(() => server.close());
    });
}
