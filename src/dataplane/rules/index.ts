/**
 * @module dataplane/rules — the node agents that load kube-proxy's rules, the NetworkPolicy table
 * and the egress NAT table into each node's namespace, and keep them in step with the cluster.
 */
export { startRuleAgents, waitForRules, refuseUnsupportedRules, rulesFiles, agentSource, readAgentConfig, snapshotFile, RulesAgentError, type StartRulesOptions, type RulesProgress } from './agents.ts';
export { RulesAgent, readRulesStatus, type RulesAgentConfig, type RulesStatus } from './agent-daemon.ts';
export { nodeRules, rulesSync, unsupportedProxyMode, SUPPORTED_PROXY_MODES, NodeRulesError, type NodeRules, type RulesSync } from './node-rules.ts';
export { staleUDPFlows } from './conntrack.ts';
export { renderEgressMasquerade, EGRESS_NAT } from './egress-masquerade.ts';
export { loadCluster as loadClusterSource, currentRevision, writeSnapshot, type ClusterSource, type LoadedCluster } from './cluster-source.ts';
