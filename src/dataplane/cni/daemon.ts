/**
 * The node's CNI daemon: runs inside the node's network namespace (as the node agent would) and
 * serves plugin calls forwarded by the bin/ shims over a unix socket. Request: `KEY=VALUE` lines of
 * the CNI environment (plus PODNET_PLUGIN, the executable's name, and PODNET_STDIN_PID when the
 * daemon is to read the configuration from the shim's stdin), an empty line, the stdin bytes.
 * Response: what the plugin prints, a newline, its exit code.
 */
import { rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import { invokePlugin, type InvokeResult } from './skel.ts';
import { PODNET_PLUGINS, podnetPlugin } from './plugins/registry.ts';
import { CNIError, CNIErrorCode } from './types.ts';

export function parseRequest(text: string): { env: Record<string, string>; stdin: string } {
  const split = text.indexOf('\n\n');
  const head = split < 0 ? text : text.slice(0, split);
  const env: Record<string, string> = {};
  for (const line of head.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) env[line.slice(0, i)] = line.slice(i + 1);
  }
  return { env, stdin: split < 0 ? '' : text.slice(split + 2) };
}

/**
 * The configuration: inline after the header, or — when the shim sends PODNET_STDIN_PID (its stdin
 * is a pipe or a file) — read from that process's stdin, which the shim leaves unread and keeps
 * open while it waits for the answer.
 */
export async function requestStdin(env: Record<string, string>, inline: string): Promise<string> {
  const pid = env.PODNET_STDIN_PID;
  if (!pid) return inline;
  if (!/^[1-9]\d*$/.test(pid)) throw new CNIError(CNIErrorCode.invalidEnv, `PODNET_STDIN_PID ${JSON.stringify(pid)} is not a process id`);
  try {
    return await readFile(`/proc/${pid}/fd/0`, 'utf8');
  } catch (e) {
    throw new CNIError(CNIErrorCode.ioFailure, `cannot read the plugin's stdin (process ${pid}): ${(e as Error).message}`);
  }
}

export async function handleRequest(text: string): Promise<InvokeResult> {
  const { env, stdin: inline } = parseRequest(text);
  let stdin: string;
  try {
    stdin = await requestStdin(env, inline);
  } catch (e) {
    const err = e as CNIError;
    return { code: 1, stdout: `${JSON.stringify(err.body(), null, 4)}\n` };
  }
  const handlers = PODNET_PLUGINS[env.PODNET_PLUGIN ?? ''];
  if (!handlers) return { code: 1, stdout: `${JSON.stringify({ code: CNIErrorCode.invalidNetworkConfig, msg: `unknown podnet plugin ${JSON.stringify(env.PODNET_PLUGIN)}` })}\n` };
  // Only the CNI variables of the call: the daemon's own environment must not leak into it.
  // Unset variables arrive empty (the shim prints all six); the plugin must see them as absent.
  const callEnv: NodeJS.ProcessEnv = { PATH: process.env.PATH, ...Object.fromEntries(Object.entries(env).filter(([k, v]) => k.startsWith('CNI_') && v !== '')) };
  return invokePlugin(handlers, callEnv, stdin, podnetPlugin);
}

export function serveCNI(socketPath: string): Promise<net.Server> {
  rmSync(socketPath, { force: true });
  // allowHalfOpen: the shim half-closes after sending; the answer comes after the plugin ran.
  const server = net.createServer({ allowHalfOpen: true }, (sock) => {
    const chunks: Buffer[] = [];
    sock.on('error', () => undefined);
    sock.on('data', (b: Buffer) => chunks.push(b));
    sock.on('end', () => {
      void handleRequest(Buffer.concat(chunks).toString()).then((r) => sock.end(`${r.stdout.replace(/\n+$/, '')}\n${r.code}`));
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve(server));
  });
}

/** What a shim does, from Node: one call to the daemon, the plugin's stdout and exit code back. */
export function callDaemon(socketPath: string, env: Record<string, string | undefined>, plugin: string, stdin: string): Promise<InvokeResult> {
  const head = ['CNI_COMMAND', 'CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME', 'CNI_ARGS', 'CNI_PATH'].map((k) => `${k}=${env[k] ?? ''}`);
  return new Promise((resolve, reject) => {
    const sock = net.createConnection(socketPath);
    const chunks: Buffer[] = [];
    sock.on('error', reject);
    sock.on('data', (b: Buffer) => chunks.push(b));
    sock.on('end', () => {
      const text = Buffer.concat(chunks).toString();
      const i = text.lastIndexOf('\n');
      const code = Number(text.slice(i + 1));
      if (i < 0 || !Number.isInteger(code)) return reject(new Error(`CNI daemon at ${socketPath} answered without an exit code`));
      const out = text.slice(0, i);
      resolve({ code, stdout: out ? `${out}\n` : '' });
    });
    sock.end(`${head.join('\n')}\nPODNET_PLUGIN=${plugin}\n\n${stdin}`);
  });
}
