/**
 * A pod's /etc/resolv.conf exactly as kubelet composes it (`GetPodDNS` in pkg/kubelet/network/dns):
 * the base from dnsPolicy, then `dnsConfig` appended, then the limits. The text form is what the
 * container runtime writes: `search`, then one `nameserver` line each, then `options`.
 */
import { parseCIDR } from '../../api/cidr.ts';
import type { DNSPolicy, Pod } from '../../api/types.ts';
import type { ClusterView } from '../../cluster/view.ts';
import { clusterDNSIP } from './zone.ts';

export interface ResolvConf {
  nameservers: string[];
  searches: string[];
  /** `name` or `name:value`, e.g. `ndots:5`. */
  options: string[];
}

/** The three policies kubelet distinguishes after folding ClusterFirst+hostNetwork into Default. */
export type EffectiveDNSPolicy = 'ClusterFirst' | 'Default' | 'None';

export interface PodResolvConf {
  conf: ResolvConf;
  /** The policy as written (API default ClusterFirst). */
  dnsPolicy: DNSPolicy;
  effectivePolicy: EffectiveDNSPolicy;
  /** Kubelet's DNSConfigForming events (limits exceeded, entries dropped). */
  warnings: string[];
}

/** Kubelet limits (validation.MaxDNSNameservers; KEP-2595 expanded search limits, GA in 1.28). */
export const MAX_NAMESERVERS = 3;
export const MAX_SEARCH_PATHS = 32;
export const MAX_SEARCH_CHARS = 2048;
/** A search entry longer than a DNS-1123 subdomain is dropped (glibc 2.28 aborts on > 255). */
const MAX_SEARCH_ENTRY = 253;

/**
 * The node's resolv.conf (kubelet `--resolv-conf`), which Default-policy pods inherit and which CoreDNS
 * (itself dnsPolicy Default) forwards to. podnet's convention: the first address of the node network
 * (its gateway, as on a kind network) is the node's resolver, with no search domains.
 */
export function nodeResolvConf(view: ClusterView): ResolvConf {
  const net = parseCIDR(view.config.nodeNetwork);
  return { nameservers: net ? [net.at(1)] : [], searches: [], options: [] };
}

export function podResolvConf(pod: Pod, view: ClusterView, host: ResolvConf = nodeResolvConf(view)): PodResolvConf {
  const dnsPolicy = pod.spec.dnsPolicy ?? 'ClusterFirst';
  const effectivePolicy = effectiveDNSPolicy(dnsPolicy, pod.spec.hostNetwork === true);
  let conf: ResolvConf;
  if (effectivePolicy === 'None') {
    conf = { nameservers: [], searches: [], options: [] };
  } else if (effectivePolicy === 'ClusterFirst') {
    // The cluster DNS is the only nameserver; the node's options are dropped for ndots:5.
    const domain = view.config.clusterDomain;
    const ns = pod.metadata.namespace ?? 'default';
    conf = { nameservers: [clusterDNSIP(view)], searches: unique([`${ns}.svc.${domain}`, `svc.${domain}`, domain, ...host.searches]), options: ['ndots:5'] };
  } else {
    conf = { nameservers: [...host.nameservers], searches: [...host.searches], options: [...host.options] };
  }
  const dc = pod.spec.dnsConfig;
  if (dc) {
    conf = {
      nameservers: unique([...conf.nameservers, ...(dc.nameservers ?? [])]),
      searches: unique([...conf.searches, ...(dc.searches ?? [])]),
      options: mergeOptions(conf.options, dc.options ?? []),
    };
  }
  const warnings: string[] = [];
  conf = { ...conf, nameservers: fitNameservers(conf.nameservers, warnings), searches: fitSearches(conf.searches, warnings) };
  return { conf, dnsPolicy, effectivePolicy, warnings };
}

