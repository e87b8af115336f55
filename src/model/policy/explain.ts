/**
 * Explanations in the API's own terms: which policies select a pod and what each rule admits
 * (peers in words plus the pods they currently match), and what one policy selects and admits.
 */
import type { Pod } from '../../api/types.ts';
import { notEnforcedNote } from './capability.ts';
import type { CompiledPeer, CompiledPolicy, CompiledRule, Direction } from './compiled.ts';
import type { PolicyIndex } from './policy-index.ts';

export interface RuleExplanation {
  index: number;
  /** `spec.ingress[0]` */
  field: string;
  /** Each peer in words; ["any peer (all pods, all addresses)"] when the rule has none. */
  peers: string[];
  /** Ports entries (`80/TCP`, `serve-80-tcp/TCP`, `all/UDP`); ["any port"] when none. */
  ports: string[];
  /** Pods the peers match now (`ns/name`); null when the rule admits any peer. */
  matchesPods: string[] | null;
  /** ipBlock peers (`10.0.0.0/8 except 10.1.0.0/16`). */
  ipBlocks: string[];
}

export interface PolicyDirectionExplanation {
  policy: string;
  rules: RuleExplanation[];
  /** Human summary: "denies all ingress" / "2 rules". */
  summary: string;
}

export interface PodExplanation {
  pod: string;
  enforced: boolean;
  ingress: { isolated: boolean; policies: PolicyDirectionExplanation[]; summary: string };
  egress: { isolated: boolean; policies: PolicyDirectionExplanation[]; summary: string };
  notes: string[];
}

export interface PolicyExplanation {
  policy: string;
  enforced: boolean;
  /** Effective policyTypes (after the API server's defaulting). */
  policyTypes: string[];
  podSelector: string;
  selects: string[];
  ingress: PolicyDirectionExplanation | null;
  egress: PolicyDirectionExplanation | null;
  notes: string[];
}

const ref = (p: Pod): string => `${p.metadata.namespace ?? 'default'}/${p.metadata.name}`;

export function describePeer(peer: CompiledPeer, policyNs: string): string {
  if (peer.kind === 'ipBlock') return `ipBlock ${peer.text}`;
  const pods = peer.podSelector.key === '{}' ? 'all pods' : `pods matching ${peer.podSelector.key}`;
  const ns = peer.namespaceSelector === null
    ? `in namespace ${policyNs}`
    : peer.namespaceSelector.key === '{}' ? 'in all namespaces' : `in namespaces matching ${peer.namespaceSelector.key}`;
  return `${pods} ${ns}`;
}

function explainRule(index: PolicyIndex, policy: CompiledPolicy, dir: Direction, rule: CompiledRule, i: number): RuleExplanation {
  const ipBlocks = (rule.peers ?? []).filter((p) => p.kind === 'ipBlock').map((p) => (p as { text: string }).text);
  let matchesPods: string[] | null = null;
  if (rule.peers !== null) {
    const selectorPeers = rule.peers.filter((p): p is Extract<CompiledPeer, { kind: 'pods' }> => p.kind === 'pods');
    matchesPods = index.view.pods
      .filter((p) => !p.spec.hostNetwork && selectorPeers.some((peer) => index.peerSelectsPod(peer, policy.namespace, p)))
      .map(ref);
  }
  return {
    index: i,
    field: `spec.${dir}[${i}]`,
    peers: rule.peers === null ? ['any peer (all pods, all addresses)'] : rule.peers.map((p) => describePeer(p, policy.namespace)),
    ports: rule.ports === null ? ['any port'] : rule.ports.map((p) => p.text),
    matchesPods,
    ipBlocks,
  };
}

function explainDirection(index: PolicyIndex, policy: CompiledPolicy, dir: Direction): PolicyDirectionExplanation | null {
  const rules = policy[dir];
  if (!rules) return null;
  const explained = rules.map((r, i) => explainRule(index, policy, dir, r, i));
  const summary = rules.length === 0
    ? `denies all ${dir} (no rules)`
    : rules.some((r) => r.peers === null && r.ports === null) ? `allows all ${dir}` : `${rules.length} rule${rules.length === 1 ? '' : 's'}`;
  return { policy: policy.ref, rules: explained, summary };
}

function commonNotes(index: PolicyIndex): string[] {
  return index.capability.enforces ? [] : [notEnforcedNote(index.capability.cni)];
}

export function explainPod(index: PolicyIndex, pod: Pod): PodExplanation {
  const notes = commonNotes(index);
  if (pod.spec.hostNetwork) notes.push('hostNetwork pod: policies never select it; its traffic counts as its node\'s');
  const side = (dir: Direction): PodExplanation['ingress'] => {
    const policies = index.policiesSelecting(pod, dir).map((p) => explainDirection(index, p, dir)!);
    const summary = policies.length
      ? `isolated for ${dir} by ${policies.map((p) => p.policy).join(', ')}: only what their rules admit is allowed`
      : `no policy selects the pod for ${dir}: all ${dir} allowed`;
    return { isolated: policies.length > 0, policies, summary };
  };
  return { pod: ref(pod), enforced: index.capability.enforces, ingress: side('ingress'), egress: side('egress'), notes };
}

export function explainPolicy(index: PolicyIndex, policy: CompiledPolicy): PolicyExplanation {
  const notes = commonNotes(index);
  const src = policy.source.spec;
  if (src.ingress?.length && !policy.ingress) notes.push('spec.ingress is ignored: policyTypes does not include Ingress');
  if (src.egress?.length && !policy.egress) notes.push('spec.egress is ignored: policyTypes does not include Egress');
  if (!src.policyTypes?.length) notes.push(`policyTypes omitted: defaulted to [${policy.types.join(', ')}]`);
  return {
    policy: policy.ref,
    enforced: index.capability.enforces,
    policyTypes: policy.types,
    podSelector: policy.podSelector.key === '{}' ? `all pods in namespace ${policy.namespace}` : `pods matching ${policy.podSelector.key} in namespace ${policy.namespace}`,
    selects: index.podsSelectedBy(policy).map(ref),
    ingress: explainDirection(index, policy, 'ingress'),
    egress: explainDirection(index, policy, 'egress'),
    notes,
  };
}
