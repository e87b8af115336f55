/**
 * `podnet proxy-decide --from ns/pod|node/NAME|IP --to IP|ns/svc|node/NAME --port N`: what the
 * node's kube-proxy does with a new connection — the possible DNAT backends and whether the source
 * is masqueraded, or reject / drop / pass, with the chains walked. Exit 0 forwarded or passed,
 * 1 rejected or dropped, 2 bad input.
 */
import type { Command } from 'commander';
import { isIP } from '../../api/cidr.ts';
import type { ClusterView } from '../../cluster/view.ts';
import { buildProxyPlan, decide, ProxyClientError, resolveProxyClient, type ProxyDecision } from '../../model/service/index.ts';
import { collect, formatTable, outputFormat, printJSON, UsageError } from '../output.ts';
import { loadCluster } from '../state.ts';
import { parsePort, parseProtocol } from './reach.ts';
import { parseProxyMode } from './proxy-rules.ts';

interface ProxyDecideOptions {
  from: string;
  to: string;
  port?: string;
  protocol?: string;
  node?: string;
  mode?: string;
  filename: string[];
  config?: string;
  output?: string;
}

/** `--to`: an IP, `ns/svc` (its ClusterIP) or `node/NAME` (its InternalIP, for NodePorts). */
function destinationIP(view: ClusterView, to: string): string {
  if (isIP(to)) return to;
  if (to.startsWith('node/')) {
    const n = view.node(to.slice(5));
    const ip = n && view.nodeInternalIP(n);
    if (!ip) throw new UsageError(`--to: node ${JSON.stringify(to.slice(5))} not found or without InternalIP`);
    return ip;
  }
  const [ns, name, extra] = to.split('/');
  const svc = ns && name && extra === undefined ? view.service(ns, name) : undefined;
  if (!svc) throw new UsageError(`--to must be an IP, ns/service or node/NAME; ${JSON.stringify(to)} not found`);
  const ip = svc.spec.clusterIP;
  if (!ip || ip === 'None') throw new UsageError(`--to: service ${to} has no ClusterIP (${svc.spec.type === 'ExternalName' ? 'ExternalName: a DNS CNAME, never proxied' : 'headless'})`);
  return ip;
}

export function formatDecision(d: ProxyDecision, from: string): string {
  const p = d.packet;
  const out = [`${d.node} (${d.mode}): ${from} [${p.src}, ${d.origin}] -> ${p.dst}:${p.port}/${p.protocol}`];
  if (d.servicePortName) out.push(`service ${d.servicePortName}${d.via ? ` via ${d.via}` : ''}${d.endpointSet ? `, ${d.endpointSet} endpoints` : ''}`);
  if (d.verdict === 'dnat') {
    out.push(d.backends.length === 1 ? 'DNAT to:' : 'DNAT to one of:');
    out.push(formatTable(['BACKEND', 'NODE', 'POD', 'STATE', 'SNAT'], d.backends.map((b) => [
      b.target, b.nodeName ?? '', b.pod ?? '', b.ready ? 'ready' : b.serving ? 'serving,terminating' : 'not-serving',
      b.masquerade ? (b.hairpin && !d.masquerade ? 'yes (hairpin)' : 'yes') : 'no',
    ])).trimEnd().split('\n').map((l) => `  ${l}`).join('\n'));
    out.push(`masquerade: ${d.masquerade ? `yes (${d.masqueradeReasons.join('; ')})` : 'no, client IP preserved'}`);
    if (d.affinity) out.push(`sessionAffinity ClientIP, ${d.affinity.timeoutSeconds}s${d.affinity.pinned ? `: pinned to ${d.affinity.pinned}` : ''}`);
  } else {
    out.push(`verdict: ${d.verdict.toUpperCase()}`);
  }
  if (d.healthCheck) out.push(`health check: HTTP ${d.healthCheck.status} {"localEndpoints": ${d.healthCheck.localEndpoints}}`);
  out.push(`reason: ${d.reason}`);
  if (d.chains.length) out.push(`chains: ${d.chains.join(' -> ')}`);
  return `${out.join('\n')}\n`;
}

export function registerProxyDecide(program: Command): void {
  program
    .command('proxy-decide')
    .description("What a node's kube-proxy does with a new connection: DNAT backends and masquerade, or reject/drop/pass")
    .requiredOption('--from <client>', 'source: ns/pod, node/NAME or an IP address')
    .requiredOption('--to <destination>', 'destination: an IP (ClusterIP, external IP, LB IP, node IP), ns/service or node/NAME')
    .option('--port <n>', 'destination port (Service port, NodePort or healthCheckNodePort)')
    .option('--protocol <p>', 'TCP, UDP or SCTP', 'TCP')
    .option('--node <name>', "the node whose rules see the packet (default: the client's node)")
    .option('--mode <mode>', 'iptables|nftables|ipvs (default: the ClusterConfig proxyMode)')
    .option('-f, --filename <path>', 'work on an ephemeral cluster built from these manifests (repeatable)', collect, [])
    .option('--config <file>', 'ClusterConfig for the cluster')
    .option('-o, --output <format>', 'output format: text|json')
    .action((opts: ProxyDecideOptions) => {
      const format = outputFormat(opts.output, ['text', 'json'] as const, 'text');
      const port = parsePort(opts.port);
      const protocol = parseProtocol(opts.protocol);
      const { view } = loadCluster({ file: opts.filename, config: opts.config });
      const dst = destinationIP(view, opts.to);
      // An outside client reaching a node address (NodePort, health check) is handled by that node.
      const node = opts.node ?? (isIP(opts.from) && !view.podsByIPAddress(opts.from).length && !view.nodeByIP(opts.from) ? view.nodeByIP(dst)?.metadata.name : undefined);
      let client;
      try {
        client = resolveProxyClient(view, opts.from, node);
      } catch (err) {
        if (err instanceof ProxyClientError) throw new UsageError(`--${err.field}: ${err.message}`);
        throw err;
      }
      const plan = buildProxyPlan(view, client.node, { mode: parseProxyMode(opts.mode, view.config.proxyMode) });
      if (!plan) throw new UsageError(`node ${JSON.stringify(client.node)} not found`);
      const d = decide(plan, { src: client.src, dst, protocol, port });
      if (format === 'json') printJSON({ from: client.name, ...d });
      else process.stdout.write(formatDecision(d, client.name));
      process.exitCode = d.verdict === 'reject' || d.verdict === 'drop' ? 1 : 0;
    });
}
