/** `podnet describe KIND [NAME…] [-n NS | -A] [-l SELECTOR]`: kubectl-style detail, objects separated by a blank line. */
import type { Command } from 'commander';
import { describeObject } from '../printers/describe.ts';
import { collect, UsageError } from '../output.ts';
import { loadCluster } from '../state.ts';
import { resolveKinds, selectObjects } from './get.ts';

export function registerDescribe(program: Command): void {
  program
    .command('describe')
    .description('Show details of objects (kubectl describe): pods, services, nodes, netpol, ingress, …')
    .argument('<type>', 'resource type')
    .argument('[names...]', 'object names (or name prefixes, like kubectl)')
    .option('-n, --namespace <ns>', 'namespace', 'default')
    .option('-A, --all-namespaces', 'across all namespaces')
    .option('-l, --selector <selector>', 'label selector')
    .option('-f, --filename <path>', 'work on an ephemeral cluster built from these manifests (repeatable)', collect, [])
    .option('--config <file>', 'ClusterConfig for the cluster')
    .action((type: string, names: string[], opts: { namespace: string; allNamespaces?: boolean; selector?: string; filename: string[]; config?: string }) => {
      const [info, ...more] = resolveKinds(type);
      if (more.length) throw new UsageError('describe takes one resource type');
      const { store, view } = loadCluster({ file: opts.filename, config: opts.config });
      const candidates = selectObjects(store.list(), info, [], opts);
      // kubectl describe matches names by prefix when no exact match exists.
      const chosen = names.length
        ? names.flatMap((n) => {
            const exact = candidates.filter((o) => o.metadata.name === n);
            return exact.length ? exact : candidates.filter((o) => o.metadata.name.startsWith(n));
          })
        : candidates;
      for (const n of names) {
        if (!chosen.some((o) => o.metadata.name.startsWith(n))) {
          process.stderr.write(`Error from server (NotFound): ${info.plural} "${n}" not found\n`);
          process.exitCode = 1;
        }
      }
      if (!names.length && !chosen.length) process.stderr.write(`No resources found in ${opts.namespace} namespace.\n`);
      process.stdout.write(chosen.map((o) => describeObject(o, view)).join('\n\n'));
    });
}
