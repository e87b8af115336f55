export { policyCapability, notEnforcedNote, type PolicyCapability } from './capability.ts';
export {
  compilePolicy, effectivePolicyTypes, selectorKey,
  type CompiledPeer, type CompiledPolicy, type CompiledPort, type CompiledRule, type Direction, type SelectorRef,
} from './compiled.ts';
export { decide, describeMatch, type Decision, type DirectionVerdict, type Flow, type RuleMatch } from './decide.ts';
export {
  EndpointRefError, endpointLabel, nodeEndpoint, podEndpoint, resolveEndpointRef, summarizeEndpoint,
  type EndpointSummary, type FlowEndpoint, type ResolvedRef,
} from './endpoint.ts';
export {
  describePeer, explainPod, explainPolicy,
  type PodExplanation, type PolicyDirectionExplanation, type PolicyExplanation, type RuleExplanation,
} from './explain.ts';
export { NAMESPACE_NAME_LABEL, PolicyIndex } from './policy-index.ts';
export { namedPortNumbers, portMatches } from './ports.ts';
export { reach, type ReachHop, type ReachQuery, type ReachResult } from './reach.ts';
