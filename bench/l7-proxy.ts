/**
 * L7 proxy benchmark (issue 6): wrk against (1) a hand-written nginx config serving the routes, (2)
 * our nginx mode (the same routes compiled from an Ingress and rendered by render/nginx), (3) our Node
 * proxy in one process and (4) in N worker processes (`podnet ingress serve --workers N`; default: as
 * the CLI, one per CPU up to 8) — same run, same upstream, loopback only. Prints requests/s, p50/p99
 * and the ratios against the goals (nginx mode ≥ 0.9× hand-written nginx; Node proxy ≥ 0.3× nginx).
 *
 *   node --import tsx bench/l7-proxy.ts [--duration 10] [--warmup 2] [--connections 50] [--threads 2] [--rounds 1 (≤ 9)] [--workers N]
 *
 * Needs Debian's nginx-light, libnginx-mod-http-js and wrk. Every nginx runs in its own temp prefix as
 * our child process (never the system service) and is stopped at the end, whatever happens.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { KObject } from '../src/api/types.ts';
import { defaultClusterConfig } from '../src/cluster/config.ts';
import { ClusterView } from '../src/cluster/view.ts';
import { defaultWorkerCount, L7Proxy, L7ProxyWorkers, NginxProxy } from '../src/dataplane/l7/index.ts';
import { compileRouteTable } from '../src/model/l7/index.ts';

const run = promisify(execFile);

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} must be a positive number`);
  return v;
}

const DURATION = Math.min(arg('duration', 10), 60);
const WARMUP = Math.min(arg('warmup', 2), 10);
const CONNECTIONS = arg('connections', 50);
const THREADS = arg('threads', 2);
const ROUNDS = Math.min(arg('rounds', 1), 9);
const WORKERS = Math.min(arg('workers', defaultWorkerCount()), 64);
const HOST = 'bench.example.com';
const PATHS = 20;
/** The request path: under the longest matching Prefix, as most real traffic is. */
const TARGET = '/app7/items/42';
/** The Services and their one endpoint (pod IP, target port 8080) each; all stand for the upstream nginx. */
const SERVICES = [['web', '10.244.0.10'], ['api', '10.244.0.11']] as const;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`nothing listens on ${port}`);
}

/** A plain nginx of our own (upstream, hand-written proxy): own prefix, foreground child. */
class OwnNginx {
  readonly prefix = mkdtempSync(join(tmpdir(), 'podnet-bench-nginx-'));
  private child?: ChildProcess;

  async start(http: string, port: number): Promise<void> {
    chmodSync(this.prefix, 0o755);
    const temps = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `${t}_temp_path ${join(this.prefix, t)};`).join(' ');
    const conf = `worker_processes 1;\npid ${join(this.prefix, 'nginx.pid')};\nerror_log stderr warn;\nevents { worker_connections 4096; }\nhttp {\n  access_log off;\n  ${temps}\n${http}\n}\n`;
    writeFileSync(join(this.prefix, 'nginx.conf'), conf);
    this.child = spawn('nginx', ['-e', 'stderr', '-p', this.prefix, '-c', join(this.prefix, 'nginx.conf'), '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'inherit'] });
    await waitForPort(port, this.child);
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async stop(): Promise<void> {
    const c = this.child;
    if (c && c.exitCode === null && c.signalCode === null) {
      const done = new Promise((r) => c.once('exit', r));
      c.kill('SIGTERM');
      const t = setTimeout(() => c.kill('SIGKILL'), 3000);
      await done;
      clearTimeout(t);
    }
    rmSync(this.prefix, { recursive: true, force: true });
  }
}

/** Ingress paths /app0 … /app19 (Prefix) and /app<i>/health (Exact) over two Services. */
function cluster(): KObject[] {
  const objs: KObject[] = [
    { apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'nginx' }, spec: { controller: 'k8s.io/ingress-nginx' } },
  ];
  for (const [i, [name, ip]] of SERVICES.entries()) {
    objs.push({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'bench' }, spec: { clusterIP: `10.96.0.${i + 10}`, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] } });
    objs.push({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: `${name}-x`, namespace: 'bench', labels: { 'kubernetes.io/service-name': name } }, addressType: 'IPv4', endpoints: [{ addresses: [ip], conditions: { ready: true } }], ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] });
  }
  const paths = Array.from({ length: PATHS }, (_, i) => [
    { path: `/app${i}`, pathType: 'Prefix', backend: { service: { name: i % 2 ? 'api' : 'web', port: { number: 80 } } } },
    { path: `/app${i}/health`, pathType: 'Exact', backend: { service: { name: 'web', port: { number: 80 } } } },
  ]).flat();
  objs.push({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'bench', namespace: 'bench' }, spec: { ingressClassName: 'nginx', rules: [{ host: HOST, http: { paths } }] } });
  return objs;
}

