/**
 * DNS server benchmark (issue 5): dnsperf over loopback against `podnet`'s DNS server and against NSD
 * serving the same records, in the same run. Reports queries/s and server CPU per query (utime+stime
 * from /proc/PID/stat) for both, and the ratio. Query mix: 25% each A hit, SRV hit, PTR hit, NXDOMAIN.
 * Goal: ≥ 50,000 qps per core (published CoreDNS ≈ 17k per core) and ≥ 0.4× NSD's CPU efficiency.
 * Repeated questions are answered from podnet's answer cache, as they are in a cluster; `--cold` adds
 * runs where every query is new (unique NXDOMAIN names, and Service names in a case never asked
 * before), which measures the decode → model → encode path instead.
 *
 *   node --import tsx bench/dns.ts [--services 2000] [--seconds 8] [--runs 3] [--cold]
 * Needs Debian `dnsperf` and `nsd` (NSD is skipped, with a note, when absent). Servers are pinned
 * to CPU 0 and dnsperf to CPU 1 when `taskset` exists. Traffic stays on 127.0.0.1.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KObject } from '../src/api/types.ts';
import { defaultClusterConfig } from '../src/cluster/config.ts';
import { ClusterView } from '../src/cluster/view.ts';
import { DNSServer } from '../src/dataplane/dns/index.ts';
import { ClusterDNS, recordText, reverseName, type ResourceRecord } from '../src/model/dns/index.ts';

const args = process.argv.slice(2);
const flag = (name: string, dflt: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};

/** N ClusterIP Services (10.96.x.y) with one named port, in 20 namespaces, plus their endpoints. */
function cluster(n: number): ClusterView {
  const objects: KObject[] = [];
  for (let i = 0; i < 20; i++) objects.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: `ns${i}` } });
  for (let i = 0; i < n; i++) {
    const ns = `ns${i % 20}`;
    const ip = `10.96.${10 + Math.floor(i / 250)}.${(i % 250) + 1}`;
    objects.push({ apiVersion: 'v1', kind: 'Service', metadata: { name: `svc${i}`, namespace: ns }, spec: { clusterIP: ip, clusterIPs: [ip], ports: [{ name: 'http', port: 80, protocol: 'TCP' }] } });
    objects.push({
      apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: `svc${i}-x`, namespace: ns, labels: { 'kubernetes.io/service-name': `svc${i}` } },
      addressType: 'IPv4', endpoints: [{ addresses: [`10.244.${Math.floor(i / 250)}.${(i % 250) + 1}`], conditions: { ready: true } }], ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    });
  }
  return new ClusterView(objects, defaultClusterConfig());
}

/** Lines no earlier query had: half unique NXDOMAIN names, half Service names in a new letter case. */
function coldQueries(n: number, count: number, run: number): string[] {
  const out: string[] = [];
  const variantsPerRun = Math.ceil(count / 2 / n);
  for (let k = 0; k < count; k++) {
    const i = (k * 37) % n;
    if (k % 2) {
      out.push(`cold${run}-${k}.ns${i % 20}.svc.cluster.local A`);
      continue;
    }
    // The letters of svcI.nsJ.svc.cluster.local (20 of them) spell a distinct case pattern per variant.
    const variant = run * variantsPerRun + Math.floor(k / 2 / n) + 1;
    let bit = 0;
    const name = [...`svc${i}.ns${i % 20}.svc.cluster.local`].map((c) => (/[a-z]/.test(c) && (variant >> bit++) & 1 ? c.toUpperCase() : c)).join('');
    out.push(`${name} A`);
  }
  return out;
}

function queries(n: number): string[] {
  const out: string[] = [];
  for (let k = 0; k < 100; k++) {
    const i = (k * 37) % n;
    const ns = `ns${i % 20}`;
    out.push(`svc${i}.${ns}.svc.cluster.local A`);
    out.push(`_http._tcp.svc${i}.${ns}.svc.cluster.local SRV`);
    out.push(`${reverseName(`10.96.${10 + Math.floor(i / 250)}.${(i % 250) + 1}`)} PTR`);
    out.push(`nope${i}.${ns}.svc.cluster.local A`);
  }
  return out;
}

