/**
 * A node's rules agent: the process `up` starts inside each node's namespace (kube-proxy and the
 * CNI's policy agent in one). It loads the cluster, computes the node's rules (node-rules.ts),
 * loads them, and then follows changes of the cluster source: each change is one sync — nftables
 * partial update or full replace, iptables-restore, policy and NAT tables when their text changed,
 * stale UDP conntrack entries deleted, flushed kube-proxy chains deleted a moment later. After each
 * sync it records the revision it applied, so `podnet probe` can wait until rules match the store.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ClusterConfig } from '../../cluster/config.ts';
import { LocalNodeAgent, type NodeAgent } from '../agent.ts';
import { StateWatcher } from '../dns/index.ts';
import { PodSync } from '../pod-sync.ts';
import { loadCluster, sourceFiles, type ClusterSource } from './cluster-source.ts';
import { nodeRules, renderStaleChainDeletion, rulesSync, type NodeRules } from './node-rules.ts';

export interface RulesAgentConfig {
  node: string;
  source: ClusterSource;
  /** Config when the source has none recorded. */
  config: ClusterConfig;
  statusFile: string;
  /** Poll interval of the source files. */
  intervalMs?: number;
  /** $PODNET_HOME/dataplane when the source is the store: pods added or removed there are wired live (pod-sync.ts). */
  dataplaneDir?: string;
}

export interface RulesStatus {
  node: string;
  pid: number;
  /** Store revision of the last successful sync. */
  revision: number;
  appliedAt: string;
  syncs: number;
  /** The last sync's failure, if it failed (the previous rules stay loaded: every load is atomic). */
  error?: string;
  changed: string[];
}

export function readRulesStatus(file: string): RulesStatus | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as RulesStatus;
  } catch {
    return undefined;
  }
}

/** Deleting chains an update flushed waits this long (older kernels release the reference late). */
const STALE_CHAIN_DELAY_MS = 500;

export class RulesAgent {
  private prev?: NodeRules;
  private staleChains: string[] = [];
  private running?: Promise<void>;
  private dirty = false;
  private syncs = 0;
  private revision = -1;
  private staleTimer?: NodeJS.Timeout;

  constructor(
    readonly cfg: RulesAgentConfig,
    private readonly exec: NodeAgent = new LocalNodeAgent(),
    private readonly log: (line: string) => void = () => undefined,
  ) {}

  /** Runs one sync now (or after the one in progress); rejects when it fails. */
  sync(): Promise<void> {
    if (this.running) {
      this.dirty = true;
      return this.running;
    }
    this.running = this.syncOnce().finally(() => {
      this.running = undefined;
      if (this.dirty) {
        this.dirty = false;
        this.sync().catch(() => undefined);
      }
    });
    return this.running;
  }

  private async syncOnce(): Promise<void> {
    const { node } = this.cfg;
    try {
      const { view, revision } = loadCluster(this.cfg.source, this.cfg.config);
      const next = nodeRules(view, node);
      await this.deleteStaleChains();
      const s = rulesSync(this.prev, next);
      if (s.nft) await this.exec.applyNftables(node, s.nft);
      if (s.iptables) await this.exec.applyIptables(node, s.iptables);
      for (const args of s.conntrack) await this.exec.flushConntrack(node, args);
      this.prev = next;
      this.staleChains = s.staleChains;
      if (this.staleChains.length) {
        this.staleTimer = setTimeout(() => void this.deleteStaleChains().catch(() => undefined), STALE_CHAIN_DELAY_MS);
        this.staleTimer.unref();
      }
      this.syncs++;
      this.revision = revision;
      if (s.changed.length || s.conntrack.length) this.log(`revision ${revision}: ${[...s.changed, ...(s.conntrack.length ? [`${s.conntrack.length} conntrack deletions`] : [])].join(', ')}`);
      this.writeStatus({ changed: s.changed });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.log(`sync failed: ${message}`);
      this.writeStatus({ changed: [], error: message });
      throw err;
    }
  }

  private async deleteStaleChains(): Promise<void> {
    if (this.staleTimer) clearTimeout(this.staleTimer);
    this.staleTimer = undefined;
    if (!this.staleChains.length) return;
    const chains = this.staleChains;
    this.staleChains = [];
    await this.exec.applyNftables(this.cfg.node, renderStaleChainDeletion(chains));
  }

  private writeStatus(extra: Pick<RulesStatus, 'changed' | 'error'>): void {
    const status: RulesStatus = {
      node: this.cfg.node,
      pid: process.pid,
      revision: this.revision,
      appliedAt: new Date().toISOString(),
      syncs: this.syncs,
      ...extra,
    };
    mkdirSync(dirname(this.cfg.statusFile), { recursive: true });
    const tmp = `${this.cfg.statusFile}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(status)}\n`);
    renameSync(tmp, this.cfg.statusFile);
  }
}

/**
 * The agent process: `nsenter --net=<node netns> -- node agent-main.mjs CONFIG`. Prints `ready`
 * after the first sync (or `error: …` and exits 1), then follows the source until killed.
 */
export async function rulesAgentMain(configFile: string): Promise<void> {
  const cfg = JSON.parse(readFileSync(configFile, 'utf8')) as RulesAgentConfig;
  const log = (line: string): void => {
    process.stderr.write(`${new Date().toISOString()} ${cfg.node}: ${line}\n`);
  };
  const agent = new RulesAgent(cfg, new LocalNodeAgent(), log);
  try {
    // Policy rejects answer with ICMP; the default rate limit (1/s per peer) would turn a burst of
    // denied connections into timeouts. Per namespace, so only this node changes.
    writeFileSync('/proc/sys/net/ipv4/icmp_ratelimit', '0');
    await agent.sync();
  } catch (err) {
    process.stdout.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
  const pods = cfg.dataplaneDir && cfg.source.kind === 'store' ? new PodSync({ node: cfg.node, dataplaneDir: cfg.dataplaneDir, source: cfg.source, config: cfg.config, log }) : undefined;
  const watcher = new StateWatcher(sourceFiles(cfg.source), () => {
    void agent.sync().catch(() => undefined);
    pods?.request();
  }, cfg.intervalMs ?? 200);
  watcher.start();
  // The watcher's timer is unref'd: keep the process alive until `down` kills it.
  setInterval(() => undefined, 1 << 30);
  process.on('SIGTERM', () => process.exit(0));
  process.stdout.write('ready\n');
}

