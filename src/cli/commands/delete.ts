/**
 * `podnet delete -f PATH…` or `podnet delete KIND NAME… [-n NS]`; controllers then converge
 * (owned objects are garbage-collected, endpoints follow).
 */
import type { Command } from 'commander';
import { decodePaths } from '../../api/decode.ts';
import { objectKey } from '../../api/kinds.ts';
import { keyOf } from '../../cluster/object-set.ts';
import { deleteObjects } from '../../controllers/apply.ts';
import { collect, UsageError } from '../output.ts';
import { effectiveConfig, openStore } from '../state.ts';
import { qualifiedName, resolveKinds } from './get.ts';

export function registerDelete(program: Command): void {
  program
    .command('delete')
    .description('Delete objects named in manifests (-f) or by type and name')
    .argument('[type]', 'resource type')
    .argument('[names...]', 'object names')
    .option('-f, --filename <path>', 'manifests naming the objects to delete (repeatable)', collect, [])
    .option('-n, --namespace <ns>', 'namespace', 'default')
    .option('--ignore-not-found', 'treat "not found" as success')
    .action((type: string | undefined, names: string[], opts: { filename: string[]; namespace: string; ignoreNotFound?: boolean }) => {
      const targets: { key: string; label: string; ref: string }[] = [];
      if (opts.filename.length) {
        if (type) throw new UsageError('specify either -f or a resource type and names, not both');
        for (const s of decodePaths(opts.filename).objects) {
          const ns = s.info.namespaced ? (s.object.metadata.namespace ?? opts.namespace) : undefined;
          const key = keyOf({ ...s.object, metadata: { ...s.object.metadata, namespace: ns } });
          targets.push({ key, label: `${qualifiedName(s.info)} "${s.object.metadata.name}"`, ref: `${s.info.plural} "${s.object.metadata.name}"` });
        }
      } else {
        if (!type || !names.length) throw new UsageError('you must provide one or more resources by argument or filename');
        const [info, ...more] = resolveKinds(type);
        if (more.length) throw new UsageError('you must specify only one resource type when deleting by name');
        for (const name of names) {
          targets.push({ key: objectKey(info.kind, info.namespaced ? opts.namespace : undefined, name), label: `${qualifiedName(info)} "${name}"`, ref: `${info.plural} "${name}"` });
        }
      }
      const store = openStore();
      const present = targets.filter((t) => store.get(t.key));
      for (const t of targets) {
        if (!store.get(t.key) && !opts.ignoreNotFound) {
          process.stderr.write(`Error from server (NotFound): ${t.ref} not found\n`);
          process.exitCode = 1;
        }
      }
      if (!present.length) return;
      deleteObjects(store, present.map((t) => t.key), effectiveConfig(store, undefined));
      for (const t of present) process.stdout.write(`${t.label} deleted\n`);
    });
}
