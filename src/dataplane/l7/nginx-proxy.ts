/**
 * The nginx mode of the L7 data plane: the route table rendered by render/nginx and served by a real
 * nginx (Debian `nginx-light` + `libnginx-mod-http-js`). Each instance owns a private prefix directory
 * (config, njs module, pid file, temp dirs) and runs its own master process in the foreground as our
 * child — never the system service. A new table is rendered, checked with `nginx -t` and applied with
 * `nginx -s reload`; a table nginx refuses keeps the running config.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { chmodSync, closeSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { FrontendSelector, RouteTable } from '../../model/l7/index.ts';
import { DEFAULT_NJS_MODULE, renderNginx, type NginxCertificateFiles, type NginxListen, type RenderedNginx } from '../../render/nginx/index.ts';
import type { ListenSpec } from './proxy.ts';

const run = promisify(execFile);

export interface NginxProxyOptions {
  table: RouteTable;
  listen: ListenSpec[];
  selector?: FrontendSelector;
  /** Certificate and key files by Secret `namespace/name`. */
  certificates?: ReadonlyMap<string, NginxCertificateFiles>;
  defaultCertificate?: NginxCertificateFiles;
  /** Endpoint `ip:port` → where nginx connects (`host:port`). */
  resolveEndpoint?: (endpoint: string) => { host: string; port: number };
  /** nginx binary (default `nginx` on PATH). */
  nginx?: string;
  njsModule?: string;
  /** One call per access-log line (nginx writes `<prefix>/access.log`, which is followed); off when unset. */
  accessLog?: (line: string) => void;
  /** nginx's error log lines (warnings, reload notices). */
  errorLog?: (line: string) => void;
  workerProcesses?: number | 'auto';
  /** Parent directory for the private prefix (default: the OS temp dir). */
  workDir?: string;
  /**
   * Edits the rendered nginx.conf before `nginx -t` judges it (the ingress controller adds
   * ingress-nginx's ssl-redirect, which the route table does not hold).
   */
  postRender?: (conf: string, listen: readonly NginxListen[]) => string;
}

export interface NginxBound {
  host: string;
  port: number;
  tls: boolean;
}

/** A free loopback port: nginx cannot report an ephemeral port back, so one is picked beforehand. */
async function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

function get(socketPath: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath, path: '/', timeout: 1000, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve(body));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Child process ids of `pid` (the master's workers), from /proc. */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      // Fields after the parenthesised command name: state, ppid, …
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(d));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

export class NginxProxy {
  readonly prefix: string;
  private child?: ChildProcess;
  private listen: NginxListen[] = [];
  private generation = 0;
  private exited?: string;
  private readonly nginx: string;
  private follow?: NodeJS.Timeout;
  private certificates?: ReadonlyMap<string, NginxCertificateFiles>;
  private defaultCertificate?: NginxCertificateFiles;

  constructor(private readonly opts: NginxProxyOptions) {
    this.nginx = opts.nginx ?? 'nginx';
    this.certificates = opts.certificates;
    this.defaultCertificate = opts.defaultCertificate;
    this.prefix = mkdtempSync(join(opts.workDir ?? tmpdir(), 'podnet-nginx-'));
    // Workers run unprivileged when the master is root: they must reach the temp directories.
    chmodSync(this.prefix, 0o755);
  }

