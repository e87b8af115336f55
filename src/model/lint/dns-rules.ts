/**
 * DNS rules: ndots:5 pods looking up names outside the cluster (each lookup walks the search list
 * first), and hostNetwork pods whose ClusterFirst policy silently means the node's resolver.
 */
import { effectiveDNSPolicy, ndotsOf, podResolvConf, searchCandidates } from '../dns/index.ts';
import { ref, type LintRule } from './types.ts';

export const DNS_RULES: LintRule[] = [
  {
    id: 'dns-ndots-external-names',
    severity: 'info',
    title: 'ndots:5 with external names looked up from pods',
    check: ({ view }) => view.services.filter((s) => s.spec.type === 'ExternalName' && s.spec.externalName).flatMap((s) => {
      const ns = s.metadata.namespace ?? 'default';
      const pod = view.podsInNamespace(ns).find((p) => !p.spec.hostNetwork && effectiveDNSPolicy(p.spec.dnsPolicy ?? 'ClusterFirst', false) === 'ClusterFirst');
      if (!pod) return [];
      const conf = podResolvConf(pod, view).conf;
      const name = s.spec.externalName!.replace(/\.$/, '');
      const dots = (name.match(/\./g) ?? []).length;
      const ndots = ndotsOf(conf);
      if (dots >= ndots) return [];
      const candidates = searchCandidates(name, conf, 'glibc');
      return [{
        objects: [ref('Service', s), `Namespace ${ns}`],
        message: `pods in ${ns} resolve ${name} (${dots} dot${dots === 1 ? '' : 's'} < ndots:${ndots}) by asking ${candidates.length - 1} search-list names first (${candidates.slice(0, -1).join(', ')}): ${candidates.length} queries (×2 with AAAA) per lookup`,
        fix: `look the name up as ${name}. (trailing dot), or set dnsConfig.options [{name: ndots, value: "${Math.max(1, dots)}"}] on the pods that call it`,
      }];
    }),
  },
  {
    id: 'hostnetwork-clusterfirst-dns',
    severity: 'warning',
    title: 'hostNetwork pod with dnsPolicy ClusterFirst',
    check: ({ view }) => view.pods.filter((p) => p.spec.hostNetwork && (p.spec.dnsPolicy ?? 'ClusterFirst') === 'ClusterFirst').map((p) => ({
      objects: [ref('Pod', p)],
      message: 'a hostNetwork pod with dnsPolicy ClusterFirst gets the node\'s resolv.conf (kubelet treats it as Default): Service names do not resolve',
      fix: 'set dnsPolicy: ClusterFirstWithHostNet',
    })),
  },
];
