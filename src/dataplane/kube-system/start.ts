/**
 * Starting the kube-system side of a dataplane after its pods are wired: the cluster snapshot the
 * components read, resolv.conf for every namespace, the nodes' resolver in the underlay (the address
 * the node resolv.conf names), a DNS server in each coredns pod, the L7 proxy in each
 * ingress-controller pod, and the host link. The pod sync of the node agents starts and stops the
 * per-pod components of pods added or removed later, with the same functions. What was started is recorded in
 * `<dataplane dir>/kube-system/state.json` for `status`; `down` removes it all (see removeKubeSystem).
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClusterView } from '../../cluster/view.ts';
import { nodeResolvConf } from '../../model/dns/index.ts';
import type { DataplaneNames } from '../names.ts';
import { processesIn, startNetnsHelper } from '../netns.ts';
import type { PodPlan, Topology } from '../plan.ts';
import { mapLimit } from '../run.ts';
import type { DataplaneLayout } from '../state.ts';
import { writeClusterSnapshot } from './cluster-source.ts';
import { deleteHostLink, needsHostLink, planHostLink, setUpHostLink, type HostLinkPlan } from './host-link.ts';
import { ensureFakeCertificate } from './ingress-tls.ts';
import { removeNetnsEtc, writeResolvConfs } from './netns-etc.ts';
import { DNS_PORT, type IngressPodPlan, type KubeSystemPlan, type L7Engine } from './plan.ts';

const POD_MAIN = join(dirname(fileURLToPath(import.meta.url)), 'pod-main.mjs');

export interface ComponentRecord {
  /**
   * `node-dns`: the nodes' upstream-only resolver in the underlay namespace (no pod); `host-link`:
   * the host link following the cluster, also there.
   */
  role: 'dns' | 'ingress' | 'node-dns' | 'host-link';
  /** `ns/name`; `-` for the nodes' resolver. */
  pod: string;
  netns: string;
  ip: string;
  pid: number;
  /** What it serves, e.g. `53/UDP`, `80/TCP`. */
  ports: string[];
  engine?: L7Engine;
  /** An ingress proxy's ports terminating TLS (a subset of `ports`), so a change of them is seen. */
  httpsPorts?: number[];
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

/** Starts one component in a namespace (`what` names it in errors) and waits for its "ready" line. */
function startComponent(netns: string, what: string, args: string[], log: string, fd3?: number): Promise<number> {
  return startNetnsHelper({ netns, script: POD_MAIN, args, log, what: `${what}: ${args[0]}`, timeoutMs: 30000, fd3 });
}

/** The cluster snapshot every component reads (following the persisted store when `up` ran on it). */
export function componentSourceFile(layout: DataplaneLayout): string {
  return join(kubeSystemDir(layout), 'cluster.json');
}

const logOf = (layout: DataplaneLayout, p: PodPlan, role: string): string => join(layout.dir, 'logs', `${p.namespace}.${p.name}.${role}.log`);

/** The DNS server of one coredns pod, on 53/UDP+TCP of its namespace. */
export async function startDNSPod(pod: PodPlan, layout: DataplaneLayout): Promise<ComponentRecord> {
  const file = logOf(layout, pod, 'dns');
  const pid = await startComponent(pod.netns, `pod ${pod.namespace}/${pod.name}`, ['dns', '--netns', pod.netns, '--source', componentSourceFile(layout)], file);
  return { role: 'dns', pod: `${pod.namespace}/${pod.name}`, netns: pod.netns, ip: pod.ip, pid, ports: [`${DNS_PORT}/UDP`, `${DNS_PORT}/TCP`], log: file };
}

/** The L7 proxy of one ingress-controller pod, on its HTTP ports and (TLS) its HTTPS ports. */
export async function startIngressPod(ip: IngressPodPlan, layout: DataplaneLayout): Promise<ComponentRecord> {
  const file = logOf(layout, ip.pod, 'ingress');
  const args = ['ingress', '--netns', ip.pod.netns, '--source', componentSourceFile(layout), '--http', ip.httpPorts.join(','), '--engine', ip.engine, '--work-dir', kubeSystemDir(layout)];
  if (ip.httpsPorts.length) {
    // One default certificate per run, as one controller generates one at start.
    const def = await ensureFakeCertificate(kubeSystemDir(layout));
    args.push('--https', ip.httpsPorts.join(','), '--default-cert', def.cert, '--default-key', def.key);
  }
  const pid = await startComponent(ip.pod.netns, `pod ${ip.pod.namespace}/${ip.pod.name}`, args, file);
  return { role: 'ingress', pod: `${ip.pod.namespace}/${ip.pod.name}`, netns: ip.pod.netns, ip: ip.pod.ip, pid, ports: [...ip.httpPorts, ...ip.httpsPorts].map((p) => `${p}/TCP`), engine: ip.engine, httpsPorts: ip.httpsPorts, log: file };
}

/**
 * The nodes' resolver: what every node's resolv.conf names (nodeResolvConf, the underlay gateway
 * address), served from the underlay namespace, which owns that address. Upstream-only: it answers
 * from `dns.upstream` and knows no cluster names, as the node's real upstream resolver would.
 */
export async function startNodeResolver(top: Topology, layout: DataplaneLayout): Promise<ComponentRecord> {
  const file = join(layout.dir, 'logs', 'node-dns.log');
  const { netns, ip } = top.underlay;
  const pid = await startComponent(netns, `the nodes' resolver (${netns})`, ['node-dns', '--netns', netns, '--source', componentSourceFile(layout), '--listen', ip], file);
  return { role: 'node-dns', pod: '-', netns, ip, pid, ports: [`${DNS_PORT}/UDP`, `${DNS_PORT}/TCP`], log: file };
}

