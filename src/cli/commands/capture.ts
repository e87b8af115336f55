/**
 * `podnet capture ns/pod|node/NAME [--filter EXPR] [--count N] [--timeout S] [--underlay] [-i IFACE] [-o json]`:
 * tcpdump inside a namespace of the running dataplane, bounded, printing decoded packets.
 */
import type { Command } from 'commander';
import { CaptureError, planCapture, runCapture } from '../../dataplane/capture/index.ts';
import { ExecTargetError } from '../../dataplane/index.ts';
import { outputFormat, printJSON, UsageError } from '../output.ts';
import { dataplaneLayout, dataplaneNames, reportDataplaneError } from './up.ts';

interface CaptureFlags {
  filter?: string;
  count: string;
  timeout: string;
  underlay?: boolean;
  interface?: string;
  output?: string;
}

export function registerCapture(program: Command): void {
  program
    .command('capture')
    .description('Capture packets (tcpdump) in a pod\'s or node\'s namespace; --underlay shows the node\'s eth0 (VXLAN-encapsulated in overlay modes)')
    .argument('<target>', 'ns/pod, pod (namespace default) or node/NAME')
    .option('--filter <expr>', 'pcap-filter expression, e.g. "tcp port 80" or "icmp"')
    .option('-c, --count <n>', 'stop after N packets', '10')
    .option('--timeout <seconds>', 'stop after this many seconds even with fewer packets', '10')
    .option('--underlay', 'capture on the node\'s eth0: the underlay view (VXLAN packets carrying the pod\'s traffic in overlay modes)')
    .option('-i, --interface <name>', 'interface inside the namespace (default: eth0 in a pod, all on a node)')
    .option('-o, --output <format>', 'output format: text|json')
    .action(async (target: string, opts: CaptureFlags) => {
      const format = outputFormat(opts.output, ['text', 'json'] as const, 'text');
      const count = Number(opts.count);
      const seconds = Number(opts.timeout);
      let plan;
      try {
        plan = planCapture(target, {
          ...(opts.filter ? { filter: opts.filter } : {}),
          count,
          timeoutMs: seconds * 1000,
          underlay: Boolean(opts.underlay),
          ...(opts.interface ? { iface: opts.interface } : {}),
        }, dataplaneNames(), dataplaneLayout().read());
      } catch (err) {
        if (err instanceof ExecTargetError || err instanceof CaptureError) throw new UsageError(err.message);
        process.exitCode = reportDataplaneError(err);
        return;
      }
      const text = format === 'text';
      try {
        const result = await runCapture(plan, {
          onReady: () => {
            if (text) process.stderr.write(`capturing in ${plan.netns} on ${plan.iface}${plan.filter ? ` (${plan.filter})` : ''}, up to ${plan.count} packets or ${seconds}s\n`);
          },
          onLine: (line) => {
            if (text) process.stdout.write(`${line}\n`);
          },
        });
        if (format === 'json') {
          printJSON({ target, netns: plan.netns, interface: plan.iface, filter: plan.filter, count: result.packets.length, stoppedBy: result.stoppedBy, packets: result.packets });
        } else {
          process.stderr.write(`${result.packets.length} packets captured (${result.stoppedBy === 'count' ? 'count reached' : 'time limit'})\n`);
        }
      } catch (err) {
        if (err instanceof CaptureError) throw new UsageError(err.message);
        throw err;
      }
    });
}
