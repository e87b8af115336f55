/**
 * A name lookup from inside a pod: its resolv.conf, its stub resolver's walk, and which server answers
 * each query — the cluster DNS (autopath sees the pod's IP as the source) or, for a nameserver that is
 * not the cluster DNS (dnsPolicy Default, hostNetwork, dnsConfig), the resolver outside the cluster.
 */
import type { Pod } from '../../api/types.ts';
import { podIPs } from '../../cluster/view.ts';
import type { ClusterDNS } from './cluster-dns.ts';
import { podResolvConf, type PodResolvConf } from './resolv-conf.ts';
import { resolveName, type Libc, type Resolution } from './stub-resolver.ts';

export interface PodLookup extends Resolution {
  pod: { namespace: string; name: string };
  resolvConf: PodResolvConf;
}

export function lookupFromPod(dns: ClusterDNS, pod: Pod, name: string, type: string, libc: Libc = 'glibc'): PodLookup {
  const resolvConf = podResolvConf(pod, dns.view);
  const clusterServers = new Set([dns.zone.dnsServiceIP, ...dns.zone.nameservers.flatMap((n) => n.ips)]);
  const sourceIP = pod.spec.hostNetwork ? pod.status?.hostIP : podIPs(pod)[0];
  const resolution = resolveName(name, type, resolvConf.conf, (q, server) =>
    clusterServers.has(server) ? dns.answer(q, { ip: sourceIP }) : dns.upstream.answer(q), libc);
  return { ...resolution, pod: { namespace: pod.metadata.namespace ?? 'default', name: pod.metadata.name }, resolvConf };
}
