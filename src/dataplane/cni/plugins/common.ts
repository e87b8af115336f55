/** Pieces shared by podnet's interface plugins (bridge, routed): IPAM results and prevResult checks. */
import { writeFileSync } from 'node:fs';
import { execIPAM, type PluginArgs } from '../skel.ts';
import { CNIError, CNIErrorCode, type CNIIPConfig, type CNIResult } from '../types.ts';
import { HOST_VETH_ARG, randomVethName, sandboxLink, type LinkInfo } from '../link.ts';

export async function ipamAdd(a: PluginArgs): Promise<{ result: CNIResult; ips: CNIIPConfig[] }> {
  const result = await execIPAM(a, 'ADD');
  const ips = (result?.ips ?? []).map((ip) => ({ address: ip.address, ...(ip.gateway ? { gateway: ip.gateway } : {}) }));
  if (!ips.length) throw new CNIError(CNIErrorCode.internal, 'IPAM plugin returned missing IP config');
  return { result: result as CNIResult, ips };
}

/** Releases what IPAM gave when a later step of ADD fails, so a failed ADD leaks no address. */
export async function ipamUndo(a: PluginArgs): Promise<void> {
  try {
    await execIPAM(a, 'DEL');
  } catch {
    // the ADD error is the one to report
  }
}

export function hostVethFor(a: PluginArgs, prefix = 'veth'): string {
  return a.args.find(([k]) => k === HOST_VETH_ARG)?.[1] || randomVethName(prefix);
}

export function ensureSandboxIfaceAbsent(existing: LinkInfo | undefined, ifName: string): void {
  if (existing) throw new CNIError(CNIErrorCode.internal, `container veth name provided (${ifName}) already exists`);
}

export const isIPv4 = (cidr: string): boolean => !cidr.includes(':');

/** Writes a sysctl of the namespace this process is in (/proc/sys/net is per namespace). */
export function sysctl(path: string, value: string): void {
  writeFileSync(`/proc/sys/${path.replaceAll('.', '/')}`, value);
}

export function requirePrevResult(a: PluginArgs): CNIResult {
  if (!a.conf.prevResult) throw new CNIError(CNIErrorCode.internal, 'Required prevResult missing');
  return a.conf.prevResult;
}

/** CHECK of the container side: the interface exists and holds every address prevResult gave it. */
export async function checkSandbox(a: PluginArgs, prev: CNIResult): Promise<void> {
  const idx = (prev.interfaces ?? []).findIndex((i) => i.name === a.ifName && i.sandbox === a.netns);
  if (idx < 0) throw new CNIError(CNIErrorCode.internal, `Sandbox interface ${a.ifName} not found in prevResult`);
  const link = await sandboxLink(a.netns, a.ifName);
  if (!link) throw new CNIError(CNIErrorCode.internal, `Failed to find container interface ${a.ifName} in ${a.netns}`);
  const want = prev.interfaces?.[idx].mac;
  if (want && link.address && want.toLowerCase() !== link.address.toLowerCase()) {
    throw new CNIError(CNIErrorCode.internal, `Interface ${a.ifName} Mac ${link.address} doesn't match container Mac: ${want}`);
  }
  const have = new Set((link.addr_info ?? []).map((x) => `${x.local}/${x.prefixlen}`));
  for (const ip of prev.ips ?? []) {
    if (ip.interface !== idx) continue;
    if (!have.has(ip.address)) throw new CNIError(CNIErrorCode.internal, `Failed to match addr ${ip.address} on interface ${a.ifName}`);
  }
}

export function dnsOf(a: PluginArgs, ipam: CNIResult): CNIResult['dns'] {
  const conf = a.conf.dns;
  if (conf && Object.keys(conf).length) return conf;
  return ipam.dns ?? {};
}
