/**
 * Network namespaces and the `ip` tool inside them. `ip -n NS` switches namespace per call (and
 * remounts /sys), so changes are grouped into one `ip -batch -` per namespace.
 */
import { existsSync } from 'node:fs';
import { must, run } from './run.ts';

export const NETNS_DIR = '/var/run/netns';

export const netnsPath = (name: string): string => `${NETNS_DIR}/${name}`;

export async function listNetns(): Promise<string[]> {
  const r = await run('ip', ['netns', 'list']);
  if (r.code !== 0) return [];
  // Lines look like `name` or `name (id: 3)`.
  return r.stdout.split('\n').map((l) => l.trim().split(/\s+/)[0]).filter((n) => n);
}

export function netnsExists(name: string): boolean {
  return existsSync(netnsPath(name));
}

export async function addNetns(name: string): Promise<void> {
  await must('ip', ['netns', 'add', name]);
}

/** Runs `ip` batch lines in a namespace (the host's when `netns` is undefined); throws on the first failure. */
export async function ipBatch(netns: string | undefined, lines: readonly string[]): Promise<void> {
  if (!lines.length) return;
  const args = netns ? ['-n', netns, '-batch', '-'] : ['-batch', '-'];
  await must('ip', args, { input: `${lines.join('\n')}\n` });
}

/** Same for `bridge` (FDB entries, port flags). */
export async function bridgeBatch(netns: string, lines: readonly string[]): Promise<void> {
  if (!lines.length) return;
  await must('bridge', ['-n', netns, '-batch', '-'], { input: `${lines.join('\n')}\n` });
}

/** Runs a command inside a namespace (nsenter is cheaper than `ip netns exec`, which remounts /sys). */
export function nsenterArgs(netns: string, cmd: string, args: readonly string[]): [string, string[]] {
  return ['nsenter', [`--net=${netnsPath(netns)}`, '--', cmd, ...args]];
}

export async function nsMust(netns: string, cmd: string, args: readonly string[]): Promise<string> {
  const [c, a] = nsenterArgs(netns, cmd, args);
  return must(c, a);
}

/** Sets sysctls inside a namespace (/proc/sys/net is per namespace). */
export async function sysctls(netns: string, values: Record<string, string | number>): Promise<void> {
  const args = Object.entries(values).map(([k, v]) => `${k}=${v}`);
  await nsMust(netns, 'sysctl', ['-qw', ...args]);
}

export async function netnsPids(name: string): Promise<number[]> {
  const r = await run('ip', ['netns', 'pids', name]);
  if (r.code !== 0) return [];
  return r.stdout.split('\n').map((l) => Number(l.trim())).filter((n) => Number.isInteger(n) && n > 0);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/**
 * Kills every process inside a namespace: a live process keeps the namespace and its veths alive
 * after `ip netns del`. TERM first, KILL whatever is left after a grace period.
 */
export async function killNetnsProcesses(name: string, graceMs = 1000): Promise<number> {
  let pids = await netnsPids(name);
  const count = pids.length;
  for (const pid of pids) signal(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (pids.length && Date.now() < deadline) {
    await sleep(25);
    pids = await netnsPids(name);
  }
  for (const pid of pids) signal(pid, 'SIGKILL');
  for (let i = 0; i < 40 && (await netnsPids(name)).length; i++) await sleep(25);
  return count;
}

export async function deleteNetns(name: string): Promise<void> {
  await killNetnsProcesses(name);
  const r = await run('ip', ['netns', 'del', name]);
  if (r.code !== 0 && netnsExists(name)) throw new Error(`ip netns del ${name}: ${r.stderr.trim()}`);
}
