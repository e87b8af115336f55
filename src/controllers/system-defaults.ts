/**
 * kube-system defaults: the standard namespaces (and any namespace objects refer to), default/kubernetes and kube-system/kube-dns Services, CoreDNS pods.
 */
import type { ReconcileContext } from './context.ts';

export function reconcileSystemDefaults(ctx: ReconcileContext): void {
  void ctx;
}
