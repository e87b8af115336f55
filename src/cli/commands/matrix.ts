/**
 * `podnet matrix [--ports 80/TCP,81/UDP] [-n NS]… [-A] [-o table|json|csv|md|dot]`: all-pairs
 * reachability between pods per port/protocol (default: every declared containerPort; all namespaces).
 */
import type { Command } from 'commander';
import type { Pod } from '../../api/types.ts';
import {
  computeMatrix, declaredPorts, matrixCSV, matrixDot, matrixJSON, matrixMarkdown, matrixPods, matrixTable, type MatrixPort,
} from '../../model/matrix/index.ts';
import type { PolicyIndex } from '../../model/policy/index.ts';
import { collect, outputFormat, printJSON, UsageError } from '../output.ts';
import { loadCluster } from '../state.ts';
import { parsePort, parseProtocol, policyIndexOf } from './reach.ts';

/** `80/TCP,81/UDP,53` (no protocol = TCP). */
export function parsePorts(text: string): MatrixPort[] {
  return text.split(',').filter((s) => s.trim() !== '').map((s) => {
    const [port, protocol, ...rest] = s.trim().split('/');
    if (rest.length) throw new UsageError(`--ports: ${JSON.stringify(s)} is not PORT[/PROTOCOL]`);
    return { port: parsePort(port, '--ports'), protocol: parseProtocol(protocol) };
  });
}

export interface ScopeOptions {
  ports?: string;
  namespace: string[];
  allNamespaces?: boolean;
}

export function scopePods(index: PolicyIndex, opts: ScopeOptions): Pod[] {
  if (opts.allNamespaces && opts.namespace.length) throw new UsageError('-n and -A are mutually exclusive');
  return matrixPods(index, opts.allNamespaces ? undefined : opts.namespace);
}

export function registerMatrix(program: Command): void {
  program
    .command('matrix')
    .description('All-pairs pod reachability under NetworkPolicy, per port/protocol (. allowed, X blocked)')
    .option('--ports <list>', 'ports to evaluate, e.g. 80/TCP,81/UDP (default: every declared containerPort)')
    .option('-n, --namespace <ns>', 'only pods of this namespace (repeatable; default: all namespaces)', collect, [])
    .option('-A, --all-namespaces', 'pods of all namespaces (the default)')
    .option('-f, --filename <path>', 'work on an ephemeral cluster built from these manifests (repeatable)', collect, [])
    .option('--config <file>', 'ClusterConfig for the cluster')
    .option('-o, --output <format>', 'output format: table|json|csv|md|dot')
    .action((opts: ScopeOptions & { filename: string[]; config?: string; output?: string }) => {
      const format = outputFormat(opts.output, ['table', 'json', 'csv', 'md', 'dot'] as const, 'table');
      const ports = opts.ports !== undefined ? parsePorts(opts.ports) : undefined;
      const { view } = loadCluster({ file: opts.filename, config: opts.config });
      const index = policyIndexOf(view);
      const pods = scopePods(index, opts);
      const m = computeMatrix(index, pods, ports ?? declaredPorts(pods));
      switch (format) {
        case 'json':
          return printJSON(matrixJSON(m));
        case 'csv':
          return void process.stdout.write(matrixCSV(m));
        case 'md':
          return void process.stdout.write(matrixMarkdown(m));
        case 'dot':
          return void process.stdout.write(matrixDot(m));
        default:
          if (!pods.length) process.stderr.write('No pods found.\n');
          else if (!m.ports.length) process.stderr.write('No ports: the pods declare no containerPorts; pass --ports.\n');
          process.stdout.write(matrixTable(m));
      }
    });
}