/** What a person would write for the same routes (ingress-nginx style, without any generator). */
function handWritten(listen: number, upstream: number): string {
  const locations = Array.from({ length: PATHS }, (_, i) => {
    const up = i % 2 ? 'api' : 'web';
    return `    location = /app${i} { proxy_pass http://${up}; }\n    location /app${i}/ { proxy_pass http://${up}; }\n    location = /app${i}/health { proxy_pass http://web; }`;
  }).join('\n');
  return `  upstream web { server 127.0.0.1:${upstream}; keepalive 32; }
  upstream api { server 127.0.0.1:${upstream}; keepalive 32; }
  proxy_http_version 1.1;
  proxy_set_header Connection "";
  proxy_set_header Host $http_host;
  proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
  proxy_set_header X-Forwarded-Proto $scheme;
  server {
    listen 127.0.0.1:${listen};
    server_name ${HOST};
${locations}
    location / { return 404; }
  }
  server { listen 127.0.0.1:${listen} default_server; return 404; }`;
}

interface Result {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  /** Requests per CPU-second of the serving processes (user + system), a figure the machine's load moves less. */
  perCPUSecond?: number;
}

/** Child process ids of `pid` (an nginx master's workers), from /proc. */
function childrenOf(pid: number): number[] {
  return readdirSync('/proc').filter((d) => /^\d+$/.test(d)).flatMap((d) => {
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid ? [Number(d)] : [];
    } catch {
      return [];
    }
  });
}

/** CPU seconds (user + system) used so far by these processes. */
function cpuSeconds(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').slice(0, 4096);
    const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
    ticks += Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of proc(5))
  }
  return ticks / 100; // USER_HZ
}

function ms(text: string): number {
  const m = /^([\d.]+)(us|ms|s)$/.exec(text);
  if (!m) return NaN;
  return Number(m[1]) * (m[2] === 'us' ? 0.001 : m[2] === 's' ? 1000 : 1);
}

async function wrk(port: number, seconds: number): Promise<Result> {
  const { stdout } = await run('wrk', [`-t${THREADS}`, `-c${CONNECTIONS}`, `-d${seconds}s`, '--latency', '--timeout', '5s', '-H', `Host: ${HOST}`, `http://127.0.0.1:${port}${TARGET}`], { timeout: (seconds + 30) * 1000 });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1]);
  const p50 = ms(/\s50%\s+(\S+)/.exec(stdout)?.[1] ?? '');
  const p99 = ms(/\s99%\s+(\S+)/.exec(stdout)?.[1] ?? '');
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(stdout)?.[1] ?? 0);
  return { rps, p50, p99, non2xx };
}

async function measure(port: number, pids: number[]): Promise<Result> {
  await wrk(port, WARMUP);
  const cpu = cpuSeconds(pids);
  const r = await wrk(port, DURATION);
  const used = cpuSeconds(pids) - cpu;
  return { ...r, ...(used > 0 ? { perCPUSecond: (r.rps * DURATION) / used } : {}) };
}

/** The middle value (the mean of the two middle ones for an even count). */
const median = (xs: number[]): number => {
  const v = [...xs].sort((a, b) => a - b);
  const m = Math.floor(v.length / 2);
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
};

