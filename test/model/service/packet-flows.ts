/**
 * Packet-flow cases over the kitchen-sink cluster (cluster-fixture.ts), in the manner of upstream's
 * runPacketFlowTests: one NEW connection, the node whose rules see it, and the outcome. Shared by
 * the decide() tests and the differential test that traces the rendered nftables rules.
 * Expectations follow kube-proxy's documented behaviour (nftables mode unless `iptables` overrides).
 */
import type { AffinityEntry } from '../../../src/model/service/index.ts';
import { BLOCKED_CLIENT, EXTERNAL_CLIENT } from './fixtures.ts';

export type FlowExpect =
  | { verdict: 'reject' | 'drop' | 'pass' }
  /** DNAT to any of `backends`; `masq`: masqueraded for every backend; `hairpin`: backends masqueraded only because they are the client. */
  | { verdict: 'dnat'; backends: string[]; masq: boolean; hairpin?: string[] };

export interface FlowCase {
  name: string;
  node: string;
  src: string;
  dst: string;
  port: number;
  protocol?: 'TCP' | 'UDP' | 'SCTP';
  expect: FlowExpect;
  /** Where iptables mode differs. */
  iptables?: FlowExpect;
  affinity?: AffinityEntry[];
}

const POD_A = '10.244.1.5';
const POD_B = '10.244.2.5';
const NODE_A_IP = '172.18.0.2';
const dnat = (backends: string[], masq: boolean, hairpin?: string[]): FlowExpect => ({ verdict: 'dnat', backends, masq, ...(hairpin ? { hairpin } : {}) });

