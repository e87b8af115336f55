/**
 * @module dataplane/probe — real packets against the model: TCP/UDP attempts from inside pod
 * namespaces (prober.mjs), the all-pairs matrix compared cell by cell, single flows for `verify --real`.
 */
export { probeFrom, reachedDestination, ProbeError, type ProbeTarget, type ProbeOutcome, type ProbeResult, type ProbeOptions, type ProbeProtocol } from './probe.ts';
export { probeMatrix, probeTable, runningCluster, type ProbeMatrixOptions, type ProbeReport, type ProbeCell } from './matrix-probe.ts';
export { probeReach, SERVICE_ATTEMPTS, type RealReachQuery, type RealReachResult } from './reach-probe.ts';
