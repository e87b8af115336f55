/**
 * Kernel changes made by our plugins: `ip -batch` lines in the namespace the plugin runs in (the
 * node's), through one long-lived ip (ip-session.ts); inside the container's namespace (entered by
 * path, since `ip -n` only takes names) rtnetlink from the ns-exec.ts helpers, which send what
 * ip would. `-json` makes the `show` lines of a batch print one JSON document each.
 */
import { IpSession } from './ip-session.ts';
import { configureLink, execIn, type LinkOp } from './ns-exec.ts';
import { CNIError, CNIErrorCode } from './types.ts';

export interface LinkInfo {
  ifname: string;
  address?: string;
  mtu?: number;
  master?: string;
  flags?: string[];
  addr_info?: { family: string; local: string; prefixlen: number }[];
}

function checkLines(lines: readonly string[]): void {
  const bad = lines.find((l) => l.includes('\n'));
  if (bad !== undefined) throw new CNIError(CNIErrorCode.invalidNetworkConfig, `a name or value holds a line break: ${JSON.stringify(bad)}`);
}

const hostSession = new IpSession();

/** `ip -batch` in the plugin's own (node) namespace, through the long-lived session. */
export async function hostBatch(lines: readonly string[], what = 'host network setup'): Promise<LinkInfo[][]> {
  if (!lines.length) return [];
  checkLines(lines);
  const r = await hostSession.batch(lines);
  if (r.error !== undefined) throw new CNIError(CNIErrorCode.internal, `${what}: ${r.error}`);
  return r.json.map((l) => JSON.parse(l) as LinkInfo[]);
}

/**
 * Changes one link inside the container namespace given by CNI_NETNS (ns-exec.ts: rtnetlink from
 * the helper, no process); returns the links the `show` ops printed.
 */
export async function sandboxConfigure(netnsPath: string, ifName: string, ops: readonly LinkOp[], what = 'container network setup'): Promise<LinkInfo[]> {
  const r = await configureLink(netnsPath, ifName, ops);
  if (r.code !== 0) throw new CNIError(CNIErrorCode.internal, `${what}: ${r.stderr.trim().split('\n').filter((l) => l).slice(-2).join('; ')}`);
  return r.stdout.split('\n').filter((l) => l.startsWith('[')).map((l) => (JSON.parse(l) as LinkInfo[])[0]);
}

/** The link in the container namespace, undefined when it does not exist; throws when the namespace cannot be entered. */
export async function sandboxLink(netnsPath: string, ifName: string): Promise<LinkInfo | undefined> {
  const r = await configureLink(netnsPath, ifName, [{ op: 'show' }]);
  const json = r.stdout.split('\n').filter((l) => l.startsWith('['));
  if (r.code === 0 && json.length) return (JSON.parse(json[0]) as LinkInfo[])[0];
  if (/does not exist|Cannot find device/.test(r.stderr)) return undefined;
  throw new CNIError(CNIErrorCode.internal, `failed to open netns "${netnsPath}": ${r.stderr.trim()}`);
}

export async function hostLink(name: string): Promise<LinkInfo | undefined> {
  checkLines([name]);
  const r = await hostSession.batch([`addr show dev ${name}`]);
  if (r.error !== undefined || !r.json.length) return undefined;
  return (JSON.parse(r.json[0]) as LinkInfo[])[0];
}

/** Deletes a link inside the container namespace; a missing namespace or link is not an error (DEL is idempotent). */
export async function deleteSandboxLink(netnsPath: string, ifName: string): Promise<void> {
  if (!netnsPath) return;
  const r = await execIn(netnsPath, ['ip', 'link', 'del', ifName]);
  if (r.code === 0 || /does not exist|Cannot find device|No such file|cannot open/i.test(r.stderr)) return;
  throw new CNIError(CNIErrorCode.internal, `failed to delete ${ifName} in ${netnsPath}: ${r.stderr.trim()}`);
}

/** `veth` + 8 hex digits, as the reference plugins name host veths when the runtime gives no name. */
export function randomVethName(prefix = 'veth'): string {
  const hex = Array.from({ length: 8 }, () => Math.floor(Math.random() * 16).toString(16)).join('');
  return `${prefix}${hex}`;
}

/** Podnet's runtime passes the model's host veth name (model/cni hostVethName) in CNI_ARGS. */
export const HOST_VETH_ARG = 'PODNET_HOST_VETH';