/** ClusterFirst on the host network behaves as Default; ClusterFirstWithHostNet always as ClusterFirst. */
export function effectiveDNSPolicy(policy: DNSPolicy, hostNetwork: boolean): EffectiveDNSPolicy {
  switch (policy) {
    case 'None':
      return 'None';
    case 'ClusterFirstWithHostNet':
      return 'ClusterFirst';
    case 'Default':
      return 'Default';
    default:
      return hostNetwork ? 'Default' : 'ClusterFirst';
  }
}

/**
 * Options merged by name, dnsConfig winning. Kubelet rebuilds the list from a Go map (random order);
 * podnet keeps first-seen order so output is stable — compare options order-insensitively.
 */
function mergeOptions(existing: readonly string[], extra: readonly { name: string; value?: string }[]): string[] {
  const map = new Map<string, string>();
  for (const op of existing) {
    const i = op.indexOf(':');
    if (i >= 0) map.set(op.slice(0, i), op.slice(i + 1));
    else map.set(op, '');
  }
  for (const op of extra) map.set(op.name, op.value ?? '');
  return [...map].map(([k, v]) => (v ? `${k}:${v}` : k));
}

function fitNameservers(list: string[], warnings: string[]): string[] {
  if (list.length <= MAX_NAMESERVERS) return list;
  const kept = list.slice(0, MAX_NAMESERVERS);
  warnings.push(`Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: ${kept.join(' ')}`);
  return kept;
}

function fitSearches(list: string[], warnings: string[]): string[] {
  let exceeded = false;
  let out = list;
  if (out.length > MAX_SEARCH_PATHS) {
    out = out.slice(0, MAX_SEARCH_PATHS);
    exceeded = true;
  }
  const short = out.filter((s) => s.length <= MAX_SEARCH_ENTRY);
  if (short.length !== out.length) exceeded = true;
  out = short;
  const lineLength = out.join(' ').length;
  if (lineLength > MAX_SEARCH_CHARS) {
    // Drop entries from the end until the line fits.
    let cut = 0;
    let n = 0;
    for (let i = out.length - 1; i >= 0; i--) {
      cut += out[i].length + 1;
      n++;
      if (lineLength - cut <= MAX_SEARCH_CHARS) break;
    }
    out = out.slice(0, out.length - n);
    exceeded = true;
  }
  if (exceeded) warnings.push(`Search Line limits were exceeded, some search paths have been omitted, the applied search line is: ${out.join(' ')}`);
  return out;
}

function unique(list: readonly string[]): string[] {
  return [...new Set(list)];
}

/** resolv.conf text as the container runtime writes it. */
export function renderResolvConf(conf: ResolvConf): string {
  let out = '';
  if (conf.searches.length) out += `search ${conf.searches.join(' ')}\n`;
  for (const ns of conf.nameservers) out += `nameserver ${ns}\n`;
  if (conf.options.length) out += `options ${conf.options.join(' ')}\n`;
  return out;
}

/** Parses resolv.conf text as kubelet does: nameservers accumulate; the last `search` and `options` lines win. */
export function parseResolvConf(text: string): ResolvConf {
  const conf: ResolvConf = { nameservers: [], searches: [], options: [] };
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#') || line.startsWith(';')) continue;
    const fields = line.split(/\s+/).filter(Boolean);
    if (!fields.length) continue;
    if (fields[0] === 'nameserver' && fields[1]) conf.nameservers.push(fields[1]);
    if (fields[0] === 'search') conf.searches = fields.slice(1).map((s) => s.replace(/\.$/, ''));
    if (fields[0] === 'options') conf.options = fields.slice(1);
  }
  return conf;
}

/** `ndots` as the stub resolver reads it: last `ndots:N` wins, capped at 15 (glibc RES_MAXNDOTS); default 1. */
export function ndotsOf(conf: ResolvConf): number {
  let n = 1;
  for (const op of conf.options) {
    const m = /^ndots:(\d+)$/.exec(op);
    if (m) n = Math.min(15, Number(m[1]));
  }
  return n;
}
