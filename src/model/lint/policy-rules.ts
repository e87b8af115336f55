/**
 * NetworkPolicy rules: policies a CNI ignores, policies and peers that select nothing, rules another
 * rule already covers, egress isolation that forgets DNS, and namespaces without a default deny.
 */
import type { Pod, Protocol } from '../../api/types.ts';
import { fromMap } from '../../api/selector.ts';
import { clusterDNSIP, effectiveDNSPolicy } from '../dns/index.ts';
import { decide, podEndpoint, type CompiledPolicy, type CompiledPort, type CompiledRule, type FlowEndpoint, type PolicyIndex } from '../policy/index.ts';
import { ref, type LintRule } from './types.ts';

const policyRef = (p: CompiledPolicy): string => `NetworkPolicy ${p.ref}`;
const DIRECTIONS = ['ingress', 'egress'] as const;

function peerKey(peer: NonNullable<CompiledRule['peers']>[number]): string {
  return peer.kind === 'ipBlock' ? `ip:${peer.text}` : `pods:${peer.namespaceSelector?.key ?? 'own'}:${peer.podSelector.key}`;
}

function portCovers(a: CompiledPort, b: CompiledPort): boolean {
  if (a.protocol !== b.protocol) return false;
  if (a.port === undefined && a.name === undefined) return true;
  if (a.name !== undefined || b.name !== undefined) return a.name === b.name;
  if (b.port === undefined) return false;
  return b.port >= a.port! && (b.endPort ?? b.port) <= (a.endPort ?? a.port!);
}

/** Does rule `a` admit everything rule `b` admits? */
function ruleCovers(a: CompiledRule, b: CompiledRule): boolean {
  const peers = a.peers === null || (b.peers !== null && b.peers.every((p) => a.peers!.some((q) => peerKey(q) === peerKey(p))));
  const ports = a.ports === null || (b.ports !== null && b.ports.every((p) => a.ports!.some((q) => portCovers(q, p))));
  return peers && ports;
}

/** The pods answering cluster DNS: the kube-dns Service's selected pods, else its ClusterIP as an address. */
function dnsServers(index: PolicyIndex): FlowEndpoint[] {
  const view = index.view;
  const ip = clusterDNSIP(view);
  const svc = view.serviceByClusterIP(ip);
  if (svc?.spec.selector && Object.keys(svc.spec.selector).length) {
    const sel = fromMap(svc.spec.selector);
    const pods = view.podsInNamespace(svc.metadata.namespace ?? 'default').filter((p) => sel.matches(p.metadata.labels));
    if (pods.length) return pods.map((p) => podEndpoint(view, p));
  }
  return [{ kind: 'external', ip }];
}

function dnsBlocked(index: PolicyIndex, pod: Pod, servers: FlowEndpoint[], protocol: Protocol): boolean {
  const src = podEndpoint(index.view, pod);
  return !servers.some((dst) => decide(index, { src, dst, port: 53, protocol }).egress.allowed);
}

