/** `podnet status [-o json]`: the running dataplane, checked against the live namespaces. */
import type { Command } from 'commander';
import { dataplaneStatus } from '../../dataplane/index.ts';
import { formatTable, outputFormat, printJSON } from '../output.ts';
import { dataplaneLayout, dataplaneNames, reportDataplaneError } from './up.ts';

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('Show the running dataplane: nodes, pods, namespaces, test servers, BGP sessions')
    .option('-o, --output <format>', 'output format: table|json')
    .action(async (opts: { output?: string }) => {
      const format = outputFormat(opts.output, ['table', 'json'] as const, 'table');
      try {
        const s = await dataplaneStatus(dataplaneNames(), dataplaneLayout());
        if (format === 'json') return printJSON(s);
        const head = s.phase === 'down' ? `dataplane "${s.prefix}": down\n` : `dataplane "${s.prefix}": ${s.phase}${s.cni ? `, ${s.cni}, cross-node ${s.crossNode}, pod MTU ${s.podMTU}` : ''}\n`;
        process.stdout.write(head);
        if (s.nodes.length) {
          process.stdout.write(`\n${formatTable(['NODE', 'INTERNAL-IP', 'POD-CIDR', 'NETNS', 'PRESENT', 'BGP'], s.nodes.map((n) => [n.name, n.internalIP, n.podCIDR, n.netns, String(n.present), n.bgp ?? '-']))}`);
        }
        if (s.pods.length) {
          process.stdout.write(`\n${formatTable(['NAMESPACE', 'NAME', 'IP', 'NODE', 'PRESENT', 'SERVER'], s.pods.map((p) => [p.namespace, p.name, p.ip, p.node, String(p.present), p.server]))}`);
        }
        if (s.components?.length) {
          process.stdout.write(`\n${formatTable(['COMPONENT', 'POD', 'IP', 'PORTS', 'RUNNING'], s.components.map((c) => [c.engine ? `${c.role} (${c.engine})` : c.role, c.pod, c.ip, c.ports.join(','), String(c.running)]))}`);
        }
        if (s.hostLink) process.stdout.write(`\nhost link: ${s.hostLink}\n`);
        if (s.leftovers.length) process.stdout.write(`\nleftover namespaces (run podnet down): ${s.leftovers.join(' ')}\n`);
      } catch (err) {
        process.exitCode = reportDataplaneError(err);
      }
    });
}
