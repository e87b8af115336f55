/**
 * Per-namespace files under /etc/netns/<netns>/, which `ip netns exec` (and so `podnet exec`)
 * bind-mounts over /etc/<file>: each pod's resolv.conf as kubelet would write it (model/dns), and
 * the node's for node namespaces (hostNetwork pods share them). Only `<prefix>-…` directories are
 * ever written or removed.
 */
import { existsSync, mkdirSync, readdirSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClusterView } from '../../cluster/view.ts';
import { nodeResolvConf, podResolvConf, renderResolvConf } from '../../model/dns/index.ts';
import type { DataplaneNames } from '../names.ts';
import type { Topology } from '../plan.ts';

export const NETNS_ETC = '/etc/netns';

export function netnsEtcDir(netns: string): string {
  return join(NETNS_ETC, netns);
}

export function writeNetnsFile(netns: string, file: string, text: string): void {
  const dir = netnsEtcDir(netns);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, file), text);
}

/**
 * resolv.conf for every pod namespace (its own dnsPolicy and dnsConfig) and every node namespace
 * (the node's resolv.conf). Returns the namespaces written and kubelet's DNSConfigForming warnings.
 */
export function writeResolvConfs(top: Topology, view: ClusterView): { written: string[]; warnings: string[] } {
  const written: string[] = [];
  const warnings: string[] = [];
  const nodeConf = renderResolvConf(nodeResolvConf(view));
  for (const n of top.nodes) {
    writeNetnsFile(n.netns, 'resolv.conf', nodeConf);
    written.push(n.netns);
  }
  for (const p of top.pods) {
    if (p.hostNetwork) continue;
    const pod = view.pod(p.namespace, p.name);
    if (!pod) continue;
    const rc = podResolvConf(pod, view);
    for (const w of rc.warnings) warnings.push(`pod ${p.namespace}/${p.name}: ${w}`);
    writeNetnsFile(p.netns, 'resolv.conf', renderResolvConf(rc.conf));
    written.push(p.netns);
  }
  return { written, warnings };
}

/** Removes /etc/netns/<prefix>-* (and /etc/netns itself once empty); returns what was removed. */
export function removeNetnsEtc(names: DataplaneNames): string[] {
  if (!existsSync(NETNS_ETC)) return [];
  const removed = readdirSync(NETNS_ETC).filter((d) => names.owns(d));
  for (const d of removed) rmSync(join(NETNS_ETC, d), { recursive: true, force: true });
  try {
    rmdirSync(NETNS_ETC);
  } catch {
    // not empty: other runs or other tools use it
  }
  return removed;
}
