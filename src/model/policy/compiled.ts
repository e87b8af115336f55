/**
 * A NetworkPolicy compiled for evaluation: selectors parsed once, policyTypes defaulted the way the
 * API server does it, peers and ports in a closed form. Compiling also reports, with field paths,
 * everything the API server would reject, so bad input never turns into a silent wrong verdict.
 */
import { CIDR, parseCIDR } from '../../api/cidr.ts';
import { formatFieldPath, reasons, type InputError } from '../../api/errors.ts';
import { fromLabelSelector, labelSelectorProblems, type Selector } from '../../api/selector.ts';
import type { LabelSelector, NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort, PolicyType, Protocol } from '../../api/types.ts';

export type Direction = 'ingress' | 'egress';

export interface SelectorRef {
  selector: Selector;
  /** Canonical text: equal keys ⇔ equal selectors (used to share work between policies). */
  key: string;
}

export type CompiledPeer =
  | {
      kind: 'pods';
      /** null: the policy's own namespace (no namespaceSelector in the peer). */
      namespaceSelector: SelectorRef | null;
      podSelector: SelectorRef;
    }
  | { kind: 'ipBlock'; cidr: CIDR; except: CIDR[]; text: string };

export interface CompiledPort {
  protocol: Protocol;
  /** Numeric start; undefined with a named port or for "every port of the protocol". */
  port?: number;
  /** Inclusive end of a range (endPort), else equal to `port`. */
  endPort?: number;
  /** Named port: resolved on the destination pod's containerPorts (name AND protocol). */
  name?: string;
  /** `80/TCP`, `8000-8080/TCP`, `http/TCP`, `all/UDP`. */
  text: string;
}

export interface CompiledRule {
  /** null: `from`/`to` missing or empty, i.e. any peer, external ones included. */
  peers: CompiledPeer[] | null;
  /** null: `ports` missing or empty, i.e. every port and protocol. */
  ports: CompiledPort[] | null;
}

export interface CompiledPolicy {
  namespace: string;
  name: string;
  /** `namespace/name`. */
  ref: string;
  podSelector: SelectorRef;
  /** The effective policyTypes (after defaulting). */
  types: PolicyType[];
  /** Rules per direction; undefined when the direction is not among the effective types. */
  ingress?: CompiledRule[];
  egress?: CompiledRule[];
  source: NetworkPolicy;
}

const PROTOCOLS: readonly Protocol[] = ['TCP', 'UDP', 'SCTP'];

/**
 * policyTypes as the API server defaults them: given ⇒ as given; omitted ⇒ Ingress, plus Egress
 * iff the policy has at least one egress rule (`egress: []` does not count).
 */
export function effectivePolicyTypes(np: NetworkPolicy): PolicyType[] {
  const given = np.spec?.policyTypes;
  if (given && given.length) return [...given];
  return (np.spec?.egress?.length ?? 0) > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
}

export function selectorKey(sel: LabelSelector | undefined): string {
  if (!sel) return '{}';
  const reqs: string[] = [];
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) reqs.push(`${k} In ${JSON.stringify([v])}`);
  for (const e of sel.matchExpressions ?? []) reqs.push(`${e.key} ${e.operator} ${JSON.stringify([...(e.values ?? [])].sort())}`);
  return `{${[...new Set(reqs)].sort().join(', ')}}`;
}

function selectorRef(sel: LabelSelector | undefined): SelectorRef {
  return { selector: fromLabelSelector(sel), key: selectorKey(sel) };
}

/** IANA_SVC_NAME as the API validates containerPort and NetworkPolicy port names. */
function portNameProblem(name: string): string | undefined {
  if (name.length > 15) return 'must be no more than 15 characters';
  if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(name)) return 'must contain only lowercase alphanumeric characters or \'-\', and start and end with an alphanumeric character';
  if (name.includes('--')) return 'must not contain consecutive hyphens';
  if (!/[a-z]/.test(name)) return 'must contain at least one letter (a-z)';
  return undefined;
}

export interface CompileResult {
  policy: CompiledPolicy;
  problems: InputError[];
}

