/**
 * `podnet reach --from ns/pod|node/NAME|IP --to ns/pod|IP --port N [--protocol TCP|UDP|SCTP]`:
 * the NetworkPolicy verdict of one flow with its reasons. Exit 0 allowed, 1 denied, 2 bad input.
 * Also home of the helpers the other policy commands share (index loading, port flags).
 */
import type { Command } from 'commander';
import { InvalidInputError } from '../../api/errors.ts';
import type { Protocol } from '../../api/types.ts';
import type { ClusterView } from '../../cluster/view.ts';
import { describeMatch, EndpointRefError, PolicyIndex, reach, type DirectionVerdict, type ReachResult } from '../../model/policy/index.ts';
import { collect, outputFormat, printJSON, UsageError } from '../output.ts';
import { loadCluster } from '../state.ts';

/** The compiled policies of a cluster; invalid policies are bad input (exit 2), never a verdict. */
export function policyIndexOf(view: ClusterView): PolicyIndex {
  const index = new PolicyIndex(view);
  if (index.problems.length) throw new InvalidInputError([...index.problems]);
  return index;
}

export function parsePort(text: string | undefined, flag = '--port'): number {
  if (text === undefined) throw new UsageError(`required option '${flag} <port>' not specified`);
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > 65535) throw new UsageError(`${flag}: ${JSON.stringify(text)} is not a port number (1-65535)`);
  return n;
}

export function parseProtocol(text: string | undefined): Protocol {
  const p = (text ?? 'TCP').toUpperCase();
  if (p !== 'TCP' && p !== 'UDP' && p !== 'SCTP') throw new UsageError(`--protocol: ${JSON.stringify(text)} is not one of TCP, UDP, SCTP`);
  return p;
}

export interface FlowOptions {
  from: string;
  to: string;
  port?: string;
  protocol?: string;
  filename: string[];
  config?: string;
  output?: string;
}

/** Adds the flags shared by `reach` and `explain flow`. */
export function flowCommand(cmd: Command): Command {
  return cmd
    .requiredOption('--from <endpoint>', 'source: ns/pod, node/NAME or an IP address')
    .requiredOption('--to <endpoint>', 'destination: ns/pod, node/NAME, a Service ClusterIP or an IP address')
    .option('--port <n>', 'destination port')
    .option('--protocol <p>', 'TCP, UDP or SCTP', 'TCP')
    .option('-f, --filename <path>', 'work on an ephemeral cluster built from these manifests (repeatable)', collect, [])
    .option('--config <file>', 'ClusterConfig for the cluster')
    .option('-o, --output <format>', 'output format: text|json');
}

export function runReach(opts: FlowOptions): ReachResult {
  const port = parsePort(opts.port);
  const protocol = parseProtocol(opts.protocol);
  const { view } = loadCluster({ file: opts.filename, config: opts.config });
  const index = policyIndexOf(view);
  try {
    return reach(view, { from: opts.from, to: opts.to, port, protocol }, index);
  } catch (err) {
    if (err instanceof EndpointRefError) throw new UsageError(err.message);
    throw err;
  }
}

function side(dir: 'egress' | 'ingress', v: DirectionVerdict, walk: boolean): string[] {
  const lines = [`  ${dir.padEnd(7)} ${v.allowed ? 'allow' : 'DENY '}  ${v.reason}`];
  if (walk && v.allowedBy.length > 1) for (const m of v.allowedBy.slice(1)) lines.push(`                 also allowed by ${describeMatch(dir, m)}`);
  return lines;
}

/** Human form; `walk` adds every matching rule (explain flow). */
export function formatReach(r: ReachResult, walk: boolean): string {
  const to = r.to.kind === 'service' ? `Service ${r.to.name} (${r.to.ip})` : r.to.name;
  const out = [`${r.from.name} -> ${to} ${r.port}/${r.protocol}: ${r.allowed ? 'ALLOWED' : 'DENIED'}`];
  for (const h of r.hops) {
    if (r.to.kind === 'service') out.push(`  backend ${h.to.name} (${h.to.ip}:${h.port}): ${h.decision.allowed ? 'allowed' : 'denied'}`);
    out.push(...side('egress', h.decision.egress, walk), ...side('ingress', h.decision.ingress, walk));
  }
  for (const n of r.notes) out.push(`  note: ${n}`);
  return `${out.join('\n')}\n`;
}

export function registerReach(program: Command): void {
  flowCommand(program.command('reach').description('Is a flow allowed by NetworkPolicy? Exit 0 allowed, 1 denied'))
    .action((opts: FlowOptions) => {
      const format = outputFormat(opts.output, ['text', 'json'] as const, 'text');
      const r = runReach(opts);
      if (format === 'json') printJSON(r);
      else process.stdout.write(formatReach(r, false));
      process.exitCode = r.allowed ? 0 : 1;
    });
}
