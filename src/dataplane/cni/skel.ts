/**
 * The plugin side of the CNI protocol: environment, stdin configuration, version negotiation, and
 * result or error JSON on stdout (exit 0 / 1), as SPEC.md "Execution Protocol" describes it.
 */
import { closeSync, existsSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import {
  CNI_VERSION, CNIError, CNIErrorCode, parseCNIArgs, resultForVersion, SUPPORTED_VERSIONS, versionLess,
  type CNIErrorBody, type CNIResult, type NetConf,
} from './types.ts';

export interface PluginArgs {
  command: 'ADD' | 'DEL' | 'CHECK';
  containerID: string;
  /** Path of the container's network namespace; may be empty on DEL. */
  netns: string;
  ifName: string;
  args: [string, string][];
  path: string[];
  /** The raw stdin bytes, passed on unchanged to delegated (IPAM) plugins. */
  stdin: string;
  conf: NetConf;
  /** The CNI environment of this call, passed on to delegated plugins. */
  env: NodeJS.ProcessEnv;
  /** Handlers to run a delegated plugin in-process when the executable found on CNI_PATH is one of podnet's. */
  inProcess?: (file: string) => PluginHandlers | undefined;
}

export interface PluginHandlers {
  add(a: PluginArgs): Promise<CNIResult>;
  del(a: PluginArgs): Promise<void>;
  check(a: PluginArgs): Promise<void>;
}

const REQUIRED: Record<PluginArgs['command'], string[]> = {
  ADD: ['CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME', 'CNI_PATH'],
  CHECK: ['CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME', 'CNI_PATH'],
  DEL: ['CNI_CONTAINERID', 'CNI_IFNAME', 'CNI_PATH'],
};

function parseConf(stdin: string): NetConf {
  let conf: unknown;
  try {
    conf = JSON.parse(stdin);
  } catch (e) {
    throw new CNIError(CNIErrorCode.decodeFailure, 'decoding version from network config', (e as Error).message);
  }
  if (conf === null || typeof conf !== 'object' || Array.isArray(conf)) throw new CNIError(CNIErrorCode.decodeFailure, 'network config must be a JSON object');
  const c = conf as NetConf;
  // SPEC: an absent cniVersion means 0.1.0.
  c.cniVersion ??= '0.1.0';
  return c;
}

function checkVersion(conf: NetConf): void {
  if (!(SUPPORTED_VERSIONS as readonly string[]).includes(conf.cniVersion)) {
    throw new CNIError(CNIErrorCode.incompatibleVersion, 'incompatible CNI versions', `config is ${JSON.stringify(conf.cniVersion)}, plugin supports ${JSON.stringify(SUPPORTED_VERSIONS)}`);
  }
}

async function readStdin(): Promise<string> {
  try {
    return readFileSync(0, 'utf8');
  } catch {
    return '';
  }
}

export interface InvokeResult {
  code: number;
  stdout: string;
}

/**
 * One CNI call: environment and stdin in, what the executable prints and its exit code out. The
 * standalone executables and the node's CNI daemon both run plugins through this.
 */
export async function invokePlugin(handlers: PluginHandlers, env: NodeJS.ProcessEnv, stdin: string, inProcess?: PluginArgs['inProcess']): Promise<InvokeResult> {
  let version: string | undefined;
  const json = (value: unknown): string => `${JSON.stringify(value, null, 4)}\n`;
  try {
    const command = env.CNI_COMMAND;
    if (!command) throw new CNIError(CNIErrorCode.invalidEnv, 'required env variables [CNI_COMMAND] missing');
    if (command === 'VERSION') return { code: 0, stdout: json({ cniVersion: CNI_VERSION, supportedVersions: SUPPORTED_VERSIONS }) };
    if (command !== 'ADD' && command !== 'DEL' && command !== 'CHECK') {
      throw new CNIError(CNIErrorCode.invalidEnv, `unknown CNI_COMMAND: ${command}`);
    }
    const missing = REQUIRED[command].filter((k) => !env[k]);
    if (missing.length) throw new CNIError(CNIErrorCode.invalidEnv, `required env variables [${missing.join(' ')}] missing`);
    const conf = parseConf(stdin);
    version = conf.cniVersion;
    checkVersion(conf);
    if (command === 'CHECK' && versionLess(conf.cniVersion, '0.4.0')) {
      throw new CNIError(CNIErrorCode.incompatibleVersion, 'config version does not allow CHECK');
    }
    const a: PluginArgs = {
      command,
      containerID: env.CNI_CONTAINERID as string,
      netns: env.CNI_NETNS ?? '',
      ifName: env.CNI_IFNAME as string,
      args: parseCNIArgs(env.CNI_ARGS),
      path: (env.CNI_PATH as string).split(delimiter).filter((p) => p),
      stdin,
      conf,
      env,
      ...(inProcess ? { inProcess } : {}),
    };
    if (command === 'ADD') return { code: 0, stdout: json(resultForVersion(await handlers.add(a), conf.cniVersion)) };
    if (command === 'DEL') await handlers.del(a);
    else await handlers.check(a);
    return { code: 0, stdout: '' };
  } catch (e) {
    const err = e instanceof CNIError ? e : new CNIError(CNIErrorCode.internal, e instanceof Error ? e.message : String(e));
    return { code: 1, stdout: json(err.body(version)) };
  }
}

/** Runs a plugin as its own process: reads stdin, prints the result, sets process.exitCode. */
export async function pluginMain(handlers: PluginHandlers, inProcess?: PluginArgs['inProcess']): Promise<void> {
  const r = await invokePlugin(handlers, process.env, await readStdin(), inProcess);
  process.stdout.write(r.stdout);
  process.exitCode = r.code;
}

/** Finds a plugin executable on CNI_PATH. */
export function findPlugin(type: string, path: readonly string[]): string {
  if (type.includes('/')) throw new CNIError(CNIErrorCode.invalidNetworkConfig, `invalid plugin type ${JSON.stringify(type)}`);
  for (const dir of path) {
    const p = join(dir, type);
    if (existsSync(p)) return p;
  }
  throw new CNIError(CNIErrorCode.invalidNetworkConfig, `failed to find plugin "${type}" in path [${path.join(' ')}]`);
}

export interface ExecResult {
  code: number;
  stdout: string;
}

/** Where plugin stdin files are made: tmpfs when the machine has one. */
const STDIN_DIR = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
let stdinFiles = 0;

/**
 * The configuration as an open, already unlinked file. Node's 'pipe' stdio is a socketpair, which a
 * process cannot reopen through /proc; a file can be, so podnet's shim lets the node CNI daemon read
 * its stdin directly (dash's read builtin takes a system call per byte), and every plugin reads a
 * file on stdin as it reads a pipe. Undefined when no file can be made (stdin is then a pipe).
 */
function stdinFile(stdin: string): number | undefined {
  const path = join(STDIN_DIR, `podnet-cni-stdin-${process.pid}-${stdinFiles++}`);
  try {
    writeFileSync(path, stdin, { mode: 0o600, flag: 'wx' });
    return openSync(path, 'r');
  } catch {
    return undefined;
  } finally {
    rmSync(path, { force: true });
  }
}

/** Executes a plugin with the CNI environment and a configuration on stdin. */
export function execPlugin(file: string, env: NodeJS.ProcessEnv, stdin: string, args: string[] = []): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const fd = stdinFile(stdin);
    let child;
    try {
      child = spawn(file, args, { env, stdio: [fd ?? 'pipe', 'pipe', 'inherit'] });
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
    const out: Buffer[] = [];
    child.stdout?.on('data', (b: Buffer) => out.push(b));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout: Buffer.concat(out).toString() }));
    if (child.stdin) {
      child.stdin.on('error', () => undefined);
      child.stdin.end(stdin);
    }
  });
}

