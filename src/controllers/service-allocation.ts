/**
 * Service allocators: ClusterIP (static/dynamic bands), NodePort, healthCheckNodePort, LoadBalancer ingress IPs.
 */
import type { ReconcileContext } from './context.ts';

export function reconcileServiceAllocation(ctx: ReconcileContext): void {
  void ctx;
}
