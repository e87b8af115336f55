/**
 * The DNS hops of a flow to a name: the client's resolv.conf, whether its queries reach the cluster
 * DNS at all (kube-proxy and NetworkPolicy on UDP 53, the classic default-deny casualty), then the
 * stub resolver's walk through the search list, query by query, as model/dns answers it.
 */
import type { Protocol } from '../../api/types.ts';
import type { ClusterView } from '../../cluster/view.ts';
import type { CNIProfile } from '../cni/index.ts';
import {
  lookupFromPod, nodeResolvConf, podResolvConf, resolveName, type ClusterDNS, type Libc, type Resolution, type ResolvConf, type WalkStep,
} from '../dns/index.ts';
import type { PolicyIndex } from '../policy/index.ts';
import { endpointForIP, type TraceEndpoint } from './endpoints.ts';
import { egressHop, ingressHop, policyAllows, type PolicyLegInput } from './policy-leg.ts';
import { findServiceAddress, serviceLeg } from './service-leg.ts';
import type { TraceHop } from './types.ts';

export interface DNSLeg {
  hops: TraceHop[];
  ip?: string;
  /** Set when the name does not resolve (the hop that says why is last in hops). */
  failed: boolean;
}

export interface DNSLegContext {
  view: ClusterView;
  profile: CNIProfile;
  index: PolicyIndex;
  dns: ClusterDNS;
  libc: Libc;
}

function confText(conf: ResolvConf): string {
  const parts = [`nameserver ${conf.nameservers.join(', ') || '(none)'}`];
  if (conf.searches.length) parts.push(`search ${conf.searches.join(' ')}`);
  if (conf.options.length) parts.push(`options ${conf.options.join(' ')}`);
  return parts.join('; ');
}

function outcomeText(step: WalkStep): string {
  switch (step.outcome) {
    case 'answer':
      return step.response.answer.map((r) => (r.type === 'A' ? r.data : `${r.type} ${typeof r.data === 'string' ? r.data : JSON.stringify(r.data)}`)).join(', ');
    case 'nxdomain':
      return 'NXDOMAIN (no such name), next candidate';
    case 'nodata':
      return 'NOERROR, no A record (NODATA)';
    case 'servfail':
      return 'SERVFAIL';
    default:
      return `${step.response.rcode}`;
  }
}

/** Can the client's UDP queries reach a cluster DNS server? One hop, failing with the cause. */
function dnsReachHop(ctx: DNSLegContext, src: TraceEndpoint, server: string): TraceHop | undefined {
  const addr = findServiceAddress(ctx.view, server, 53, 'UDP');
  const where = `${src.label} → ${server}:53/UDP`;
  if (!addr) {
    const reason = `no Service has the cluster DNS address ${server}: queries time out`;
    return { step: 'dns', where, detail: reason, ok: false, reason, fix: 'create the kube-dns Service in kube-system with this ClusterIP (podnet applies it by default)' };
  }
  const leg = serviceLeg(ctx.view, ctx.profile, src, addr, server, 53, 'UDP');
  if (leg.failure) {
    const reason = `DNS queries fail: ${leg.failure.reason}`;
    return { step: 'dns', where, detail: reason, ok: false, reason, ...(leg.failure.fix ? { fix: leg.failure.fix } : {}) };
  }
  const protocol: Protocol = 'UDP';
  const inputs: PolicyLegInput[] = leg.backends.map((b) => {
    const dst = endpointForIP(ctx.view, b.ip);
    const seen = b.masquerade && leg.node ? { kind: 'node' as const, name: leg.node.metadata.name, node: leg.node, ip: ctx.view.nodeInternalIP(leg.node) } : src.policy;
    return { index: ctx.index, src: src.policy, seenSrc: seen, dst: dst.policy, port: b.port, protocol, srcLabel: src.label, dstLabel: dst.label };
  });
  const open = inputs.filter((p) => policyAllows(p));
  const servers = leg.backends.map((b) => b.pod ?? b.target).join(', ');
  if (!open.length && inputs.length) {
    const e = egressHop(inputs[0]);
    const bad = e.ok ? ingressHop(inputs[0]) : e;
    const reason = `DNS queries time out: ${bad.reason ?? bad.detail}`;
    const fix = bad.step === 'egress-policy'
      ? `allow DNS in a NetworkPolicy selecting the client: egress: [{to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}, podSelector: {matchLabels: {k8s-app: kube-dns}}}], ports: [{protocol: UDP, port: 53}, {protocol: TCP, port: 53}]}]`
      : bad.fix;
    return { step: 'dns', where, detail: reason, ok: false, reason, ...(fix ? { fix } : {}) };
  }
  const partial = open.length < inputs.length ? ` (${inputs.length - open.length} of ${inputs.length} servers are denied by policy: some queries time out)` : '';
  return { step: 'dns', where, ok: true, detail: `kube-proxy sends queries to ${servers}; NetworkPolicy lets UDP 53 through${partial}`, ...(partial ? { warning: partial.trim() } : {}) };
}

