/**
 * The cluster components that run inside pod namespaces, started by `pod-main.mjs`: the cluster DNS
 * server of a coredns pod and the L7 proxy of an ingress-controller pod — and, in the underlay
 * namespace, the nodes' own resolver. All answer from the ClusterSource and reload when it changes;
 * all print nothing on stdout but "ready".
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClusterView } from '../../cluster/view.ts';
import { compileRouteTable, type RouteTable } from '../../model/l7/index.ts';
import type { NginxCertificateFiles } from '../../render/nginx/index.ts';
import { DNSServer, type DNSServerRole } from '../dns/index.ts';
import { L7Proxy, NginxProxy, type ListenSpec } from '../l7/index.ts';
import { ClusterSource } from './cluster-source.ts';
import { HostLinkSync } from './host-link-sync.ts';
import { ingressCertificates, nginxSSLRedirect, nginxVerifyHostname, sslRedirectPolicy, type CertificateFiles, type ServedCertificate, type SSLRedirectPolicy } from './ingress-tls.ts';
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

/** A DNS server on `host`:`port` (UDP and TCP) answering from the followed cluster snapshot. */
async function startDNSServer(sourceFile: string, name: string, listen: { host: string; port: number }, role: DNSServerRole, describe: (view: ClusterView) => string): Promise<RunningComponent> {
  const source = new ClusterSource(sourceFile);
  let view = source.load();
  const server = new DNSServer({ listen, role, view: () => view, log: (l) => log(`${name}: ${l}`) });
  await server.start();
  log(`${name}: ${describe(view)} on udp+tcp ${listen.host}:${server.address.port}${source.following ? `, following ${source.following}` : ''}`);
  follow(source, name, (v) => {
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

/** CoreDNS's role: UDP and TCP on 0.0.0.0:53 in the coredns pod, names outside the cluster from dns.upstream. */
export function startDNSComponent(sourceFile: string, port = DNS_PORT): Promise<RunningComponent> {
  return startDNSServer(sourceFile, 'dns', { host: '0.0.0.0', port }, 'cluster', (view) => `serving ${view.config.clusterDomain}`);
}

/**
 * The resolver the nodes' /etc/resolv.conf names (and so dnsPolicy: Default pods and CoreDNS itself):
 * an upstream-only DNS server on `host`:53 that knows `dns.upstream` and nothing of the cluster.
 */
export function startNodeResolverComponent(sourceFile: string, host: string, port = DNS_PORT): Promise<RunningComponent> {
  return startDNSServer(sourceFile, 'node-dns', { host, port }, 'upstream-only', (view) => `upstream-only resolver (${view.config.dns.upstream.length} dns.upstream records)`);
}

export interface IngressComponentOptions {
  sourceFile: string;
  httpPorts: number[];
  /** Ports terminating TLS (front port 443); they need `defaultCertificate`. */
  httpsPorts?: number[];
  /** The controller's default ("fake") certificate files. */
  defaultCertificate?: CertificateFiles;
  engine: L7Engine;
  /** Parent of nginx's private prefix directory (inside the run's state, so `down` removes it). */
  workDir?: string;
}

/** The nginx engine reads certificates from files: one pair per Secret content, in its prefix. */
function writeCertificateFiles(dir: string, certs: ReadonlyMap<string, ServedCertificate>): Map<string, NginxCertificateFiles> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const out = new Map<string, NginxCertificateFiles>();
  for (const [secret, c] of certs) {
    const id = `${secret.replace('/', '_')}-${createHash('sha256').update(c.cert).update(c.key).digest('hex').slice(0, 12)}`;
    const files = { cert: join(dir, `${id}.crt`), key: join(dir, `${id}.key`) };
    writeFileSync(files.cert, c.cert);
    writeFileSync(files.key, c.key, { mode: 0o600 });
    out.set(secret, files);
  }
  return out;
}

/**
 * The ingress controller's role: the route table of the Ingress frontend served on the pod's HTTP
 * ports (requests count as arriving on port 80) and, terminating TLS with the Ingress certificates
 * by SNI (else the default certificate), on its HTTPS ports (port 443); plain-HTTP requests for
 * hosts with TLS are redirected as ingress-nginx's ssl-redirect does (ingress-tls.ts). Requests are
 * proxied straight to endpoint pod IPs as ingress-nginx does — so backend traffic crosses the
 * nodes' forwarding path and their policy rules. Routes, certificates and redirects follow the
 * cluster (a rotated Secret is served from the next handshake on).
 */
export async function startIngressComponent(opts: IngressComponentOptions): Promise<RunningComponent> {
  const source = new ClusterSource(opts.sourceFile);
  const httpsPorts = opts.httpsPorts ?? [];
  if (httpsPorts.length && !opts.defaultCertificate) throw new Error('https ports need the default certificate');
  let view = source.load();
  let table: RouteTable = compileRouteTable(view);
  let redirect: SSLRedirectPolicy = sslRedirectPolicy(view, table);
  // A problem is logged when it appears, not again on every cluster change that leaves it.
  let reported = new Set<string>();
  const certsOf = (v: ClusterView, t: RouteTable): Map<string, ServedCertificate> => {
    const { certificates, problems } = ingressCertificates(v, t);
    for (const p of problems) if (!reported.has(p)) log(`ingress: tls ${p}; the default certificate is served`);
    reported = new Set(problems);
    return certificates;
  };
  let certs = certsOf(view, table);
  const def = opts.defaultCertificate ? { cert: readFileSync(opts.defaultCertificate.cert, 'utf8'), key: readFileSync(opts.defaultCertificate.key, 'utf8') } : undefined;
  const listen: ListenSpec[] = [
    ...opts.httpPorts.map((port) => ({ host: '0.0.0.0', port, frontPort: 80 })),
    ...httpsPorts.map((port) => ({ host: '0.0.0.0', port, frontPort: 443, tls: true })),
  ];
  const selector = { via: 'ingress' as const };
  const accessLog = (line: string): void => log(`access: ${line}`);
  let proxy: L7Proxy | NginxProxy;
  let reload: () => Promise<void>;
  if (opts.engine === 'nginx') {
    const nginx = new NginxProxy({
      table, listen, selector, accessLog, errorLog: (l) => log(`nginx: ${l}`), ...(opts.workDir ? { workDir: opts.workDir } : {}),
      ...(opts.defaultCertificate ? { defaultCertificate: opts.defaultCertificate } : {}),
      postRender: (conf) => {
        const redirected = nginxSSLRedirect(conf, redirect, opts.httpPorts);
        return opts.defaultCertificate ? nginxVerifyHostname(redirected, byFile, opts.defaultCertificate) : redirected;
      },
    });
    let byFile = new Map<string, ServedCertificate>();
    const files = (): Map<string, NginxCertificateFiles> => {
      const written = writeCertificateFiles(join(nginx.prefix, 'certs'), certs);
      byFile = new Map([...written].map(([secret, f]) => [f.cert, certs.get(secret)!]));
      return written;
    };
    proxy = nginx;
    try {
      nginx.setCertificates(files());
      await nginx.start();
    } catch (err) {
      await nginx.close();
      throw err;
    }
    reload = async () => {
      const current = files();
      nginx.setCertificates(current);
      await nginx.setTable(table);
      // nginx has read the new files: those of rotated or dropped Secrets can go.
      const keep = new Set([...current.values()].flatMap((f) => [f.cert, f.key]));
      const dir = join(nginx.prefix, 'certs');
      for (const f of readdirSync(dir)) if (!keep.has(join(dir, f))) rmSync(join(dir, f), { force: true });
    };
  } else {
    const node = new L7Proxy({
      table, listen, selector, accessLog,
      certificates: certs,
      ...(def ? { defaultCertificate: def } : {}),
      httpsRedirect: (req, decision, uri) => redirect.redirect(req, decision, uri),
    });
    proxy = node;
    await node.start();
    reload = async () => {
      node.setCertificates(certs);
      node.setTable(table);
    };
  }
  const served = [...opts.httpPorts.map((p) => `http 0.0.0.0:${p}`), ...httpsPorts.map((p) => `https 0.0.0.0:${p}`)];
  log(`ingress: ${opts.engine} proxy serving ${served.join(', ')}${source.following ? `, following ${source.following}` : ''}`);
  follow(source, 'ingress', async (v) => {
    view = v;
    table = compileRouteTable(view);
    redirect = sslRedirectPolicy(view, table);
    certs = certsOf(view, table);
    await reload();
  });
  return {
    close: async () => {
      source.stop();
      await proxy.close();
    },
  };
}

/**
 * The host link following the cluster (host-link-sync.ts), in the underlay namespace; `hostFd` is
 * the descriptor of the host's network namespace that `up` handed down.
 */
export function startHostLinkComponent(sourceFile: string, dataplaneDir: string, hostFd = 3): RunningComponent {
  const sync = new HostLinkSync({ sourceFile, dataplaneDir, hostNetns: `/proc/${process.pid}/fd/${hostFd}`, log });
  sync.start();
  // The source's watcher timer is unref'd and nothing else holds the loop: stay until stopped.
  const alive = setInterval(() => undefined, 1 << 30);
  log(`host-link: following the cluster's LoadBalancer and NodePort Services`);
  return {
    close: async () => {
      clearInterval(alive);
      sync.stop();
      await sync.idle();
    },
  };
}
