/** Ingress and Gateway API routing: the compiled route table, request evaluation, explanations, status. */
export { compileRouteTable } from './route-table.ts';
export { routeRequest, certificateForSNI, pickBackend, applyHeaderOps, selectListener, type RouteDecision, type BackendChoice, type FrontendSelector, type UpstreamRequest, type HeaderOps } from './evaluate.ts';
export { explainRequest, type RouteExplanation, type CandidateVerdict } from './explain.ts';
export { classifyIngress, admittedClassName, type IngressClassDecision } from './ingress-class.ts';
export { ingressHostMatches, gatewayHostMatches, intersectHostnames, hostWithoutPort } from './hostnames.ts';
export { prefixMatches, replacePrefix, splitTarget } from './paths.ts';
export { compareCreationOrder, type CreationOrderKey } from './precedence.ts';
export { requestFromURL, RequestSyntaxError } from './request.ts';
export type * from './types.ts';
export { certificateSecretProblem, type CertificateProblem, type CertificateConsumer } from './tls-secrets.ts';