export const POLICY_RULES: LintRule[] = [
  {
    id: 'policy-not-enforced',
    severity: 'warning',
    title: 'NetworkPolicies on a CNI that ignores them',
    check: ({ index, view }) => (!index.capability.enforces && index.policies.length ? [{
      objects: index.policies.map(policyRef),
      message: `cni ${view.config.cni} does not enforce NetworkPolicy: these ${index.policies.length} policies have no effect, every flow is allowed`,
      fix: 'use a CNI that enforces NetworkPolicy (calico, cilium), or run a policy agent next to flannel (e.g. canal)',
    }] : []),
  },
  {
    id: 'policy-selects-no-pods',
    severity: 'warning',
    title: 'policy podSelector selects no pods',
    check: ({ index }) => index.policies.filter((p) => p.podSelector.key !== '{}' && index.podsSelectedBy(p).length === 0).map((p) => ({
      objects: [policyRef(p)],
      message: `spec.podSelector ${p.podSelector.key} selects no pod in namespace ${p.namespace}: the policy isolates nothing`,
      fix: 'fix spec.podSelector to the labels of the pods it should protect (podSelector is namespace-local)',
    })),
  },
  {
    id: 'policy-peer-matches-nothing',
    severity: 'warning',
    title: 'policy peer selector matches no pods',
    check: ({ index, view }) => index.policies.flatMap((p) => DIRECTIONS.flatMap((dir) => (p[dir] ?? []).flatMap((rule, i) => (rule.peers ?? []).flatMap((peer, j) => {
      if (peer.kind !== 'pods') return [];
      if (view.pods.some((pod) => !pod.spec.hostNetwork && index.peerSelectsPod(peer, p.namespace, pod))) return [];
      const field = `spec.${dir}[${i}].${dir === 'ingress' ? 'from' : 'to'}[${j}]`;
      const nsPart = peer.namespaceSelector === null ? `namespace ${p.namespace}` : `namespaces matching ${peer.namespaceSelector.key}`;
      return [{
        objects: [policyRef(p)],
        message: `${field} (pods matching ${peer.podSelector.key} in ${nsPart}) matches no pod: the rule admits nothing through this peer`,
        fix: peer.namespaceSelector === null && p.namespace
          ? 'a peer without namespaceSelector only looks in the policy\'s own namespace: add a namespaceSelector for pods elsewhere, or fix the labels'
          : 'fix the selector labels (namespaces carry kubernetes.io/metadata.name: <name>)',
      }];
    })))),
  },
  {
    id: 'policy-rule-shadowed',
    severity: 'info',
    title: 'policy rule already covered by another rule (can never add anything)',
    check: ({ index }) => index.policies.flatMap((p) => DIRECTIONS.flatMap((dir) => (p[dir] ?? []).flatMap((rule, j) => {
      const own = (p[dir] ?? []).findIndex((other, i) => i !== j && ruleCovers(other, rule) && (!ruleCovers(rule, other) || i < j));
      if (own >= 0) {
        return [{
          objects: [policyRef(p)],
          message: `spec.${dir}[${j}] admits nothing that spec.${dir}[${own}] does not already admit`,
          fix: `remove spec.${dir}[${j}] or narrow spec.${dir}[${own}]`,
        }];
      }
      // An allow-all rule of a policy selecting every pod of the namespace covers every rule there.
      const wide = index.policiesInNamespace(p.namespace).find((o) => o !== p && o.podSelector.key === '{}' && (o[dir] ?? []).some((r) => r.peers === null && r.ports === null));
      return wide ? [{
        objects: [policyRef(p), policyRef(wide)],
        message: `spec.${dir}[${j}] can never matter: ${wide.ref} allows all ${dir} for every pod of namespace ${p.namespace}`,
        fix: `remove the allow-all ${dir} rule of ${wide.ref} if the namespace should be restricted`,
      }] : [];
    }))),
  },
  {
    id: 'egress-without-dns',
    severity: 'error',
    title: 'egress-restricted pods without DNS (UDP and TCP 53) allowed',
    check: ({ index, view }) => {
      if (!index.capability.enforces) return [];
      const servers = dnsServers(index);
      const groups = new Map<string, { pods: Pod[]; udp: boolean; tcp: boolean; policies: string[] }>();
      for (const pod of view.pods) {
        if (pod.spec.hostNetwork || effectiveDNSPolicy(pod.spec.dnsPolicy ?? 'ClusterFirst', false) !== 'ClusterFirst') continue;
        const policies = index.policiesSelecting(pod, 'egress');
        if (!policies.length) continue;
        const udp = dnsBlocked(index, pod, servers, 'UDP');
        const tcp = dnsBlocked(index, pod, servers, 'TCP');
        if (!udp && !tcp) continue;
        const key = `${pod.metadata.namespace}|${policies.map((x) => x.ref).join(',')}|${udp}|${tcp}`;
        const g = groups.get(key) ?? { pods: [], udp, tcp, policies: policies.map((x) => x.ref) };
        g.pods.push(pod);
        groups.set(key, g);
      }
      return [...groups.values()].map((g) => ({
        objects: [...g.pods.map((p) => ref('Pod', p)), ...g.policies.map((x) => `NetworkPolicy ${x}`)],
        message: `egress is restricted by ${g.policies.join(', ')} and ${g.udp && g.tcp ? 'DNS (UDP and TCP 53) is' : g.udp ? 'DNS over UDP 53 is' : 'DNS over TCP 53 is'} not allowed to the cluster DNS: ${g.udp ? 'every name lookup times out' : 'large answers (truncated, retried over TCP) fail'}`,
        fix: 'add to a policy selecting these pods: egress: [{to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}, podSelector: {matchLabels: {k8s-app: kube-dns}}}], ports: [{protocol: UDP, port: 53}, {protocol: TCP, port: 53}]}]',
      }));
    },
  },
  {
    id: 'namespace-without-default-deny',
    severity: 'info',
    title: 'namespace without a default-deny ingress policy',
    check: ({ index, view }) => {
      const namespaces = [...new Set(view.pods.filter((p) => !p.spec.hostNetwork).map((p) => p.metadata.namespace ?? 'default'))].filter((ns) => ns !== 'kube-system').sort();
      return namespaces.filter((ns) => !index.policiesInNamespace(ns).some((p) => p.podSelector.key === '{}' && p.ingress !== undefined && p.ingress.length === 0)).map((ns) => ({
        objects: [`Namespace ${ns}`],
        message: `no policy denies ingress by default in namespace ${ns}: every pod accepts traffic from anywhere unless a policy selects it`,
        fix: `apply a NetworkPolicy in ${ns} with podSelector: {} and policyTypes: [Ingress] (no rules), then allow what each tier needs`,
      }));
    },
  },
];
