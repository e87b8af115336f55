/**
 * NetworkPolicy validation (pkg/apis/networking/validation ValidateNetworkPolicySpec): selectors,
 * peers (ipBlock exclusive with selectors, except strictly inside cidr), ports (endPort only with a
 * numeric port and not below it), policyTypes.
 */
import { parseCIDR } from '../cidr.ts';
import { cidrErrors, portNameErrors, portNumErrors } from './formats.ts';
import { validateLabelSelector } from './meta.ts';
import type { Path, Problems } from './problems.ts';
import { has, list, num, rec, str, type Rec } from './values.ts';

const POLICY_TYPES = ['Ingress', 'Egress'];
const PROTOCOLS = ['TCP', 'UDP', 'SCTP'];

export function validateNetworkPolicy(obj: Rec, p: Problems): void {
  const spec = rec(obj.spec) ?? {};
  const sp: Path = ['spec'];
  validateLabelSelector(spec.podSelector, [...sp, 'podSelector'], p);
  for (const [direction, peers] of [['ingress', 'from'], ['egress', 'to']] as const) {
    list(spec[direction]).forEach((raw, i) => {
      const rule = rec(raw) ?? {};
      const at: Path = [...sp, direction, i];
      list(rule.ports).forEach((port, j) => validateNetworkPolicyPort(rec(port) ?? {}, [...at, 'ports', j], p));
      list(rule[peers]).forEach((peer, j) => validatePeer(rec(peer) ?? {}, [...at, peers, j], p));
    });
  }
  const types = list(spec.policyTypes);
  if (types.length > POLICY_TYPES.length) {
    p.invalid([...sp, 'policyTypes'], types, 'may not specify more than two policyTypes');
    return;
  }
  types.forEach((t, i) => {
    if (typeof t === 'string' && !POLICY_TYPES.includes(t)) p.unsupported([...sp, 'policyTypes', i], t, POLICY_TYPES);
  });
}

export function validateNetworkPolicyPort(port: Rec, path: Path, p: Problems): void {
  const protocol = str(port.protocol);
  if (protocol !== undefined && !PROTOCOLS.includes(protocol)) p.unsupported([...path, 'protocol'], protocol, PROTOCOLS);
  const endPort = num(port.endPort);
  if (typeof port.port === 'number') {
    p.invalidEach([...path, 'port'], port.port, portNumErrors(port.port));
    if (endPort !== undefined) {
      if (endPort < port.port) p.invalid([...path, 'endPort'], endPort, 'must be greater than or equal to `port`');
      p.invalidEach([...path, 'endPort'], endPort, portNumErrors(endPort));
    }
  } else if (typeof port.port === 'string') {
    if (endPort !== undefined) p.invalid([...path, 'endPort'], endPort, 'may not be specified when `port` is non-numeric');
    p.invalidEach([...path, 'port'], port.port, portNameErrors(port.port));
  } else if (endPort !== undefined) {
    p.invalid([...path, 'endPort'], endPort, 'may not be specified when `port` is not specified');
  }
}

function validatePeer(peer: Rec, path: Path, p: Problems): void {
  let count = 0;
  if (has(peer, 'podSelector')) {
    count++;
    validateLabelSelector(peer.podSelector, [...path, 'podSelector'], p);
  }
  if (has(peer, 'namespaceSelector')) {
    count++;
    validateLabelSelector(peer.namespaceSelector, [...path, 'namespaceSelector'], p);
  }
  if (has(peer, 'ipBlock')) {
    count++;
    validateIPBlock(rec(peer.ipBlock) ?? {}, [...path, 'ipBlock'], p);
  }
  if (count === 0) p.required(path, 'must specify a peer');
  else if (count > 1 && has(peer, 'ipBlock')) p.forbidden(path, 'may not specify both ipBlock and another peer');
}

function validateIPBlock(block: Rec, path: Path, p: Problems): void {
  const cidrText = str(block.cidr) ?? '';
  if (cidrText === '') return p.required([...path, 'cidr']);
  p.invalidEach([...path, 'cidr'], cidrText, cidrErrors(cidrText));
  const cidr = parseCIDR(cidrText);
  if (!cidr) return;
  list(block.except).forEach((raw, i) => {
    if (typeof raw !== 'string') return;
    const at: Path = [...path, 'except', i];
    const errs = cidrErrors(raw);
    if (errs.length) return p.invalidEach(at, raw, errs);
    const except = parseCIDR(raw)!;
    // Strict subset: inside cidr (same family) and a longer prefix.
    if (!cidr.contains({ family: except.family, value: except.network }) || cidr.prefix >= except.prefix)
      p.invalid(at, raw, 'must be a strict subset of `cidr`');
  });
}