/** Turns a plugin's non-zero exit into a CNIError carrying the plugin's own code and message. */
export function pluginFailure(type: string, r: ExecResult): CNIError {
  try {
    const body = JSON.parse(r.stdout) as CNIErrorBody;
    if (typeof body.code === 'number' && typeof body.msg === 'string') return new CNIError(body.code, body.msg, body.details);
  } catch {
    // not JSON: fall through
  }
  return new CNIError(CNIErrorCode.internal, `plugin ${type} failed (exit ${r.code}) without a CNI error: ${r.stdout.trim().slice(0, 200)}`);
}

/**
 * Delegated IPAM (SPEC "Delegated plugins"): the IPAM plugin named by `ipam.type` gets the same
 * environment and the same stdin, with CNI_COMMAND set to the operation.
 */
export async function execIPAM(a: PluginArgs, command: 'ADD' | 'DEL' | 'CHECK'): Promise<CNIResult | undefined> {
  const type = a.conf.ipam?.type;
  if (!type) throw new CNIError(CNIErrorCode.invalidNetworkConfig, 'missing IPAM plugin type (ipam.type)');
  const file = findPlugin(type, a.path);
  const env = { ...a.env, CNI_COMMAND: command };
  const local = a.inProcess?.(file);
  const r = local ? await invokePlugin(local, env, a.stdin, a.inProcess) : await execPlugin(file, env, a.stdin);
  if (r.code !== 0) throw pluginFailure(type, r);
  if (command !== 'ADD') return undefined;
  try {
    return JSON.parse(r.stdout) as CNIResult;
  } catch {
    throw new CNIError(CNIErrorCode.decodeFailure, `IPAM plugin ${type} returned no valid JSON result`);
  }
}
