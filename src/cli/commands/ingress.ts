/**
 * `podnet ingress serve`: the real L7 data plane. An HTTP/1.1 (+ TLS by SNI) reverse proxy driven by
 * the compiled route table, forwarding to endpoint addresses, reloading when the cluster changes
 * (the persisted store's revision, or the mtimes of the -f manifests), one access-log line per request
 * naming the matched route. The Node engine runs in `--workers` processes sharing the listen sockets
 * (one per CPU by default): this process watches the cluster and hands every reload to all of them.
 *
 * Certificates: `--tls-secret ns/name=CERT,KEY` files stand for Secret ns/name (they are shown to the
 * model as that kubernetes.io/tls Secret, so Gateway listeners naming it resolve); every other Secret
 * the route table names is taken from the cluster when it is usable (tls.crt and tls.key in PEM).
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve as resolvePath } from 'node:path';
import type { Command } from 'commander';
import { expandPaths } from '../../api/decode.ts';
import {
  defaultWorkerCount, L7Proxy, L7ProxyWorkers, NginxProxy, splitEndpoint, type ClusterSnapshot, type ListenSpec, type TLSMaterial,
} from '../../dataplane/l7/index.ts';
import { decodeBase64 } from '../../api/base64.ts';
import { TLS_CERT_KEY, TLS_PRIVATE_KEY_KEY, type KObject, type Secret } from '../../api/types.ts';
import { ClusterView } from '../../cluster/view.ts';
import { compileRouteTable, type RouteTable } from '../../model/l7/index.ts';
import { serveUntilSignal } from '../listen.ts';
import { collect, UsageError } from '../output.ts';
import { loadCluster, openStore } from '../state.ts';
import { frontendSelector } from './route.ts';

interface ServeOptions {
  listen: string[];
  tlsListen: string[];
  tlsSecret: string[];
  defaultCert?: string;
  endpoint: string[];
  via?: string;
  gateway?: string;
  reloadInterval: string;
  engine: string;
  workers?: string;
  nginx: string;
  filename: string[];
  config?: string;
}

/** `HOST:PORT[=FRONTPORT]` (FRONTPORT: the port requests count as arriving on, for Gateway listeners). */
export function parseListen(text: string, tls: boolean): ListenSpec {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:=]+):(\d+)(?:=(\d+))?$/.exec(text);
  const port = m ? Number(m[2]) : NaN;
  const front = m?.[3] !== undefined ? Number(m[3]) : undefined;
  if (!m || port > 65535 || (front !== undefined && (front < 1 || front > 65535))) {
    throw new UsageError(`invalid listen address ${JSON.stringify(text)}: expected HOST:PORT[=FRONTPORT], e.g. 127.0.0.1:8080=80`);
  }
  return { host: m[1].replace(/^\[|\]$/g, ''), port, frontPort: front ?? (tls ? 443 : 80), tls };
}

function readPair(text: string, flag: string): TLSMaterial {
  const { cert, key } = pairPaths(text, flag);
  return { cert: readFlagFile(cert, flag), key: readFlagFile(key, flag) };
}

function readFlagFile(path: string, flag: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(`${flag}: cannot read ${path}${code ? ` (${code})` : ''}`);
  }
}

function pairPaths(text: string, flag: string): { cert: string; key: string } {
  const [cert, key] = text.split(',');
  if (!cert || !key) throw new UsageError(`${flag} expects CERT.pem,KEY.pem, got ${JSON.stringify(text)}`);
  return { cert, key };
}

/** `--tls-secret ns/name=CERT,KEY`: the Secret the files stand for, and their paths. */
export function parseTLSSecret(text: string): { secret: string; cert: string; key: string } {
  const eq = text.indexOf('=');
  const secret = eq < 0 ? '' : text.slice(0, eq);
  if (!/^[^/]+\/[^/]+$/.test(secret)) throw new UsageError(`--tls-secret expects ns/name=CERT,KEY, got ${JSON.stringify(text)}`);
  return { secret, ...pairPaths(text.slice(eq + 1), '--tls-secret') };
}

