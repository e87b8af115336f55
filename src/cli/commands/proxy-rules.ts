/**
 * `podnet proxy-rules --node NAME [--mode iptables|nftables|ipvs]`: the rule set kube-proxy would
 * program on one node — `nft -f` input, `iptables-restore` input or `ipvsadm-save -n` text — rendered
 * from the model's per-node plan. `-o json` adds counts; `-o plan` prints the plan itself.
 */
import type { Command } from 'commander';
import { buildProxyPlan, type ProxyMode, type ProxyNodePlan } from '../../model/service/index.ts';
import { countIptablesRules, IPVS_SCHEDULERS, renderIptables, renderIpvs, renderNftables, type IpvsScheduler } from '../../render/kube-proxy/index.ts';
import { collect, outputFormat, printJSON, UsageError } from '../output.ts';
import { loadCluster } from '../state.ts';

interface ProxyRulesOptions {
  node?: string;
  mode?: string;
  scheduler?: string;
  standalone?: boolean;
  reset: boolean;
  filename: string[];
  config?: string;
  output?: string;
}

const MODES = ['iptables', 'nftables', 'ipvs'] as const;

export function parseProxyMode(text: string | undefined, fallback: ProxyMode): ProxyMode {
  if (text === undefined) return fallback;
  if (!(MODES as readonly string[]).includes(text)) throw new UsageError(`--mode must be one of ${MODES.join(', ')}, got ${JSON.stringify(text)}`);
  return text as ProxyMode;
}

/** The plan of `--node` (default: the only node, if there is one). */
export function planForNode(nodeArg: string | undefined, mode: string | undefined, source: { filename: string[]; config?: string }): ProxyNodePlan {
  const { view } = loadCluster({ file: source.filename, config: source.config });
  const names = view.nodes.map((n) => n.metadata.name);
  const node = nodeArg ?? (names.length === 1 ? names[0] : undefined);
  if (!node) throw new UsageError(`--node is required (nodes: ${names.join(', ') || 'none'})`);
  const plan = buildProxyPlan(view, node, { mode: parseProxyMode(mode, view.config.proxyMode) });
  if (!plan) throw new UsageError(`node ${JSON.stringify(node)} not found (nodes: ${names.join(', ') || 'none'})`);
  return plan;
}

export function registerProxyRules(program: Command): void {
  program
    .command('proxy-rules')
    .description("Render a node's kube-proxy rule set: nftables (nft -f), iptables (iptables-restore) or IPVS (ipvsadm-save -n)")
    .option('--node <name>', 'the node whose rules to render (default: the only node)')
    .option('--mode <mode>', 'iptables|nftables|ipvs (default: the ClusterConfig proxyMode)')
    .option('--scheduler <name>', `IPVS scheduler: ${IPVS_SCHEDULERS.join(', ')}`, 'rr')
    .option('--standalone', 'iptables: a complete file with the jumps from the built-in chains (plain iptables-restore, not --noflush)')
    .option('--no-reset', 'nftables: do not start with delete table (the text then assumes an empty table)')
    .option('-f, --filename <path>', 'work on an ephemeral cluster built from these manifests (repeatable)', collect, [])
    .option('--config <file>', 'ClusterConfig for the cluster')
    .option('-o, --output <format>', 'output format: text|json|plan')
    .action((opts: ProxyRulesOptions) => {
      const format = outputFormat(opts.output, ['text', 'json', 'plan'] as const, 'text');
      const scheduler = opts.scheduler ?? 'rr';
      if (!(IPVS_SCHEDULERS as readonly string[]).includes(scheduler)) throw new UsageError(`--scheduler must be one of ${IPVS_SCHEDULERS.join(', ')}, got ${JSON.stringify(scheduler)}`);
      const plan = planForNode(opts.node, opts.mode, opts);
      if (format === 'plan') {
        printJSON(plan);
        return;
      }
      const text = plan.mode === 'nftables'
        ? renderNftables(plan, { reset: opts.reset })
        : plan.mode === 'iptables'
          ? renderIptables(plan, { standalone: opts.standalone })
          : renderIpvs(plan, { scheduler: scheduler as IpvsScheduler });
      if (format === 'text') {
        process.stdout.write(text);
        return;
      }
      const endpoints = plan.servicePorts.reduce((n, sp) => n + sp.endpoints.length, 0);
      printJSON({
        node: plan.node,
        mode: plan.mode,
        servicePorts: plan.servicePorts.length,
        endpoints,
        skipped: plan.skipped,
        ...(plan.mode === 'iptables' ? { rules: countIptablesRules(text) } : {}),
        ruleset: text,
      });
    });
}