/** Compiles one (defaulted or raw) NetworkPolicy; `problems` lists what the API server would reject. */
export function compilePolicy(np: NetworkPolicy): CompileResult {
  const namespace = np.metadata.namespace ?? 'default';
  const object = `NetworkPolicy ${namespace}/${np.metadata.name}`;
  const problems: InputError[] = [];
  const problem = (path: (string | number)[], reason: string): void => {
    problems.push({ object, field: formatFieldPath(path), reason });
  };
  const checkSelector = (sel: LabelSelector | undefined, path: (string | number)[]): void => {
    for (const p of labelSelectorProblems(sel)) problems.push({ object, field: `${formatFieldPath(path)}.${p.field}`, reason: p.reason });
  };

  const spec = np.spec ?? ({} as NetworkPolicy['spec']);
  checkSelector(spec.podSelector, ['spec', 'podSelector']);
  (spec.policyTypes ?? []).forEach((t, i) => {
    if (t !== 'Ingress' && t !== 'Egress') problem(['spec', 'policyTypes', i], reasons.unsupported(t, ['Ingress', 'Egress']));
  });
  if ((spec.policyTypes?.length ?? 0) > 2) problem(['spec', 'policyTypes'], reasons.tooMany(spec.policyTypes!.length, 2));

  const compilePort = (p: NetworkPolicyPort, path: (string | number)[]): CompiledPort => {
    const protocol = p.protocol ?? 'TCP';
    if (!PROTOCOLS.includes(protocol)) problem([...path, 'protocol'], reasons.unsupported(protocol, PROTOCOLS));
    if (typeof p.port === 'string') {
      const bad = portNameProblem(p.port);
      if (bad) problem([...path, 'port'], reasons.invalid(p.port, bad));
      if (p.endPort !== undefined) problem([...path, 'endPort'], reasons.forbidden('may not be specified when `port` is non-numeric'));
      return { protocol, name: p.port, text: `${p.port}/${protocol}` };
    }
    if (p.port === undefined || p.port === null) {
      if (p.endPort !== undefined) problem([...path, 'port'], reasons.required('must be specified when endPort is specified'));
      return { protocol, text: `all/${protocol}` };
    }
    if (!Number.isInteger(p.port) || p.port < 1 || p.port > 65535) problem([...path, 'port'], reasons.invalid(p.port, 'must be between 1 and 65535, inclusive'));
    let endPort = p.port;
    if (p.endPort !== undefined) {
      if (!Number.isInteger(p.endPort) || p.endPort < 1 || p.endPort > 65535) problem([...path, 'endPort'], reasons.invalid(p.endPort, 'must be between 1 and 65535, inclusive'));
      else if (p.endPort < p.port) problem([...path, 'endPort'], reasons.invalid(p.endPort, 'must be greater than or equal to `port`'));
      endPort = p.endPort;
    }
    return { protocol, port: p.port, endPort, text: endPort !== p.port ? `${p.port}-${endPort}/${protocol}` : `${p.port}/${protocol}` };
  };

  const compilePeer = (peer: NetworkPolicyPeer, path: (string | number)[]): CompiledPeer | undefined => {
    if (!peer || typeof peer !== 'object') {
      problem(path, reasons.required('must specify a peer'));
      return undefined;
    }
    const hasSel = peer.podSelector !== undefined || peer.namespaceSelector !== undefined;
    if (peer.ipBlock !== undefined) {
      if (hasSel) problem(path, reasons.forbidden('may not specify more than 1 peer'));
      const ipb = peer.ipBlock;
      const cidr = typeof ipb.cidr === 'string' ? parseCIDR(ipb.cidr) : undefined;
      if (!ipb.cidr) problem([...path, 'ipBlock', 'cidr'], reasons.required());
      else if (!cidr) problem([...path, 'ipBlock', 'cidr'], reasons.invalid(ipb.cidr, 'must be a valid CIDR, e.g. 10.0.0.0/16'));
      const except: CIDR[] = [];
      (ipb.except ?? []).forEach((e, i) => {
        const c = typeof e === 'string' ? parseCIDR(e) : undefined;
        if (!c) problem([...path, 'ipBlock', 'except', i], reasons.invalid(e, 'must be a valid CIDR, e.g. 10.0.1.0/24'));
        else if (cidr && !(cidr.covers(c) && c.prefix > cidr.prefix)) problem([...path, 'ipBlock', 'except', i], reasons.invalid(e, `must be a strict subset of \`cidr\` ${ipb.cidr}`));
        else except.push(c);
      });
      if (!cidr) return undefined;
      return { kind: 'ipBlock', cidr, except, text: except.length ? `${ipb.cidr} except ${except.map(String).join(', ')}` : ipb.cidr };
    }
    if (!hasSel) {
      problem(path, reasons.required('must specify a peer'));
      return undefined;
    }
    if (peer.podSelector) checkSelector(peer.podSelector, [...path, 'podSelector']);
    if (peer.namespaceSelector) checkSelector(peer.namespaceSelector, [...path, 'namespaceSelector']);
    return {
      kind: 'pods',
      namespaceSelector: peer.namespaceSelector ? selectorRef(peer.namespaceSelector) : null,
      podSelector: selectorRef(peer.podSelector),
    };
  };

  const compileRules = (dir: Direction, rules: readonly { from?: NetworkPolicyPeer[]; to?: NetworkPolicyPeer[]; ports?: NetworkPolicyPort[] }[]): CompiledRule[] =>
    rules.map((rule, i) => {
      const peerKey = dir === 'ingress' ? 'from' : 'to';
      const rawPeers = (dir === 'ingress' ? rule.from : rule.to) ?? [];
      const peers = rawPeers.length
        ? rawPeers.map((p, j) => compilePeer(p, ['spec', dir, i, peerKey, j])).filter((p): p is CompiledPeer => p !== undefined)
        : null;
      const rawPorts = rule.ports ?? [];
      const ports = rawPorts.length ? rawPorts.map((p, j) => compilePort(p, ['spec', dir, i, 'ports', j])) : null;
      return { peers, ports };
    });

  const types = effectivePolicyTypes(np);
  // Sections are compiled (and checked) even when their type is absent: the API validates them too.
  const ingress = compileRules('ingress', spec.ingress ?? []);
  const egress = compileRules('egress', spec.egress ?? []);
  const policy: CompiledPolicy = {
    namespace,
    name: np.metadata.name,
    ref: `${namespace}/${np.metadata.name}`,
    podSelector: selectorRef(spec.podSelector),
    types,
    ...(types.includes('Ingress') ? { ingress } : {}),
    ...(types.includes('Egress') ? { egress } : {}),
    source: np,
  };
  return { policy, problems };
}
