/**
 * Outgoing NAT of the CNI (flannel's ipMasq, Calico's natOutgoing, Cilium's masquerade): pod traffic
 * to an address outside the cluster's pod network leaves with the node's address, as model/cni's
 * path says (`masqueraded <pod IP> → <node IP>`), so replies find their way back from networks
 * that do not route pod CIDRs. Traffic to pods (Service traffic included: this runs after DNAT)
 * keeps the pod's address. A pure text renderer; the node agent loads it with `nft -f`.
 */
export const EGRESS_NAT = { family: 'ip', table: 'podnet-nat', chain: 'postrouting' } as const;

/** `nft -f` text replacing the node's egress NAT table. */
export function renderEgressMasquerade(podCIDR: string): string {
  const where = `${EGRESS_NAT.family} ${EGRESS_NAT.table}`;
  return [
    `table ${where}`,
    `delete table ${where}`,
    `table ${where} {`,
    `\tchain ${EGRESS_NAT.chain} {`,
    // After kube-proxy's masquerading (srcnat): a connection is NATed once, by whichever comes first.
    '\t\ttype nat hook postrouting priority srcnat + 10; policy accept;',
    `\t\tip saddr ${podCIDR} ip daddr != ${podCIDR} masquerade comment "pod egress leaving the cluster network"`,
    '\t}',
    '}',
    '',
  ].join('\n');
}
