/**
 * The cluster components that run inside pod namespaces, started by `pod-main.mjs`: the cluster DNS
 * server of a coredns pod and the L7 proxy of an ingress-controller pod — and, in the underlay
 * namespace, the nodes' own resolver. All answer from the ClusterSource and reload when it changes;
 * all print nothing on stdout but "ready".
 */
import type { ClusterView } from '../../cluster/view.ts';
import { compileRouteTable } from '../../model/l7/index.ts';
import { DNSServer } from '../dns/index.ts';
import { L7Proxy, NginxProxy, type ListenSpec } from '../l7/index.ts';
import { ClusterSource } from './cluster-source.ts';
import { DNS_PORT, type L7Engine } from './plan.ts';

export interface RunningComponent {
  close(): Promise<void>;
}

const log = (line: string): void => {
  process.stderr.write(`${new Date().toISOString()} ${line}\n`);
};

/**
 * Reloads `apply(view)` whenever the source changes; a cluster that fails to load keeps the last good
 * one. A change noticed during a reload is not lost: one more reload follows (the watcher has already
 * taken that change as seen, so dropping it would leave the component a revision behind).
 */
function follow(source: ClusterSource, what: string, apply: (view: ClusterView) => void | Promise<void>): void {
  let busy = false;
  let again = false;
  const reload = (): void => {
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    void (async () => {
      try {
        await apply(source.load());
        log(`${what}: cluster changed, reloaded`);
      } catch (err) {
        log(`${what}: reload failed, keeping the previous cluster: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
      } finally {
        busy = false;
        if (again) {
          again = false;
          reload();
        }
      }
    })();
  };
  source.watch(reload);
}

/** CoreDNS's role: UDP and TCP on 0.0.0.0:53 in the coredns pod, names outside the cluster from dns.upstream. */
export async function startDNSComponent(sourceFile: string, port = DNS_PORT): Promise<RunningComponent> {
  const source = new ClusterSource(sourceFile);
  let view = source.load();
  const server = new DNSServer({ listen: { host: '0.0.0.0', port }, view: () => view, log: (l) => log(`dns: ${l}`) });
  await server.start();
  log(`dns: serving ${view.config.clusterDomain} on udp+tcp 0.0.0.0:${server.address.port}${source.following ? `, following ${source.following}` : ''}`);
  follow(source, 'dns', (v) => {
    view = v;
    server.refresh();
  });
  return {
    close: async () => {
      source.stop();
      await server.close();
    },
  };
}

/**
 * The resolver the nodes' /etc/resolv.conf names (and so dnsPolicy: Default pods and CoreDNS itself):
 * an upstream-only DNS server on `host`:53 that knows `dns.upstream` and nothing of the cluster.
 */
export async function startNodeResolverComponent(sourceFile: string, host: string, port = DNS_PORT): Promise<RunningComponent> {
  const source = new ClusterSource(sourceFile);
  let view = source.load();
  const server = new DNSServer({ listen: { host, port }, role: 'upstream-only', view: () => view, log: (l) => log(`node-dns: ${l}`) });
  await server.start();
  log(`node-dns: upstream-only resolver (${view.config.dns.upstream.length} dns.upstream records) on udp+tcp ${host}:${server.address.port}`);
  follow(source, 'node-dns', (v) => {
    view = v;
    server.refresh();
  });
  return {
    close: async () => {
      source.stop();
      await server.close();
    },
  };
}

export interface IngressComponentOptions {
  sourceFile: string;
  httpPorts: number[];
  engine: L7Engine;
  /** Parent of nginx's private prefix directory (inside the run's state, so `down` removes it). */
  workDir?: string;
}

/**
 * The ingress controller's role: the route table of the Ingress frontend served on the pod's HTTP
 * ports (requests count as arriving on port 80), proxied straight to endpoint pod IPs as
 * ingress-nginx does — so backend traffic crosses the nodes' forwarding path and their policy rules.
 */
export async function startIngressComponent(opts: IngressComponentOptions): Promise<RunningComponent> {
  const source = new ClusterSource(opts.sourceFile);
  const table = compileRouteTable(source.load());
  const listen: ListenSpec[] = opts.httpPorts.map((port) => ({ host: '0.0.0.0', port, frontPort: 80 }));
  const selector = { via: 'ingress' as const };
  const accessLog = (line: string): void => log(`access: ${line}`);
  let proxy: L7Proxy | NginxProxy;
  if (opts.engine === 'nginx') {
    const nginx = new NginxProxy({ table, listen, selector, accessLog, errorLog: (l) => log(`nginx: ${l}`), ...(opts.workDir ? { workDir: opts.workDir } : {}) });
    proxy = nginx;
    try {
      await nginx.start();
    } catch (err) {
      await nginx.close();
      throw err;
    }
  } else {
    const node = new L7Proxy({ table, listen, selector, accessLog });
    proxy = node;
    await node.start();
  }
  log(`ingress: ${opts.engine} proxy serving http on ${opts.httpPorts.map((p) => `0.0.0.0:${p}`).join(', ')}${source.following ? `, following ${source.following}` : ''}`);
  follow(source, 'ingress', (v) => proxy.setTable(compileRouteTable(v)));
  return {
    close: async () => {
      source.stop();
      await proxy.close();
    },
  };
}
