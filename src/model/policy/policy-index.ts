/**
 * The compiled policy index of one ClusterView: every policy compiled once, policies grouped by
 * namespace, namespace labels (with the control plane's `kubernetes.io/metadata.name`), and per pod
 * the policies that select it in each direction (computed on first use, then cached).
 */
import type { InputError } from '../../api/errors.ts';
import type { Labels, Pod } from '../../api/types.ts';
import type { ClusterView } from '../../cluster/view.ts';
import { policyCapability, type PolicyCapability } from './capability.ts';
import { compilePolicy, type CompiledPeer, type CompiledPolicy, type Direction } from './compiled.ts';

export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

export class PolicyIndex {
  readonly capability: PolicyCapability;
  readonly policies: readonly CompiledPolicy[];
  /** What the API server would have rejected; commands refuse to answer while this is non-empty. */
  readonly problems: readonly InputError[];
  private readonly byNs = new Map<string, CompiledPolicy[]>();
  private readonly byRef = new Map<string, CompiledPolicy>();
  private readonly nsLabels = new Map<string, Labels>();
  private readonly selecting = new Map<Pod, { ingress: CompiledPolicy[]; egress: CompiledPolicy[] }>();

  constructor(readonly view: ClusterView) {
    this.capability = policyCapability(view.config.cni);
    const problems: InputError[] = [];
    const policies: CompiledPolicy[] = [];
    for (const np of view.networkPolicies) {
      const { policy, problems: p } = compilePolicy(np);
      problems.push(...p);
      policies.push(policy);
      const list = this.byNs.get(policy.namespace);
      if (list) list.push(policy);
      else this.byNs.set(policy.namespace, [policy]);
      this.byRef.set(policy.ref, policy);
    }
    this.policies = policies;
    this.problems = problems;
  }

  policy(namespace: string, name: string): CompiledPolicy | undefined {
    return this.byRef.get(`${namespace}/${name}`);
  }

  policiesInNamespace(namespace: string): readonly CompiledPolicy[] {
    return this.byNs.get(namespace) ?? [];
  }

  /** Labels of a namespace, always with `kubernetes.io/metadata.name` (imports may lack it). */
  namespaceLabels(namespace: string): Labels {
    let labels = this.nsLabels.get(namespace);
    if (!labels) {
      labels = { ...(this.view.namespace(namespace)?.metadata.labels ?? {}), [NAMESPACE_NAME_LABEL]: namespace };
      this.nsLabels.set(namespace, labels);
    }
    return labels;
  }

  /** Policies of the pod's namespace that select it and whose effective types include `dir`. */
  policiesSelecting(pod: Pod, dir: Direction): readonly CompiledPolicy[] {
    let entry = this.selecting.get(pod);
    if (!entry) {
      entry = { ingress: [], egress: [] };
      if (!pod.spec.hostNetwork) {
        for (const p of this.policiesInNamespace(pod.metadata.namespace ?? 'default')) {
          if (!p.podSelector.selector.matches(pod.metadata.labels)) continue;
          if (p.ingress) entry.ingress.push(p);
          if (p.egress) entry.egress.push(p);
        }
      }
      this.selecting.set(pod, entry);
    }
    return entry[dir];
  }

  /** Pods a policy selects (never hostNetwork pods, never another namespace's). */
  podsSelectedBy(policy: CompiledPolicy): Pod[] {
    return this.view.podsInNamespace(policy.namespace).filter((p) => !p.spec.hostNetwork && policy.podSelector.selector.matches(p.metadata.labels));
  }

  /** Does a selector peer of a policy in `policyNs` match this pod? */
  peerSelectsPod(peer: Extract<CompiledPeer, { kind: 'pods' }>, policyNs: string, pod: Pod): boolean {
    const ns = pod.metadata.namespace ?? 'default';
    if (peer.namespaceSelector === null) {
      if (ns !== policyNs) return false;
    } else if (!peer.namespaceSelector.selector.matches(this.namespaceLabels(ns))) return false;
    return peer.podSelector.selector.matches(pod.metadata.labels);
  }

  /** True when `ip` belongs to a pod or a node (what Cilium's ipBlock never selects). */
  isClusterAddress(ip: string): boolean {
    return this.view.podsByIPAddress(ip).length > 0 || this.view.nodeByIP(ip) !== undefined;
  }
}