/**
 * The host-link sync (host-link-sync.ts) in the underlay namespace, given this process's network
 * namespace — the host's, where `up` runs — as its descriptor 3.
 */
export async function startHostLinkSync(top: Topology, layout: DataplaneLayout): Promise<ComponentRecord> {
  const file = join(layout.dir, 'logs', 'host-link.log');
  const { netns, ip } = top.underlay;
  const hostNs = openSync('/proc/self/ns/net', 'r');
  try {
    const pid = await startComponent(netns, `the host-link sync (${netns})`, ['host-link', '--netns', netns, '--source', componentSourceFile(layout), '--dataplane-dir', layout.dir], file, hostNs);
    return { role: 'host-link', pod: '-', netns, ip, pid, ports: [], log: file };
  } finally {
    closeSync(hostNs);
  }
}

/**
 * What a pod's component is, from its plan or its record: role, ports (TLS ones marked) and engine.
 * Two equal identities run the same component; a pod whose identity changed in place needs a restart.
 */
export function componentIdentity(c: Pick<ComponentRecord, 'role' | 'ports' | 'engine' | 'httpsPorts'>): string {
  const tls = new Set((c.httpsPorts ?? []).map((p) => `${p}/TCP`));
  return `${c.role} ${c.ports.map((p) => (tls.has(p) ? `${p}+tls` : p)).join(',')} ${c.engine ?? ''}`;
}

/** The identity the record of a component started from this plan will have (see componentIdentity). */
export function plannedDNSIdentity(): string {
  return componentIdentity({ role: 'dns', ports: [`${DNS_PORT}/UDP`, `${DNS_PORT}/TCP`] });
}

export function plannedIngressIdentity(ip: IngressPodPlan): string {
  return componentIdentity({ role: 'ingress', ports: [...ip.httpPorts, ...ip.httpsPorts].map((p) => `${p}/TCP`), engine: ip.engine, httpsPorts: ip.httpsPorts });
}

/** Stops recorded components (TERM), each only while its pid still runs in its recorded namespace. */
export function stopComponents(records: readonly ComponentRecord[]): void {
  const live = processesIn([...new Set(records.map((c) => c.netns))]);
  for (const c of records) {
    if (!(live.get(c.netns) ?? []).includes(c.pid)) continue;
    try {
      process.kill(c.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
}

export function writeKubeSystemRecord(layout: DataplaneLayout, record: KubeSystemRecord): void {
  mkdirSync(kubeSystemDir(layout), { recursive: true });
  const file = recordFile(layout);
  writeFileSync(`${file}.tmp`, `${JSON.stringify(record, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}

export async function startKubeSystem(opts: KubeSystemOptions): Promise<KubeSystemRecord> {
  const log = opts.log ?? (() => undefined);
  mkdirSync(kubeSystemDir(opts.layout), { recursive: true });
  writeClusterSnapshot(componentSourceFile(opts.layout), opts.view, opts.follow);
  const rc = writeResolvConfs(opts.top, opts.view);
  const record: KubeSystemRecord = { components: [], resolvConfs: rc.written.length, warnings: [...rc.warnings] };

  // The address must be the one the node resolv.conf names; a nodeNetwork too small for it has none.
  const resolver = nodeResolvConf(opts.view).nameservers[0] === opts.top.underlay.ip ? startNodeResolver(opts.top, opts.layout) : undefined;
  resolver?.catch(() => undefined); // awaited below, after the pods' components started alongside
  const dns = await mapLimit(opts.plan.dns, 4, async (pod): Promise<ComponentRecord> => {
    const rec = await startDNSPod(pod, opts.layout);
    log(`dns: ${pod.namespace}/${pod.name} serving ${opts.view.config.clusterDomain} on ${pod.ip}:${DNS_PORT} (udp+tcp)`);
    return rec;
  });
  const ingress = await mapLimit(opts.plan.ingress, 4, async (ip): Promise<ComponentRecord> => {
    const rec = await startIngressPod(ip, opts.layout);
    log(`ingress: ${ip.pod.namespace}/${ip.pod.name} ${ip.engine} proxy on ${ip.pod.ip}:${ip.httpPorts.join(',')}${ip.httpsPorts.length ? ` (https ${ip.httpsPorts.join(',')})` : ''}`);
    return rec;
  });
  if (resolver) {
    const rec = await resolver;
    record.components.push(rec);
    log(`node-dns: ${rec.ip}:${DNS_PORT} (udp+tcp) in ${rec.netns}, upstream-only`);
  }
  record.components.push(...dns, ...ingress);

  // The host link only when something is meant to be reached from outside the cluster.
  const plan = needsHostLink(opts.view) ? planHostLink(opts.top, opts.view) : undefined;
  if (plan) {
    const why = await setUpHostLink(plan, opts.top);
    if (why) record.warnings.push(why);
    else {
      record.hostLink = plan;
      log(`host link ${plan.link} ${plan.address}/${plan.prefixLength}${plan.routes.length ? `, routes ${plan.routes.map((r) => r.dst).join(', ')}` : ''}`);
    }
  }
  // On the persisted cluster the link follows Services added or removed while up.
  if (opts.follow) {
    const rec = await startHostLinkSync(opts.top, opts.layout);
    record.components.push(rec);
    log(`host-link: following LoadBalancer and NodePort Services (log ${rec.log})`);
  }
  writeKubeSystemRecord(opts.layout, record);
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
