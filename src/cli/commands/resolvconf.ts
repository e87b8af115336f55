/**
 * `podnet resolvconf ns/pod`: the pod's /etc/resolv.conf exactly as kubelet writes it (dnsPolicy,
 * hostNetwork, dnsConfig, limits). Kubelet's DNSConfigForming warnings go to stderr.
 */
import type { Command } from 'commander';
import { podResolvConf, renderResolvConf } from '../../model/dns/index.ts';
import { collect, outputFormat, printJSON, UsageError } from '../output.ts';
import { loadCluster } from '../state.ts';
import { parsePodRef } from './dig.ts';

export function registerResolvconf(program: Command): void {
  program
    .command('resolvconf')
    .description('Show a pod\'s resolv.conf as kubelet writes it')
    .argument('<pod>', 'the pod, ns/name')
    .option('-f, --filename <path>', 'work on an ephemeral cluster built from these manifests (repeatable)', collect, [])
    .option('--config <file>', 'ClusterConfig for the cluster')
    .option('-o, --output <format>', 'output format: text|json')
    .action((podRef: string, opts: { filename: string[]; config?: string; output?: string }) => {
      const format = outputFormat(opts.output, ['text', 'json'] as const, 'text');
      const ref = parsePodRef(podRef, 'pod');
      const { view } = loadCluster({ file: opts.filename, config: opts.config });
      const pod = view.pod(ref.namespace, ref.name);
      if (!pod) throw new UsageError(`pod ${ref.namespace}/${ref.name} not found`);
      const r = podResolvConf(pod, view);
      if (format === 'json') {
        printJSON({ pod: `${ref.namespace}/${ref.name}`, dnsPolicy: r.dnsPolicy, effectivePolicy: r.effectivePolicy, ...r.conf, warnings: r.warnings });
        return;
      }
      for (const w of r.warnings) process.stderr.write(`Warning: DNSConfigForming: ${w}\n`);
      process.stdout.write(renderResolvConf(r.conf));
    });
}
