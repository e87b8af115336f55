/**
 * EndpointSlice controller (selector Services), legacy Endpoints, and mirroring of user Endpoints into slices.
 */
import type { ReconcileContext } from './context.ts';

export function reconcileEndpointSlices(ctx: ReconcileContext): void {
  void ctx;
}
