/**
 * The NetworkPolicy hops of a flow: egress at the source, ingress at the destination, each decided
 * by model/policy. Ingress is judged with the source the destination actually sees (the node after
 * masquerade). A denied hop carries the rule that would admit the flow, written as policy YAML.
 */
import type { Labels, Protocol } from '../../api/types.ts';
import { decide, type DirectionVerdict, type FlowEndpoint, type PolicyIndex } from '../policy/index.ts';
import type { TraceHop } from './types.ts';

/** Labels the controllers add per pod or revision: useless as selectors in a hand-written rule. */
const GENERATED_LABELS = new Set(['pod-template-hash', 'controller-revision-hash', 'statefulset.kubernetes.io/pod-name', 'pod-template-generation', 'apps.kubernetes.io/pod-index']);

function stableLabels(labels: Labels | undefined): Labels {
  return Object.fromEntries(Object.entries(labels ?? {}).filter(([k]) => !GENERATED_LABELS.has(k)).sort(([a], [b]) => (a < b ? -1 : 1)));
}

function mapText(labels: Labels): string {
  const entries = Object.entries(labels);
  return entries.length ? `{${entries.map(([k, v]) => `${k}: ${v}`).join(', ')}}` : '{}';
}

/** A NetworkPolicy peer that selects `e` as seen from a policy in `policyNs`. */
function peerText(e: FlowEndpoint, policyNs: string): string {
  if (e.kind === 'pod') {
    const pods = `podSelector: {matchLabels: ${mapText(stableLabels(e.pod.metadata.labels))}}`;
    return e.namespace === policyNs ? `{${pods}}` : `{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ${e.namespace}}}, ${pods}}`;
  }
  return `{ipBlock: {cidr: ${e.ip ?? '0.0.0.0'}/32}}`;
}

/** The rule that admits the flow, for a policy selecting `self` (a pod). */
export function policyFix(dir: 'egress' | 'ingress', self: Extract<FlowEndpoint, { kind: 'pod' }>, peer: FlowEndpoint, port: number, protocol: Protocol): string {
  const key = dir === 'egress' ? 'to' : 'from';
  const selector = mapText(stableLabels(self.pod.metadata.labels));
  return `add to a NetworkPolicy in namespace ${self.namespace} with podSelector {matchLabels: ${selector}} (policyTypes [${dir === 'egress' ? 'Egress' : 'Ingress'}]): ${dir}: [{${key}: [${peerText(peer, self.namespace)}], ports: [{protocol: ${protocol}, port: ${port}}]}]`;
}

export interface PolicyLegInput {
  index: PolicyIndex;
  src: FlowEndpoint;
  /** The source the destination sees (differs after SNAT). */
  seenSrc: FlowEndpoint;
  dst: FlowEndpoint;
  port: number;
  protocol: Protocol;
  srcLabel: string;
  dstLabel: string;
}

function hop(step: 'egress-policy' | 'ingress-policy', where: string, v: DirectionVerdict, enforced: boolean, cni: string, fix: () => string | undefined): TraceHop {
  if (v.allowed) return { step, where, detail: v.reason, ok: true };
  if (!enforced) return { step, where, detail: v.reason, ok: true, warning: `${cni} does not enforce NetworkPolicy: the flow gets through, though the policies deny it` };
  const f = fix();
  return { step, where, detail: v.reason, ok: false, reason: v.reason, ...(f ? { fix: f } : {}) };
}

export function egressHop(p: PolicyLegInput): TraceHop {
  const d = decide(p.index, { src: p.src, dst: p.dst, port: p.port, protocol: p.protocol });
  const src = p.src;
  const fix = (): string | undefined => {
    if (src.kind !== 'pod') return undefined;
    const own = policyFix('egress', src, p.dst, p.port, p.protocol);
    // Both ends usually need a rule: say so now rather than after the next trace.
    const i = decide(p.index, { src: p.seenSrc, dst: p.dst, port: p.port, protocol: p.protocol }).ingress;
    const dst = p.dst;
    return !i.allowed && dst.kind === 'pod' ? `${own}; and at the destination (${i.reason}): ${policyFix('ingress', dst, p.seenSrc, p.port, p.protocol)}` : own;
  };
  return hop('egress-policy', p.srcLabel, d.egress, d.enforced, p.index.capability.cni, fix);
}

export function ingressHop(p: PolicyLegInput): TraceHop {
  const d = decide(p.index, { src: p.seenSrc, dst: p.dst, port: p.port, protocol: p.protocol });
  const dst = p.dst;
  return hop('ingress-policy', p.dstLabel, d.ingress, d.enforced, p.index.capability.cni, () => (dst.kind === 'pod' ? policyFix('ingress', dst, p.seenSrc, p.port, p.protocol) : undefined));
}

/** Does policy let this flow through at both ends (or not enforce at all)? */
export function policyAllows(p: PolicyLegInput): boolean {
  const e = decide(p.index, { src: p.src, dst: p.dst, port: p.port, protocol: p.protocol });
  if (!e.enforced) return true;
  const i = decide(p.index, { src: p.seenSrc, dst: p.dst, port: p.port, protocol: p.protocol });
  return e.egress.allowed && i.ingress.allowed;
}