/** Why a name did not resolve, and the name that would. */
function unresolvedFix(view: ClusterView, name: string, clientNs: string | undefined): string {
  const labels = name.replace(/\.$/, '').split('.');
  const [first, second] = labels;
  const domain = view.config.clusterDomain;
  const elsewhere = view.services.filter((s) => s.metadata.name === first && (labels.length === 1 ? s.metadata.namespace !== clientNs : s.metadata.namespace !== second));
  if (elsewhere.length) {
    const s = elsewhere[0];
    return `Service ${first} exists in namespace ${s.metadata.namespace}: use ${first}.${s.metadata.namespace} (or ${first}.${s.metadata.namespace}.svc.${domain})`;
  }
  const svc = labels.length >= 2 ? view.service(second, first) : clientNs ? view.service(clientNs, first) : undefined;
  if (svc?.spec.clusterIP === 'None') return `Service ${svc.metadata.namespace}/${svc.metadata.name} is headless: its name only resolves while it has ready endpoints`;
  return `no Service, pod or upstream record has this name: check the spelling and the namespace (<service>.<namespace>.svc.${domain})`;
}

export function dnsLeg(ctx: DNSLegContext, src: TraceEndpoint, name: string): DNSLeg {
  const view = ctx.view;
  const hops: TraceHop[] = [];
  const pod = src.pod;
  const prc = pod ? podResolvConf(pod, view) : undefined;
  const conf = prc?.conf ?? nodeResolvConf(view);
  const whose = pod ? src.label : src.node ? `${src.label} (/etc/resolv.conf of the node)` : `${src.label} (its own resolver, outside the cluster)`;
  const policy = prc ? ` (dnsPolicy ${prc.dnsPolicy}${prc.effectivePolicy !== prc.dnsPolicy ? ` → ${prc.effectivePolicy}` : ''})` : '';
  const server = conf.nameservers[0];
  if (!server) {
    const reason = 'resolv.conf lists no nameserver: every lookup fails';
    hops.push({ step: 'resolv.conf', where: whose, detail: `${confText(conf)}${policy}`, ok: false, reason, fix: 'set dnsConfig.nameservers (dnsPolicy None needs them) or use dnsPolicy ClusterFirst' });
    return { hops, failed: true };
  }
  const warn = prc?.warnings.length ? { warning: prc.warnings.join('; ') } : {};
  hops.push({ step: 'resolv.conf', where: whose, detail: `${confText(conf)}${policy}`, ok: true, ...warn });

  const clusterServers = new Set([ctx.dns.zone.dnsServiceIP, ...ctx.dns.zone.nameservers.flatMap((n) => n.ips)]);
  const toCluster = clusterServers.has(server);
  if (toCluster && src.node) {
    const reach = dnsReachHop(ctx, src, server);
    if (reach) {
      hops.push(reach);
      if (!reach.ok) return { hops, failed: true };
    }
  }
  let res: Resolution;
  if (pod) res = lookupFromPod(ctx.dns, pod, name, 'A', ctx.libc);
  else {
    res = resolveName(name, 'A', conf, (q, s) => (clusterServers.has(s) && src.node ? ctx.dns.answer(q, { ip: src.ip }) : ctx.dns.upstream.answer(q)), ctx.libc);
  }
  res.steps.forEach((step, i) => {
    const by = clusterServers.has(step.server) && (src.node || pod) ? 'cluster DNS' : 'upstream resolver';
    const responder = step.response.answeredBy === 'autopath' ? ', autopath' : '';
    const last = i === res.steps.length - 1;
    const failed = last && res.result !== 'answer';
    const detail = `${step.query.name} ${step.query.type} → ${outcomeText(step)}${step.outcome === 'answer' ? ` (${ordinal(i + 1)} query of the ${res.libc} search walk, ndots:${res.ndots})` : ''}`;
    if (!failed) hops.push({ step: 'dns', where: `${step.server} (${by}${responder})`, detail, ok: true });
    else {
      const reason = `${name} does not resolve: the walk ended with ${res.result.toUpperCase()} after ${res.steps.length} quer${res.steps.length === 1 ? 'y' : 'ies'}`;
      const hostNet = pod?.spec.hostNetwork && prc?.effectivePolicy === 'Default' && prc.dnsPolicy === 'ClusterFirst';
      const fix = hostNet ? 'a hostNetwork pod with dnsPolicy ClusterFirst uses the node\'s resolver, which knows no Service names: set dnsPolicy: ClusterFirstWithHostNet' : unresolvedFix(view, name, pod?.metadata.namespace);
      hops.push({ step: 'dns', where: `${step.server} (${by})`, detail, ok: false, reason, fix });
    }
  });
  if (res.result !== 'answer') return { hops, failed: true };
  const a = res.response?.answer.find((r) => r.type === 'A');
  if (!a || typeof a.data !== 'string') {
    const reason = `${name} has no IPv4 address`;
    hops.push({ step: 'dns', where: 'resolver', detail: reason, ok: false, reason });
    return { hops, failed: true };
  }
  return { hops, ip: a.data, failed: false };
}

function ordinal(n: number): string {
  return n === 1 ? '1st' : n === 2 ? '2nd' : n === 3 ? '3rd' : `${n}th`;
}
