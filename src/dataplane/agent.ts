/**
 * The node agent's kernel interface: applies rendered rule text (render/ output) in a node's
 * namespace, as kube-proxy and a CNI's policy agent do on a real node. Renderers produce complete,
 * idempotent texts (`table …; delete table …; table … { … }`), so applying is an atomic replace;
 * partial nftables updates are single transactions too. The executor is `LocalNodeAgent`: the rules
 * agents `up` starts run inside their node's namespace, so no call pays an nsenter.
 */
import { must, run } from './run.ts';

export interface NodeAgent {
  /** Loads an nftables ruleset (`nft -f -`), atomically. */
  applyNftables(node: string, ruleset: string): Promise<void>;
  /**
   * Loads iptables-save text with `iptables-restore`: every table in the text is replaced whole
   * (kube-proxy's standalone text carries the built-in chains and their jumps).
   */
  applyIptables(node: string, text: string): Promise<void>;
  /** Deletes conntrack entries (`conntrack -D` arguments), e.g. stale UDP flows to a removed endpoint. */
  flushConntrack(node: string, args: readonly string[]): Promise<void>;
}

/** Runs the tools directly: the process already lives in the node's namespace. */
export class LocalNodeAgent implements NodeAgent {
  async applyNftables(_node: string, ruleset: string): Promise<void> {
    await must('nft', ['-f', '-'], { input: ruleset });
  }

  async applyIptables(_node: string, text: string): Promise<void> {
    await must('iptables-restore', [], { input: text });
  }

  async flushConntrack(_node: string, args: readonly string[]): Promise<void> {
    // conntrack exits 1 when nothing matched; that is not a failure here.
    await run('conntrack', ['-D', ...args]);
  }
}
