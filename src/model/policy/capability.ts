/**
 * What a CNI does with NetworkPolicy. The API defines the semantics; whether and how a cluster
 * enforces them is the network plugin's business, and the two known gaps matter to users:
 * flannel (and the plain bridge plugin) enforce nothing, silently; Cilium does not let ipBlock
 * select cluster-internal addresses (pod and node IPs), while Calico and the upstream e2e suite do.
 */
import type { CNIMode } from '../../cluster/config.ts';

export interface PolicyCapability {
  cni: CNIMode;
  /** False: every flow is allowed whatever the policies say. */
  enforces: boolean;
  /** 'all': ipBlock matches any address, pod IPs included; 'external-only': never pod or node IPs. */
  ipBlockScope: 'all' | 'external-only';
}

export function policyCapability(cni: CNIMode): PolicyCapability {
  switch (cni) {
    case 'flannel':
    case 'bridge':
      return { cni, enforces: false, ipBlockScope: 'all' };
    case 'cilium':
      return { cni, enforces: true, ipBlockScope: 'external-only' };
    case 'calico':
      return { cni, enforces: true, ipBlockScope: 'all' };
  }
}

/** The sentence every answer carries when the CNI ignores policies. */
export function notEnforcedNote(cni: CNIMode): string {
  return `${cni} does not enforce NetworkPolicy: every flow is allowed regardless of policies`;
}
