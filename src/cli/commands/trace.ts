/**
 * `podnet trace --from ns/pod|node/NAME|IP --to TARGET [--port N] [--protocol P] [--size N]`: the
 * hop-by-hop path of one flow (DNS, Ingress/Gateway, Service, kube-proxy, policy, CNI path, port).
 * Exit 0 delivered (or, with --expect, the expected verdict), 1 otherwise, 2 bad input.
 */
import type { Command } from 'commander';
import { formatTrace, trace, TraceInputError, type TraceResult, type TraceVerdict } from '../../model/trace/index.ts';
import { collect, outputFormat, printJSON, UsageError } from '../output.ts';
import { loadCluster } from '../state.ts';
import { parsePort, parseProtocol, policyIndexOf } from './reach.ts';

interface TraceOptions {
  from: string;
  to: string;
  port?: string;
  protocol?: string;
  size?: string;
  libc?: string;
  expect?: string;
  filename: string[];
  config?: string;
  output?: string;
}

const VERDICTS: readonly TraceVerdict[] = ['delivered', 'denied', 'rejected', 'dropped', 'unreachable', 'unresolved', 'not-routed', 'too-big'];

function parseSize(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 20 || n > 65535) throw new UsageError(`--size: ${JSON.stringify(text)} is not an IP packet size (20-65535 bytes)`);
  return n;
}

export function runTrace(opts: TraceOptions): TraceResult {
  const port = opts.port === undefined ? undefined : parsePort(opts.port);
  const protocol = parseProtocol(opts.protocol);
  const size = parseSize(opts.size);
  const libc = opts.libc ?? 'glibc';
  if (libc !== 'glibc' && libc !== 'musl') throw new UsageError(`--libc: ${JSON.stringify(opts.libc)} is not one of glibc, musl`);
  const { view } = loadCluster({ file: opts.filename, config: opts.config });
  const policy = policyIndexOf(view);
  try {
    return trace(view, { from: opts.from, to: opts.to, protocol, libc, ...(port !== undefined ? { port } : {}), ...(size !== undefined ? { size } : {}) }, { policy });
  } catch (err) {
    if (err instanceof TraceInputError) throw new UsageError(err.message);
    throw err;
  }
}

export function registerTrace(program: Command): void {
  program
    .command('trace')
    .description('Follow one flow hop by hop (DNS, Ingress, Service, kube-proxy, policy, CNI path, port). Exit 0 delivered, 1 fails')
    .requiredOption('--from <endpoint>', 'client: ns/pod, ns/deployment/NAME, node/NAME or an IP address')
    .requiredOption('--to <target>', 'ns/pod, node/NAME, an IP, a DNS name (backend, backend.shop.svc.cluster.local) or a URL (http://shop.example.com/cart)')
    .option('--port <n>', 'destination port (default: the Service\'s or pod\'s only port; a URL\'s port)')
    .option('--protocol <p>', 'TCP, UDP or SCTP', 'TCP')
    .option('--size <bytes>', 'IP packet size: report MTU problems on the path')
    .option('--libc <libc>', 'the client\'s stub resolver for DNS names: glibc or musl', 'glibc')
    .option('--expect <verdict>', `exit 0 only when the verdict is this one (${VERDICTS.join(', ')}, or blocked = anything but delivered)`)
    .option('-f, --filename <path>', 'work on an ephemeral cluster built from these manifests (repeatable)', collect, [])
    .option('--config <file>', 'ClusterConfig for the cluster')
    .option('-o, --output <format>', 'output format: text|json')
    .action((opts: TraceOptions) => {
      const format = outputFormat(opts.output, ['text', 'json'] as const, 'text');
      if (opts.expect !== undefined && opts.expect !== 'blocked' && !VERDICTS.includes(opts.expect as TraceVerdict)) {
        throw new UsageError(`--expect: ${JSON.stringify(opts.expect)} is not one of ${VERDICTS.join(', ')}, blocked`);
      }
      const r = runTrace(opts);
      if (format === 'json') printJSON(r);
      else process.stdout.write(formatTrace(r, { colour: process.stdout.isTTY === true && !process.env.NO_COLOR }));
      const met = opts.expect === undefined ? r.verdict === 'delivered' : opts.expect === 'blocked' ? r.verdict !== 'delivered' : r.verdict === opts.expect;
      if (opts.expect !== undefined && format === 'text') process.stdout.write(`expected ${opts.expect}: ${met ? 'as expected' : 'NOT as expected'}\n`);
      process.exitCode = met ? 0 : 1;
    });
}
