/**
 * `podnet dns serve [--listen 127.0.0.1:5353] [--upstream HOST:PORT]`: the cluster DNS as a real UDP+TCP
 * server. It answers from the persisted cluster and picks up `podnet apply` changes without restart
 * (or from `-f` manifests, fixed). Runs until SIGINT/SIGTERM.
 */
import { join } from 'node:path';
import type { Command } from 'commander';
import { isIP, isIPv6 } from 'node:net';
import { DNSServer, StateWatcher, type Endpoint } from '../../dataplane/dns/index.ts';
import { collect, UsageError } from '../output.ts';
import { loadCluster, stateDir } from '../state.ts';
import { clusterDNSOf } from './dig.ts';

/** `host:port` or `[v6]:port`. */
export function parseHostPort(text: string, flag: string): Endpoint {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(text) ?? /^([^:]+):(\d+)$/.exec(text);
  const port = m ? Number(m[2]) : NaN;
  if (!m || !isIP(m[1]) || port > 65535) throw new UsageError(`${flag}: ${JSON.stringify(text)} is not IP:PORT (e.g. 127.0.0.1:5353 or [::1]:5353)`);
  return { host: m[1], port };
}

export function registerDnsServe(program: Command): void {
  const dns = program.command('dns').description('The cluster DNS server');
  dns
    .command('serve')
    .description('Serve the cluster DNS over UDP and TCP (CoreDNS-compatible answers)')
    .option('--listen <addr>', 'address to listen on, IP:PORT', '127.0.0.1:5353')
    .option('--upstream <addr>', 'forward names outside the cluster to this real resolver (IP:PORT) instead of the dns.upstream records')
    .option('-f, --filename <path>', 'serve an ephemeral cluster built from these manifests (repeatable)', collect, [])
    .option('--config <file>', 'ClusterConfig for the cluster')
    .action(async (opts: { listen: string; upstream?: string; filename: string[]; config?: string }) => {
      const listen = parseHostPort(opts.listen, '--listen');
      const upstream = opts.upstream ? parseHostPort(opts.upstream, '--upstream') : undefined;
      const source = { file: opts.filename, config: opts.config };
      const load = () => {
        const { view } = loadCluster(source);
        clusterDNSOf(view); // bad dns.upstream lines are bad input before anything listens
        return view;
      };
      const first = load();
      let served = first;
      const server = new DNSServer({
        listen, ...(upstream ? { upstream } : {}),
        view: () => served,
        log: (line) => process.stderr.write(`dns: ${line}\n`),
      });
      await server.start();
      const addr = server.address;
      const shown = isIPv6(addr.host) ? `[${addr.host}]:${addr.port}` : `${addr.host}:${addr.port}`;
      process.stderr.write(`podnet dns: serving ${first.config.clusterDomain} on udp+tcp ${shown} (${first.services.length} services${upstream ? `, forwarding to ${opts.upstream}` : ''})\n`);
      let watcher: StateWatcher | undefined;
      if (!opts.filename.length) {
        const dir = stateDir();
        watcher = new StateWatcher([join(dir, 'log.jsonl'), join(dir, 'snapshot.json')], () => {
          try {
            served = load();
            server.refresh();
            process.stderr.write(`podnet dns: cluster changed, ${served.services.length} services\n`);
          } catch (err) {
            // Keep serving the last good cluster.
            process.stderr.write(`podnet dns: reload failed, keeping the previous cluster: ${err instanceof Error ? err.message : String(err)}\n`);
          }
        });
        watcher.start();
      }
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      watcher?.stop();
      await server.close();
    });
}
