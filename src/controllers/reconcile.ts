/**
 * The controller pipeline, in the order a real control plane converges: defaults and namespaces,
 * nodes and their CIDRs, workloads to pods, scheduling, pod IPs, Service allocations, endpoints.
 * Each step reads what the earlier ones wrote; running the pipeline twice changes nothing.
 */
import type { Controller, ReconcileContext } from './context.ts';

export const PIPELINE: readonly [string, Controller][] = [];

export function reconcile(ctx: ReconcileContext): void {
  for (const [, controller] of PIPELINE) controller(ctx);
}
