/**
 * The runtime side of CNI (what libcni does for containerd and CRI-O): load network configurations
 * from a conf dir, execute plugin chains with the spec's environment and stdin, pass each plugin's
 * result as the next one's prevResult, cache the final result for CHECK and DEL, run DEL in reverse.
 * Plugins execute inside the node's network namespace (where the node's bridge and routes live).
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { callDaemon } from './daemon.ts';
import { podnetPlugin } from './plugins/registry.ts';
import { execPlugin, findPlugin, pluginFailure } from './skel.ts';
import { CNIError, CNIErrorCode, formatCNIArgs, type CNIResult, type NetConf, type NetConfList, type PluginConf } from './types.ts';
import { netnsPath } from '../netns.ts';

export interface RuntimeOptions {
  /** Directories searched for plugin executables (CNI_PATH). */
  binDirs: string[];
  /** Where final results are cached (libcni's cacheDir). */
  cacheDir: string;
  /** Named network namespace the plugins execute in; the caller's when absent. */
  execNetns?: string;
  /** Extra environment for the plugins (PODNET_CNI_SOCKET for podnet's own). */
  env?: Record<string, string>;
  /**
   * The node's CNI daemon socket: podnet's own plugins are then called on it directly, with the
   * same request their executables would forward, saving the nsenter, shell and nc per call.
   */
  daemonSocket?: string;
}

/** One attachment of a container to a network (libcni RuntimeConf). */
export interface Attachment {
  containerID: string;
  /** Path of the container's network namespace. */
  netns: string;
  ifName: string;
  args: [string, string][];
  /** Values for the capabilities plugins declare (`ips`, `portMappings`, …), injected as runtimeConfig. */
  capabilityArgs?: Record<string, unknown>;
}

export interface VersionInfo {
  cniVersion: string;
  supportedVersions: string[];
}

interface CacheEntry {
  kind: 'cniCacheV1';
  containerId: string;
  ifName: string;
  networkName: string;
  cniArgs: [string, string][];
  capabilityArgs: Record<string, unknown>;
  result: CNIResult;
}

/** Reads a `.conflist`, or a single-plugin `.conf`/`.json` as a one-plugin list. */
export function parseNetworkConfig(text: string, file = '<conf>'): NetConfList {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    throw new CNIError(CNIErrorCode.decodeFailure, `${file}: invalid JSON: ${(e as Error).message}`);
  }
  if (typeof raw.name !== 'string' || !raw.name) throw new CNIError(CNIErrorCode.invalidNetworkConfig, `${file}: missing network name`);
  const cniVersion = typeof raw.cniVersion === 'string' ? raw.cniVersion : '0.1.0';
  if (Array.isArray(raw.plugins)) {
    if (!raw.plugins.length) throw new CNIError(CNIErrorCode.invalidNetworkConfig, `${file}: no plugins in list`);
    for (const [i, p] of (raw.plugins as Record<string, unknown>[]).entries()) {
      if (typeof p?.type !== 'string' || !p.type) throw new CNIError(CNIErrorCode.invalidNetworkConfig, `${file}: plugins[${i}]: missing type`);
    }
    return { cniVersion, name: raw.name, ...(raw.disableCheck === true ? { disableCheck: true } : {}), plugins: raw.plugins as NetConfList['plugins'] };
  }
  if (typeof raw.type !== 'string' || !raw.type) throw new CNIError(CNIErrorCode.invalidNetworkConfig, `${file}: missing type`);
  const { cniVersion: _v, name: _n, ...plugin } = raw;
  return { cniVersion, name: raw.name, plugins: [plugin as PluginConf] };
}

/** The conf dir's networks in lexical file order (the runtime uses the first; kubelet did too). */
export function loadConfDir(dir: string): { file: string; list: NetConfList }[] {
  return readdirSync(dir)
    .filter((f) => /\.(conf|conflist|json)$/.test(f))
    .sort()
    .map((f) => ({ file: f, list: parseNetworkConfig(readFileSync(join(dir, f), 'utf8'), join(dir, f)) }));
}

export class CNIRuntime {
  constructor(readonly opts: RuntimeOptions) {}

  private cacheFile(network: string, att: Attachment): string {
    return join(this.opts.cacheDir, 'results', `${network}-${att.containerID}-${att.ifName}`);
  }

