/**
 * Pods added and removed by `podnet apply` while the persisted cluster is up (issue 8: changes
 * reconcile live). Kubernetes' contract: a pod bound to a node with a pod IP gets a sandbox (kubelet
 * runs CNI ADD) and is reachable at its pod IP from every other pod (the networking model: pods
 * communicate with all pods without NAT); a deleted pod's sandbox is torn down (CNI DEL, netns gone).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataplaneLayout, DataplaneNames, dataplaneDown, type DataplaneStatus } from '../../src/dataplane/index.ts';
import { netnsEtcDir } from '../../src/dataplane/kube-system/netns-etc.ts';
import { run, type RunResult } from '../../src/dataplane/run.ts';
import { ownedNetns, processesMentioning, skipReason, tcpReply, uniquePrefix, TWO_NODES, PODNET_BIN } from './helpers.ts';


const CLUSTER = `${TWO_NODES}apiVersion: v1
kind: Pod
metadata: {name: client, namespace: shop, labels: {app: client}}
spec:
  nodeName: node-1
  containers: [{name: c, image: x, ports: [{containerPort: 80}]}]
`;

const deployment = (replicas: number, rev = '1'): string => `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}, annotations: {rev: '${rev}'}}
    spec:
      containers: [{name: c, image: x, ports: [{containerPort: 8080}]}]
`;

// Routed veths (calico) and a bridge (flannel host-gw): on a bridge, a reused pod IP meets stale neighbour entries.
const CONFIGS: Record<string, string> = {
  calico: 'apiVersion: podnet/v1alpha1\nkind: ClusterConfig\ncni: calico\nproxyMode: nftables\n',
  'flannel host-gw': 'apiVersion: podnet/v1alpha1\nkind: ClusterConfig\ncni: flannel\ncniOptions: {backend: host-gw}\nproxyMode: nftables\n',
};

type PodRow = DataplaneStatus['pods'][number];

for (const [cni, CONFIG] of Object.entries(CONFIGS)) test(`${cni}: pods added and removed by podnet apply while up are wired and torn down live`, { skip: skipReason, timeout: 240_000 }, async () => {
  const home = mkdtempSync(join(tmpdir(), 'podnet-podsync-'));
  const prefix = uniquePrefix('psync');
  const names = new DataplaneNames(prefix);
  const env = { ...process.env, PODNET_HOME: home, PODNET_PREFIX: prefix };
  const podnet = (...args: string[]): Promise<RunResult> => run(process.execPath, [PODNET_BIN, ...args], { env, timeoutMs: 120000 });
  const file = (name: string, text: string): string => {
    writeFileSync(join(home, name), text);
    return join(home, name);
  };
  const webPods = async (): Promise<PodRow[]> => {
    const r = await podnet('status', '-o', 'json');
    assert.equal(r.code, 0, r.stderr);
    return (JSON.parse(r.stdout) as DataplaneStatus).pods.filter((p) => p.namespace === 'shop' && p.name.startsWith('web-'));
  };
  const agentLogs = (): string => ['node-1', 'node-2'].map((n) => {
    try {
      return `${n}: ${readFileSync(join(home, 'dataplane', 'nodes', n, 'rules-agent.log'), 'utf8').trim().split('\n').slice(-6).join(' | ')}`;
    } catch {
      return `${n}: (no log)`;
    }
  }).join('; ');
  /** Polls status until `ok` holds (bounded: the agents poll the store every 200 ms). */
  const waitFor = async (ok: (pods: PodRow[]) => boolean, what: string): Promise<PodRow[]> => {
    const deadline = Date.now() + 30000;
    for (;;) {
      const pods = await webPods();
      if (ok(pods)) return pods;
      if (Date.now() > deadline) assert.fail(`${what} within 30 s; status: ${JSON.stringify(pods)}; agents: ${agentLogs()}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  try {
    assert.equal((await podnet('apply', '-f', file('cluster.yaml', CLUSTER), '-f', file('web.yaml', deployment(1)), '--config', file('config.yaml', CONFIG))).code, 0);
    const up = await podnet('up');
    assert.equal(up.code, 0, up.stderr);
    const [first] = await webPods();
    assert.ok(first?.present && first.server === 'running', 'the replica that existed at up is wired');
    const clientNetns = names.pod('shop', 'client');

    // Scale up: two new pods, each with its own netns, a resolv.conf, a test server, reachable by TCP from client.
    assert.equal((await podnet('apply', '-f', file('web.yaml', deployment(3)))).code, 0);
    const scaled = await waitFor((pods) => pods.length === 3 && pods.every((p) => p.present && p.server === 'running'), 'three web pods present and serving');
    const added = scaled.filter((p) => p.name !== first.name);
    assert.equal(added.length, 2);
    for (const p of added) {
      assert.equal(p.netns, names.pod('shop', p.name));
      assert.ok(existsSync(join(netnsEtcDir(p.netns), 'resolv.conf')), `${p.name}: resolv.conf written`);
      assert.equal(await tcpReply(clientNetns, p.ip, 8080), p.name, `client reaches ${p.name} at ${p.ip}:8080`);
    }
    assert.equal(await tcpReply(clientNetns, first.ip, 8080), first.name, 'the first replica is untouched');

    // Scale down: the removed pods' servers stop, their namespaces and /etc/netns files go.
    assert.equal((await podnet('apply', '-f', file('web.yaml', deployment(1)))).code, 0);
    const left = await waitFor((pods) => pods.length === 1, 'one web pod left');
    const removed = scaled.filter((p) => p.name !== left[0].name);
    assert.equal(removed.length, 2);
    const live = await ownedNetns(names);
    for (const p of removed) {
      assert.ok(!live.includes(p.netns), `${p.netns} deleted`);
      assert.ok(!existsSync(netnsEtcDir(p.netns)), `${p.netns}: /etc/netns entry removed`);
      assert.deepEqual(await processesMentioning(`--netns ${p.netns} `), [], `${p.name}: test server stopped`);
    }
    assert.ok(left[0].present && left[0].server === 'running');
    assert.equal(await tcpReply(clientNetns, left[0].ip, 8080), left[0].name);

    // A new template with 3 replicas: every web pod is replaced (new names) and the new ones get
    // the addresses just released. Neighbours on the same bridge (the nodes; the client for node-1
    // pods) still map those IPs to the old pods' MACs; a new pod must be reachable at its IP at once
    // all the same (the pod announces its address, as the reference bridge plugin does).
    const old = [...removed, left[0]];
    assert.equal((await podnet('apply', '-f', file('web.yaml', deployment(3, '2')))).code, 0);
    const again = await waitFor((pods) => pods.length === 3 && pods.every((p) => p.present && p.server === 'running' && !old.some((o) => o.name === p.name)), 'three new web pods');
    const reused = again.filter((p) => old.some((o) => o.ip === p.ip));
    assert.ok(reused.length > 0, `precondition: a new replica reuses a released IP (old ${old.map((r) => r.ip).join(', ')}, new ${again.map((p) => p.ip).join(', ')})`);
    for (const p of reused) {
      const t0 = Date.now();
      let reply: string | undefined;
      // Bounded well below the 15–45 s a stale REACHABLE neighbour entry lives.
      while (reply !== p.name && Date.now() - t0 < 4000) reply = await tcpReply(clientNetns, p.ip, 8080);
      assert.equal(reply, p.name, `client reaches ${p.name} at the reused IP ${p.ip}`);
    }

    const down = await podnet('down');
    assert.equal(down.code, 0, down.stderr);
    assert.deepEqual(await ownedNetns(names), []);
    assert.deepEqual(await processesMentioning(prefix), []);
  } finally {
    await dataplaneDown(names, new DataplaneLayout(join(home, 'dataplane')));
    rmSync(home, { recursive: true, force: true });
  }
});
