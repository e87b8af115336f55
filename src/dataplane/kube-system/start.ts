/**
 * Starting the kube-system side of a dataplane after its pods are wired: the cluster snapshot the
 * components read, resolv.conf for every namespace, a DNS server in each coredns pod, the L7 proxy
 * in each ingress-controller pod, and the host link. What was started is recorded in
 * `<dataplane dir>/kube-system/state.json` for `status`; `down` removes it all (see removeKubeSystem).
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClusterView } from '../../cluster/view.ts';
import type { DataplaneNames } from '../names.ts';
import { netnsPath, processesIn } from '../netns.ts';
import type { PodPlan, Topology } from '../plan.ts';
import { awaitFirstOutput, mapLimit } from '../run.ts';
import type { DataplaneLayout } from '../state.ts';
import { writeClusterSnapshot } from './cluster-source.ts';
import { deleteHostLink, planHostLink, setUpHostLink, type HostLinkPlan } from './host-link.ts';
import { removeNetnsEtc, writeResolvConfs } from './netns-etc.ts';
import { DNS_PORT, type KubeSystemPlan, type L7Engine } from './plan.ts';

const POD_MAIN = join(dirname(fileURLToPath(import.meta.url)), 'pod-main.mjs');

export interface ComponentRecord {
  role: 'dns' | 'ingress';
  /** `ns/name` */
  pod: string;
  netns: string;
  ip: string;
  pid: number;
  /** What it serves, e.g. `53/UDP`, `80/TCP`. */
  ports: string[];
  engine?: L7Engine;
  log: string;
}

export interface KubeSystemRecord {
  components: ComponentRecord[];
  /** Namespaces with an /etc/netns/<netns>/resolv.conf. */
  resolvConfs: number;
  hostLink?: HostLinkPlan;
  warnings: string[];
}

export function kubeSystemDir(layout: DataplaneLayout): string {
  return join(layout.dir, 'kube-system');
}

const recordFile = (layout: DataplaneLayout): string => join(kubeSystemDir(layout), 'state.json');

export function readKubeSystemRecord(layout: DataplaneLayout): KubeSystemRecord | undefined {
  const f = recordFile(layout);
  if (!existsSync(f)) return undefined;
  try {
    return JSON.parse(readFileSync(f, 'utf8')) as KubeSystemRecord;
  } catch {
    return undefined;
  }
}

export interface KubeSystemOptions {
  top: Topology;
  plan: KubeSystemPlan;
  view: ClusterView;
  layout: DataplaneLayout;
  /** The persisted cluster's state directory, followed by the components; absent for `-f` clusters. */
  follow?: string;
  log?: (line: string) => void;
}

/** Starts one component in a pod's namespace and waits for its "ready" line. */
async function startComponent(pod: PodPlan, args: string[], log: string): Promise<number> {
  mkdirSync(dirname(log), { recursive: true });
  const fd = openSync(log, 'a');
  const child = spawn('nsenter', [`--net=${netnsPath(pod.netns)}`, '--', process.execPath, POD_MAIN, ...args], { detached: true, stdio: ['ignore', 'pipe', fd] });
  closeSync(fd);
  const ready = await awaitFirstOutput(child, 30000);
  child.stdout?.destroy();
  child.unref();
  if (!ready || child.pid === undefined) {
    let tail = '';
    try {
      tail = readFileSync(log, 'utf8').trim().split('\n').slice(-3).join('; ');
    } catch {
      // no log
    }
    throw new Error(`pod ${pod.namespace}/${pod.name}: ${args[0]} did not start${tail ? `: ${tail}` : ''}`);
  }
  return child.pid;
}

export async function startKubeSystem(opts: KubeSystemOptions): Promise<KubeSystemRecord> {
  const log = opts.log ?? (() => undefined);
  const dir = kubeSystemDir(opts.layout);
  mkdirSync(dir, { recursive: true });
  const source = join(dir, 'cluster.json');
  writeClusterSnapshot(source, opts.view, opts.follow);
  const rc = writeResolvConfs(opts.top, opts.view);
  const record: KubeSystemRecord = { components: [], resolvConfs: rc.written.length, warnings: [...rc.warnings] };

  const logOf = (p: PodPlan, role: string): string => join(opts.layout.dir, 'logs', `${p.namespace}.${p.name}.${role}.log`);
  const dns = await mapLimit(opts.plan.dns, 4, async (pod): Promise<ComponentRecord> => {
    const file = logOf(pod, 'dns');
    const pid = await startComponent(pod, ['dns', '--netns', pod.netns, '--source', source], file);
    log(`dns: ${pod.namespace}/${pod.name} serving ${opts.view.config.clusterDomain} on ${pod.ip}:${DNS_PORT} (udp+tcp)`);
    return { role: 'dns', pod: `${pod.namespace}/${pod.name}`, netns: pod.netns, ip: pod.ip, pid, ports: [`${DNS_PORT}/UDP`, `${DNS_PORT}/TCP`], log: file };
  });
  const ingress = await mapLimit(opts.plan.ingress, 4, async (ip): Promise<ComponentRecord> => {
    const file = logOf(ip.pod, 'ingress');
    const args = ['ingress', '--netns', ip.pod.netns, '--source', source, '--http', ip.httpPorts.join(','), '--engine', ip.engine, '--work-dir', dir];
    const pid = await startComponent(ip.pod, args, file);
    log(`ingress: ${ip.pod.namespace}/${ip.pod.name} ${ip.engine} proxy on ${ip.pod.ip}:${ip.httpPorts.join(',')}`);
    return { role: 'ingress', pod: `${ip.pod.namespace}/${ip.pod.name}`, netns: ip.pod.netns, ip: ip.pod.ip, pid, ports: ip.httpPorts.map((p) => `${p}/TCP`), engine: ip.engine, log: file };
  });
  record.components = [...dns, ...ingress];

  // The host link only when something is meant to be reached from outside the cluster.
  const outside = opts.view.services.some((s) => s.spec.type === 'LoadBalancer' || s.spec.type === 'NodePort');
  const plan = outside ? planHostLink(opts.top, opts.view) : undefined;
  if (plan) {
    const why = await setUpHostLink(plan, opts.top);
    if (why) record.warnings.push(why);
    else {
      record.hostLink = plan;
      log(`host link ${plan.link} ${plan.address}/${plan.prefixLength}${plan.routes.length ? `, routes ${plan.routes.map((r) => r.dst).join(', ')}` : ''}`);
    }
  }
  writeFileSync(recordFile(opts.layout), `${JSON.stringify(record, null, 2)}\n`);
  return record;
}

/** What `down` removes besides namespaces and their processes: /etc/netns files and the host link. */
export async function removeKubeSystem(names: DataplaneNames): Promise<{ netnsEtc: string[]; hostLink: boolean }> {
  const hostLink = await deleteHostLink(names.prefix);
  return { netnsEtc: removeNetnsEtc(names), hostLink };
}

export interface ComponentStatus extends ComponentRecord {
  running: boolean;
}

/** The recorded components, each checked to be alive in its namespace. */
export function kubeSystemStatus(layout: DataplaneLayout): { components: ComponentStatus[]; hostLink?: string } | undefined {
  const rec = readKubeSystemRecord(layout);
  if (!rec) return undefined;
  const live = processesIn([...new Set(rec.components.map((c) => c.netns))]);
  const components = rec.components.map((c) => ({ ...c, running: (live.get(c.netns) ?? []).includes(c.pid) }));
  return { components, ...(rec.hostLink ? { hostLink: `${rec.hostLink.link} ${rec.hostLink.address}/${rec.hostLink.prefixLength}` } : {}) };
}
