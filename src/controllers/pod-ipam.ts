/**
 * Pod IPAM with host-local semantics, and pod status (Running/Ready) for pods without one.
 */
import type { ReconcileContext } from './context.ts';

export function reconcilePodIPAM(ctx: ReconcileContext): void {
  void ctx;
}