/** The zone NSD serves: every record our server gives for the query set, plus SOA and NS. */
function nsdZones(dns: ClusterDNS, qs: string[], dir: string): string {
  const forward = new Set<string>();
  const reverse = new Set<string>();
  const add = (rr: ResourceRecord): void => {
    (rr.name.endsWith('.in-addr.arpa.') ? reverse : forward).add(recordText(rr));
  };
  for (const q of qs) {
    const [name, type] = q.split(' ');
    const r = dns.answer({ name, type });
    for (const rr of [...r.answer, ...r.additional]) add(rr);
  }
  const soa = (zone: string) => `${zone} 30 IN SOA ns.dns.cluster.local. hostmaster.cluster.local. 1 7200 1800 86400 30\n${zone} 30 IN NS ns.dns.cluster.local.\n`;
  writeFileSync(join(dir, 'cluster.local.zone'), `${soa('cluster.local.')}ns.dns.cluster.local. 30 IN A 10.96.0.10\n${[...forward].join('\n')}\n`);
  writeFileSync(join(dir, 'in-addr.arpa.zone'), `${soa('in-addr.arpa.')}${[...reverse].join('\n')}\n`);
  return [
    'server:', `  ip-address: 127.0.0.1@${NSD_PORT}`, '  server-count: 1', '  username: ""', `  zonesdir: "${dir}"`, '  database: ""',
    `  pidfile: "${join(dir, 'nsd.pid')}"`, '  chroot: ""', '  verbosity: 0', '  rrl-ratelimit: 0', '  hide-version: yes',
    `  xfrdfile: "${join(dir, 'xfrd.state')}"`, `  zonelistfile: "${join(dir, 'zone.list')}"`,
    'remote-control:', '  control-enable: no',
    'zone:', '  name: cluster.local', '  zonefile: cluster.local.zone',
    'zone:', '  name: in-addr.arpa', '  zonefile: in-addr.arpa.zone', '',
  ].join('\n');
}

const OUR_PORT = 15301;
const NSD_PORT = 15302;
const hasTaskset = spawnSync('taskset', ['-V']).status === 0;
const pinned = (cpu: number, cmd: string, argv: string[]): [string, string[]] => (hasTaskset ? ['taskset', ['-c', String(cpu), cmd, ...argv]] : [cmd, argv]);

/** utime+stime of `pid` and all its descendants (NSD serves from forked children), in seconds. */
function cpuSeconds(pid: number): number {
  const procs = new Map<number, { ppid: number; ticks: number }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const f = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1].split(' ');
      procs.set(Number(entry), { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) });
    } catch {
      // exited meanwhile
    }
  }
  let ticks = 0;
  const tree = new Set([pid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const [p, info] of procs) {
      if (tree.has(p) || !tree.has(info.ppid)) continue;
      tree.add(p);
      grew = true;
    }
  }
  for (const p of tree) ticks += procs.get(p)?.ticks ?? 0;
  return ticks / 100; // USER_HZ
}

async function waitForAnswer(port: number, probe: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const r = spawnSync('dnsperf', ['-s', '127.0.0.1', '-p', String(port), '-l', '0.2', '-d', probe], { encoding: 'utf8' });
    if (/Queries completed:\s+[1-9]/.test(r.stdout ?? '')) return;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`server on port ${port} did not answer`);
}

interface Run {
  qps: number;
  cpuUsPerQuery: number;
  lost: number;
}

async function measure(pid: number, port: number, file: string, seconds: number): Promise<Run> {
  const before = cpuSeconds(pid);
  const [cmd, argv] = pinned(1, 'dnsperf', ['-s', '127.0.0.1', '-p', String(port), '-d', file, '-l', String(seconds), '-c', '4', '-q', '100']);
  const out = await new Promise<string>((resolve) => {
    const p = spawn(cmd, argv);
    let text = '';
    p.stdout.on('data', (d) => (text += d));
    p.on('close', () => resolve(text));
  });
  const cpu = cpuSeconds(pid) - before;
  const completed = Number(/Queries completed:\s+(\d+)/.exec(out)?.[1] ?? 0);
  const lost = Number(/Queries lost:\s+(\d+)/.exec(out)?.[1] ?? 0);
  const qps = Number(/Queries per second:\s+([\d.]+)/.exec(out)?.[1] ?? 0);
  return { qps, cpuUsPerQuery: completed ? (cpu / completed) * 1e6 : NaN, lost };
}

