/**
 * Node, Namespace and ConfigMap validation: the node's pod CIDRs, addresses and taints
 * (pkg/apis/core/validation ValidateNode), ConfigMap keys.
 */
import { parseCIDR, parseIP } from '../cidr.ts';
import { cidrErrors, configMapKeyErrors, ipErrors, labelValueFormatErrors, qualifiedNameErrors } from './formats.ts';
import type { Path, Problems } from './problems.ts';
import { list, rec, str, type Rec } from './values.ts';

const ADDRESS_TYPES = ['ExternalDNS', 'ExternalIP', 'Hostname', 'InternalDNS', 'InternalIP'];
const TAINT_EFFECTS = ['NoExecute', 'NoSchedule', 'PreferNoSchedule'];

export function validateNode(obj: Rec, p: Problems): void {
  const spec = rec(obj.spec) ?? {};
  const podCIDR = str(spec.podCIDR);
  if (podCIDR) p.invalidEach(['spec', 'podCIDR'], podCIDR, cidrErrors(podCIDR));
  const podCIDRs = list(spec.podCIDRs).filter((c): c is string => typeof c === 'string');
  podCIDRs.forEach((c, i) => p.invalidEach(['spec', 'podCIDRs', i], c, cidrErrors(c)));
  if (podCIDRs.length > 1) {
    const families = podCIDRs.map((c) => parseCIDR(c)?.family);
    if (podCIDRs.length > 2 || families[0] === families[1]) p.invalid(['spec', 'podCIDRs'], podCIDRs, 'may specify no more than one CIDR for each IP family');
  }
  if (podCIDR && podCIDRs.length > 0 && podCIDRs[0] !== podCIDR) p.invalid(['spec', 'podCIDRs'], podCIDRs, 'first value must match `podCIDR`');

  const taints = new Set<string>();
  list(spec.taints).forEach((raw, i) => {
    const t = rec(raw) ?? {};
    const at: Path = ['spec', 'taints', i];
    const key = str(t.key) ?? '';
    p.invalidEach([...at, 'key'], key, qualifiedNameErrors(key));
    const value = str(t.value) ?? '';
    const valueErrs = labelValueFormatErrors(value);
    if (valueErrs.length) p.invalid([...at, 'value'], value, valueErrs.join(';'));
    const effect = str(t.effect) ?? '';
    if (effect === '') p.required([...at, 'effect']);
    else if (!TAINT_EFFECTS.includes(effect)) p.unsupported([...at, 'effect'], effect, TAINT_EFFECTS);
    const id = `${key}\u0000${effect}`;
    if (taints.has(id)) p.add(at, `Duplicate value: ${JSON.stringify({ key, effect })}: taints must be unique by key and effect pair`);
    taints.add(id);
  });

  const seen = new Set<string>();
  list(rec(obj.status)?.addresses).forEach((raw, i) => {
    const a = rec(raw) ?? {};
    const at: Path = ['status', 'addresses', i];
    const type = str(a.type) ?? '';
    const address = str(a.address) ?? '';
    if (!ADDRESS_TYPES.includes(type)) p.unsupported([...at, 'type'], type, ADDRESS_TYPES);
    if ((type === 'InternalIP' || type === 'ExternalIP') && !parseIP(address)) p.invalidEach([...at, 'address'], address, ipErrors(address));
    const id = `${type}/${address}`;
    if (seen.has(id)) p.duplicate(at, { type, address });
    seen.add(id);
  });
}

export function validateConfigMap(obj: Rec, p: Problems): void {
  const data = rec(obj.data) ?? {};
  const binary = rec(obj.binaryData) ?? {};
  for (const [field, map] of [['data', data], ['binaryData', binary]] as const) {
    for (const key of Object.keys(map)) {
      const at: Path = [field, key];
      p.invalidEach(at, key, configMapKeyErrors(key));
      if (field === 'binaryData' && key in data) p.invalid(at, key, 'duplicate of key present in data');
    }
  }
}
