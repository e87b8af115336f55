/**
 * Leak test: `up` then `down` 20 times on a cluster with everything `up` makes — node and pod
 * namespaces, VXLAN devices, CNI daemons, test servers, rule agents, DNS servers in the coredns pods,
 * the ingress proxy, /etc/netns resolv.conf files and the host link with its routes — leaves no
 * namespace, host link, route, process, mount or file of the test's prefix; and an `up` SIGKILLed
 * while its kube-system components start is cleaned up by `down` alike.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataplaneLayout, DataplaneNames, dataplaneDown, dataplaneUp } from '../../src/dataplane/index.ts';
import { run } from '../../src/dataplane/run.ts';
import { clusterView, ownedNetns, processesMentioning, skipReason, uniquePrefix, twoNodes, PODNET_BIN } from './helpers.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const INGRESS_NGINX = readFileSync(join(ROOT, 'src', 'dataplane', 'kube-system', 'ingress-nginx.yaml'), 'utf8');

const CLUSTER = `
${twoNodes('172.31.44')}---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: default, labels: {app: web}}
spec: {nodeName: node-2, containers: [{name: c, image: x, ports: [{containerPort: 80}, {containerPort: 5353, protocol: UDP}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec:
  type: NodePort
  selector: {app: web}
  ports: [{port: 80}]
---
${INGRESS_NGINX}`;

const CONFIG = { cni: 'flannel' as const, nodeNetwork: '172.31.44.0/24', loadBalancerPool: '192.168.244.0/28', cniOptions: { flannelBackend: 'vxlan' as const, calicoMode: 'bgp' as const, kubeProxyReplacement: false } };
const CONFIG_YAML = 'apiVersion: podnet/v1alpha1\nkind: ClusterConfig\ncni: flannel\ncniOptions: {backend: vxlan}\nnodeNetwork: 172.31.44.0/24\nloadBalancerPool: 192.168.244.0/28\n';

/** Everything of the prefix that could be left on the machine; empty when clean. */
async function leftovers(names: DataplaneNames, home: string): Promise<string[]> {
  const p = names.prefix;
  const out: string[] = [];
  for (const n of await ownedNetns(names)) out.push(`netns ${n}`);
  const links = JSON.parse((await run('ip', ['-json', 'link', 'show'])).stdout) as { ifname: string }[];
  for (const l of links) if (l.ifname.startsWith(p)) out.push(`link ${l.ifname}`);
  const routes = await run('ip', ['route', 'show']);
  for (const r of routes.stdout.split('\n')) if (r.includes(`dev ${p}-`)) out.push(`route ${r}`);
  for (const proc of await processesMentioning(`${p}-`)) out.push(`process ${proc.trim()}`);
  for (const proc of await processesMentioning(home)) out.push(`process ${proc.trim()}`);
  for (const m of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) if (m.includes(`/${p}-`)) out.push(`mount ${m}`);
  for (const dir of ['/etc/netns', '/var/run/netns', '/run/netns']) {
    if (existsSync(dir)) for (const f of readdirSync(dir)) if (f.startsWith(`${p}-`)) out.push(`file ${dir}/${f}`);
  }
  if (existsSync(`/run/podnet/${p}`)) out.push(`file /run/podnet/${p}`);
  if (existsSync(join(home, 'dataplane'))) out.push(`file ${join(home, 'dataplane')}`);
  for (const f of readdirSync(tmpdir())) if (f.includes(p)) out.push(`file ${join(tmpdir(), f)}`);
  return out;
}

test('up/down 20 times leaves nothing of the prefix', { skip: skipReason, timeout: 15 * 60 * 1000 }, async () => {
  const names = new DataplaneNames(uniquePrefix('leak'));
  const home = mkdtempSync(join(tmpdir(), 'podnet-leak-'));
  const layout = new DataplaneLayout(join(home, 'dataplane'));
  try {
    const { view, config } = clusterView(CLUSTER, CONFIG);
    for (let i = 1; i <= 20; i++) {
      const report = await dataplaneUp({ view, config, names, layout });
      // What the round made (checked once: the same is made every round).
      if (i === 1) {
        const made = await leftovers(names, home);
        for (const kind of ['netns', 'link', 'process', 'mount', 'file /etc/netns']) {
          assert.ok(made.some((m) => m.startsWith(kind)), `round 1 made no ${kind}: ${made.join('\n')}`);
        }
        assert.ok(report.topology.pods.length >= 4);
      }
      await dataplaneDown(names, layout);
      assert.deepEqual(await leftovers(names, home), [], `after round ${i}`);
    }
  } finally {
    await dataplaneDown(names, layout);
    rmSync(home, { recursive: true, force: true });
  }
});

test('an up SIGKILLed while starting kube-system components is cleaned up by down', { skip: skipReason }, async () => {
  const names = new DataplaneNames(uniquePrefix('leakk'));
  const home = mkdtempSync(join(tmpdir(), 'podnet-leak-'));
  const env = { ...process.env, PODNET_HOME: home, PODNET_PREFIX: names.prefix };
  const manifest = join(home, 'cluster.yaml');
  const cfg = join(home, 'config.yaml');
  // Networks of its own: the round-trip test may run at the same time.
  writeFileSync(manifest, CLUSTER.replace(/172\.31\.44\./g, '172.31.45.'));
  writeFileSync(cfg, CONFIG_YAML.replace(/172\.31\.44\./g, '172.31.45.').replace('192.168.244.', '192.168.245.'));
  try {
    const child = spawn(process.execPath, [PODNET_BIN, 'up', '-f', manifest, '--config', cfg], { env, stdio: 'ignore', detached: true });
    let killedEarly = false;
    const deadline = Date.now() + 90000;
    while (Date.now() < deadline && child.exitCode === null) {
      // The first component process: resolv.conf files exist, the components are starting.
      if ((await processesMentioning('kube-system/pod-main.mjs')).some((l) => l.includes(`${names.prefix}-`))) {
        killedEarly = child.exitCode === null;
        process.kill(-(child.pid as number), 'SIGKILL');
        break;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.ok(killedEarly, 'up was killed while it started its kube-system components');
    await new Promise((r) => setTimeout(r, 300));
    const before = await leftovers(names, home);
    assert.ok(before.some((m) => m.startsWith('file /etc/netns')), 'the killed up left resolv.conf files');
    const down = await run(process.execPath, [PODNET_BIN, 'down'], { env, timeoutMs: 60000 });
    assert.equal(down.code, 0, down.stderr);
    assert.deepEqual(await leftovers(names, home), []);
  } finally {
    await run(process.execPath, [PODNET_BIN, 'down'], { env, timeoutMs: 60000 });
    rmSync(home, { recursive: true, force: true });
  }
});
