/**
 * All-pairs reachability between pods, per port/protocol, computed on equivalence classes:
 * per class and port, the set of destination classes its egress admits and the set of source classes
 * its ingress admits (unions of precomputed peer sets), then cell(S, D) = egress[S] ∋ D ∧ ingress[D] ∋ S.
 * The cost is O(classes² · ports / 32) plus one pass over the rules, not O(pods² · rules).
 */
import { parseIP } from '../../api/cidr.ts';
import type { Pod, Protocol } from '../../api/types.ts';
import { notEnforcedNote, PolicyIndex, portMatches, type CompiledPeer, type CompiledPolicy, type CompiledRule, type Direction } from '../policy/index.ts';
import { and, emptyBits, fullBits, orInto, setBit, words, type Bits } from './bitset.ts';
import { podClasses, type PodClasses } from './classes.ts';

export interface MatrixPort {
  port: number;
  protocol: Protocol;
}

export const portKey = (p: MatrixPort): string => `${p.port}/${p.protocol}`;

/** A computed matrix: pods × pods × ports, answered per cell. */
export interface Matrix {
  /** `ns/name` of each pod, rows and columns in this order. */
  pods: string[];
  ports: MatrixPort[];
  enforced: boolean;
  /** Number of equivalence classes (0 for an evaluator that does not use them). */
  classes: number;
  allowed(src: number, dst: number, port: number): boolean;
  /** The full pod × pod bit matrix of one port: row i (⌈pods/32⌉ words) holds i's destinations. */
  expand(port: number): Uint32Array;
  notes: string[];
}

const podRef = (p: Pod): string => `${p.metadata.namespace ?? 'default'}/${p.metadata.name}`;

/** Pods a matrix covers: not hostNetwork (those are node traffic), optionally limited to namespaces. */
export function matrixPods(index: PolicyIndex, namespaces?: readonly string[]): Pod[] {
  const ns = namespaces?.length ? new Set(namespaces) : undefined;
  return index.view.pods.filter((p) => !p.spec.hostNetwork && (!ns || ns.has(p.metadata.namespace ?? 'default')));
}

/** Every declared containerPort of the pods, sorted by protocol then number. */
export function declaredPorts(pods: readonly Pod[]): MatrixPort[] {
  const seen = new Map<string, MatrixPort>();
  for (const p of pods) for (const c of p.spec.containers ?? []) for (const cp of c.ports ?? []) {
    const mp = { port: cp.containerPort, protocol: cp.protocol ?? 'TCP' };
    seen.set(portKey(mp), mp);
  }
  const order: Record<string, number> = { TCP: 0, UDP: 1, SCTP: 2 };
  return [...seen.values()].sort((a, b) => order[a.protocol] - order[b.protocol] || a.port - b.port);
}

class ClassEvaluator {
  private readonly n: number;
  private readonly all: Bits;
  private readonly none: Bits;
  private readonly peerSets = new Map<string, Bits>();
  private readonly namedSets = new Map<string, Bits>();

  constructor(private readonly index: PolicyIndex, private readonly cls: PodClasses) {
    this.n = cls.representatives.length;
    this.all = fullBits(this.n);
    this.none = emptyBits(this.n);
  }

  /** Classes a peer of a policy in `policyNs` matches. */
  private peerSet(peer: CompiledPeer, policyNs: string): Bits {
    const key = peer.kind === 'ipBlock' ? `ip|${peer.text}` : `${peer.namespaceSelector ? `nss|${peer.namespaceSelector.key}` : `ns|${policyNs}`}|${peer.podSelector.key}`;
    let set = this.peerSets.get(key);
    if (set) return set;
    set = emptyBits(this.n);
    const reps = this.cls.representatives;
    for (let c = 0; c < this.n; c++) {
      if (peer.kind === 'pods') {
        if (this.index.peerSelectsPod(peer, policyNs, reps[c])) setBit(set, c);
      } else if (this.index.capability.ipBlockScope === 'all') {
        const ip = this.cls.ips[c];
        const parsed = ip ? parseIP(ip) : undefined;
        if (parsed && peer.cidr.contains(parsed) && !peer.except.some((x) => x.contains(parsed))) setBit(set, c);
      }
    }
    this.peerSets.set(key, set);
    return set;
  }

