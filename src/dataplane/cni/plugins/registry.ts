/**
 * podnet's plugins by executable name, and where the executables live. Each executable in bin/ is
 * a small shell shim: with PODNET_CNI_SOCKET (set by podnet's runtime for a node) it forwards the
 * call — environment, stdin, stdout, exit code unchanged — to the node's CNI daemon, which runs the
 * plugin in-process (Node.js starts once per node instead of once per call); otherwise it runs the
 * plugin standalone. Delegated IPAM resolving to one of these executables also runs in-process.
 */
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hostLocal } from '../ipam/host-local.ts';
import { pluginMain, type PluginHandlers } from '../skel.ts';
import { bridge } from './bridge.ts';
import { loopback } from './loopback.ts';
import { routed } from './routed.ts';

/** podnet's CNI_PATH directory. */
export const PODNET_CNI_BIN = join(dirname(fileURLToPath(import.meta.url)), 'bin');

export const PODNET_PLUGINS: Readonly<Record<string, PluginHandlers>> = {
  bridge,
  'host-local': hostLocal,
  loopback,
  'podnet-routed': routed,
};

/** The handlers behind an executable path, when it is one of podnet's. */
export function podnetPlugin(file: string): PluginHandlers | undefined {
  return dirname(file) === PODNET_CNI_BIN ? PODNET_PLUGINS[basename(file)] : undefined;
}

/** Entry of the standalone executable. */
export async function runStandalone(name: string): Promise<void> {
  const handlers = PODNET_PLUGINS[name];
  if (!handlers) {
    process.stdout.write(`${JSON.stringify({ code: 7, msg: `unknown podnet plugin ${JSON.stringify(name)}` })}\n`);
    process.exitCode = 1;
    return;
  }
  await pluginMain(handlers, podnetPlugin);
}