  cachedResult(network: string, att: Attachment): CNIResult | undefined {
    try {
      return (JSON.parse(readFileSync(this.cacheFile(network, att), 'utf8')) as CacheEntry).result;
    } catch {
      return undefined;
    }
  }

  /** libcni buildOneConfig: the list's name and version, prevResult, and runtimeConfig for declared capabilities. */
  private pluginConf(list: NetConfList, plugin: PluginConf, att: Attachment, prevResult: CNIResult | undefined): NetConf {
    const conf: NetConf = { ...plugin, cniVersion: list.cniVersion, name: list.name } as NetConf;
    const runtimeConfig: Record<string, unknown> = {};
    for (const [cap, on] of Object.entries(plugin.capabilities ?? {})) {
      if (on && att.capabilityArgs?.[cap] !== undefined) runtimeConfig[cap] = att.capabilityArgs[cap];
    }
    if (Object.keys(runtimeConfig).length) conf.runtimeConfig = runtimeConfig;
    else delete conf.runtimeConfig;
    if (prevResult) conf.prevResult = prevResult;
    return conf;
  }

  private async exec(command: 'ADD' | 'DEL' | 'CHECK' | 'VERSION', type: string, stdin: string, att?: Attachment): Promise<string> {
    const file = findPlugin(type, this.opts.binDirs);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...this.opts.env,
      CNI_COMMAND: command,
      CNI_PATH: this.opts.binDirs.join(':'),
      ...(att ? { CNI_CONTAINERID: att.containerID, CNI_NETNS: att.netns, CNI_IFNAME: att.ifName, CNI_ARGS: formatCNIArgs(att.args) } : {}),
    };
    const r = this.opts.daemonSocket && podnetPlugin(file)
      ? await callDaemon(this.opts.daemonSocket, env, basename(file), stdin)
      : this.opts.execNetns
      ? await execPlugin('nsenter', env, stdin, [`--net=${netnsPath(this.opts.execNetns)}`, '--', file])
      : await execPlugin(file, env, stdin);
    if (r.code !== 0) throw pluginFailure(type, r);
    return r.stdout;
  }

  async addNetworkList(list: NetConfList, att: Attachment): Promise<CNIResult> {
    let prev: CNIResult | undefined;
    for (const plugin of list.plugins) {
      const out = await this.exec('ADD', plugin.type, JSON.stringify(this.pluginConf(list, plugin, att, prev)), att);
      try {
        prev = JSON.parse(out) as CNIResult;
      } catch {
        throw new CNIError(CNIErrorCode.decodeFailure, `plugin ${plugin.type} returned no valid JSON result`);
      }
    }
    const result = prev as CNIResult;
    const entry: CacheEntry = { kind: 'cniCacheV1', containerId: att.containerID, ifName: att.ifName, networkName: list.name, cniArgs: att.args, capabilityArgs: att.capabilityArgs ?? {}, result };
    mkdirSync(join(this.opts.cacheDir, 'results'), { recursive: true });
    writeFileSync(this.cacheFile(list.name, att), JSON.stringify(entry));
    return result;
  }

  /** DEL in reverse order with the cached result as prevResult; succeeds when everything is already gone. */
  async delNetworkList(list: NetConfList, att: Attachment): Promise<void> {
    const cached = this.cachedResult(list.name, att);
    for (const plugin of [...list.plugins].reverse()) {
      await this.exec('DEL', plugin.type, JSON.stringify(this.pluginConf(list, plugin, att, cached)), att);
    }
    rmSync(this.cacheFile(list.name, att), { force: true });
  }

  async checkNetworkList(list: NetConfList, att: Attachment): Promise<void> {
    if (list.disableCheck) return;
    const cached = this.cachedResult(list.name, att);
    if (!cached) throw new CNIError(CNIErrorCode.internal, `failed to get network "${list.name}" cached result`);
    for (const plugin of list.plugins) {
      await this.exec('CHECK', plugin.type, JSON.stringify(this.pluginConf(list, plugin, att, cached)), att);
    }
  }

  async version(type: string): Promise<VersionInfo> {
    return JSON.parse(await this.exec('VERSION', type, JSON.stringify({ cniVersion: '1.0.0' }))) as VersionInfo;
  }
}