  /** Classes whose pods expose `name`/protocol as `port`. */
  private namedSet(name: string, protocol: Protocol, port: number): Bits {
    const key = `${name}/${protocol}/${port}`;
    let set = this.namedSets.get(key);
    if (set) return set;
    set = emptyBits(this.n);
    const entry = { protocol, name, text: '' };
    for (let c = 0; c < this.n; c++) if (portMatches(entry, port, protocol, this.cls.representatives[c])) setBit(set, c);
    this.namedSets.set(key, set);
    return set;
  }

  private rulePeers(rule: CompiledRule, policyNs: string): Bits {
    if (rule.peers === null) return this.all;
    if (rule.peers.length === 1) return this.peerSet(rule.peers[0], policyNs);
    const out = emptyBits(this.n);
    for (const p of rule.peers) orInto(out, this.peerSet(p, policyNs));
    return out;
  }

  /**
   * Egress of a source class: destination classes admitted. Named ports resolve on each destination,
   * so the port condition is itself a class set.
   */
  egressRow(policies: readonly CompiledPolicy[], port: MatrixPort): Bits {
    const out = emptyBits(this.n);
    for (const pol of policies) for (const rule of pol.egress ?? []) {
      const peers = this.rulePeers(rule, pol.namespace);
      if (rule.ports === null) {
        orInto(out, peers);
        continue;
      }
      let ports: Bits | undefined;
      for (const e of rule.ports) {
        if (e.name !== undefined) {
          if (e.protocol !== port.protocol) continue;
          ports = ports ? ports : emptyBits(this.n);
          orInto(ports, this.namedSet(e.name, e.protocol, port.port));
        } else if (portMatches(e, port.port, port.protocol, undefined)) {
          ports = this.all;
          break;
        }
      }
      if (ports) orInto(out, ports === this.all ? peers : and(peers, ports));
    }
    return out;
  }

  /** Ingress of a destination class: source classes admitted (ports resolve on this class). */
  ingressRow(policies: readonly CompiledPolicy[], port: MatrixPort, self: Pod): Bits {
    const out = emptyBits(this.n);
    for (const pol of policies) for (const rule of pol.ingress ?? []) {
      if (rule.ports !== null && !rule.ports.some((e) => portMatches(e, port.port, port.protocol, self))) continue;
      orInto(out, this.rulePeers(rule, pol.namespace));
    }
    return out;
  }

  get allSet(): Bits {
    return this.all;
  }

  get noneSet(): Bits {
    return this.none;
  }
}

const policySetKey = (ps: readonly CompiledPolicy[]): string => ps.map((p) => p.ref).join('\u0000');

