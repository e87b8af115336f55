/**
 * Domain names as the DNS model handles them: absolute, with a trailing dot. Matching is
 * case-insensitive (spec §2.1), so lookups use `lowerName`; answers keep the case the client asked with.
 */
import { formatIP, parseIP } from '../../api/cidr.ts';

/** `a.b` or `a.b.` → `a.b.`; the root stays `.`. */
export function absoluteName(name: string): string {
  if (name === '' || name === '.') return '.';
  return name.endsWith('.') ? name : `${name}.`;
}

export function lowerName(name: string): string {
  return absoluteName(name).toLowerCase();
}

/** Labels of an absolute or relative name, without the root. */
export function labelsOf(name: string): string[] {
  const n = name.endsWith('.') ? name.slice(0, -1) : name;
  return n === '' ? [] : n.split('.');
}

/** True when `name` equals `zone` or lies below it (both absolute, compared case-insensitively). */
export function isSubdomain(name: string, zone: string): boolean {
  const n = lowerName(name);
  const z = lowerName(zone);
  return z === '.' || n === z || n.endsWith(`.${z}`);
}

/**
 * The labels of `name` left of `zone` (`svc1.ns.svc.cluster.local.` in `cluster.local.` →
 * `svc1.ns.svc`), or undefined when `name` is not inside `zone`.
 */
export function trimZone(name: string, zone: string): string | undefined {
  const n = lowerName(name);
  const z = lowerName(zone);
  if (n === z) return '';
  if (z === '.') return n.slice(0, -1);
  return n.endsWith(`.${z}`) ? n.slice(0, -z.length - 1) : undefined;
}

/** The reverse-lookup name of an IP: `d.c.b.a.in-addr.arpa.` or 32 nibbles under `ip6.arpa.` */
export function reverseName(ip: string): string | undefined {
  const p = parseIP(ip);
  if (!p) return undefined;
  if (p.family === 4) return `${ip.split('.').reverse().join('.')}.in-addr.arpa.`;
  const hex = p.value.toString(16).padStart(32, '0');
  return `${[...hex].reverse().join('.')}.ip6.arpa.`;
}

/**
 * The IP a full reverse name stands for (CoreDNS `ExtractAddressFromReverse`): exactly four decimal
 * labels under in-addr.arpa or 32 hex nibbles under ip6.arpa; anything else (a partial name) is undefined.
 */
export function ipFromReverseName(name: string): string | undefined {
  const n = lowerName(name);
  if (n.endsWith('.in-addr.arpa.')) {
    const parts = labelsOf(n.slice(0, -'.in-addr.arpa.'.length));
    if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p))) return undefined;
    const ip = parts.reverse().join('.');
    return parseIP(ip) ? ip : undefined;
  }
  if (n.endsWith('.ip6.arpa.')) {
    const parts = labelsOf(n.slice(0, -'.ip6.arpa.'.length));
    if (parts.length !== 32 || !parts.every((p) => /^[0-9a-f]$/.test(p))) return undefined;
    return formatIP(6, BigInt(`0x${parts.reverse().join('')}`));
  }
  return undefined;
}

/**
 * The name CoreDNS gives an endpoint: its hostname; else (with `endpoint_pod_names`) the target pod's
 * name when it fits a label; else the dashed IP (`10-244-1-5`; IPv6 `:` → `-`, a trailing `-` gets `0`).
 */
export function endpointName(ip: string, hostname: string | undefined, podName: string | undefined, usePodNames: boolean): string {
  if (hostname) return hostname;
  if (usePodNames && podName && podName.length < 64) return podName;
  if (ip.includes('.')) return ip.replaceAll('.', '-');
  const dashed = ip.replaceAll(':', '-');
  return dashed.endsWith('-') ? `${dashed}0` : dashed;
}

/**
 * The IP a pod record label stands for (`10-244-1-5` → 10.244.1.5; IPv6 with `-` for `:`), as CoreDNS
 * reads it: three dashes and no `--` mean IPv4, anything else is tried as IPv6.
 */
export function ipFromPodLabel(label: string): string | undefined {
  const dashes = label.split('-').length - 1;
  const candidate = dashes === 3 && !label.includes('--') ? label.replaceAll('-', '.') : label.replaceAll('-', ':');
  return parseIP(candidate) ? candidate : undefined;
}