  get confPath(): string {
    return join(this.prefix, 'nginx.conf');
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  private render(table: RouteTable): RenderedNginx {
    const resolve = this.opts.resolveEndpoint;
    return renderNginx(table, {
      listen: this.listen,
      prefix: this.prefix,
      njsModule: this.opts.njsModule ?? DEFAULT_NJS_MODULE,
      ...(this.opts.selector ? { selector: this.opts.selector } : {}),
      ...(this.opts.accessLog ? { accessLog: join(this.prefix, 'access.log') } : {}),
      ...(this.certificates ? { certificates: this.certificates } : {}),
      ...(this.defaultCertificate ? { defaultCertificate: this.defaultCertificate } : {}),
      ...(resolve ? { resolveEndpoint: (ep: string) => { const t = resolve(ep); return `${t.host.includes(':') ? `[${t.host}]` : t.host}:${t.port}`; } } : {}),
      workerProcesses: this.opts.workerProcesses ?? 1,
      status: { socket: join(this.prefix, 'status.sock'), generation: String(this.generation) },
    });
  }

  /** Writes the rendered files and lets `nginx -t` judge them; throws with nginx's message. */
  private async write(table: RouteTable): Promise<void> {
    this.generation++;
    const r = this.render(table);
    const conf = this.opts.postRender ? this.opts.postRender(r.conf, this.listen) : r.conf;
    const tmp = join(this.prefix, 'nginx.conf.next');
    writeFileSync(tmp, conf);
    if (r.njs) writeFileSync(join(this.prefix, 'podnet.js'), r.njs);
    try {
      await run(this.nginx, ['-t', '-q', '-e', 'stderr', '-p', this.prefix, '-c', tmp]);
    } catch (err) {
      const stderr = (err as { stderr?: string }).stderr ?? String(err);
      throw new Error(`nginx rejected the rendered configuration: ${stderr.trim()}`);
    }
    writeFileSync(this.confPath, conf);
  }

  /** Certificate files for the next setTable (a Secret rotated: new files, then a reload). */
  setCertificates(certificates: ReadonlyMap<string, NginxCertificateFiles>, defaultCertificate?: NginxCertificateFiles): void {
    this.certificates = certificates;
    if (defaultCertificate) this.defaultCertificate = defaultCertificate;
  }

  /** Starts nginx; resolves once every listener accepts connections. */
  async start(): Promise<NginxBound[]> {
    this.listen = [];
    for (const l of this.opts.listen) {
      const port = l.port === 0 ? await freePort(l.host) : l.port;
      this.listen.push({ host: l.host, port, frontPort: l.frontPort ?? l.port, tls: Boolean(l.tls) });
    }
    await this.write(this.opts.table);
    const child = spawn(this.nginx, ['-e', 'stderr', '-p', this.prefix, '-c', this.confPath, '-g', 'daemon off; master_process on;'], { stdio: ['ignore', 'inherit', 'pipe'] });
    this.child = child;
    let stderr = '';
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (c: string) => {
      stderr += c;
      const lines = stderr.split('\n');
      stderr = lines.pop() ?? '';
      for (const l of lines) if (l) this.opts.errorLog?.(l);
    });
    child.on('exit', (code, signal) => (this.exited = `nginx exited (${signal ?? code})${stderr ? `: ${stderr}` : ''}`));
    await this.waitForGeneration();
    if (this.opts.accessLog) this.followAccessLog(this.opts.accessLog);
    return this.listen.map((l) => ({ host: l.host, port: l.port, tls: Boolean(l.tls) }));
  }

  /** Re-renders for a new table and reloads nginx; resolves when the new workers answer. */
  async setTable(table: RouteTable): Promise<void> {
    if (!this.child) throw new Error('nginx is not running');
    await this.write(table);
    const old = childrenOf(this.child.pid!);
    await run(this.nginx, ['-e', 'stderr', '-p', this.prefix, '-c', this.confPath, '-s', 'reload']);
    await this.waitForGeneration();
    // Old workers keep accepting until they act on their shutdown signal: wait for them to leave so
    // that every new connection sees the new table (bounded: a long request may hold one back).
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && old.some((p) => childrenOf(this.child!.pid!).includes(p))) await sleep(20);
  }

  private async waitForGeneration(timeoutMs = 10000): Promise<void> {
    const want = String(this.generation);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.exited) throw new Error(this.exited);
      const seen = await get(join(this.prefix, 'status.sock')).catch(() => undefined);
      if (seen === want) return;
      if (Date.now() > deadline) throw new Error(`nginx did not come up with configuration generation ${want} within ${timeoutMs} ms`);
      await sleep(20);
    }
  }

  /** Follows the access log (stdout may be a socket, which nginx cannot open as a file). */
  private followAccessLog(sink: (line: string) => void): void {
    const path = join(this.prefix, 'access.log');
    let offset = 0;
    let partial = '';
    const buf = Buffer.alloc(65536);
    const drain = (): void => {
      let fd: number;
      try {
        fd = openSync(path, 'r');
      } catch {
        return;
      }
      try {
        for (let n = readSync(fd, buf, 0, buf.length, offset); n > 0; n = readSync(fd, buf, 0, buf.length, offset)) {
          offset += n;
          const lines = (partial + buf.subarray(0, n).toString('utf8')).split('\n');
          partial = lines.pop() ?? '';
          for (const l of lines) if (l) sink(l);
        }
      } finally {
        closeSync(fd);
      }
    };
    this.follow = setInterval(drain, 200);
    this.follow.unref();
  }

  /** Stops nginx (graceful, then forced) and removes the prefix directory. */
  async close(): Promise<void> {
    if (this.follow) clearInterval(this.follow);
    const child = this.child;
    this.child = undefined;
    if (child && child.exitCode === null && child.signalCode === null) {
      const done = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGQUIT');
      const timer = setTimeout(() => child.kill('SIGTERM'), 3000);
      const hard = setTimeout(() => child.kill('SIGKILL'), 6000);
      await done;
      clearTimeout(timer);
      clearTimeout(hard);
    }
    rmSync(this.prefix, { recursive: true, force: true });
  }
}
