/**
 * `podnet get KIND[,KIND] [NAME…] [-n NS | -A] [-l SELECTOR] [-o wide|yaml|json|name]`, as kubectl prints it.
 */
import type { Command } from 'commander';
import { KINDS, resolveResource, type KindInfo } from '../../api/kinds.ts';
import { parseFieldSelector } from '../../api/field-selector.ts';
import { parseSelector } from '../../api/selector.ts';
import type { KObject } from '../../api/types.ts';
import { COLUMNS } from '../printers/columns.ts';
import { collect, formatTable, outputFormat, printJSON, printYAML, UsageError } from '../output.ts';
import { loadCluster } from '../state.ts';

export interface Selection {
  info: KindInfo;
  objects: KObject[];
}

export interface SelectOptions {
  namespace?: string;
  allNamespaces?: boolean;
  selector?: string;
  fieldSelector?: string;
}

/** Resolves `pods,svc` / `all` into kinds; unknown names are usage errors like kubectl's. */
export function resolveKinds(text: string): KindInfo[] {
  const out: KindInfo[] = [];
  for (const part of text.split(',')) {
    if (part === 'all') out.push(...KINDS.filter((k) => k.inAll));
    else {
      const info = resolveResource(part);
      if (!info) throw new UsageError(`the server doesn't have a resource type "${part}"`);
      out.push(info);
    }
  }
  return [...new Set(out)];
}

/** Objects of `info` matching namespace scope, names and label selector, in kubectl's order. */
export function selectObjects(all: readonly KObject[], info: KindInfo, names: readonly string[], opts: SelectOptions): KObject[] {
  const selector = opts.selector ? parseSelector(opts.selector) : undefined;
  const fields = parseFieldSelector(opts.fieldSelector ?? null, info.kind);
  const ns = opts.namespace ?? 'default';
  return all
    .filter((o) => o.kind === info.kind)
    .filter((o) => !info.namespaced || opts.allNamespaces || o.metadata.namespace === ns)
    .filter((o) => !names.length || names.includes(o.metadata.name))
    .filter((o) => !selector || selector.matches(o.metadata.labels))
    .filter((o) => !fields || fields.matches(o))
    .sort((a, b) => (a.metadata.namespace ?? '').localeCompare(b.metadata.namespace ?? '') || a.metadata.name.localeCompare(b.metadata.name));
}

const FORMATS = ['wide', 'yaml', 'json', 'name', 'text'] as const;

export function registerGet(program: Command): void {
  program
    .command('get')
    .description('Display one or many resources (kubectl get); -o wide|yaml|json|name')
    .argument('<type>', 'resource type(s): pods, svc, ep, endpointslices, netpol, ing, nodes, ns, deploy, all, … (comma-separated)')
    .argument('[names...]', 'object names')
    .option('-n, --namespace <ns>', 'namespace', 'default')
    .option('-A, --all-namespaces', 'list across all namespaces')
    .option('-l, --selector <selector>', 'label selector, e.g. app=web,tier!=db')
    .option('--field-selector <selector>', "field selector on the fields the API server indexes, e.g. spec.nodeName=node-1,status.phase!=Running")
    .option('-o, --output <format>', 'output format: wide|yaml|json|name')
    .option('-f, --filename <path>', 'work on an ephemeral cluster built from these manifests (repeatable)', collect, [])
    .option('--config <file>', 'ClusterConfig for the cluster')
    .action((type: string, names: string[], opts: SelectOptions & { namespace: string; output?: string; filename: string[]; config?: string }) => {
      const format = outputFormat(opts.output, FORMATS, 'text');
      const kinds = resolveKinds(type);
      if (names.length && kinds.length > 1) throw new UsageError('you must specify only one resource type when getting resources by name');
      const { store } = loadCluster({ file: opts.filename, config: opts.config });
      const all = store.list();
      const selections: Selection[] = kinds.map((info) => ({ info, objects: selectObjects(all, info, names, opts) }));
      const objects = selections.flatMap((s) => s.objects);

      const missing = names.filter((n) => !objects.some((o) => o.metadata.name === n));
      for (const n of missing) process.stderr.write(`Error from server (NotFound): ${kinds[0].plural}${kinds[0].group ? `.${kinds[0].group}` : ''} "${n}" not found\n`);
      if (missing.length) process.exitCode = 1;

      if (format === 'json' || format === 'yaml') {
        const out = names.length === 1 && objects.length === 1 ? objects[0] : { apiVersion: 'v1', kind: 'List', items: objects, metadata: { resourceVersion: '' } };
        if (format === 'json') printJSON(out);
        else printYAML(out);
        return;
      }
      if (format === 'name') {
        for (const s of selections) for (const o of s.objects) process.stdout.write(`${qualifiedName(s.info)}/${o.metadata.name}\n`);
        return;
      }
      if (!objects.length) {
        if (!missing.length) process.stderr.write(opts.allNamespaces || !kinds.some((k) => k.namespaced) ? 'No resources found\n' : `No resources found in ${opts.namespace} namespace.\n`);
        return;
      }
      const multi = selections.filter((s) => s.objects.length).length > 1 || type.split(',').includes('all');
      const chunks: string[] = [];
      for (const s of selections) {
        if (!s.objects.length) continue;
        chunks.push(renderTable(s, { wide: format === 'wide', allNamespaces: !!opts.allNamespaces && s.info.namespaced, qualify: multi }));
      }
      process.stdout.write(chunks.join('\n'));
    });
}

/** `deployment.apps`, `pod`: how kubectl names a kind in `kind/name` output. */
export function qualifiedName(info: KindInfo): string {
  return info.group ? `${info.singular}.${info.group}` : info.singular;
}

function renderTable(s: Selection, opts: { wide: boolean; allNamespaces: boolean; qualify: boolean }): string {
  const cols = COLUMNS[s.info.kind] as (typeof COLUMNS)[string] & { row(o: KObject, now: Date): string[]; wideRow?(o: KObject): string[] };
  const now = new Date();
  const headers = [...(opts.allNamespaces ? ['NAMESPACE'] : []), ...cols.headers, ...(opts.wide ? (cols.wideHeaders ?? []) : [])];
  const rows = s.objects.map((o) => {
    const base = cols.row(o, now);
    if (opts.qualify) base[0] = `${qualifiedName(s.info)}/${base[0]}`;
    return [...(opts.allNamespaces ? [o.metadata.namespace ?? ''] : []), ...base, ...(opts.wide && cols.wideRow ? cols.wideRow(o) : [])];
  });
  return formatTable(headers, rows);
}

