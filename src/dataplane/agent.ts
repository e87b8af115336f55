/**
 * The node agent: applies rendered rule text (render/ output) inside a node's namespace, as
 * kube-proxy and a CNI's policy agent do on a real node. Renderers produce complete, idempotent
 * texts (`table …; delete table …; table … { … }`), so applying is an atomic full replace.
 * Services (kube-proxy nftables/iptables) and NetworkPolicy tables plug in here.
 */
import { nsMust } from './netns.ts';
import { must } from './run.ts';
import { netnsPath } from './netns.ts';

export interface NodeAgent {
  /** Loads an nftables ruleset (`nft -f -`), atomically. */
  applyNftables(node: string, ruleset: string): Promise<void>;
  /** Loads iptables-save text (`iptables-restore --noflush`: only the tables in the text are replaced). */
  applyIptables(node: string, text: string): Promise<void>;
  /** Deletes conntrack entries (`conntrack -D` arguments), e.g. stale UDP flows to a removed endpoint. */
  flushConntrack(node: string, args: readonly string[]): Promise<void>;
}

/** Agent for the namespaces of a running dataplane; `netnsOf` maps node names to namespaces. */
export class NetnsNodeAgent implements NodeAgent {
  constructor(private readonly netnsOf: (node: string) => string) {}

  async applyNftables(node: string, ruleset: string): Promise<void> {
    await must('nsenter', [`--net=${netnsPath(this.netnsOf(node))}`, '--', 'nft', '-f', '-'], { input: ruleset });
  }

  async applyIptables(node: string, text: string): Promise<void> {
    await must('nsenter', [`--net=${netnsPath(this.netnsOf(node))}`, '--', 'iptables-restore', '--noflush'], { input: text });
  }

  async flushConntrack(node: string, args: readonly string[]): Promise<void> {
    // conntrack exits 1 when nothing matched; that is not a failure here.
    await nsMust(this.netnsOf(node), 'sh', ['-c', 'conntrack -D "$@" >/dev/null 2>&1 || true', 'conntrack', ...args]);
  }
}
