/**
 * ReferenceGrant (lives in the target namespace): permits references from `from{group,kind,namespace}`
 * to `to{group,kind,name?}` in its own namespace. Entries are ORed. Same-namespace references never
 * need one; parentRefs never do.
 */
import type { ClusterView } from '../../cluster/view.ts';

export interface ReferenceEnd {
  group: string;
  kind: string;
  namespace: string;
  name: string;
}

export function referencePermitted(view: ClusterView, from: ReferenceEnd, to: ReferenceEnd): boolean {
  if (from.namespace === to.namespace) return true;
  for (const g of view.referenceGrants) {
    if ((g.metadata.namespace ?? 'default') !== to.namespace) continue;
    const fromOk = (g.spec.from ?? []).some((f) => (f.group ?? '') === from.group && f.kind === from.kind && f.namespace === from.namespace);
    if (!fromOk) continue;
    const toOk = (g.spec.to ?? []).some((t) => (t.group ?? '') === to.group && t.kind === to.kind && (t.name === undefined || t.name === '' || t.name === to.name));
    if (toOk) return true;
  }
  return false;
}
