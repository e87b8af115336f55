/**
 * Node IPAM: a podCIDR per node from ClusterConfig.podCIDR/nodeCIDRMaskSize and an InternalIP on the node network.
 */
import type { ReconcileContext } from './context.ts';

export function reconcileNodeIPAM(ctx: ReconcileContext): void {
  void ctx;
}
