/**
 * @module model/trace — the end-to-end path of one flow, hop by hop, composed of the DNS, L7, Service,
 * NetworkPolicy and CNI models; the first failing hop carries the reason and a fix.
 */
export { trace, parseTarget, type TraceModels } from './trace.ts';
export { resolveSource, resolvePodRef, endpointForIP, type TraceEndpoint } from './endpoints.ts';
export { policyFix } from './policy-leg.ts';
export { noEndpointsFix, findServiceAddress } from './service-leg.ts';
export { formatTrace, type TraceFormatOptions } from './format.ts';
export { TraceInputError, type TraceHop, type TraceQuery, type TraceResult, type TraceStep, type TraceVerdict } from './types.ts';
