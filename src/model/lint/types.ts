/**
 * Lint findings: what is wrong (or worth knowing), which objects, and what to change. Rule ids are
 * stable: scripts and CI filter on them.
 */
import type { ClusterView } from '../../cluster/view.ts';
import type { CNIProfile } from '../cni/index.ts';
import type { RouteTable } from '../l7/index.ts';
import type { PolicyIndex } from '../policy/index.ts';

export type Severity = 'error' | 'warning' | 'info';

export interface Finding {
  rule: string;
  severity: Severity;
  /** `Kind namespace/name` (cluster-scoped: `Kind name`; config keys: `ClusterConfig key`). */
  objects: string[];
  message: string;
  fix: string;
}

export interface LintContext {
  view: ClusterView;
  index: PolicyIndex;
  profile: CNIProfile;
  /** Compiled on first use: only the L7 rules need it. */
  routes(): RouteTable;
}

export interface LintRule {
  id: string;
  severity: Severity;
  /** One line: what the rule looks for. */
  title: string;
  check(ctx: LintContext): Omit<Finding, 'rule' | 'severity'>[];
}

export const ref = (kind: string, o: { metadata: { namespace?: string; name: string } }): string =>
  o.metadata.namespace === undefined ? `${kind} ${o.metadata.name}` : `${kind} ${o.metadata.namespace}/${o.metadata.name}`;
