/** The `loopback` plugin: brings `lo` up in the container namespace (and down on DEL). */
import type { PluginArgs, PluginHandlers } from '../skel.ts';
import { CNIError, CNIErrorCode, type CNIResult } from '../types.ts';
import { execIn } from '../ns-exec.ts';
import { sandboxBatch, sandboxLink } from '../link.ts';

async function add(a: PluginArgs): Promise<CNIResult> {
  const [[lo]] = await sandboxBatch(a.netns, ['link set lo up', 'addr show dev lo']);
  return {
    cniVersion: '1.0.0',
    interfaces: [{ name: 'lo', mac: lo.address ?? '00:00:00:00:00:00', sandbox: a.netns }],
    ips: (lo.addr_info ?? []).map((x) => ({ interface: 0, address: `${x.local}/${x.prefixlen}` })),
    dns: {},
  };
}

async function del(a: PluginArgs): Promise<void> {
  if (!a.netns) return;
  // A namespace that is already gone has no loopback left to bring down.
  await execIn(a.netns, ['ip', 'link', 'set', 'lo', 'down']);
}

async function check(a: PluginArgs): Promise<void> {
  const lo = await sandboxLink(a.netns, 'lo');
  if (!lo?.flags?.includes('UP')) throw new CNIError(CNIErrorCode.internal, 'loopback interface is down');
}

export const loopback: PluginHandlers = { add, del, check };
