/**
 * `podnet serve [--listen 127.0.0.1:6443] [--kubeconfig-out FILE] [--no-tls]`: the kubectl-compatible API
 * server over the cluster in $PODNET_HOME. Writes a kubeconfig (context `podnet`, bearer token, CA) and
 * `server.json` (url, pid) into the state dir, and serves until SIGINT/SIGTERM.
 *
 * HTTPS with a freshly generated self-signed CA is the default because kubectl (client-go) never
 * sends a bearer token over plain HTTP: a token can only be required with TLS. `--no-tls` serves
 * plain HTTP without authentication and is refused beyond loopback.
 *
 * With `--no-tls` the web UI is mounted under /ui/ too. Not with TLS: browsers send no bearer token, and
 * serving the UI (which can apply manifests) unauthenticated would bypass the token — use `podnet ui`.
 *
 * The server keeps the state in memory and appends to the same files the CLI reads: while it runs,
 * change the cluster through the API (kubectl), not with `podnet apply/delete/reset`.
 */
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { reconcileStore } from '../../controllers/apply.ts';
import { DataplanePodRuntime } from '../../dataplane/pod-runtime.ts';
import { ApiServer, writeKubeconfig } from '../../server/index.ts';
import { ensureBundle, memorySource, UIHandler } from '../../server/ui-api/index.ts';
import { selfSignedTLS } from '../../server/tls.ts';
import { isLoopback, parseListen, serveUntilSignal } from '../listen.ts';
import { UsageError } from '../output.ts';
import { effectiveConfig, openStore, stateDir } from '../state.ts';
import { dataplaneLayout, dataplaneNames } from './up.ts';

interface ServeOptions {
  listen: string;
  kubeconfigOut?: string;
  tls: boolean;
  token?: string;
  config?: string;
  verbose?: boolean;
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('Serve the Kubernetes API over the podnet cluster, for kubectl and client libraries')
    .option('--listen <host:port>', 'address to listen on (loopback by default)', '127.0.0.1:6443')
    .option('--kubeconfig-out <file>', 'where to write the kubeconfig (default: $PODNET_HOME/kubeconfig)')
    .option('--no-tls', 'serve plain HTTP without authentication (loopback only; kubectl sends no token over HTTP)')
    .option('--token <token>', 'bearer token clients must send over HTTPS (default: random, written into the kubeconfig)')
    .option('--config <file>', 'ClusterConfig for the cluster')
    .option('-v, --verbose', 'log every request to stderr')
    .action(async (opts: ServeOptions) => {
      const { host, port } = parseListen(opts.listen);
      if (!opts.tls && !isLoopback(host)) throw new UsageError(`--no-tls serves without authentication: listen on loopback (127.0.0.1, ::1), not ${host}`);
      const dir = stateDir();
      const store = openStore();
      const config = effectiveConfig(store, opts.config);
      reconcileStore(store, config); // kube-system defaults exist before the first request
      const token = opts.tls ? (opts.token ?? randomBytes(24).toString('base64url')) : undefined;
      const tls = opts.tls ? selfSignedTLS([host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host]) : undefined;
      let ui: UIHandler | undefined;
      if (!opts.tls) {
        await ensureBundle((line) => process.stderr.write(`${line}\n`));
        ui = new UIHandler({ source: memorySource(store, () => config, `API server state in ${dir}`), prefix: '/ui/' });
      }
      // exec, logs and port-forward reach the pods while `podnet up` has them built (same $PODNET_HOME
      // and prefix), asked per request so a dataplane brought up or down later is seen.
      const layout = dataplaneLayout();
      const podRuntime = new DataplanePodRuntime(dataplaneNames(), layout);
      const runtime = (): DataplanePodRuntime | undefined => (layout.read()?.phase === 'up' ? podRuntime : undefined);
      const server = new ApiServer({
        runtime,
        mount: ui,
        store,
        config: () => config,
        token,
        tls: tls ? { key: tls.key, cert: tls.cert } : undefined,
        managedFieldsFile: join(dir, 'managed-fields.json'),
        log: opts.verbose ? (line) => process.stderr.write(`${line}\n`) : undefined,
      });
      const addr = await server.listen(port, host);
      const kubeconfig = resolve(opts.kubeconfigOut ?? join(dir, 'kubeconfig'));
      // A wildcard listen address is not where clients connect: point them at loopback.
      const clientURL = host === '0.0.0.0' || host === '::' ? `${opts.tls ? 'https' : 'http'}://127.0.0.1:${addr.port}` : server.url;
      writeKubeconfig(kubeconfig, { server: clientURL, token, caPEM: tls?.ca });
      const serverFile = join(dir, 'server.json');
      writeFileSync(serverFile, `${JSON.stringify({ url: clientURL, pid: process.pid, kubeconfig }, null, 2)}\n`);
      if (!token) process.stderr.write(`Warning: --no-tls: no authentication; any local process can change the cluster through port ${addr.port}\n`);
      process.stdout.write(`podnet API server listening on ${server.url}\n`);
      process.stdout.write(`kubeconfig: ${kubeconfig}\n  export KUBECONFIG=${kubeconfig}\n  kubectl get nodes\n`);
      if (ui) process.stdout.write(`web UI: ${clientURL}/ui/\n`);
      process.stdout.write(runtime() ? 'dataplane: up; exec, logs and port-forward reach the pods\n' : 'dataplane: not up; exec, logs and port-forward answer with an error until `podnet up`\n');
      process.stdout.write('While serving, change the cluster through the API (kubectl), not with podnet apply/delete.\n');
      await serveUntilSignal(() => server.close());
      rmSync(serverFile, { force: true });
    });
}
