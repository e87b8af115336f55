/**
 * Pods added or removed while up, reconciled on one node as its kubelet would: each node's rules
 * agent (which follows the persisted store) runs a PodSync for the pods bound to its node. A new
 * pod (scheduled, with a pod IP) gets its namespace, CNI ADD through the node's runtime and daemon,
 * its resolv.conf, its test server and — for a coredns or ingress-controller pod — its cluster
 * component (DNS server, L7 proxy), all with the functions `up` uses; a pod gone from the store gets
 * its component and server stopped, CNI DEL, its namespace and /etc/netns files removed. state.json
 * and the kube-system record follow, so `status`, `exec` and `probe` see the change and `down` still
 * finds everything by prefix. A pod that fails to wire is undone and one that fails to tear down
 * stays recorded: the next change, or a retry with backoff, tries again.
 */
import { rmSync } from 'node:fs';
import type { ClusterConfig } from '../cluster/config.ts';
import { planKubeSystem, type IngressPodPlan } from './kube-system/plan.ts';
import { componentIdentity, plannedDNSIdentity, plannedIngressIdentity, readKubeSystemRecord, startDNSPod, startIngressPod, stopComponents, writeKubeSystemRecord, type ComponentRecord } from './kube-system/start.ts';
import { netnsEtcDir, writeResolvConfs } from './kube-system/netns-etc.ts';
import { DataplaneNames } from './names.ts';
import { addNetns, deleteNetns, processesIn } from './netns.ts';
import { planTopology, type NodePlan, type PodPlan } from './plan.ts';
import { loadCluster, type ClusterSource } from './rules/cluster-source.ts';
import { run } from './run.ts';
import { DataplaneLayout, type DataplaneState, type ServerRecord } from './state.ts';
import { announcePodAddress, attachPod, detachPod, nodeNetworks, runtimeFor, startPodServer } from './node-runtime.ts';

export interface PodSyncOptions {
  node: string;
  /** $PODNET_HOME/dataplane */
  dataplaneDir: string;
  source: ClusterSource;
  config: ClusterConfig;
  log?: (line: string) => void;
}

/** A pod's sandbox identity: a pod recreated under the same name with another uid or IP is a new sandbox. */
const sandboxKey = (p: PodPlan): string => `${p.namespace}/${p.name}/${p.containerID}/${p.ip}`;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * state.json and the kube-system record are shared by every node's agent: read-modify-write under
 * a lock directory. The record is written only when it exists (it does once `up` finished).
 */
function updateState(layout: DataplaneLayout, change: (s: DataplaneState, components: ComponentRecord[]) => ComponentRecord[]): Promise<void> {
  return layout.withLock(() => {
    const state = layout.read();
    if (!state) return;
    const record = readKubeSystemRecord(layout);
    const components = change(state, record?.components ?? []);
    layout.write(state);
    if (record) writeKubeSystemRecord(layout, { ...record, components });
  });
}

/** Waits (bounded) until a link has left a namespace. */
async function waitForLinkGone(netns: string, link: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const r = await run('ip', ['-n', netns, 'link', 'show', 'dev', link]);
    if (r.code !== 0) return;
    await sleep(25);
  }
}

function stopServer(server: ServerRecord): void {
  try {
    process.kill(server.pid, 'SIGTERM');
  } catch {
    // already gone
  }
}

/**
 * Stops one process of a namespace and waits until it has left it (an exited child that is not yet
 * reaped no longer has a namespace), so what replaces it can bind its ports: TERM, then KILL after 10 s.
 */
async function stopAndWait(pid: number, netns: string): Promise<void> {
  const alive = (): boolean => (processesIn([netns]).get(netns) ?? []).includes(pid);
  if (!alive()) return;
  for (const [signal, ms] of [['SIGTERM', 10_000], ['SIGKILL', 2_000]] as const) {
    try {
      process.kill(pid, signal);
    } catch {
      return;
    }
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      if (!alive()) return;
      await sleep(25);
    }
  }
}

const portsKey = (p: PodPlan): string => p.ports.map((x) => `${x.port}/${x.protocol}`).sort().join(',');

/** Retries of a sync that left a pod unwired or not torn down, as kubelet retries a sandbox: 0.5 s doubling to 10 s. */
const RETRY_FIRST_MS = 500;
const RETRY_MAX_MS = 10_000;

export class PodSync {
  private readonly layout: DataplaneLayout;
  private running?: Promise<void>;
  private dirty = false;
  private retryMs = RETRY_FIRST_MS;
  private retryTimer?: NodeJS.Timeout;

  constructor(private readonly opts: PodSyncOptions) {
    this.layout = new DataplaneLayout(opts.dataplaneDir);
  }

