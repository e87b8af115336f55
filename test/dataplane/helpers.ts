/**
 * Shared by the dataplane tests: a cluster built through the real controller pipeline, a unique
 * prefix and $PODNET_HOME per test, and commands run inside namespaces. Every test that builds
 * namespaces tears them down in a finally via `cleanup(prefix)`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeText, type DecodeResult } from '../../src/api/decode.ts';
import type { InputError } from '../../src/api/errors.ts';
import { defaultClusterConfig, type ClusterConfig } from '../../src/cluster/config.ts';
import { Store } from '../../src/cluster/store.ts';
import { ClusterView } from '../../src/cluster/view.ts';
import { applyObjects } from '../../src/controllers/apply.ts';
import { DataplaneLayout, DataplaneNames, dataplaneDown, dataplaneSkipReason } from '../../src/dataplane/index.ts';
import { listNetns } from '../../src/dataplane/netns.ts';
import { run, type RunResult } from '../../src/dataplane/run.ts';

export const skipReason = dataplaneSkipReason();

export function clusterView(yaml: string, overrides: Partial<ClusterConfig> = {}): { view: ClusterView; config: ClusterConfig } {
  const base = defaultClusterConfig();
  const config: ClusterConfig = { ...base, ...overrides, cniOptions: { ...base.cniOptions, ...overrides.cniOptions } };
  const decoded: DecodeResult = { objects: [], warnings: [] };
  const errors: InputError[] = [];
  decodeText(yaml, 'test.yaml', decoded, errors);
  if (errors.length) throw new Error(errors.map((e) => e.reason).join('\n'));
  const store = new Store();
  applyObjects(store, decoded.objects, config);
  return { view: new ClusterView(store.list(), config), config };
}

let counter = 0;

/** A prefix no other test (or test run) uses: letters and digits, starting with a letter. */
export function uniquePrefix(tag: string): string {
  counter += 1;
  return `t${tag}${process.pid.toString(36)}${counter}`.slice(0, 16);
}

export interface Sandbox {
  names: DataplaneNames;
  layout: DataplaneLayout;
  home: string;
}

export function sandbox(tag: string): Sandbox {
  const home = mkdtempSync(join(tmpdir(), 'podnet-dp-'));
  return { names: new DataplaneNames(uniquePrefix(tag)), layout: new DataplaneLayout(join(home, 'dataplane')), home };
}

/** Removes everything with the sandbox's prefix (namespaces, processes) and its home. */
export async function cleanup(s: Sandbox): Promise<void> {
  try {
    await dataplaneDown(s.names, s.layout);
  } finally {
    rmSync(s.home, { recursive: true, force: true });
  }
}

export async function ownedNetns(names: DataplaneNames): Promise<string[]> {
  return (await listNetns()).filter((n) => names.owns(n));
}

/** Processes whose command line mentions the prefix's namespaces or state (servers, BIRD, plugins). */
export async function processesMentioning(text: string): Promise<string[]> {
  const r = await run('ps', ['-eo', 'pid=,args=']);
  return r.stdout.split('\n').filter((l) => l.includes(text) && !l.includes('ps -eo'));
}

export function inNetns(netns: string, cmd: string, args: string[], timeoutMs = 10000): Promise<RunResult> {
  return run('ip', ['netns', 'exec', netns, cmd, ...args], { timeoutMs });
}

/** A TCP exchange from inside `netns`: what the server answered, or undefined when it could not connect. */
export async function tcpReply(netns: string, ip: string, port: number): Promise<string | undefined> {
  const r = await inNetns(netns, 'nc', ['-w', '2', '-N', ip, String(port)]);
  return r.code === 0 && r.stdout.trim() ? r.stdout.trim() : undefined;
}

export async function udpReply(netns: string, ip: string, port: number): Promise<string | undefined> {
  const r = await run('sh', ['-c', `echo ping | ip netns exec ${netns} nc -u -w 1 ${ip} ${port}`], { timeoutMs: 10000 });
  return r.stdout.trim() || undefined;
}

/** The podnet executable, for tests that drive the CLI as a user would. */
export const PODNET_BIN = join(import.meta.dirname, '..', '..', 'bin', 'podnet.js');

/** Nodes node-1 and node-2 (pod CIDRs 10.244.1.0/24 and 10.244.2.0/24) at `<net>.11` and `<net>.12`. */
export function twoNodes(net: string): string {
  return [1, 2].map((i) => `apiVersion: v1
kind: Node
metadata: {name: node-${i}}
spec: {podCIDR: 10.244.${i}.0/24}
status: {addresses: [{type: InternalIP, address: ${net}.1${i}}]}
`).join('---\n');
}

/** Two nodes with explicit InternalIPs and pod CIDRs, and the namespace `shop`: the base of most fixtures. */
export const TWO_NODES = `
${twoNodes('172.18.0')}---
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
`;

/** TWO_NODES plus three pods serving TCP 80 and UDP 5353. */
export const TWO_NODE_CLUSTER = `${TWO_NODES}apiVersion: v1
kind: Pod
metadata: {name: web-a, namespace: shop}
spec:
  nodeName: node-1
  containers: [{name: c, image: x, ports: [{containerPort: 80}, {containerPort: 5353, protocol: UDP}]}]
---
apiVersion: v1
kind: Pod
metadata: {name: web-b, namespace: shop}
spec:
  nodeName: node-1
  containers: [{name: c, image: x, ports: [{containerPort: 80}]}]
---
apiVersion: v1
kind: Pod
metadata: {name: web-c, namespace: shop}
spec:
  nodeName: node-2
  containers: [{name: c, image: x, ports: [{containerPort: 80}, {containerPort: 5353, protocol: UDP}]}]
`;
