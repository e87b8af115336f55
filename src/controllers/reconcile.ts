/**
 * The controller pipeline, in the order a real control plane converges: defaults and namespaces,
 * nodes and their CIDRs, workloads to pods, scheduling, pod IPs, workload status, Service allocations,
 * endpoints.
 * Each step reads what the earlier ones wrote; running the pipeline twice changes nothing.
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

export function reconcile(ctx: ReconcileContext): void {
  for (const [, controller] of PIPELINE) controller(ctx);
}