/** `--workers`: a process count, 1..64. */
export function parseWorkers(text: string | undefined, engine: string): number {
  if (text === undefined) return engine === 'node' ? defaultWorkerCount() : 1;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > 64) throw new UsageError(`--workers must be an integer from 1 to 64, got ${JSON.stringify(text)}`);
  return n;
}

type LoadedCluster = ReturnType<typeof loadCluster>;

/** The cluster as the proxy sees it: the stored objects, with `--tls-secret` files as kubernetes.io/tls Secrets. */
interface ProxyCluster {
  objects: KObject[];
  view: ClusterView;
}

function fileSecret(key: string, m: TLSMaterial): Secret {
  const [namespace, name] = key.split('/');
  const b64 = (x: string | Buffer): string => Buffer.from(x).toString('base64');
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace }, type: 'kubernetes.io/tls', data: { [TLS_CERT_KEY]: b64(m.cert), [TLS_PRIVATE_KEY_KEY]: b64(m.key) } };
}

export function proxyCluster(loaded: LoadedCluster, files: ReadonlyMap<string, TLSMaterial>): ProxyCluster {
  const given = new Set(files.keys());
  const objects = [
    ...loaded.store.list().filter((o) => !(o.kind === 'Secret' && given.has(`${o.metadata.namespace}/${o.metadata.name}`))),
    ...[...files].map(([k, m]) => fileSecret(k, m)),
  ];
  return { objects, view: new ClusterView(objects, loaded.config) };
}

function snapshot(c: ProxyCluster, config: LoadedCluster['config']): ClusterSnapshot {
  return { objects: c.objects, config };
}

/**
 * The certificates of the Secrets the route table names that the cluster holds in usable form
 * (`--tls-secret` files are not repeated here). The model already judged each one: an Ingress tls
 * entry carries its `problem`, a Gateway listener only lists refs that resolved. A Secret that cannot
 * serve is left out: the proxy then serves the default certificate for its hosts, as ingress-nginx does.
 */
export function clusterCertificates(table: RouteTable, view: ClusterView, files: ReadonlyMap<string, unknown>): Map<string, TLSMaterial> {
  const usable = [...(table.ingress?.tls ?? []), ...table.gateways.flatMap((g) => g.listeners.flatMap((l) => l.tls))].filter((t) => !t.problem);
  const out = new Map<string, TLSMaterial>();
  for (const key of [...new Set(usable.map((t) => t.secret))].sort()) {
    if (files.has(key)) continue;
    const [ns, name] = key.split('/');
    const data = view.get<Secret>('Secret', ns, name)?.data ?? {};
    const cert = decodeBase64(data[TLS_CERT_KEY] ?? '');
    const privateKey = decodeBase64(data[TLS_PRIVATE_KEY_KEY] ?? '');
    if (cert.ok && privateKey.ok) out.set(key, { cert: Buffer.from(cert.bytes), key: Buffer.from(privateKey.bytes) });
  }
  return out;
}

/** Replaces `target`'s entries with `files` + `cluster` (the proxies read the map they were given). */
function refill<T>(target: Map<string, T>, files: ReadonlyMap<string, T>, cluster: ReadonlyMap<string, T>): void {
  target.clear();
  for (const [k, v] of files) target.set(k, v);
  for (const [k, v] of cluster) target.set(k, v);
}

/** The engine-independent part of a running proxy. */
interface RunningProxy {
  reload(loaded: LoadedCluster): void | Promise<void>;
  close(): Promise<void>;
}

