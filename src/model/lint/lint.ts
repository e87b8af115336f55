/**
 * lint(): every rule over one ClusterView, findings sorted by severity then rule id. Rules are data
 * (id, severity, title, check), so `podnet lint --rules` can list them and tests can run one.
 */
import type { ClusterView } from '../../cluster/view.ts';
import { cniProfile } from '../cni/index.ts';
import { compileRouteTable, type RouteTable } from '../l7/index.ts';
import { PolicyIndex } from '../policy/index.ts';
import { DNS_RULES } from './dns-rules.ts';
import { L7_RULES } from './l7-rules.ts';
import { NETWORK_RULES } from './network-rules.ts';
import { POLICY_RULES } from './policy-rules.ts';
import { SERVICE_RULES } from './service-rules.ts';
import type { Finding, LintContext, LintRule, Severity } from './types.ts';

export const RULES: readonly LintRule[] = [...SERVICE_RULES, ...POLICY_RULES, ...NETWORK_RULES, ...DNS_RULES, ...L7_RULES];

const RANK: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

export interface LintOptions {
  /** Only these rule ids (default: all). */
  rules?: readonly string[];
  policy?: PolicyIndex;
  routes?: RouteTable;
}

export interface LintReport {
  findings: Finding[];
  counts: Record<Severity, number>;
}

export function lint(view: ClusterView, options: LintOptions = {}): LintReport {
  let routes = options.routes;
  const ctx: LintContext = {
    view,
    index: options.policy ?? new PolicyIndex(view),
    profile: cniProfile(view.config),
    routes: () => (routes ??= compileRouteTable(view)),
  };
  const only = options.rules ? new Set(options.rules) : undefined;
  const findings: Finding[] = [];
  for (const rule of RULES) {
    if (only && !only.has(rule.id)) continue;
    for (const f of rule.check(ctx)) findings.push({ rule: rule.id, severity: rule.severity, ...f });
  }
  findings.sort((a, b) => RANK[a.severity] - RANK[b.severity] || (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0));
  const counts: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
  for (const f of findings) counts[f.severity]++;
  return { findings, counts };
}
