/**
 * @module model/lint — diagnostics a person can act on: each finding has a stable rule id, a
 * severity, the objects involved and the fix. Pure over a ClusterView.
 */
export { lint, RULES, type LintOptions, type LintReport } from './lint.ts';
export { formatLint } from './format.ts';
export { DEFAULT_MAX_PODS, SERVICE_CIDR_THRESHOLD } from './network-rules.ts';
export type { Finding, LintRule, Severity } from './types.ts';
