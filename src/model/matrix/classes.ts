/**
 * Equivalence classes of pods for NetworkPolicy: two pods of one namespace that every selector,
 * every ipBlock and every referenced named port treat alike get the same verdict towards and from
 * every other pod, so the matrix is computed per class pair and then expanded.
 *
 * Key of a pod = namespace + which pod selectors match its labels + which ipBlock peers contain its
 * IP + its containerPorts for the named ports policies use. Selector evaluation is shared between
 * pods whose labels agree on every key any selector mentions.
 */
import { parseIP } from '../../api/cidr.ts';
import type { Pod } from '../../api/types.ts';
import { podIPs } from '../../cluster/view.ts';
import type { CompiledPeer, PolicyIndex } from '../policy/index.ts';

export interface PodClasses {
  /** Class id of each pod (same order as the input pods). */
  classOf: Int32Array;
  /** A representative pod per class (the first seen). */
  representatives: Pod[];
  /** Primary pod IP of the representative (ipBlock matching is the same for the whole class). */
  ips: (string | undefined)[];
  /** The class's containerPorts for the named ports policies use (equal ⇒ same port resolution). */
  portSignatures: string[];
}

type IPBlockPeer = Extract<CompiledPeer, { kind: 'ipBlock' }>;

export function podClasses(index: PolicyIndex, pods: readonly Pod[]): PodClasses {
  const podSelectors = new Map<string, (labels: Pod['metadata']['labels']) => boolean>();
  const ipBlocks = new Map<string, IPBlockPeer>();
  const namedPorts = new Set<string>();
  const keys = new Set<string>();
  const noteKeys = (sel: { selector: { requirements: { key: string }[] } }): void => {
    for (const r of sel.selector.requirements) keys.add(r.key);
  };
  for (const p of index.policies) {
    podSelectors.set(p.podSelector.key, (l) => p.podSelector.selector.matches(l));
    noteKeys(p.podSelector);
    for (const rules of [p.ingress ?? [], p.egress ?? []]) {
      for (const r of rules) {
        for (const peer of r.peers ?? []) {
          if (peer.kind === 'ipBlock') ipBlocks.set(peer.text, peer);
          else {
            podSelectors.set(peer.podSelector.key, (l) => peer.podSelector.selector.matches(l));
            noteKeys(peer.podSelector);
          }
        }
        for (const port of r.ports ?? []) if (port.name !== undefined) namedPorts.add(`${port.name}/${port.protocol}`);
      }
    }
  }
  const selectorList = [...podSelectors.values()];
  const blockList = index.capability.ipBlockScope === 'all' ? [...ipBlocks.values()] : [];
  const relevantKeys = [...keys].sort();

  // Selector bits per projected label set, shared across pods and namespaces.
  const bitsByLabels = new Map<string, string>();
  const selectorBits = (pod: Pod): string => {
    const labels = pod.metadata.labels ?? {};
    let projected = '';
    for (const k of relevantKeys) if (Object.prototype.hasOwnProperty.call(labels, k)) projected += `${k}=${labels[k]}\u0000`;
    let bits = bitsByLabels.get(projected);
    if (bits === undefined) {
      bits = selectorList.map((m) => (m(labels) ? '1' : '0')).join('');
      bitsByLabels.set(projected, bits);
    }
    return bits;
  };

  const classOf = new Int32Array(pods.length);
  const representatives: Pod[] = [];
  const ips: (string | undefined)[] = [];
  const portSignatures: string[] = [];
  const byKey = new Map<string, number>();
  pods.forEach((pod, i) => {
    const ip = podIPs(pod)[0];
    let key = `${pod.metadata.namespace ?? 'default'}\u0001${selectorBits(pod)}\u0001`;
    const parsed = ip ? parseIP(ip) : undefined;
    if (parsed) for (const b of blockList) key += b.cidr.contains(parsed) && !b.except.some((x) => x.contains(parsed)) ? '1' : '0';
    else key += '-';
    let portSig = '';
    if (namedPorts.size) {
      for (const c of pod.spec.containers ?? []) {
        for (const p of c.ports ?? []) if (p.name && namedPorts.has(`${p.name}/${p.protocol ?? 'TCP'}`)) portSig += `${p.name}/${p.protocol ?? 'TCP'}=${p.containerPort},`;
      }
      key += `\u0001${portSig}`;
    }
    let id = byKey.get(key);
    if (id === undefined) {
      id = representatives.length;
      byKey.set(key, id);
      representatives.push(pod);
      ips.push(ip);
      portSignatures.push(portSig);
    }
    classOf[i] = id;
  });
  return { classOf, representatives, ips, portSignatures };
}