async function main(): Promise<void> {
  const upstream = new OwnNginx();
  const hand = new OwnNginx();
  let mode: NginxProxy | undefined;
  let node: L7Proxy | undefined;
  let workers: L7ProxyWorkers | undefined;
  try {
    const upPort = await freePort();
    await upstream.start(`  server { listen 127.0.0.1:${upPort} backlog=4096; location / { return 200 "ok\\n"; } }`, upPort);
    const handPort = await freePort();
    await hand.start(handWritten(handPort, upPort), handPort);

    const objects = cluster();
    const table = compileRouteTable(new ClusterView(objects, defaultClusterConfig()));
    const resolveEndpoint = (): { host: string; port: number } => ({ host: '127.0.0.1', port: upPort });
    mode = new NginxProxy({ table, listen: [{ host: '127.0.0.1', port: 0, frontPort: 80 }], resolveEndpoint, workerProcesses: 1 });
    const [modeAddr] = await mode.start();
    node = new L7Proxy({ table, listen: [{ host: '127.0.0.1', port: 0, frontPort: 80 }], resolveEndpoint });
    const [nodeAddr] = await node.start();
    const endpoints = new Map(SERVICES.map(([, ip]) => [`${ip}:8080`, { host: '127.0.0.1', port: upPort }]));
    workers = new L7ProxyWorkers({ workers: WORKERS, cluster: { objects, config: defaultClusterConfig() }, listen: [{ host: '127.0.0.1', port: 0, frontPort: 80 }], endpoints });
    const [workersAddr] = await workers.start();

    const workersName = `podnet Node proxy, ${WORKERS} worker${WORKERS === 1 ? '' : 's'}`;
    // The Node proxy in workers runs right after the reference: the machine's load drifts, and the ratio compares neighbours.
    // Serving processes, for requests per CPU-second: nginx workers, the Node workers, this process (the 1-process proxy).
    const servers: Record<string, () => number[]> = {
      'hand-written nginx': () => childrenOf(hand.pid!),
      [workersName]: () => workers!.pids,
      'podnet nginx mode': () => childrenOf(mode!.pid!),
      'podnet Node proxy': () => [process.pid],
    };
    const targets: [string, number][] = [['hand-written nginx', handPort], [workersName, workersAddr.port], ['podnet nginx mode', modeAddr.port], ['podnet Node proxy', nodeAddr.port]];
    const results = new Map<string, Result[]>(targets.map(([n]) => [n, []]));
    for (let r = 0; r < ROUNDS; r++) {
      for (const [name, port] of targets) {
        const res = await measure(port, servers[name]());
        if (res.non2xx) throw new Error(`${name}: ${res.non2xx} responses were not 2xx — the routes are not served`);
        results.get(name)!.push(res);
      }
    }
    const summary = new Map([...results].map(([n, rs]) => [n, { rps: median(rs.map((x) => x.rps)), p50: median(rs.map((x) => x.p50)), p99: median(rs.map((x) => x.p99)), perCPUSecond: median(rs.map((x) => x.perCPUSecond ?? NaN)) }]));
    console.log(`wrk -t${THREADS} -c${CONNECTIONS} -d${DURATION}s (after ${WARMUP}s warm-up), ${ROUNDS} round(s), GET ${TARGET} Host ${HOST}; ${PATHS * 2} Ingress paths; upstream nginx return 200`);
    console.log(`${'target'.padEnd(32)}    req/s      p50       p99   req per CPU-s`);
    for (const [n, s] of summary) console.log(`${n.padEnd(32)} ${s.rps.toFixed(0).padStart(8)}  ${s.p50.toFixed(2).padStart(6)}ms  ${s.p99.toFixed(2).padStart(6)}ms  ${s.perCPUSecond.toFixed(0).padStart(8)}`);
    // Each round's ratio compares targets measured minutes apart at most; the goal is checked on the median ratio.
    const ratios = (name: string): number[] => results.get(name)!.map((r, i) => r.rps / results.get('hand-written nginx')![i].rps);
    const p99Ratio = (name: string): string => (summary.get(name)!.p99 / summary.get('hand-written nginx')!.p99).toFixed(2);
    const line = (label: string, name: string, goal?: number): void => {
      const rs = ratios(name);
      const m = median(rs);
      const verdict = goal === undefined ? '' : `(goal ≥ ${goal}) ${m >= goal ? 'ok' : 'BELOW GOAL'}`;
      console.log(`${label} / hand-written nginx: ${m.toFixed(2)}× req/s ${verdict}, p99 ${p99Ratio(name)}×  rounds: ${rs.map((r) => r.toFixed(2)).join(' ')}`);
    };
    line('nginx mode', 'podnet nginx mode', 0.9);
    line('Node proxy, 1 process', 'podnet Node proxy');
    line(`Node proxy, ${WORKERS} workers`, workersName, 0.3);
  } finally {
    await workers?.close();
    await node?.close();
    await mode?.close();
    await hand.stop();
    await upstream.stop();
  }
}

await main();