export const FLOWS: FlowCase[] = [
  // ClusterIP
  { name: 'pod to ClusterIP: any endpoint, not masqueraded', node: 'node-a', src: POD_A, dst: '10.96.0.41', port: 80, expect: dnat(['10.244.1.11:8080', '10.244.2.11:8080'], false) },
  { name: 'hairpin: pod to its own Service is masqueraded when it picks itself', node: 'node-a', src: '10.244.1.11', dst: '10.96.0.41', port: 80, expect: dnat(['10.244.1.11:8080', '10.244.2.11:8080'], false, ['10.244.1.11:8080']) },
  { name: 'node to ClusterIP: source outside the cluster CIDR is masqueraded', node: 'node-a', src: NODE_A_IP, dst: '10.96.0.41', port: 80, expect: dnat(['10.244.1.11:8080', '10.244.2.11:8080'], true) },
  { name: 'off-cluster host routing the service CIDR to a node is masqueraded', node: 'node-a', src: EXTERNAL_CLIENT, dst: '10.96.0.41', port: 80, expect: dnat(['10.244.1.11:8080', '10.244.2.11:8080'], true) },
  { name: 'ClusterIP with TCP, UDP and SCTP on port 53 (TCP)', node: 'node-a', src: POD_A, dst: '10.96.0.11', port: 53, protocol: 'TCP', expect: dnat(['10.244.1.53:5353', '10.244.2.53:5353'], false) },
  { name: 'ClusterIP with TCP, UDP and SCTP on port 53 (UDP)', node: 'node-a', src: POD_A, dst: '10.96.0.11', port: 53, protocol: 'UDP', expect: dnat(['10.244.1.53:53', '10.244.2.53:53'], false) },
  { name: 'ClusterIP with TCP, UDP and SCTP on port 53 (SCTP)', node: 'node-a', src: POD_A, dst: '10.96.0.11', port: 53, protocol: 'SCTP', expect: dnat(['10.244.1.53:53', '10.244.2.53:53'], false) },
  { name: 'undefined port of a ClusterIP: nftables rejects, iptables lets it route away', node: 'node-a', src: POD_A, dst: '10.96.0.41', port: 443, expect: { verdict: 'reject' }, iptables: { verdict: 'pass' } },
  { name: 'TCP-only port does not match UDP traffic', node: 'node-a', src: POD_A, dst: '10.96.0.41', port: 80, protocol: 'UDP', expect: { verdict: 'reject' }, iptables: { verdict: 'pass' } },
  { name: 'unallocated address in the service CIDR: nftables drops, iptables passes', node: 'node-a', src: POD_A, dst: '10.96.0.99', port: 80, expect: { verdict: 'drop' }, iptables: { verdict: 'pass' } },
  { name: 'ClusterIP of a Service owned by another proxy is not captured', node: 'node-a', src: POD_A, dst: '10.96.0.50', port: 80, expect: { verdict: 'drop' }, iptables: { verdict: 'pass' } },
  { name: 'pod to pod IP is not kube-proxy business', node: 'node-a', src: POD_A, dst: '10.244.2.11', port: 8080, expect: { verdict: 'pass' } },

  // No endpoints
  { name: 'pod to ClusterIP with no endpoints: REJECT', node: 'node-a', src: POD_A, dst: '10.96.0.45', port: 80, expect: { verdict: 'reject' } },
  { name: 'external to external IP with no endpoints: REJECT', node: 'node-a', src: EXTERNAL_CLIENT, dst: '198.51.100.46', port: 80, expect: { verdict: 'reject' } },
  { name: 'external to NodePort with no endpoints: REJECT', node: 'node-a', src: EXTERNAL_CLIENT, dst: NODE_A_IP, port: 30046, expect: { verdict: 'reject' } },
  { name: 'pod to NodePort with no endpoints: REJECT', node: 'node-a', src: POD_A, dst: NODE_A_IP, port: 30046, expect: { verdict: 'reject' } },
  { name: 'external to LoadBalancer IP with no endpoints: REJECT', node: 'node-a', src: EXTERNAL_CLIENT, dst: '192.0.2.46', port: 80, expect: { verdict: 'reject' } },

  // NodePort, Cluster policy
  { name: 'external to NodePort: any endpoint, masqueraded', node: 'node-a', src: EXTERNAL_CLIENT, dst: NODE_A_IP, port: 30043, expect: dnat(['10.244.1.31:8080', '10.244.2.31:8080'], true) },
  { name: 'pod to NodePort (eTP Cluster) is masqueraded', node: 'node-a', src: POD_A, dst: NODE_A_IP, port: 30043, expect: dnat(['10.244.1.31:8080', '10.244.2.31:8080'], true) },
  { name: "another node's IP is not a NodePort address here", node: 'node-a', src: EXTERNAL_CLIENT, dst: '172.18.0.3', port: 30043, expect: { verdict: 'pass' } },
  { name: 'localhost NodePort: iptables mode accepts it, nftables never', node: 'node-a', src: '127.0.0.1', dst: '127.0.0.1', port: 30043, expect: { verdict: 'pass' }, iptables: dnat(['10.244.1.31:8080', '10.244.2.31:8080'], true) },

  // externalTrafficPolicy Local
  { name: 'eTP Local: external to LB IP on a node without local endpoints is dropped', node: 'node-a', src: EXTERNAL_CLIENT, dst: '192.0.2.42', port: 80, expect: { verdict: 'drop' } },
  { name: 'eTP Local: external to LB IP on a node with a local endpoint keeps the client IP', node: 'node-b', src: EXTERNAL_CLIENT, dst: '192.0.2.42', port: 80, expect: dnat(['10.244.2.21:8080'], false) },
  { name: 'eTP Local: external to NodePort without local endpoints is dropped', node: 'node-a', src: EXTERNAL_CLIENT, dst: NODE_A_IP, port: 30042, expect: { verdict: 'drop' } },
  { name: 'eTP Local: external to NodePort with a local endpoint, not masqueraded', node: 'node-b', src: EXTERNAL_CLIENT, dst: '172.18.0.3', port: 30042, expect: dnat(['10.244.2.21:8080'], false) },
  { name: 'eTP Local: pod to NodePort is short-circuited to the Cluster endpoints', node: 'node-a', src: POD_A, dst: NODE_A_IP, port: 30042, expect: dnat(['10.244.2.21:8080'], false) },
  { name: 'eTP Local: pod to LB IP is short-circuited to the Cluster endpoints', node: 'node-a', src: POD_A, dst: '192.0.2.42', port: 80, expect: dnat(['10.244.2.21:8080'], false) },
  { name: 'eTP Local: node to its own NodePort is masqueraded and uses the Cluster endpoints', node: 'node-a', src: NODE_A_IP, dst: NODE_A_IP, port: 30042, expect: dnat(['10.244.2.21:8080'], true) },
  { name: 'eTP Local: external to external IP on a node with a local endpoint', node: 'node-b', src: EXTERNAL_CLIENT, dst: '198.51.100.42', port: 80, expect: dnat(['10.244.2.21:8080'], false) },
  { name: 'eTP Local: ClusterIP traffic still uses every endpoint', node: 'node-a', src: POD_A, dst: '10.96.0.42', port: 80, expect: dnat(['10.244.2.21:8080'], false) },

  // loadBalancerSourceRanges
  { name: 'accepted external to LB IP (inside loadBalancerSourceRanges)', node: 'node-a', src: EXTERNAL_CLIENT, dst: '192.0.2.44', port: 80, expect: dnat(['10.244.3.41:8080'], true) },
  { name: 'blocked external to LB IP (outside loadBalancerSourceRanges): DROP', node: 'node-a', src: BLOCKED_CLIENT, dst: '192.0.2.44', port: 80, expect: { verdict: 'drop' } },
  { name: 'pod to LB IP is filtered by loadBalancerSourceRanges too', node: 'node-a', src: POD_A, dst: '192.0.2.44', port: 80, expect: { verdict: 'drop' } },
  { name: 'node to LB IP allowed: a range covers the node IP', node: 'node-a', src: NODE_A_IP, dst: '192.0.2.44', port: 80, expect: dnat(['10.244.3.41:8080'], true) },
  { name: 'same node to LB IP SNATed to the LB IP: implicitly allowed', node: 'node-a', src: '192.0.2.44', dst: '192.0.2.44', port: 80, expect: dnat(['10.244.3.41:8080'], true) },
  { name: 'NodePort bypasses loadBalancerSourceRanges', node: 'node-a', src: BLOCKED_CLIENT, dst: NODE_A_IP, port: 30044, expect: dnat(['10.244.3.41:8080'], true) },

  // internalTrafficPolicy Local
  { name: 'iTP Local: ClusterIP on a node without local endpoints is dropped', node: 'node-a', src: POD_A, dst: '10.96.0.47', port: 80, expect: { verdict: 'drop' } },
  { name: 'iTP Local: ClusterIP on a node with a local endpoint goes there only', node: 'node-b', src: POD_B, dst: '10.96.0.47', port: 80, expect: dnat(['10.244.2.71:8080'], false) },

  // Terminating endpoints and affinity
  { name: 'only terminating endpoints: the serving ones still get traffic', node: 'node-a', src: POD_A, dst: '10.96.0.49', port: 80, expect: dnat(['10.244.1.91:8080'], false) },
  { name: 'ClientIP affinity without history: any endpoint', node: 'node-a', src: POD_A, dst: '10.96.0.48', port: 80, expect: dnat(['10.244.1.81:8080', '10.244.2.81:8080'], false) },
  {
    name: 'ClientIP affinity within the timeout: the remembered endpoint', node: 'node-a', src: POD_A, dst: '10.96.0.48', port: 80,
    affinity: [{ client: POD_A, service: 'ns7/sticky:http', backend: '10.244.2.81:8080', ageSeconds: 30 }], expect: dnat(['10.244.2.81:8080'], false),
  },
  {
    name: 'ClientIP affinity past the timeout: any endpoint again', node: 'node-a', src: POD_A, dst: '10.96.0.48', port: 80,
    affinity: [{ client: POD_A, service: 'ns7/sticky:http', backend: '10.244.2.81:8080', ageSeconds: 61 }], expect: dnat(['10.244.1.81:8080', '10.244.2.81:8080'], false),
  },
  {
    name: 'ClientIP affinity is per client IP', node: 'node-a', src: POD_A, dst: '10.96.0.48', port: 80,
    affinity: [{ client: POD_B, service: 'ns7/sticky:http', backend: '10.244.2.81:8080', ageSeconds: 1 }], expect: dnat(['10.244.1.81:8080', '10.244.2.81:8080'], false),
  },
];
