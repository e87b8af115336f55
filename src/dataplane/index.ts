/** The Linux dataplane: the cluster as network namespaces, CNI runtime and plugins, node agents. */
export { DataplaneNames, dataplanePrefix, DEFAULT_PREFIX, PrefixError } from './names.ts';
export { planTopology, crossNodeMethod, unsupportedMode, TopologyError, type Topology, type NodePlan, type PodPlan, type CrossNodeMethod } from './plan.ts';
export { dataplaneUp, dataplaneDown, DataplaneError, PODNET_CNI_BIN, REFERENCE_CNI_BIN, startCNIDaemon, type UpOptions, type UpReport, type DownReport } from './topology.ts';
export { dataplaneStatus, type DataplaneStatus } from './status.ts';
export { execInNetns, execTargetNetns, ExecTargetError } from './exec.ts';
export { DataplaneLayout, type DataplaneState } from './state.ts';
export { LocalNodeAgent, type NodeAgent } from './agent.ts';
export { waitForRules, RulesAgentError, type RulesProgress, type RulesStatus } from './rules/index.ts';
export { dataplaneSkipReason } from './preflight.ts';
export { CNIRuntime, loadConfDir, parseNetworkConfig, type Attachment } from './cni/runtime.ts';
