/** The `loopback` plugin: brings `lo` up in the container namespace (and down on DEL). */
import type { PluginArgs, PluginHandlers } from '../skel.ts';
import { CNIError, CNIErrorCode, type CNIResult } from '../types.ts';
import { sandboxConfigure, sandboxLink } from '../link.ts';
import { configureLink } from '../ns-exec.ts';

async function add(a: PluginArgs): Promise<CNIResult> {
  const [lo] = await sandboxConfigure(a.netns, 'lo', [{ op: 'up' }, { op: 'show' }]);
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
  await configureLink(a.netns, 'lo', [{ op: 'down' }]);
}

async function check(a: PluginArgs): Promise<void> {
  const lo = await sandboxLink(a.netns, 'lo');
  if (!lo?.flags?.includes('UP')) throw new CNIError(CNIErrorCode.internal, 'loopback interface is down');
}

export const loopback: PluginHandlers = { add, del, check };