export function registerIngress(program: Command): void {
  const ingress = program.command('ingress').description('The L7 data plane for Ingress and Gateway API');
  ingress
    .command('serve')
    .description('Run the reverse proxy that executes the route table (Ingress + Gateways), with hot reload and access logs')
    .option('--listen <addr>', 'HTTP listen address HOST:PORT[=FRONTPORT] (repeatable; default 127.0.0.1:8080=80)', collect, [])
    .option('--tls-listen <addr>', 'HTTPS listen address HOST:PORT[=FRONTPORT] (repeatable; FRONTPORT default 443)', collect, [])
    .option('--tls-secret <ns/name=cert,key>', 'PEM files for the kubernetes.io/tls Secret ns/name that Ingress tls / listener certificateRefs name (repeatable)', collect, [])
    .option('--default-cert <cert,key>', 'certificate for SNI names no tls entry covers')
    .option('--endpoint <ip:port=host:port>', 'connect to host:port instead of endpoint ip:port (repeatable; for demos without pod networking)', collect, [])
    .option('--via <frontend>', 'serve only the Ingress controller ("ingress") or only Gateways ("gateway")')
    .option('--gateway <ns/name>', 'serve only this Gateway')
    .option('--reload-interval <ms>', 'how often to look for cluster changes', '1000')
    .option('--engine <engine>', '"node" (the built-in proxy) or "nginx" (render nginx.conf and run nginx)', 'node')
    .option('--workers <n>', 'processes serving requests: Node engine worker processes sharing the listen sockets (default: one per CPU, at most 8); nginx engine: worker_processes (default 1)')
    .option('--nginx <path>', 'nginx binary for --engine nginx', 'nginx')
    .option('-f, --filename <path>', 'serve an ephemeral cluster built from these manifests (repeatable)', collect, [])
    .option('--config <file>', 'ClusterConfig for the cluster')
    .action(async (opts: ServeOptions) => {
      const selector = frontendSelector(opts.via, opts.gateway);
      if (opts.engine !== 'node' && opts.engine !== 'nginx') throw new UsageError(`--engine must be "node" or "nginx", got ${JSON.stringify(opts.engine)}`);
      const listen = [...opts.listen.map((l) => parseListen(l, false)), ...opts.tlsListen.map((l) => parseListen(l, true))];
      if (!listen.length) listen.push(parseListen('127.0.0.1:8080=80', false));
      const tlsSecretFiles = opts.tlsSecret.map(parseTLSSecret);
      const fileCertificates = new Map(tlsSecretFiles.map((f): [string, TLSMaterial] => [f.secret, { cert: readFlagFile(f.cert, '--tls-secret'), key: readFlagFile(f.key, '--tls-secret') }]));
      const defaultCertificate = opts.defaultCert ? readPair(opts.defaultCert, '--default-cert') : undefined;
      const endpointMap = new Map<string, { host: string; port: number }>();
      for (const e of opts.endpoint) {
        const [from, to] = e.split('=');
        if (!from || !to || !/:\d+$/.test(from) || !/:\d+$/.test(to)) throw new UsageError(`--endpoint expects IP:PORT=HOST:PORT, got ${JSON.stringify(e)}`);
        endpointMap.set(from, splitEndpoint(to));
      }
      const workers = parseWorkers(opts.workers, opts.engine);
      const interval = Number(opts.reloadInterval);
      if (!Number.isInteger(interval) || interval < 100) throw new UsageError('--reload-interval must be an integer ≥ 100 (milliseconds)');

      const source = { file: opts.filename, config: opts.config };
      const signature = (): string => {
        if (opts.filename.length) return expandPaths(opts.filename).map((f) => (f === '-' ? f : `${f}@${statSync(f).mtimeMs}`)).join('|');
        return String(openStore().revision);
      };
      let seen = signature();
      const loaded = loadCluster(source);
      let cluster = proxyCluster(loaded, fileCertificates);
      let table = compileRouteTable(cluster.view);
      // One map for the whole run: the proxies read it at each handshake (nginx at each render).
      const certificates = new Map<string, TLSMaterial>();
      refill(certificates, fileCertificates, clusterCertificates(table, cluster.view, fileCertificates));
      if (listen.some((l) => l.tls) && !defaultCertificate && !certificates.size) {
        throw new UsageError('--tls-listen needs --tls-secret, --default-cert or a usable certificate Secret (tls.crt, tls.key) named by an Ingress tls entry or a listener certificateRef');
      }
      const resolveEndpoint = (ep: string): { host: string; port: number } => endpointMap.get(ep) ?? splitEndpoint(ep);
      let proxy: RunningProxy;
      let bound: { host: string; port: number; tls: boolean }[];
      if (opts.engine === 'nginx') {
        // nginx reads certificates from files: the flags' paths, and the cluster's Secrets written to a private directory.
        const certDir = mkdtempSync(join(tmpdir(), 'podnet-ingress-certs-'));
        const given = new Map(tlsSecretFiles.map((f) => [f.secret, { cert: resolvePath(f.cert), key: resolvePath(f.key) }] as const));
        const files = new Map<string, { cert: string; key: string }>();
        const writeClusterFiles = (): void => {
          const written = new Map<string, { cert: string; key: string }>();
          for (const [key, m] of certificates) {
            if (given.has(key)) continue;
            const base = join(certDir, key.replace('/', '_'));
            writeFileSync(`${base}.crt`, m.cert, { mode: 0o600 });
            writeFileSync(`${base}.key`, m.key, { mode: 0o600 });
            written.set(key, { cert: `${base}.crt`, key: `${base}.key` });
          }
          refill(files, given, written);
        };
        writeClusterFiles();
        const def = opts.defaultCert ? pairPaths(opts.defaultCert, '--default-cert') : undefined;
        const nginx = new NginxProxy({
          table, listen, selector, resolveEndpoint, nginx: opts.nginx, certificates: files, workerProcesses: workers,
          ...(def ? { defaultCertificate: { cert: resolvePath(def.cert), key: resolvePath(def.key) } } : {}),
          accessLog: (line) => process.stdout.write(`${line}\n`),
          errorLog: (line) => process.stderr.write(`nginx: ${line}\n`),
        });
        proxy = {
          reload: () => {
            writeClusterFiles();
            return nginx.setTable(table);
          },
          close: async () => {
            await nginx.close();
            rmSync(certDir, { recursive: true, force: true });
          },
        };
        try {
          bound = await nginx.start();
        } catch (err) {
          await proxy.close();
          throw err;
        }
        process.stderr.write(`podnet ingress: nginx ${nginx.pid} running ${nginx.confPath}\n`);
      } else if (workers > 1) {
        const pool = new L7ProxyWorkers({
          workers,
          cluster: snapshot(cluster, loaded.config),
          listen,
          selector,
          // Sent to the workers when they start: Secrets created or changed later need a restart.
          certificates,
          ...(defaultCertificate ? { defaultCertificate } : {}),
          endpoints: endpointMap,
          // Whole lines from one worker at a time: lines never interleave.
          accessLog: (lines) => process.stdout.write(lines),
          events: (m) => process.stderr.write(`podnet ingress: ${m}\n`),
        });
        proxy = { reload: (l) => pool.setCluster(snapshot(cluster, l.config)), close: () => pool.close() };
        bound = await pool.start();
        process.stderr.write(`podnet ingress: ${workers} worker processes (pids ${pool.pids.join(', ')})\n`);
      } else {
        const node = new L7Proxy({
          table,
          listen,
          selector,
          certificates,
          ...(defaultCertificate ? { defaultCertificate } : {}),
          accessLog: (line) => process.stdout.write(`${line}\n`),
          resolveEndpoint,
        });
        proxy = { reload: () => node.setTable(table), close: () => node.close() };
        bound = await node.start();
      }
      for (const b of bound) process.stderr.write(`podnet ingress: serving ${b.tls ? 'https' : 'http'}://${b.host}:${b.port}\n`);
      let reloading = false;
      const timer = setInterval(() => {
        if (reloading) return;
        reloading = true;
        void (async () => {
          try {
            const now = signature();
            if (now === seen) return;
            const next = loadCluster(source);
            const nextCluster = proxyCluster(next, fileCertificates);
            const nextTable = compileRouteTable(nextCluster.view);
            cluster = nextCluster;
            table = nextTable;
            refill(certificates, fileCertificates, clusterCertificates(table, cluster.view, fileCertificates));
            await proxy.reload(next);
            seen = now;
            process.stderr.write('podnet ingress: route table reloaded\n');
          } catch (err) {
            // A bad edit keeps the last good table, as ingress controllers do.
            process.stderr.write(`podnet ingress: reload failed, keeping the previous route table: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}\n`);
          } finally {
            reloading = false;
          }
        })();
      }, interval);
      await serveUntilSignal(() => {
        clearInterval(timer);
        return proxy.close();
      });
    });
}