  /**
   * Runs a sync now, or once more after the one in progress; failures are logged, never thrown. A
   * sync that failed for some pod is retried with backoff even when the cluster does not change again.
   */
  request(): void {
    if (this.running) {
      this.dirty = true;
      return;
    }
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.running = this.syncOnce()
      .catch((err: unknown) => {
        this.opts.log?.(`pod sync failed: ${err instanceof Error ? err.message : String(err)}`);
        return false;
      })
      .then((complete) => {
        this.running = undefined;
        if (this.dirty) {
          this.dirty = false;
          this.request();
        } else if (!complete) {
          this.retryTimer = setTimeout(() => this.request(), this.retryMs);
          this.retryTimer.unref();
          this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
        } else {
          this.retryMs = RETRY_FIRST_MS;
        }
      });
  }

  stop(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  /** One pass; true when every pod of the node is as the cluster wants it. */
  private async syncOnce(): Promise<boolean> {
    const state = this.layout.read();
    if (!state) return true;
    // Until `up` has finished, it owns the pods and state.json: a change made meanwhile is retried.
    if (state.phase !== 'up') return false;
    const node = state.topology.nodes.find((n) => n.name === this.opts.node) as NodePlan | undefined;
    if (!node) return true;
    const { view } = loadCluster(this.opts.source, this.opts.config);
    const names = new DataplaneNames(state.prefix);
    const { topology, plan } = planKubeSystem(planTopology(view, view.config, names), view);
    const desired = topology.pods.filter((p) => p.node === node.name);
    const current = state.topology.pods.filter((p) => p.node === node.name);
    const want = new Set(desired.map(sandboxKey));
    const have = new Set(current.map(sandboxKey));
    const removed = current.filter((p) => !want.has(sandboxKey(p)));
    const added = desired.filter((p) => !have.has(sandboxKey(p)));
    const dnsPods = new Set(plan.dns.map(sandboxKey));
    const ingressPods = new Map(plan.ingress.map((i): [string, IngressPodPlan] => [sandboxKey(i.pod), i]));
    const recorded = readKubeSystemRecord(this.layout)?.components ?? [];
    // Pods kept whose component (or the test server's share of the ports) changed in place: labels,
    // ports or the engine annotation edited on the live pod.
    const plannedIdentity = (p: PodPlan): string | undefined => {
      const ingress = ingressPods.get(sandboxKey(p));
      return dnsPods.has(sandboxKey(p)) ? plannedDNSIdentity() : ingress ? plannedIngressIdentity(ingress) : undefined;
    };
    const componentOf = (p: PodPlan): ComponentRecord | undefined =>
      recorded.find((c) => (c.role === 'dns' || c.role === 'ingress') && c.pod === `${p.namespace}/${p.name}` && c.netns === p.netns);
    const currentByKey = new Map(current.map((p) => [sandboxKey(p), p]));
    const changed = desired.flatMap((p) => {
      const was = currentByKey.get(sandboxKey(p));
      if (!was) return [];
      const rec = componentOf(was);
      const component = plannedIdentity(p) !== (rec ? componentIdentity(rec) : undefined);
      const server = portsKey(p) !== portsKey(was);
      return component || server ? [{ pod: p, was, rec, component, server }] : [];
    });
    if (!removed.length && !added.length && !changed.length) return true;

    const runtime = runtimeFor(this.layout, node, state.cniBinDirs, state.cniSockets[node.name]);
    const networks = nodeNetworks(this.layout, node);
    const serverOf = new Map(state.servers.map((s) => [s.pod, s]));
    // Removals first: a pod recreated under its name reuses the namespace name.
    const torn: PodPlan[] = [];
    for (const pod of removed) {
      const server = serverOf.get(`${pod.namespace}/${pod.name}`);
      if (server?.netns === pod.netns) stopServer(server);
      // Deleting the namespace kills what runs in it; a hostNetwork pod's component runs in the node's.
      stopComponents(recorded.filter((c) => c.pod === `${pod.namespace}/${pod.name}` && c.netns === pod.netns));
      try {
        await detachPod(pod, runtime, networks);
        if (!pod.hostNetwork) {
          await deleteNetns(pod.netns);
          rmSync(netnsEtcDir(pod.netns), { recursive: true, force: true });
          // The kernel destroys the veth pair after the namespace asynchronously; a pod recreated
          // under the same name (same host veth name) at once would collide with the dying one.
          if (pod.hostVeth) await waitForLinkGone(node.netns, pod.hostVeth);
        }
        torn.push(pod);
        this.opts.log?.(`pod ${pod.namespace}/${pod.name}: removed (${pod.ip})`);
      } catch (err) {
        // Kept in state.json: the next change retries the teardown (DEL is idempotent).
        this.opts.log?.(`pod ${pod.namespace}/${pod.name}: teardown failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    const servers: ServerRecord[] = [];
    const components: ComponentRecord[] = [];
    const wired: PodPlan[] = [];
    for (const pod of added) {
      const started: ComponentRecord[] = [];
      let server: ServerRecord | undefined;
      try {
        if (!pod.hostNetwork) await addNetns(pod.netns);
        const attached = await attachPod(pod, runtime, networks);
        // A live pod may get the IP of a pod removed a moment ago: on a bridge, announce it (see
        // announcePodAddress). Routed veths need not: the old pod's host veth took its neighbours along.
        if (state.topology.profile.bridge) await announcePodAddress(pod, attached);
        writeResolvConfs({ ...state.topology, nodes: [], pods: [pod] }, view);
        server = await startPodServer(pod, this.layout);
        const ingress = ingressPods.get(sandboxKey(pod));
        if (dnsPods.has(sandboxKey(pod))) started.push(await startDNSPod(pod, this.layout));
        else if (ingress) started.push(await startIngressPod(ingress, this.layout));
        if (server) servers.push(server);
        components.push(...started);
        wired.push(pod);
        const serving = [...pod.ports.map((p) => `${p.port}/${p.protocol}`), ...started.flatMap((c) => c.ports.map((p) => `${p} ${c.role}`))];
        this.opts.log?.(`pod ${pod.namespace}/${pod.name}: ${pod.ip} wired${serving.length ? ` (serving ${serving.join(',')})` : ''}`);
      } catch (err) {
        // Undone, so the next change starts this pod from scratch.
        this.opts.log?.(`pod ${pod.namespace}/${pod.name}: wiring failed: ${err instanceof Error ? err.message : String(err)}`);
        if (server) stopServer(server);
        stopComponents(started);
        await detachPod(pod, runtime, networks).catch(() => undefined);
        if (!pod.hostNetwork) {
          await deleteNetns(pod.netns).catch(() => undefined);
          rmSync(netnsEtcDir(pod.netns), { recursive: true, force: true });
          if (pod.hostVeth) await waitForLinkGone(node.netns, pod.hostVeth);
        }
      }
    }
    // Changed in place: the network stays; the component and the test server are swapped in an
    // order that frees each port before the next process binds it.
    const restarted: PodPlan[] = [];
    const serverRefs = new Set<string>();
    const componentRefs = new Set<string>();
    let changedOK = 0;
    for (const { pod, was, rec, component, server } of changed) {
      const ref = `${pod.namespace}/${pod.name}`;
      let ok = true;
      try {
        if (component && rec) {
          componentRefs.add(ref);
          await stopAndWait(rec.pid, rec.netns);
        }
        const old = serverOf.get(ref);
        if (server) {
          serverRefs.add(ref);
          // Until a new server runs, the pod is recorded serving nothing (a retry then starts one).
          restarted.push({ ...pod, ports: [] });
          if (old?.netns === was.netns) await stopAndWait(old.pid, old.netns);
        }
        if (component) {
          componentRefs.add(ref);
          const ingress = ingressPods.get(sandboxKey(pod));
          const started = dnsPods.has(sandboxKey(pod)) ? await startDNSPod(pod, this.layout) : ingress ? await startIngressPod(ingress, this.layout) : undefined;
          if (started) components.push(started);
        }
        if (server) {
          const started = await startPodServer(pod, this.layout);
          if (started) servers.push(started);
          restarted[restarted.length - 1] = pod;
        } else if (component) restarted.push({ ...pod, ports: was.ports });
        const serving = [...pod.ports.map((p) => `${p.port}/${p.protocol}`), ...components.filter((c) => c.pod === ref).flatMap((c) => c.ports.map((p) => `${p} ${c.role}`))];
        this.opts.log?.(`pod ${ref}: changed in place${component ? `, component ${rec ? `${rec.role} stopped` : 'none'} → ${plannedIdentity(pod) ?? 'none'}` : ''}${serving.length ? ` (serving ${serving.join(',')})` : ''}`);
      } catch (err) {
        ok = false;
        this.opts.log?.(`pod ${ref}: change in place failed: ${err instanceof Error ? err.message : String(err)}`);
      }
      if (ok) changedOK++;
    }
    const complete = torn.length === removed.length && wired.length === added.length && changedOK === changed.length;
    const gone = new Set(torn.map(sandboxKey));
    const replaced = new Set(restarted.map(sandboxKey));
    const goneRefs = new Set(torn.map((p) => `${p.namespace}/${p.name}`));
    const wiredRefs = new Set(wired.map((p) => `${p.namespace}/${p.name}`));
    await updateState(this.layout, (s, recordedNow) => {
      s.topology.pods = [...s.topology.pods.filter((p) => !gone.has(sandboxKey(p)) && !replaced.has(sandboxKey(p))), ...wired, ...restarted]
        .sort((a, b) => a.node.localeCompare(b.node) || a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
      s.servers = [...s.servers.filter((r) => !goneRefs.has(r.pod) && !wiredRefs.has(r.pod) && !serverRefs.has(r.pod)), ...servers];
      // Only pod components (dns, ingress) are swapped for a changed pod; the underlay's stay.
      const swapped = (c: ComponentRecord): boolean => componentRefs.has(c.pod) && (c.role === 'dns' || c.role === 'ingress');
      return [...recordedNow.filter((c) => !goneRefs.has(c.pod) && !wiredRefs.has(c.pod) && !swapped(c)), ...components];
    });
    return complete;
  }
}
