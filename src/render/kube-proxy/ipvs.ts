/**
 * kube-proxy's IPVS mode for one node, as `ipvsadm-save -n` prints it: one virtual server per
 * service address:port/protocol (ClusterIP, external IPs, LB IPs, NodePort on each node address),
 * real servers = the endpoints that traffic may use, masquerading forwarder, weight 1. A render and
 * model target only: IPVS is deprecated (KEP-5495) and the reference kernel has no CONFIG_IP_VS.
 */
import type { EndpointInfo, ProxyNodePlan, ServicePortPlan } from '../../model/service/index.ts';

export const IPVS_SCHEDULERS = ['rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'fo', 'ovf', 'mh'] as const;
export type IpvsScheduler = (typeof IPVS_SCHEDULERS)[number];

export interface IpvsRenderOptions {
  /** kube-proxy's --ipvs-scheduler; default rr. */
  scheduler?: IpvsScheduler;
}

export interface IpvsVirtualServer {
  protocol: 'TCP' | 'UDP' | 'SCTP';
  address: string;
  port: number;
  scheduler: IpvsScheduler;
  /** ClientIP affinity: persistence timeout in seconds. */
  persistenceSeconds?: number;
  realServers: { address: string; port: number; weight: number }[];
  /** `ns/svc:port` and which address kind, for explanations. */
  service: string;
  kind: 'clusterIP' | 'externalIP' | 'loadBalancerIP' | 'nodePort';
}

/** The node's IPVS table, in the order the service ports and their addresses are planned. */
export function ipvsVirtualServers(plan: ProxyNodePlan, options: IpvsRenderOptions = {}): IpvsVirtualServer[] {
  const scheduler = options.scheduler ?? 'rr';
  const out: IpvsVirtualServer[] = [];
  const nodePortAddresses = plan.nodePortAddresses === 'primary' ? (plan.nodeIP ? [plan.nodeIP] : []) : plan.nodeAddresses;
  for (const sp of plan.servicePorts) {
    const internal = sp.internalPolicyLocal ? sp.localEndpoints : sp.clusterEndpoints;
    const external = sp.externalPolicyLocal ? sp.localEndpoints : sp.clusterEndpoints;
    const vs = (address: string, port: number, kind: IpvsVirtualServer['kind'], eps: readonly EndpointInfo[]): IpvsVirtualServer => ({
      protocol: sp.name.protocol, address, port, scheduler,
      ...(sp.stickySeconds ? { persistenceSeconds: sp.stickySeconds } : {}),
      realServers: eps.map((ep) => ({ address: ep.ip, port: ep.port, weight: 1 })),
      service: sp.nameString, kind,
    });
    out.push(vs(sp.clusterIP, sp.port, 'clusterIP', internal));
    for (const ip of sp.externalIPs) out.push(vs(ip, sp.port, 'externalIP', external));
    for (const ip of sp.loadBalancerIPs) out.push(vs(ip, sp.port, 'loadBalancerIP', external));
    if (sp.nodePort) for (const ip of nodePortAddresses) out.push(vs(ip, sp.nodePort, 'nodePort', external));
  }
  return out;
}

const FLAG: Record<ServicePortPlan['name']['protocol'], string> = { TCP: '-t', UDP: '-u', SCTP: '--sctp-service' };

/** `ipvsadm-save -n` text for the node. */
export function renderIpvs(plan: ProxyNodePlan, options: IpvsRenderOptions = {}): string {
  const lines: string[] = [];
  for (const v of ipvsVirtualServers(plan, options)) {
    const service = `${FLAG[v.protocol]} ${v.address}:${v.port}`;
    lines.push(`-A ${service} -s ${v.scheduler}${v.persistenceSeconds ? ` -p ${v.persistenceSeconds}` : ''}`);
    for (const r of v.realServers) lines.push(`-a ${service} -r ${r.address}:${r.port} -m -w ${r.weight}`);
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}

/** Addresses IPVS mode binds to the dummy interface kube-ipvs0 so the node accepts them. */
export function ipvsDummyAddresses(plan: ProxyNodePlan): string[] {
  return [...new Set(plan.servicePorts.flatMap((sp) => [sp.clusterIP, ...sp.externalIPs, ...sp.loadBalancerIPs]))].sort();
}
