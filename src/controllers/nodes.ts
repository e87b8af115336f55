/**
 * Nodes: from Node objects, else from ClusterConfig.nodes; a pod naming an undeclared node creates it.
 */
import type { ReconcileContext } from './context.ts';

export function reconcileNodes(ctx: ReconcileContext): void {
  void ctx;
}
