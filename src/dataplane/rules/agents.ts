/**
 * Starting the rules agents (one per node, inside the node's namespace, so `down` kills them with
 * the namespace's other processes) and waiting for them to catch up with the cluster.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClusterConfig } from '../../cluster/config.ts';
import type { ClusterView } from '../../cluster/view.ts';
import { netnsPath } from '../netns.ts';
import { hasTool } from '../preflight.ts';
import { TopologyError, type NodePlan } from '../plan.ts';
import type { DataplaneLayout } from '../state.ts';
import { currentRevision, writeSnapshot, type ClusterSource } from './cluster-source.ts';
import { readRulesStatus, type RulesAgentConfig, type RulesStatus } from './agent-daemon.ts';
import { unsupportedProxyMode } from './node-rules.ts';

const AGENT_MAIN = join(dirname(fileURLToPath(import.meta.url)), 'agent-main.mjs');

export class RulesAgentError extends Error {}

export const rulesFiles = (layout: DataplaneLayout, node: string): { config: string; status: string; log: string } => ({
  config: join(layout.nodeDir(node), 'rules-agent.json'),
  status: join(layout.nodeDir(node), 'rules-status.json'),
  log: join(layout.nodeDir(node), 'rules-agent.log'),
});

export const snapshotFile = (layout: DataplaneLayout): string => join(layout.dir, 'cluster.json');

/** Refuses, before anything is created, what the rules agents cannot run (the IPVS proxy mode): bad input, exit 2. */
export function refuseUnsupportedRules(config: ClusterConfig): void {
  const p = unsupportedProxyMode(config.proxyMode);
  if (p) throw new TopologyError([p]);
}

export interface StartRulesOptions {
  nodes: readonly NodePlan[];
  view: ClusterView;
  config: ClusterConfig;
  layout: DataplaneLayout;
  /** The persisted store to follow (`podnet apply` while up); else a snapshot of `view` is written. */
  storeDir?: string;
}

function firstLine(child: ReturnType<typeof spawn>, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    let buf = '';
    const timer = setTimeout(() => resolve(undefined), timeoutMs);
    child.stdout?.on('data', (b: Buffer) => {
      buf += b.toString();
      const nl = buf.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        resolve(buf.slice(0, nl));
      }
    });
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(buf.split('\n')[0] || undefined);
    });
  });
}

function logTail(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-3).join('; ');
  } catch {
    return '';
  }
}

/** Starts one agent per node and resolves once every agent has loaded its node's rules. */
export async function startRuleAgents(opts: StartRulesOptions): Promise<void> {
  const tools = ['nft', 'conntrack', ...(opts.config.proxyMode === 'iptables' ? ['iptables-restore'] : [])].filter((t) => !hasTool(t));
  if (tools.length) throw new RulesAgentError(`${tools.join(', ')} not found in PATH: the node agents load Service and NetworkPolicy rules with them (Debian: apt-get install nftables conntrack iptables)`);
  const source: ClusterSource = opts.storeDir ? { kind: 'store', dir: opts.storeDir } : { kind: 'snapshot', file: snapshotFile(opts.layout) };
  if (source.kind === 'snapshot') writeSnapshot(source.file, opts.view);
  await Promise.all(opts.nodes.map(async (node) => {
    const files = rulesFiles(opts.layout, node.name);
    const cfg: RulesAgentConfig = { node: node.name, source, config: opts.config, statusFile: files.status, ...(source.kind === 'store' ? { dataplaneDir: opts.layout.dir } : {}) };
    mkdirSync(dirname(files.config), { recursive: true });
    writeFileSync(files.config, `${JSON.stringify(cfg, null, 2)}\n`);
    const fd = openSync(files.log, 'a');
    const child = spawn('nsenter', [`--net=${netnsPath(node.netns)}`, '--', process.execPath, AGENT_MAIN, files.config], { detached: true, stdio: ['ignore', 'pipe', fd] });
    closeSync(fd);
    const line = await firstLine(child, 30000);
    child.stdout?.destroy();
    child.unref();
    if (line !== 'ready') {
      const why = line?.startsWith('error: ') ? line.slice(7) : line ?? 'no answer within 30 s';
      const tail = logTail(files.log);
      throw new RulesAgentError(`node ${node.name}: rules agent failed: ${why}${tail && !line?.startsWith('error: ') ? ` (log: ${tail})` : ''}`);
    }
  }));
}

/** A node agent's configuration as `up` recorded it (undefined when no agent was started). */
export function readAgentConfig(layout: DataplaneLayout, node: string): RulesAgentConfig | undefined {
  try {
    return JSON.parse(readFileSync(rulesFiles(layout, node).config, 'utf8')) as RulesAgentConfig;
  } catch {
    return undefined;
  }
}

export const agentSource = (layout: DataplaneLayout, node: string): ClusterSource | undefined => readAgentConfig(layout, node)?.source;

export interface RulesProgress {
  revision: number;
  statuses: (RulesStatus | undefined)[];
  /** Every agent applied `revision` without error. */
  current: boolean;
}

/**
 * Waits until every node's agent has applied the source's current revision (store source: the
 * revision `podnet apply` just committed). Resolves with the last statuses, current or not.
 */
export async function waitForRules(layout: DataplaneLayout, nodes: readonly string[], timeoutMs = 15000): Promise<RulesProgress> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const source = nodes.length ? agentSource(layout, nodes[0]) : undefined;
    const revision = source ? currentRevision(source) : 0;
    const statuses = nodes.map((n) => readRulesStatus(rulesFiles(layout, n).status));
    const current = statuses.every((s) => s !== undefined && s.revision >= revision && !s.error);
    if (current || Date.now() > deadline) return { revision, statuses, current };
    await new Promise((r) => setTimeout(r, 100));
  }
}