async function main(): Promise<void> {
  if (args[0] === '--serve') {
    // Child mode: the podnet DNS server alone in its process, so its CPU can be read from /proc.
    const n = Number(args[1]);
    const server = new DNSServer({ listen: { host: '127.0.0.1', port: OUR_PORT }, view: () => cluster(n) });
    await server.start();
    process.on('SIGTERM', () => {
      process.stdout.write(`${JSON.stringify(server.stats)}\n`);
      void server.close().then(() => process.exit(0));
    });
    return;
  }
  if (spawnSync('dnsperf', ['-h']).error) {
    process.stderr.write('dnsperf is not installed (apt-get install dnsperf)\n');
    process.exit(2);
  }
  const n = flag('services', 2000);
  const seconds = flag('seconds', 8);
  const runs = flag('runs', 3);
  const cold = args.includes('--cold');
  const dir = mkdtempSync(join(tmpdir(), 'podnet-dnsbench-'));
  const children: ChildProcess[] = [];
  try {
    const qs = queries(n);
    const file = join(dir, 'queries.txt');
    writeFileSync(file, `${qs.join('\n')}\n`);
    const probe = join(dir, 'probe.txt');
    writeFileSync(probe, 'svc0.ns0.svc.cluster.local A\n');
    const [ocmd, oargv] = pinned(0, process.execPath, ['--import', 'tsx', new URL(import.meta.url).pathname, '--serve', String(n)]);
    const ours = spawn(ocmd, oargv, { stdio: ['ignore', 'pipe', 'inherit'] });
    let ourStats = '';
    ours.stdout?.on('data', (d) => (ourStats += d));
    const ourExit = new Promise((res) => ours.on('close', res));
    children.push(ours);
    await waitForAnswer(OUR_PORT, probe);
    // taskset execs the command, so the child's pid is the server's.
    const results: Record<string, Run[]> = { podnet: [] };
    let nsdPid: number | undefined;
    if (spawnSync('nsd', ['-v']).error === undefined) {
      writeFileSync(join(dir, 'nsd.conf'), nsdZones(new ClusterDNS(cluster(n)), qs, dir));
      execFileSync('nsd-checkconf', [join(dir, 'nsd.conf')]);
      const [ncmd, nargv] = pinned(0, 'nsd', ['-d', '-c', join(dir, 'nsd.conf')]);
      const nsd = spawn(ncmd, nargv, { stdio: 'inherit' });
      children.push(nsd);
      await waitForAnswer(NSD_PORT, probe);
      nsdPid = nsd.pid;
      results.nsd = [];
    } else {
      process.stderr.write('nsd is not installed (apt-get install nsd): reporting podnet alone\n');
    }
    for (let r = 0; r < runs; r++) {
      results.podnet.push(await measure(ours.pid as number, OUR_PORT, file, seconds));
      if (nsdPid) results.nsd.push(await measure(nsdPid, NSD_PORT, file, seconds));
    }
    const coldResults: Record<string, Run[]> = { podnet: [], ...(nsdPid ? { nsd: [] } : {}) };
    if (cold) {
      // More lines than a run can send, so dnsperf never wraps around to a query it already sent.
      const count = Math.ceil(seconds * 150_000);
      for (let r = 0; r < runs; r++) {
        const coldFile = join(dir, `cold${r}.txt`);
        writeFileSync(coldFile, `${coldQueries(n, count, r).join('\n')}\n`);
        coldResults.podnet.push(await measure(ours.pid as number, OUR_PORT, coldFile, seconds));
        if (nsdPid) coldResults.nsd.push(await measure(nsdPid, NSD_PORT, coldFile, seconds));
        rmSync(coldFile);
      }
    }
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    process.stdout.write(`DNS benchmark: ${n} services, ${qs.length}-line query mix (A, SRV, PTR, NXDOMAIN), ${runs} runs × ${seconds} s, dnsperf -c 4 -q 100${hasTaskset ? ', servers on CPU 0, dnsperf on CPU 1' : ''}\n`);
    process.stdout.write('server      QPS per run                     CPU µs/query per run   median   QPS per core (1e6/µs)\n');
    const table = (rows: Record<string, Run[]>, suffix: string): void => {
      for (const [name, rs] of Object.entries(rows)) {
        const us = median(rs.map((x) => x.cpuUsPerQuery));
        process.stdout.write(`${`${name}${suffix}`.padEnd(11)} ${rs.map((x) => x.qps.toFixed(0)).join(' / ').padEnd(31)} ${rs.map((x) => x.cpuUsPerQuery.toFixed(1)).join(' / ').padEnd(22)} ${us.toFixed(1).padEnd(8)} ${(1e6 / us).toFixed(0)}${rs.some((x) => x.lost) ? `  (lost: ${rs.map((x) => x.lost).join('/')})` : ''}\n`);
      }
    };
    table(results, '');
    const ourUs = median(results.podnet.map((x) => x.cpuUsPerQuery));
    process.stdout.write(`goal ≥ 50,000 qps per core: ${1e6 / ourUs >= 50000 ? 'met' : 'NOT met'} (${(1e6 / ourUs).toFixed(0)})\n`);
    if (results.nsd) {
      const ratio = median(results.nsd.map((x) => x.cpuUsPerQuery)) / ourUs;
      process.stdout.write(`CPU efficiency vs NSD: ${ratio.toFixed(2)}× (goal ≥ 0.4×: ${ratio >= 0.4 ? 'met' : 'NOT met'})\n`);
    }
    if (cold) {
      process.stdout.write('cold runs (every query new to podnet\'s cache):\n');
      table(coldResults, ' cold');
      if (coldResults.nsd) process.stdout.write(`cold CPU efficiency vs NSD: ${(median(coldResults.nsd.map((x) => x.cpuUsPerQuery)) / median(coldResults.podnet.map((x) => x.cpuUsPerQuery))).toFixed(2)}×\n`);
    }
    ours.kill('SIGTERM');
    await ourExit;
    const stats = JSON.parse(ourStats.trim() || '{}') as { queries?: number; cacheHits?: number };
    if (stats.queries) process.stdout.write(`podnet answered ${stats.queries} queries, ${((100 * (stats.cacheHits ?? 0)) / stats.queries).toFixed(2)}% from its answer cache\n`);
  } finally {
    for (const c of children) c.kill('SIGTERM');
    await new Promise((res) => setTimeout(res, 300));
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
