/**
 * The verdict on one flow (src → dst, port, protocol) under NetworkPolicy, with its reasons.
 * A connection needs egress allowed at the source AND ingress allowed at the destination; a pod no
 * policy selects in a direction is not isolated in that direction; policies are a union of allows.
 */
import type { Protocol } from '../../api/types.ts';
import { notEnforcedNote } from './capability.ts';
import type { CompiledPeer, CompiledPolicy, CompiledRule, Direction } from './compiled.ts';
import { endpointLabel, type FlowEndpoint } from './endpoint.ts';
import type { PolicyIndex } from './policy-index.ts';
import { portMatches } from './ports.ts';

export interface Flow {
  src: FlowEndpoint;
  dst: FlowEndpoint;
  port: number;
  protocol: Protocol;
}

/** One rule that admits the flow: indices are those of the policy's spec (0-based). */
export interface RuleMatch {
  policy: string;
  ruleIndex: number;
  /** Index in from/to of the first matching peer; null when the rule has no peers (any). */
  peerIndex: number | null;
  /** Index in ports of the first matching entry; null when the rule has no ports (any). */
  portIndex: number | null;
  /** The matching ports entry (`80/TCP`, `serve-80-tcp/TCP`, `all/UDP`), or null (any). */
  port: string | null;
}

export interface DirectionVerdict {
  /** False when this end is not a pod (external address or node): no policy can apply. */
  applies: boolean;
  isolated: boolean;
  /** Policies isolating the pod in this direction (`ns/name`). */
  policies: string[];
  allowed: boolean;
  allowedBy: RuleMatch[];
  reason: string;
}

export interface Decision {
  allowed: boolean;
  /** False when the CNI enforces no policy (the verdicts below say what policy would do). */
  enforced: boolean;
  ingress: DirectionVerdict;
  egress: DirectionVerdict;
  notes: string[];
}

/** `x/allow-web spec.ingress[1] (from[0], ports[0] 80/TCP)` */
export function describeMatch(dir: Direction, m: RuleMatch): string {
  const peerKey = dir === 'ingress' ? 'from' : 'to';
  const peer = m.peerIndex === null ? `any peer` : `${peerKey}[${m.peerIndex}]`;
  const port = m.portIndex === null ? 'any port' : `ports[${m.portIndex}] ${m.port}`;
  return `${m.policy} spec.${dir}[${m.ruleIndex}] (${peer}, ${port})`;
}

interface Context {
  index: PolicyIndex;
  notes: Set<string>;
}

function peerMatches(ctx: Context, peer: CompiledPeer, policyNs: string, e: FlowEndpoint): boolean {
  if (peer.kind === 'pods') return e.kind === 'pod' && ctx.index.peerSelectsPod(peer, policyNs, e.pod);
  if (!e.ip) return false;
  if (!peer.cidr.contains(e.ip) || peer.except.some((x) => x.contains(e.ip!))) return false;
  if (ctx.index.capability.ipBlockScope === 'external-only' && (e.kind !== 'external' || ctx.index.isClusterAddress(e.ip))) {
    ctx.notes.add(`${ctx.index.capability.cni}: ipBlock ${peer.text} does not select the cluster address ${e.ip} (${endpointLabel(e)}); only pod/namespace selectors can`);
    return false;
  }
  return true;
}

function ruleMatch(ctx: Context, policy: CompiledPolicy, rule: CompiledRule, ruleIndex: number, peer: FlowEndpoint, flow: Flow): RuleMatch | undefined {
  let peerIndex: number | null = null;
  if (rule.peers !== null) {
    const i = rule.peers.findIndex((p) => peerMatches(ctx, p, policy.namespace, peer));
    if (i < 0) return undefined;
    // Equal to the index in spec (valid policies compile every peer; invalid ones are refused upstream).
    peerIndex = i;
  }
  let portIndex: number | null = null;
  let port: string | null = null;
  if (rule.ports !== null) {
    const dstPod = flow.dst.kind === 'pod' ? flow.dst.pod : undefined;
    const j = rule.ports.findIndex((p) => portMatches(p, flow.port, flow.protocol, dstPod));
    if (j < 0) return undefined;
    portIndex = j;
    port = rule.ports[j].text;
  }
  return { policy: policy.ref, ruleIndex, peerIndex, portIndex, port };
}

function direction(ctx: Context, dir: Direction, flow: Flow): DirectionVerdict {
  const self = dir === 'egress' ? flow.src : flow.dst;
  const peer = dir === 'egress' ? flow.dst : flow.src;
  const what = dir === 'egress' ? 'source' : 'destination';
  if (self.kind !== 'pod') {
    return { applies: false, isolated: false, policies: [], allowed: true, allowedBy: [], reason: `${what} ${endpointLabel(self)} is not a pod: no ${dir} policy applies` };
  }
  if (dir === 'ingress' && peer.kind === 'node' && peer.name !== '' && peer.name === self.pod.spec.nodeName) {
    const policies = ctx.index.policiesSelecting(self.pod, dir).map((p) => p.ref);
    return {
      applies: true, isolated: policies.length > 0, policies, allowed: true, allowedBy: [],
      reason: `traffic from the pod's own node (${peer.name}) is always allowed (kubelet probes)`,
    };
  }
  const selecting = ctx.index.policiesSelecting(self.pod, dir);
  if (!selecting.length) {
    return { applies: true, isolated: false, policies: [], allowed: true, allowedBy: [], reason: `no policy selects ${self.ref} for ${dir}: allowed` };
  }
  const allowedBy: RuleMatch[] = [];
  for (const policy of selecting) {
    const rules = policy[dir] ?? [];
    rules.forEach((rule, i) => {
      const m = ruleMatch(ctx, policy, rule, i, peer, flow);
      if (m) allowedBy.push(m);
    });
  }
  const policies = selecting.map((p) => p.ref);
  const isolatedBy = `isolated by ${policies.join(', ')}`;
  const reason = allowedBy.length
    ? `${isolatedBy}; allowed by ${describeMatch(dir, allowedBy[0])}${allowedBy.length > 1 ? ` (+${allowedBy.length - 1} more)` : ''}`
    : `${isolatedBy}; no ${dir} rule admits ${endpointLabel(peer)} on ${flow.port}/${flow.protocol}: denied`;
  return { applies: true, isolated: true, policies, allowed: allowedBy.length > 0, allowedBy, reason };
}

export function decide(index: PolicyIndex, flow: Flow): Decision {
  const ctx: Context = { index, notes: new Set() };
  const egress = direction(ctx, 'egress', flow);
  const ingress = direction(ctx, 'ingress', flow);
  const notes: string[] = [];
  const enforced = index.capability.enforces;
  if (!enforced) notes.push(notEnforcedNote(index.capability.cni));
  if (flow.src.kind === 'pod' && flow.dst.kind === 'pod' && flow.src.pod === flow.dst.pod) {
    notes.push('loopback (a pod to its own IP): policy effect is implementation-defined (kubernetes#95879)');
  }
  notes.push(...ctx.notes);
  return { allowed: !enforced || (egress.allowed && ingress.allowed), enforced, ingress, egress, notes };
}
