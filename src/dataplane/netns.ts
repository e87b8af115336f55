/**
 * Network namespaces and the `ip` tool inside them. `ip -n NS` switches namespace per call (and
 * remounts /sys), so changes are grouped into one `ip -batch -` per namespace.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { awaitFirstOutput, must, run } from './run.ts';

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

/** Creates many namespaces with one `ip -batch` (0.6 ms each instead of 3). */
export async function addNetnsAll(names: readonly string[]): Promise<void> {
  await ipBatch(undefined, names.map((n) => `netns add ${n}`));
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

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/** Deletes a namespace, its processes killed first (a live process keeps it and its veths alive after `ip netns del`). */
export async function deleteNetns(name: string): Promise<void> {
  await killProcessesIn([name]);
  const r = await run('ip', ['netns', 'del', name]);
  if (r.code !== 0 && netnsExists(name)) throw new Error(`ip netns del ${name}: ${r.stderr.trim()}`);
}

/**
 * Processes inside the given namespaces, found in one pass over /proc (a process's
 * /proc/PID/ns/net names the namespace inode, which is the inode of /var/run/netns/NAME).
 * `ip netns pids` scans all of /proc once per namespace, which is quadratic for hundreds of pods.
 */
export function processesIn(names: readonly string[]): Map<string, number[]> {
  const byInode = new Map<number, string>();
  for (const name of names) {
    try {
      byInode.set(statSync(netnsPath(name)).ino, name);
    } catch {
      // already gone
    }
  }
  const found = new Map<string, number[]>();
  if (!byInode.size) return found;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let link: string;
    try {
      link = readlinkSync(`/proc/${entry}/ns/net`);
    } catch {
      continue;
    }
    const ino = Number(/\[(\d+)\]/.exec(link)?.[1]);
    const name = byInode.get(ino);
    if (name) found.set(name, [...(found.get(name) ?? []), Number(entry)]);
  }
  return found;
}

/** Kills every process in the namespaces: TERM, then KILL what is left after the grace period. Returns how many there were. */
export async function killProcessesIn(names: readonly string[], graceMs = 1000): Promise<number> {
  const pidsOf = (): number[] => [...processesIn(names).values()].flat();
  let pids = pidsOf();
  const count = pids.length;
  for (const pid of pids) signal(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (pids.length && Date.now() < deadline) {
    await sleep(25);
    pids = pidsOf();
  }
  for (const pid of pids) signal(pid, 'SIGKILL');
  for (let i = 0; i < 40 && pids.length; i++) {
    await sleep(25);
    pids = pidsOf();
  }
  return count;
}

/** Deletes namespaces (their processes killed first) with one `ip -batch`, then checks each is gone. */
export async function deleteNetnsAll(names: readonly string[]): Promise<void> {
  if (!names.length) return;
  await killProcessesIn(names);
  await run('ip', ['-force', '-batch', '-'], { input: `${names.map((n) => `netns del ${n}`).join('\n')}\n` });
  const left = names.filter((n) => netnsExists(n));
  for (const n of left) await deleteNetns(n);
}

export interface NetnsHelper {
  netns: string;
  /** The Node.js script and its arguments. */
  script: string;
  args: readonly string[];
  /** Its stderr is appended here (the last lines go into the error when it does not start). */
  log: string;
  /** Names it in errors: `${what} did not start`. */
  what: string;
  timeoutMs: number;
  /** Handed to it as descriptor 3 (the host's namespace for the host-link sync). */
  fd3?: number;
}

/**
 * Starts a long-lived Node.js helper (CNI daemon, pod test server, kube-system component) inside a
 * namespace, detached so it outlives the command, and waits for its first line on stdout, its
 * "ready". Returns its pid.
 */
export async function startNetnsHelper(h: NetnsHelper): Promise<number> {
  mkdirSync(dirname(h.log), { recursive: true });
  const fd = openSync(h.log, 'a');
  const stdio = ['ignore', 'pipe', fd, ...(h.fd3 === undefined ? [] : [h.fd3])] as const;
  const [cmd, args] = nsenterArgs(h.netns, process.execPath, [h.script, ...h.args]);
  const child = spawn(cmd, args, { detached: true, stdio: [...stdio] });
  closeSync(fd);
  const ready = await awaitFirstOutput(child, h.timeoutMs);
  child.stdout?.destroy();
  child.unref();
  if (!ready || child.pid === undefined) {
    let tail = '';
    try {
      tail = readFileSync(h.log, 'utf8').trim().split('\n').slice(-3).join('; ');
    } catch {
      // no log
    }
    throw new Error(`${h.what} did not start${tail ? `: ${tail}` : ''} (log: ${h.log})`);
  }
  return child.pid;
}