/** The class-based matrix. */
export function computeMatrix(index: PolicyIndex, pods: readonly Pod[], ports: readonly MatrixPort[]): Matrix {
  const cls = podClasses(index, pods);
  const n = cls.representatives.length;
  const w = words(n);
  const ev = new ClassEvaluator(index, cls);
  const dirPolicies = (dir: Direction): (readonly CompiledPolicy[])[] => cls.representatives.map((p) => index.policiesSelecting(p, dir));
  const egressPolicies = dirPolicies('egress');
  const ingressPolicies = dirPolicies('ingress');

  // Per port: one bit per (src class, dst class).
  const cells: Bits[] = ports.map((port) => {
    const egress: Bits[] = new Array(n);
    const ingress: Bits[] = new Array(n);
    const egressCache = new Map<string, Bits>();
    const ingressCache = new Map<string, Bits>();
    for (let c = 0; c < n; c++) {
      const ep = egressPolicies[c];
      if (!ep.length) egress[c] = ev.allSet;
      else {
        const key = policySetKey(ep);
        let row = egressCache.get(key);
        if (!row) egressCache.set(key, (row = ev.egressRow(ep, port)));
        egress[c] = row;
      }
      const ip = ingressPolicies[c];
      if (!ip.length) ingress[c] = ev.allSet;
      else {
        // Same policies and same named-port resolution ⇒ same row.
        const rep = cls.representatives[c];
        const named = ip.some((p) => (p.ingress ?? []).some((r) => (r.ports ?? []).some((e) => e.name !== undefined)));
        const key = named ? `${policySetKey(ip)}\u0001${cls.portSignatures[c]}` : policySetKey(ip);
        let row = ingressCache.get(key);
        if (!row) ingressCache.set(key, (row = ev.ingressRow(ip, port, rep)));
        ingress[c] = row;
      }
    }
    // Transpose ingress: admittedBy[s] = destinations whose ingress admits s. Destinations not
    // isolated admit everyone; only isolated rows are walked, bit by set bit.
    const admittedBy = new Uint32Array(n * w);
    const open = emptyBits(n);
    for (let d = 0; d < n; d++) if (ingress[d] === ev.allSet) setBit(open, d);
    for (let s = 0; s < n; s++) admittedBy.set(open, s * w);
    for (let d = 0; d < n; d++) {
      const row = ingress[d];
      if (row === ev.allSet) continue;
      const dw = d >>> 5;
      const dm = 1 << (d & 31);
      for (let i = 0; i < w; i++) {
        let v = row[i];
        while (v) {
          const low = v & -v;
          admittedBy[((i << 5) + (31 - Math.clz32(low))) * w + dw] |= dm;
          v ^= low;
        }
      }
    }
    // cell(s, ·) = egress[s] ∧ admittedBy[s], a word at a time.
    const out = new Uint32Array(n * w);
    for (let s = 0; s < n; s++) {
      const eg = egress[s];
      const base = s * w;
      if (eg === ev.allSet) out.set(admittedBy.subarray(base, base + w), base);
      else for (let i = 0; i < w; i++) out[base + i] = eg[i] & admittedBy[base + i];
    }
    return out;
  });

  const enforced = index.capability.enforces;
  const classOf = cls.classOf;
  return {
    pods: pods.map(podRef),
    ports: [...ports],
    enforced,
    classes: n,
    allowed(src, dst, port) {
      if (!enforced) return true;
      const s = classOf[src];
      const d = classOf[dst];
      return (cells[port][s * w + (d >>> 5)] & (1 << (d & 31))) !== 0;
    },
    expand(port) {
      // One row per class, copied to every pod of the class.
      const np = pods.length;
      const pw = words(np);
      const out = new Uint32Array(np * pw);
      if (!enforced) {
        const row = fullBits(np);
        for (let s = 0; s < np; s++) out.set(row, s * pw);
        return out;
      }
      const firstRow = new Int32Array(n).fill(-1);
      const bits = cells[port];
      for (let s = 0; s < np; s++) {
        const c = classOf[s];
        const at = s * pw;
        if (firstRow[c] >= 0) {
          out.copyWithin(at, firstRow[c] * pw, firstRow[c] * pw + pw);
          continue;
        }
        firstRow[c] = s;
        const base = c * w;
        for (let d = 0; d < np; d++) {
          const dc = classOf[d];
          if (bits[base + (dc >>> 5)] & (1 << (dc & 31))) out[at + (d >>> 5)] |= 1 << (d & 31);
        }
      }
      return out;
    },
    notes: enforced ? [] : [notEnforcedNote(index.capability.cni)],
  };
}

/** Straightforward expansion through allowed(): for evaluators without classes. */
export function expandByCells(m: Pick<Matrix, 'pods' | 'allowed'>, port: number): Uint32Array {
  const n = m.pods.length;
  const w = words(n);
  const out = new Uint32Array(n * w);
  for (let s = 0; s < n; s++) for (let d = 0; d < n; d++) if (m.allowed(s, d, port)) out[s * w + (d >>> 5)] |= 1 << (d & 31);
  return out;
}
