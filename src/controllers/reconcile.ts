/**
 * The controller pipeline, in the order a real control plane converges: defaults and namespaces,
 * nodes and their CIDRs, workloads to pods, scheduling, pod IPs, workload status, Service allocations,
 * endpoints.
 * Each step reads what the earlier ones wrote; running the pipeline twice changes nothing.
 *
 * READS declares what each controller's output depends on besides the ClusterConfig, the sources of
 * the apply and the keys being deleted: the kinds it reads. Incremental passes (incremental.ts)
 * skip a controller when none of them changed since it last ran; test/controllers/incremental*
 * checks both the declarations and that skipping never changes the outcome.
 */
import type { Controller, ReconcileContext } from './context.ts';
import { reconcileEndpointSlices } from './endpointslices.ts';
import { reconcileNodeIPAM } from './node-ipam.ts';
import { reconcileNodes } from './nodes.ts';
import { reconcilePodIPAM } from './pod-ipam.ts';
import { reconcileScheduler } from './scheduler.ts';
import { reconcileServiceAllocation } from './service-allocation.ts';
import { reconcileSystemDefaults } from './system-defaults.ts';
import { reconcileWorkloadStatus } from './workload-status.ts';
import { reconcileWorkloads } from './workloads.ts';

export const PIPELINE: readonly [string, Controller][] = [
  ['system-defaults', reconcileSystemDefaults],
  ['nodes', reconcileNodes],
  ['node-ipam', reconcileNodeIPAM],
  ['workloads', reconcileWorkloads],
  ['scheduler', reconcileScheduler],
  ['pod-ipam', reconcilePodIPAM],
  ['workload-status', reconcileWorkloadStatus],
  ['service-allocation', reconcileServiceAllocation],
  ['endpointslices', reconcileEndpointSlices],
];

/** Kinds each controller reads; '*' = any object (system-defaults checks every object's namespace). */
export const READS: Readonly<Record<string, readonly string[] | '*'>> = {
  'system-defaults': '*',
  nodes: ['Pod', 'Node'],
  'node-ipam': ['Pod', 'Node'],
  workloads: ['Pod', 'ReplicaSet', 'Deployment', 'StatefulSet', 'DaemonSet', 'Node'],
  scheduler: ['Pod', 'Node'],
  'pod-ipam': ['Pod', 'Node'],
  'workload-status': ['Pod', 'ReplicaSet', 'Deployment', 'StatefulSet', 'DaemonSet', 'Node'],
  'service-allocation': ['Service'],
  endpointslices: ['Service', 'EndpointSlice', 'Endpoints', 'Pod', 'Node'],
};

/**
 * Controllers that, on an incremental pass, are told what changed since they last ran
 * (ReconcileContext.changes) and look only at what that affects; each with the kinds whose sources
 * or deleted keys can make its outcome differ from that of a pass without them (endpointslices keeps
 * Endpoints without a Service only when they are being applied).
 */
export const CHANGE_DRIVEN: ReadonlyMap<string, readonly string[]> = new Map([
  ['node-ipam', ['Node']],
  ['workloads', []],
  ['workload-status', []],
  ['endpointslices', ['Endpoints']],
]);

/** Runs every controller, in order. */
export function reconcile(ctx: ReconcileContext): void {
  for (const [, controller] of PIPELINE) controller(ctx);
}
