/**
 * Address-plan and MTU rules over the ClusterConfig and the nodes: overlapping ranges, pod CIDRs too
 * small for the pods a node runs, a service CIDR close to exhaustion, a pod MTU the path cannot carry.
 */
import { parseCIDR, type CIDR } from '../../api/cidr.ts';
import { type LintRule } from './types.ts';

/** kubelet's default --max-pods. */
export const DEFAULT_MAX_PODS = 110;
/** Share of the service CIDR in use at which the rule fires. */
export const SERVICE_CIDR_THRESHOLD = 0.8;

export const NETWORK_RULES: LintRule[] = [
  {
    id: 'cidr-overlap',
    severity: 'error',
    title: 'pod, service, node and load-balancer ranges overlap',
    check: ({ view }) => {
      const c = view.config;
      const given: [string, string | undefined][] = [['podCIDR', c.podCIDR], ['serviceCIDR', c.serviceCIDR], ['nodeNetwork', c.nodeNetwork], ['loadBalancerPool', c.loadBalancerPool]];
      const ranges: { key: string; text: string; cidr: CIDR }[] = [];
      for (const [key, text] of given) {
        const cidr = text === undefined ? undefined : parseCIDR(text);
        if (text !== undefined && cidr) ranges.push({ key, text, cidr });
      }
      const out = [];
      for (let i = 0; i < ranges.length; i++) {
        for (let j = i + 1; j < ranges.length; j++) {
          const a = ranges[i];
          const b = ranges[j];
          if (!a.cidr.overlaps(b.cidr)) continue;
          out.push({
            objects: [`ClusterConfig ${a.key}`, `ClusterConfig ${b.key}`],
            message: `${a.key} ${a.text} overlaps ${b.key} ${b.text}: the same address would mean two things, and routes to one range capture the other`,
            fix: `choose disjoint ranges (e.g. pods 10.244.0.0/16, services 10.96.0.0/12, nodes 172.18.0.0/16)`,
          });
        }
      }
      return out;
    },
  },
  {
    id: 'pod-cidr-too-small',
    severity: 'warning',
    title: 'pod CIDR too small for max pods per node or for the nodes',
    check: ({ view }) => {
      const c = view.config;
      const out = [];
      const perNode = 2 ** (32 - c.nodeCIDRMaskSize) - 2;
      if (parseCIDR(c.podCIDR)?.family === 4 && perNode < DEFAULT_MAX_PODS) {
        out.push({
          objects: ['ClusterConfig nodeCIDRMaskSize'],
          message: `a /${c.nodeCIDRMaskSize} node block holds ${perNode} pod addresses, fewer than kubelet's default max of ${DEFAULT_MAX_PODS} pods: pods beyond that fail with "no IP addresses available"`,
          fix: `use nodeCIDRMaskSize ${32 - Math.ceil(Math.log2(DEFAULT_MAX_PODS + 2))} or shorter (/24 is the usual), or lower kubelet's --max-pods to ${perNode}`,
        });
      }
      const without = view.nodes.filter((n) => !n.spec?.podCIDR && !(n.spec?.podCIDRs ?? []).length);
      const pod = parseCIDR(c.podCIDR);
      const blocks = pod ? 2 ** Math.max(0, c.nodeCIDRMaskSize - pod.prefix) : 0;
      if (without.length && view.nodes.length > blocks) {
        out.push({
          objects: ['ClusterConfig podCIDR', ...without.map((n) => `Node ${n.metadata.name}`)],
          message: `podCIDR ${c.podCIDR} has room for ${blocks} /${c.nodeCIDRMaskSize} node blocks but the cluster has ${view.nodes.length} nodes: ${without.length} got no pod CIDR and cannot run pods`,
          fix: 'widen podCIDR or use longer node blocks (a larger nodeCIDRMaskSize)',
        });
      }
      return out;
    },
  },
  {
    id: 'service-cidr-exhaustion',
    severity: 'warning',
    title: 'service CIDR near exhaustion',
    check: ({ view }) => {
      const net = parseCIDR(view.config.serviceCIDR);
      if (!net) return [];
      const usable = net.family === 4 ? Number(net.size) - 2 : Number(net.size) - 1;
      const used = new Set(view.services.flatMap((s) => s.spec.clusterIPs ?? (s.spec.clusterIP ? [s.spec.clusterIP] : [])).filter((ip) => ip !== 'None' && net.contains(ip))).size;
      if (usable <= 0 || used / usable < SERVICE_CIDR_THRESHOLD) return [];
      return [{
        objects: ['ClusterConfig serviceCIDR'],
        message: `${used} of ${usable} ClusterIPs in ${view.config.serviceCIDR} are allocated (${Math.round((used / usable) * 100)}%): new Services will fail to get one`,
        fix: 'widen serviceCIDR (or add a ServiceCIDR), or remove unused Services',
      }];
    },
  },
  {
    id: 'mtu-mismatch',
    severity: 'error',
    title: 'pod MTU larger than the path carries',
    check: ({ profile }) => {
      if (profile.podMTU <= profile.crossNodeMTU) return [];
      const enc = profile.encapsulation;
      return [{
        objects: ['ClusterConfig cniOptions.podMTU', 'ClusterConfig mtu'],
        message: `pods send up to ${profile.podMTU} bytes but ${enc ? `the ${enc.kind.toUpperCase()} tunnel carries ${profile.crossNodeMTU} (underlay ${profile.underlayMTU} − ${enc.overhead})` : `the underlay carries ${profile.underlayMTU}`}: small requests work, large ones hang between nodes`,
        fix: `set cniOptions.podMTU to ${profile.crossNodeMTU} or remove it (the default fits)`,
      }];
    },
  },
];
